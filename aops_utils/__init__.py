"""Shared kernel of the A-Ops services: settings, logs, errors, HTTP helpers, auth and seams."""
