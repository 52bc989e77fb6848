"""Configuration tracing (gala-ragdoll): domains of hosts, their expected configuration in git, drift."""
