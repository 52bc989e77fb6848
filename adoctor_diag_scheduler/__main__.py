"""`adoctor-diag-scheduler` / `python -m adoctor_diag_scheduler`: serve trees, tasks and reports."""

from __future__ import annotations

from adoctor_diag_scheduler import settings
from adoctor_diag_scheduler.app import create_app
from aops_utils.launch import http_service
from aops_utils.serving import run_main

cli = http_service(
    description="The A-Ops diag scheduler (port 11113).",
    log_name="diag_scheduler",
    load=settings.load,
    endpoint=lambda ini: ini.diag_scheduler.endpoint,
    uwsgi=lambda ini: ini.uwsgi,
    wsgi="adoctor_diag_scheduler.wsgi:app",
    create_app=create_app,
)


def main() -> None:
    run_main(cli, "adoctor-diag-scheduler")


if __name__ == "__main__":
    main()
