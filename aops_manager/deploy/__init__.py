"""Deployment through Ansible: task runs, config collection and host facts, each in a private directory."""
