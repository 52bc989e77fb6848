"""Check executor: consumes check tasks, evaluates rules on metrics and logs, stores results."""
