# A-Ops: timestamped shell history, read by fluentd (data item "history").
export HISTTIMEFORMAT="%F %T "
export PROMPT_COMMAND="history -a${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
