"""The management center: accounts, hosts and host groups in front of the data center."""
