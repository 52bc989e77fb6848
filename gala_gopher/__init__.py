"""gala-gopher probe: this host's TCP links from the kernel's socket table, as 21.09 tcp_link records."""
