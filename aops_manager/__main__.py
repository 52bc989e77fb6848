"""`aops-manager` / `python -m aops_manager`: serve the management center."""

from __future__ import annotations

from aops_manager import settings
from aops_manager.app import create_app
from aops_utils.launch import http_service
from aops_utils.serving import run_main

cli = http_service(
    description="The A-Ops management center (port 11111).",
    log_name="manager",
    load=settings.load,
    endpoint=lambda ini: ini.manager.endpoint,
    uwsgi=lambda ini: ini.uwsgi,
    wsgi="aops_manager.wsgi:app",
    create_app=create_app,
)


def main() -> None:
    run_main(cli, "aops-manager")


if __name__ == "__main__":
    main()
