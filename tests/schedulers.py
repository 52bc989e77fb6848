"""The check and diag schedulers served in this process beside a suite, on an in-memory bus."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adoctor_check_scheduler import settings as check_settings
from adoctor_check_scheduler.app import create_app as create_check_scheduler
from adoctor_diag_scheduler import settings as diag_settings
from adoctor_diag_scheduler.app import create_app as create_diag_scheduler
from aops_utils.bus.memory import MemoryBus
from aops_utils.serving import serve_in_thread
from tests.suite import Suite
from tests.suite import free_port


@dataclass
class Served:
    """A scheduler serving on `port` of 127.0.0.1, publishing to `bus`."""

    port: int
    bus: MemoryBus

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def check_scheduler(
    conf_dir: Path, bus: MemoryBus | None = None, *, ini: str = "", announce: bool = False
) -> Iterator[Served]:
    """The check scheduler on a free port, on the data center `conf_dir` describes, with no
    schedule running (the tests drive it). See `_serve` for `bus`, `ini` and `announce`."""
    with _serve(conf_dir, "check_scheduler", f"run_jobs=False\n{ini}", bus, announce) as (port, used, stack):
        system, settings = check_settings.load(conf_dir)
        app = create_check_scheduler(system, settings, bus=used, start_jobs=False)
        _start(stack, app, settings.check_scheduler.endpoint, "adoctor_check_scheduler")
        yield Served(port, used)


@contextmanager
def diag_scheduler(
    conf_dir: Path, bus: MemoryBus | None = None, *, ini: str = "", announce: bool = False
) -> Iterator[Served]:
    """The diag scheduler on a free port, on the data center `conf_dir` describes. See `_serve`."""
    with _serve(conf_dir, "diag_scheduler", ini, bus, announce) as (port, used, stack):
        system, settings = diag_settings.load(conf_dir)
        app = create_diag_scheduler(system, settings, bus=used)
        _start(stack, app, settings.diag_scheduler.endpoint, "adoctor_diag_scheduler")
        yield Served(port, used)


@contextmanager
def every_service(suite: Suite) -> Iterator[dict[str, str]]:
    """Both schedulers beside `suite`, sharing a bus: the URL of each service by its short name."""
    with check_scheduler(suite.conf_dir) as check, diag_scheduler(suite.conf_dir, check.bus) as diag:
        yield {
            "manager": suite.manager_url,
            "database": suite.database_url,
            "check": check.url,
            "diag": diag.url,
        }


@contextmanager
def _serve(
    conf_dir: Path, section: str, ini: str, bus: MemoryBus | None, announce: bool
) -> Iterator[tuple[int, MemoryBus, ExitStack]]:
    """Write `<section>.ini` with a free port and the keys in `ini` (more sections may follow);
    with `announce`, tell system.ini too, where `adoctor` looks the scheduler up. A `bus` given is
    the caller's to close (two schedulers may share one); without one, a bus of its own."""
    port = free_port()
    (conf_dir / f"{section}.ini").write_text(f"[bus]\nkind=memory\n[{section}]\nport={port}\n{ini}")
    if announce:
        with (conf_dir / "system.ini").open("a") as system_ini:
            system_ini.write(f"[{section}]\nip=127.0.0.1\nport={port}\n")
    with ExitStack() as stack:
        if bus is None:
            bus = MemoryBus()
            stack.callback(bus.close)
        yield port, bus, stack


def _start(stack: ExitStack, app: Any, endpoint: Any, extension: str) -> None:
    """Serve `app` in a thread; on leaving `stack`, stop serving, then close the service."""
    stack.callback(app.extensions[extension].close)
    server, _ = serve_in_thread(app, endpoint, f"test-{extension}")
    stack.callback(server.shutdown)
