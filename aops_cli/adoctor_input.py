"""What `adoctor` users give it: times, time ranges and JSON rule files (and errors pointing into them)."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from aops_cli.client import ApiError

LEGACY_FORMAT = "%Y%m%d-%H:%M:%S"  # 21.09's only format, in local time
DEFAULT_SPAN = 3600  # 21.09's diag default range: one hour
EXCERPT_WIDTH = 100
HOST_LIST_HELP = "host ids, as `aops host --action query` shows them"
EPOCH = re.compile(r"\d+(\.\d+)?")
# Where the scheduler reports a bad rule: `check_items.<i>.<field>` on import, `rule.<field>` on test.
RULE_FIELD = re.compile(r"(?:check_items\.(?P<index>\d+)|rule)(?:\.(?P<rest>.+))?")


class TimeText(click.ParamType[int]):
    """Epoch seconds from 21.09's `YYYYmmdd-HH:MM:SS` (local time), ISO 8601 or plain epoch seconds."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        # Eight digits are a basic ISO date (20261125), not a moment of August 1970.
        if EPOCH.fullmatch(text) and len(text) != 8:
            return int(float(text))
        try:
            moment = datetime.strptime(text, LEGACY_FORMAT)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                self.fail(
                    f"{value!r} is not a time; use YYYYmmdd-HH:MM:SS (local time, as in 21.09), "
                    "ISO 8601 such as 2021-09-30T08:00:00+08:00, or epoch seconds",
                    param,
                    ctx,
                )
        # A time without a zone is local time, as 21.09 read it.
        return int(moment.timestamp())


def shown_time(epoch: Any) -> str:
    """Local time in a form `--start`/`--end` accept back (ISO 8601 with a space)."""
    if isinstance(epoch, bool) or not isinstance(epoch, int | float):
        return "-" if epoch in (None, "") else str(epoch)
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def _ordered(start: int, end: int) -> list[int]:
    if start > end:
        raise click.BadParameter(
            f"{shown_time(start)} is after the end, {shown_time(end)}", param_hint="--start"
        )
    return [start, end]


def query_range(start: int | None, end: int | None) -> list[int]:
    """21.09's `check` range: from the beginning (0) unless --start, up to now unless --end."""
    return _ordered(start or 0, int(time.time()) if end is None else end)


def recent_range(start: int | None, end: int | None) -> list[int]:
    """21.09's diag range: the hour before --end (default now), or the hour from --start."""
    now = int(time.time())
    if start is None:
        end = now if end is None else end
        start = end - DEFAULT_SPAN
    elif end is None:
        end = min(start + DEFAULT_SPAN, now)
    return _ordered(start, end)


def read_json(path: Path, option: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc}", param_hint=option) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        message = f"{path} is not valid JSON: {exc.msg} at {where}"
        raise click.BadParameter(message, param_hint=option) from None


def rules_in(data: Any, path: Path) -> list[Any]:
    """The rules of a file: `{"check_items": [...]}` as 21.09 wrote it, a list of rules, or one rule."""
    if isinstance(data, dict) and isinstance(data.get("check_items"), list):
        return list(data["check_items"])
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "check_item" in data:
        return [data]
    raise click.BadParameter(
        f'{path} holds no rules: expected {{"check_items": [...]}}, a list of rules or one rule',
        param_hint="--conf",
    )


def rule_name(rule: Any) -> str | None:
    name = rule.get("check_item") if isinstance(rule, dict) else None
    return name if isinstance(name, str) else None


def pick_rule(rules: list[Any], path: Path, name: str | None) -> tuple[int, Any]:
    """The one rule of the file to try, or the rule called `name` (--check_items) in it."""
    if name is not None:
        for index, rule in enumerate(rules):
            if rule_name(rule) == name:
                return index, rule
        raise click.BadParameter(f"{path} has no rule called {name}", param_hint="--check_items")
    if len(rules) != 1:
        names = ", ".join(filter(None, map(rule_name, rules[:10]))) or "unnamed"
        more = ", ..." if len(rules) > 10 else ""
        raise click.UsageError(
            f"{path} holds {len(rules)} rules ({names}{more}); name the one to try with --check_items"
        )
    return 0, rules[0]


def excerpt(text: str, position: int) -> list[str]:
    """The line of `text` holding `position`, with a caret under it (long lines are cut around it)."""
    position = max(0, min(position, len(text)))
    first = text.rfind("\n", 0, position) + 1
    last = text.find("\n", position)
    line = text[first : len(text) if last < 0 else last]
    column = position - first
    if len(line) > EXCERPT_WIDTH:
        left = max(0, min(column - EXCERPT_WIDTH // 2, len(line) - EXCERPT_WIDTH))
        cut = line[left : left + EXCERPT_WIDTH]
        head, tail = ("..." if left else ""), ("..." if left + EXCERPT_WIDTH < len(line) else "")
        line, column = head + cut + tail, column - left + len(head)
    # Tabs stay tabs so that the caret lines up however the terminal expands them.
    pad = "".join("\t" if char == "\t" else " " for char in line[:column])
    return [f"    {line}", f"    {pad}^"]


def rule_place(
    field: str, position: Any, rules: list[Any], path: Path, index: int | None = None
) -> list[str]:
    """Where a rule the scheduler refused at `field` sits in the file and, for a condition, a
    caret excerpt. `index` is the file position of the one rule sent inline (`rule.*` fields)."""
    match = RULE_FIELD.fullmatch(field)
    if match is None:
        return []
    at = int(match["index"]) if match["index"] is not None else index
    if at is None or at >= len(rules):
        return []
    rule, rest = rules[at], match["rest"] or ""
    name = rule_name(rule)
    label = f"rule {name!r}" if name else "a rule"
    notes = [f"  in {path}, {label} (number {at + 1} of {len(rules)})" + (f", {rest}" if rest else "")]
    condition = rule.get("condition") if isinstance(rule, dict) else None
    if rest == "condition" and isinstance(position, int) and isinstance(condition, str):
        line = condition.count("\n", 0, position) + 1
        notes[0] += f" at position {position}" + (f" (line {line})" if "\n" in condition else "") + ":"
        notes += excerpt(condition, position)
    return notes


def explain(exc: ApiError, rules: list[Any], path: Path, index: int | None = None) -> ApiError:
    """Add to a rejected rule the file and rule it came from and, for a condition, a caret excerpt."""
    reply = exc.reply or {}
    notes = rule_place(str(reply.get("field") or ""), reply.get("position"), rules, path, index)
    if notes:
        exc.notes = notes
    return exc
