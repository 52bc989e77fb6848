"""The web_server page: the last cycle's tcp_link rows as Prometheus text (21.09 section 3.7's names).

21.09 printed `gala_gopher_<table>_<field> <value> <epoch_ms>` for the latest record of each
table, typed fields only and without labels, so its link tables never appeared. Here every
numeric field of every row of the last cycle is a series, the row's other fields its labels.
Counters are running totals of the per-cycle differences sent to Kafka (what Prometheus'
`rate()` wants); a row absent from a cycle drops out, and its totals start again from zero.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from aops_utils.contracts.link_tables import TCP_LINK
from aops_utils.contracts.link_tables import UNKNOWN
from gala_gopher.records import COLUMNS
from gala_gopher.records import Record

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_LABELS = [i for i, c in enumerate(COLUMNS) if c.kind == "label"]
_SERIES = [i for i, c in enumerate(COLUMNS) if c.kind != "label"]

Identity = tuple[str, ...]  # a row's label values


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class MetricsPage:
    """The text of the last cycle, rebuilt when a cycle ends; read by any number of scrapes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._text = b""
        self._totals: dict[Identity, list[int]] = {}

    def update(self, records: Iterable[Record], timestamp_ms: int) -> None:
        totals: dict[Identity, list[int]] = {}
        rows: list[tuple[Identity, list[str]]] = []
        for record in records:
            identity = tuple(record.values[i] for i in _LABELS)
            before = self._totals.get(identity, [0] * len(_SERIES))
            shown: list[str] = []
            kept: list[int] = []
            for slot, index in enumerate(_SERIES):
                value = record.values[index]
                if value == UNKNOWN:
                    shown.append(UNKNOWN)
                    kept.append(0)
                    continue
                number = int(value) + before[slot] if COLUMNS[index].kind == "counter" else int(value)
                shown.append(str(number))
                kept.append(number)
            totals[identity] = kept
            rows.append((identity, shown))
        text = _render(rows, timestamp_ms)
        with self._lock:
            self._totals = totals
            self._text = text

    def text(self) -> bytes:
        with self._lock:
            return self._text


def _render(rows: list[tuple[Identity, list[str]]], timestamp_ms: int) -> bytes:
    if not rows:
        return b""
    names = [COLUMNS[i].name for i in _LABELS]
    labels = [
        ",".join(f'{n}="{_label(v)}"' for n, v in zip(names, identity, strict=True)) for identity, _ in rows
    ]
    lines: list[str] = []
    for slot, index in enumerate(_SERIES):
        column = COLUMNS[index]
        metric = f"gala_gopher_{TCP_LINK}_{column.name}"
        lines += [f"# HELP {metric} {column.description}", f"# TYPE {metric} {column.kind}"]
        lines += [
            f"{metric}{{{label}}} {shown[slot]} {timestamp_ms}"
            for label, (_, shown) in zip(labels, rows, strict=True)
            if shown[slot] != UNKNOWN
        ]
    return ("\n".join(lines) + "\n\n").encode("utf-8")


StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def metrics_app(
    page: MetricsPage, token: str | None
) -> Callable[[dict[str, Any], StartResponse], list[bytes]]:
    """The WSGI app: any GET path answers the page (as 21.09 did), other methods 405; with a
    `token`, only a request bearing it."""
    expected = f"Bearer {token}".encode() if token else None

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if expected is not None:
            given = environ.get("HTTP_AUTHORIZATION", "").encode("utf-8", "replace")
            if not hmac.compare_digest(given, expected):
                start_response(
                    "401 Unauthorized",
                    [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Bearer realm="gala-gopher"')],
                )
                return [b"a bearer token is required (web_server token_file)\n"]
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Content-Type", "text/plain"), ("Allow", "GET, HEAD")])
            return [b"only GET\n"]
        body = page.text()
        start_response("200 OK", [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(body)))])
        return [body] if environ["REQUEST_METHOD"] == "GET" else []

    return app
