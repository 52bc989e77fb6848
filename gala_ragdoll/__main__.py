"""`gala-ragdoll` / `python -m gala_ragdoll`: serve configuration tracing (port 11114)."""

from __future__ import annotations

from aops_utils.launch import http_service
from gala_ragdoll import settings
from gala_ragdoll.app import create_app

main = http_service(
    "gala_ragdoll",
    "A-Ops configuration tracing, gala-ragdoll (port 11114).",
    settings.load,
    create_app,
    # One process: the drift check must run once, not once per worker (the git store's flock
    # would keep several writers safe, but each would check every domain).
    uwsgi=lambda ini: ini.uwsgi.model_copy(update={"processes": 1}),
)

if __name__ == "__main__":
    main()
