"""Diag scheduler: fault trees, diagnosis tasks, progress and reports."""
