"""Request bodies of the data-center routes, shared by the data center and its typed client."""
