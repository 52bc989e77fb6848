"""Deployment: the Ansible roles and playbooks of the suite's components, and their catalogue."""
