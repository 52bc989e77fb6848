"""`adoctor-diag-scheduler` / `python -m adoctor_diag_scheduler`: serve trees, tasks and reports."""

from __future__ import annotations

from adoctor_diag_scheduler import settings
from adoctor_diag_scheduler.app import create_app
from aops_utils.launch import http_service

main = http_service(
    "adoctor_diag_scheduler", "The A-Ops diag scheduler (port 11113).", settings.load, create_app
)

if __name__ == "__main__":
    main()
