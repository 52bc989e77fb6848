"""`adoctor-check-scheduler` / `python -m adoctor_check_scheduler`: serve rules, results, schedule."""

from __future__ import annotations

from adoctor_check_scheduler import settings
from adoctor_check_scheduler.app import create_app
from aops_utils.launch import http_service
from aops_utils.serving import run_main

cli = http_service(
    description="The A-Ops check scheduler (port 11112).",
    log_name="check_scheduler",
    load=settings.load,
    endpoint=lambda ini: ini.check_scheduler.endpoint,
    # One process: the schedule thread must run once, not once per worker.
    uwsgi=lambda ini: ini.uwsgi.model_copy(update={"processes": 1}),
    wsgi="adoctor_check_scheduler.wsgi:app",
    create_app=create_app,
)


def main() -> None:
    run_main(cli, "adoctor-check-scheduler")


if __name__ == "__main__":
    main()
