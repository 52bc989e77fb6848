"""What a benchmark prints: readable lines, then one JSON object as its last line."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable
from typing import Any


def say(text: str = "") -> None:
    print(text, flush=True)


def emit_json(figures: dict[str, Any]) -> None:
    """The last line of every benchmark: one JSON object."""
    print(json.dumps(figures, sort_keys=False), flush=True)


def main_guard(run: Callable[[], dict[str, Any]]) -> None:
    """Run a benchmark; on failure still print a JSON last line (targets_met false), exit 1.

    Exit status: 0 when the run completed and its targets were met (or it has none), 3 when a
    target was missed, 1 on failure, 130 when interrupted (Ctrl-C or SIGTERM).
    """

    def _terminate(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # unwinds through the clean-up of every context manager

    signal.signal(signal.SIGTERM, _terminate)
    try:
        figures = run()
    except KeyboardInterrupt:
        emit_json({"error": "interrupted", "targets_met": False})
        sys.exit(130)
    except Exception as exc:
        import traceback

        traceback.print_exc(file=sys.stdout)
        emit_json({"error": f"{type(exc).__name__}: {exc}"[:2000], "targets_met": False})
        sys.exit(1)
    emit_json(figures)
    sys.exit(3 if figures.get("targets_met") is False else 0)
