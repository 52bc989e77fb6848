"""Human output (tables, summaries, confirmations) and raw JSON output for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from aops_cli.client import prog_name

Columns = Sequence[tuple[str, str]]  # (reply key, column header)


def columns(*specs: str | tuple[str, str]) -> tuple[tuple[str, str], ...]:
    """Table columns: a reply key shown under its own name, or (reply key, header)."""
    return tuple((spec, spec) if isinstance(spec, str) else spec for spec in specs)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def warn(message: str) -> None:
    click.echo(f"{prog_name()}: warning: {message}", err=True)


def plural(count: int, noun: str) -> str:
    if count == 1:
        return f"{count} {noun}"
    # "process" -> "processes"; every other noun the CLI counts takes a plain "s".
    return f"{count} {noun}es" if noun.endswith(("s", "x", "ch", "sh")) else f"{count} {noun}s"


def cell(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}={cell(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value) or "-"
    return str(value)


def table(rows: Sequence[dict[str, Any]], columns: Columns) -> str:
    # tabulate is imported on use: only listing commands pay for it.
    from tabulate import tabulate

    body = [[cell(row.get(key)) for key, _ in columns] for row in rows]
    return tabulate(body, headers=[header for _, header in columns], tablefmt="simple", disable_numparse=True)


def page_summary(reply: dict[str, Any], shown: int, noun: str, page: int | None) -> str:
    """`2 of 5 hosts, page 1/3`, or `no hosts`."""
    total = int(reply.get("total_count") or 0)
    if total == 0:
        return f"no {noun}s"
    pages = int(reply.get("total_page") or 1)
    where = f", page {page}/{pages}" if page is not None else ""
    return f"{shown} of {plural(total, noun)}{where}"


def deleted_line(reply: dict[str, Any], noun: str) -> str:
    """`deleted 2 check rules: a, b` from a reply's `deleted` names or count (the names that did
    not exist are the reply's `fail_list`, shown one per line)."""
    count = reply.get("deleted")
    if isinstance(count, int):
        return f"deleted {plural(count, noun)}"
    deleted = [str(name) for name in count or []]
    line = f"deleted {plural(len(deleted), noun)}" + (f": {', '.join(deleted)}" if deleted else "")
    if "reports_deleted" in reply:
        line += f" ({plural(int(reply.get('reports_deleted') or 0), 'report')})"
    return line


def listing(rows: Sequence[dict[str, Any]], columns: Columns, summary: str) -> None:
    """A table (nothing when empty) followed by its one-line summary."""
    if rows:
        click.echo(table(rows, columns))
    click.echo(summary)


def write_export(payload: dict[str, Any], export: Path) -> bool:
    """Write an `--export` file (or stdout for "-"); True when it went to stdout."""
    text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    if str(export) == "-":
        click.echo(text, nl=False)
        return True
    try:
        export.write_text(text, encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or exc
        raise click.BadParameter(f"cannot write {export}: {reason}", param_hint="--export") from None
    return False
