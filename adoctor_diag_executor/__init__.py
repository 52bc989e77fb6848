"""Diag executor: consumes diagnosis requests, evaluates fault trees, writes reports."""
