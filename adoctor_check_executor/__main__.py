"""`adoctor-check-executor` / `python -m adoctor_check_executor`: consume check tasks until stopped."""

from __future__ import annotations

from adoctor_check_executor import settings
from adoctor_check_executor.service import build
from aops_utils.bus.settings import bus_from
from aops_utils.contracts.topics import Topic
from aops_utils.launch import bus_worker

main = bus_worker(
    "adoctor_check_executor",
    "The A-Ops check executor (no port: it works from the message bus).",
    settings.load,
    build,
    open_bus=lambda ini: bus_from(ini.bus, ini.producer, ini.consumer),
    topics=lambda ini: [t.value for t in Topic],
)

if __name__ == "__main__":
    main()
