"""The SQL behind `/data/host/get` on MariaDB: what it runs, its plans and its cost, and alternatives.

Diagnostic behind bench_host_get.py (no targets). Stores 10,000 hosts through the services,
then calls aops_database.services.hosts.get_hosts in this process on the same database, capturing
each statement it sends (so this follows the code as it changes), with its time and EXPLAIN.
The same pages are then read with hand-written forms for comparison (the statements before the
listing rewrite, and the rewrite that ships now), before and after ANALYZE TABLE (InnoDB's
statistics of a freshly filled table are stale, as in a fleet that was just imported).

    python bench/explain_host_get.py
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from support import report
from support.client import Client
from support.client import seed_hosts
from support.services import aops_stack

HOSTS = 10_000
PAGES = (1, 100, 200)
REPEAT = 15
COLUMNS = (
    "host.host_id, host.host_name, host_group.host_group_name, host.public_ip, host.ssh_port, "
    "host.management, host.status"
)
JOIN = "JOIN host_group ON host_group.host_group_id = host.host_group_id"
# Hand-written forms (username and offset are bound). "before": what get_hosts sent before the
# listing rewrite (count over the join; page sorted by host_name, host_id over the join). The
# others are the rewrite that ships now: the count needs no join when no group filter is given
# (host_group_id is NOT NULL with a foreign key), and the page is chosen from the
# (username, host_name) unique index alone (host_name is unique per user, so host_id adds
# nothing as a tie-breaker) before joining the 50 rows it keeps.
ALTERNATIVES = {
    "count: with the join (before)": f"SELECT count(*) FROM host {JOIN} WHERE host.username = %(user)s",
    "page: join, host_name, host_id (before)": (
        f"SELECT {COLUMNS} FROM host {JOIN} WHERE host.username = %(user)s "
        "ORDER BY host.host_name, host.host_id LIMIT %(offset)s, 50"
    ),
    "count: host only": "SELECT count(*) FROM host WHERE host.username = %(user)s",
    "page: ORDER BY host_name only": (
        f"SELECT {COLUMNS} FROM host JOIN host_group ON host_group.host_group_id = host.host_group_id "
        "WHERE host.username = %(user)s ORDER BY host.host_name LIMIT %(offset)s, 50"
    ),
    "page: deferred join on the index": (
        f"SELECT {COLUMNS} FROM (SELECT host_id, host_name FROM host WHERE username = %(user)s "
        "ORDER BY host_name LIMIT %(offset)s, 50) AS p JOIN host ON host.host_id = p.host_id "
        "JOIN host_group ON host_group.host_group_id = host.host_group_id ORDER BY p.host_name"
    ),
}


class Capture:
    """Statements an engine sends, with their elapsed time."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.calls: list[tuple[str, Any, float]] = []
        self._started = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        self.calls.append((statement, parameters, time.perf_counter() - self._started))


def kind(statement: str) -> str:
    text = " ".join(statement.split()).lower()
    if text.startswith("select count"):
        return "count (current)"
    if text.startswith("select") and "limit" in text:
        return "page (current)"
    return text[:40]


def explain(engine: Any, statement: str, parameters: Any) -> list[str]:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN " + statement, parameters)
        return [f"{r[2]}: type={r[3]} key={r[5]} rows={r[8]} {r[9] or ''}".strip() for r in cursor.fetchall()]
    finally:
        raw.close()


def current(store: Any, capture: Capture, label: str) -> dict[str, float]:
    from aops_database.services import hosts
    from aops_utils.contracts import GetHostsBody
    from aops_utils.restful.paging import Window

    capture.calls.clear()
    for page in PAGES:
        for _ in range(REPEAT):
            hosts.get_hosts(store, "admin", GetHostsBody(sort="host_name"), Window.of(page, 50))
    times: dict[str, list[float]] = {}
    examples: dict[str, tuple[str, Any]] = {}
    for statement, parameters, seconds in capture.calls:
        times.setdefault(kind(statement), []).append(seconds * 1000)
        examples.setdefault(kind(statement), (statement, parameters))
    report.say(f"\n[{label}] statements sent by hosts.get_hosts (pages {PAGES}, x{REPEAT}):")
    result = {}
    for name, values in times.items():
        result[name] = round(statistics.median(values), 2)
        report.say(
            f"  {name:<36} median {result[name]:7.2f} ms  max {max(values):7.2f} ms  (n={len(values)})"
        )
        if name.endswith("(current)"):
            statement, parameters = examples[name]
            report.say("    " + " ".join(statement.split()))
            for line in explain(store.engine, statement, parameters):
                report.say(f"      EXPLAIN {line}")
    return result


def alternatives(store: Any, label: str) -> dict[str, float]:
    report.say(f"[{label}] hand-written forms (same pages):")
    raw = store.engine.raw_connection()
    result = {}
    try:
        cursor = raw.cursor()
        for name, sql in ALTERNATIVES.items():
            values = []
            for page in PAGES:
                params = {"user": "admin", "offset": (page - 1) * 50}
                for _ in range(REPEAT):
                    started = time.perf_counter()
                    cursor.execute(sql, params)
                    cursor.fetchall()
                    values.append((time.perf_counter() - started) * 1000)
            cursor.execute("EXPLAIN " + sql, {"user": "admin", "offset": 5000})
            plan = "; ".join(f"{r[2]}:{r[3]}/{r[5]} {r[9] or ''}".strip() for r in cursor.fetchall())
            result[name] = round(statistics.median(values), 2)
            report.say(f"  {name:<40} median {result[name]:7.2f} ms  max {max(values):7.2f} ms   plan {plan}")
        raw.commit()
    finally:
        raw.close()
    return result


def run() -> dict[str, Any]:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    from aops_utils.db import open_relational_store

    with aops_stack("mysql", "elasticsearch") as stack:
        client = Client(stack.manager_url)
        client.login()
        seed_hosts(client, HOSTS)
        store = open_relational_store("mysql", url=stack.mysql_url)
        try:
            capture = Capture(store.engine)
            figures = {
                "fresh statistics": {
                    **current(store, capture, "as stored"),
                    **alternatives(store, "as stored"),
                },
            }
            with store.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE TABLE host, host_group").all()
            figures["after ANALYZE TABLE"] = {
                **current(store, capture, "after ANALYZE TABLE"),
                **alternatives(store, "after ANALYZE TABLE"),
            }
        finally:
            store.dispose()
    return {"diagnostic": "explain_host_get", "median_ms": figures, "targets_met": None}


if __name__ == "__main__":
    report.main_guard(run)
