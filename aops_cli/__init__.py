"""The `aops` command line: the 21.09 commands plus login sessions, tables and JSON output."""
