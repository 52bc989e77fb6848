"""Data-center logic, one module per resource; views and tests call these functions."""
