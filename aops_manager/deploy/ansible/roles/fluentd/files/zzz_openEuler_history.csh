# A-Ops: save csh/tcsh history as it is typed, read by fluentd (data item "history").
set history = 5000
set savehist = (5000 merge)
