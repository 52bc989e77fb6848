"""`gala-ragdoll` / `python -m gala_ragdoll`: serve configuration tracing (port 11114)."""

from __future__ import annotations

from aops_utils.launch import http_service
from aops_utils.launch import one_process
from gala_ragdoll import settings
from gala_ragdoll.app import create_app

main = http_service(
    "gala_ragdoll",
    "A-Ops configuration tracing, gala-ragdoll (port 11114).",
    settings.load,
    create_app,
    # The drift check (the git store's flock would keep several writers safe, but each would
    # check every domain).
    uwsgi=one_process,
)

if __name__ == "__main__":
    main()
