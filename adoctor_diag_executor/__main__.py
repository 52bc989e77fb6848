"""`adoctor-diag-executor` / `python -m adoctor_diag_executor`: diagnose until stopped."""

from __future__ import annotations

from adoctor_diag_executor import settings
from adoctor_diag_executor.service import build
from aops_utils.bus.settings import bus_from
from aops_utils.launch import bus_worker
from aops_utils.serving import run_main

cli = bus_worker(
    description="The A-Ops diag executor (no port: it works from the message bus).",
    log_name="diag_executor",
    load=settings.load,
    open_bus=lambda ini: bus_from(ini.bus, consumer=ini.consumer),
    topics=lambda ini: [ini.topic.name],
    build=build,
)


def main() -> None:
    run_main(cli, "adoctor-diag-executor")


if __name__ == "__main__":
    main()
