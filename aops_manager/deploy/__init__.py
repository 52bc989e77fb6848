"""Deployment: the suite's components as Ansible roles, templates and tasks, and their runs."""
