"""`adoctor report --action get`: a report's neighbours section (docs/diagnosis.md "Neighbours"),
the hosts linked to the report's host on the topology map with their abnormal results."""

from __future__ import annotations

from typing import Any

from aops_cli.adoctor_input import shown_time


def _end(end: Any) -> str:
    """`host/pid/process ip[:port]`, or the address alone for an end no probe reported."""
    if not isinstance(end, dict):
        return "?"
    address = str(end.get("ip") or "?")
    if end.get("port") is not None:
        address += f":{end['port']}"
    if end.get("process"):
        return f"{end.get('host')}/{end.get('pid')}/{end['process']} {address}"
    return address


def _host(neighbour: dict[str, Any], indent: str) -> list[str]:
    count = int(neighbour.get("abnormal_count") or 0)
    name, ip, host_id = (neighbour.get(key) for key in ("host_name", "public_ip", "host_id"))
    lines = [f"{indent}{name} ({ip}, host {host_id}): {count} abnormal result{'' if count == 1 else 's'}"]
    links = neighbour.get("links") or []
    for link in links:
        ends = f"{_end(link.get('client'))} -> {_end(link.get('server'))}"
        lines.append(f"{indent}  link {link.get('direction')}: {ends}")
    hidden = int(neighbour.get("link_count") or 0) - len(links)
    if hidden > 0:
        lines.append(f"{indent}  ... and {hidden} more links")
    shown = neighbour.get("abnormal") or []
    for result in shown:
        series = f" {result['series']}" if result.get("series") else ""
        lines.append(
            f"{indent}  abnormal: {result.get('check_item')}{series}, "
            f"{shown_time(result.get('start'))} to {shown_time(result.get('end'))}"
        )
    if count > len(shown):
        lines.append(f"{indent}  ... and {count - len(shown)} more abnormal results")
    return lines


def render_neighbours(section: Any, indent: str = "  ") -> list[str]:
    """The section's summary line, then each neighbour with its links and abnormal results."""
    if not isinstance(section, dict):
        return []  # a scheduler older than the neighbours
    lines = [f"{indent}neighbours: {section.get('text') or section.get('status')}"]
    for neighbour in section.get("hosts") or []:
        if isinstance(neighbour, dict):
            lines += _host(neighbour, indent + "  ")
    return lines
