"""`adoctor-check-executor` / `python -m adoctor_check_executor`: consume check tasks until stopped."""

from __future__ import annotations

from adoctor_check_executor import settings
from adoctor_check_executor.service import build
from aops_utils.bus.settings import bus_from
from aops_utils.contracts.topics import Topic
from aops_utils.launch import bus_worker
from aops_utils.serving import run_main

cli = bus_worker(
    description="The A-Ops check executor (no port: it works from the message bus).",
    log_name="check_executor",
    load=settings.load,
    open_bus=lambda ini: bus_from(ini.bus, ini.producer, ini.consumer),
    topics=lambda ini: [t.value for t in Topic],
    build=build,
)


def main() -> None:
    run_main(cli, "adoctor-check-executor")


if __name__ == "__main__":
    main()
