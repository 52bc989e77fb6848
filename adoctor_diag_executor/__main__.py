"""`adoctor-diag-executor` / `python -m adoctor_diag_executor`: diagnose until stopped."""

from __future__ import annotations

from adoctor_diag_executor import settings
from adoctor_diag_executor.service import build
from aops_utils.bus.settings import bus_from
from aops_utils.launch import bus_worker

main = bus_worker(
    "adoctor_diag_executor",
    "The A-Ops diag executor (no port: it works from the message bus).",
    settings.load,
    build,
    open_bus=lambda ini: bus_from(ini.bus, consumer=ini.consumer),
    topics=lambda ini: [ini.topic.name],
)

if __name__ == "__main__":
    main()
