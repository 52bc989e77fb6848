"""`adoctor-check-scheduler` / `python -m adoctor_check_scheduler`: serve rules, results, schedule."""

from __future__ import annotations

from adoctor_check_scheduler import settings
from adoctor_check_scheduler.app import create_app
from aops_utils.launch import http_service
from aops_utils.launch import one_process

main = http_service(
    "adoctor_check_scheduler",
    "The A-Ops check scheduler (port 11112).",
    settings.load,
    create_app,
    uwsgi=one_process,  # the schedule thread
)

if __name__ == "__main__":
    main()
