"""`gala-spider` / `python -m gala_spider`: consume gala_gopher records and serve the map."""

from __future__ import annotations

from aops_utils.launch import http_service
from gala_spider import settings
from gala_spider.app import create_app

main = http_service("gala_spider", "The A-Ops topology service (port 11115).", settings.load, create_app)

if __name__ == "__main__":
    main()
