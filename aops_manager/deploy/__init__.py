"""Deployment: the suite's components as Ansible roles, templates and tasks, their runs (each in a
private directory), config collection and host facts."""
