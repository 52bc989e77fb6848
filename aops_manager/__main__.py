"""`aops-manager` / `python -m aops_manager`: serve the management center."""

from __future__ import annotations

from aops_manager import settings
from aops_manager.app import create_app
from aops_utils.launch import http_service

main = http_service("aops_manager", "The A-Ops management center (port 11111).", settings.load, create_app)

if __name__ == "__main__":
    main()
