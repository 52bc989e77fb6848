"""Check coverage of a user in the `check_coverage` document index: what a check task evaluated.

A check executor records one document per task it stored the results of: the task's window,
the hosts it evaluated, and each rule it ran with its version and the hosts whose evaluation
failed (No data, Internal error). The diag executor reads them to tell a slice that was checked
and found normal (nothing stored, since normal results never are) from one nobody checked.

One document per task rather than per rule or host: a window of 200 hosts and 17 rules is one
small write, and the index grows by windows x tasks, not by hosts x rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import orjson

from aops_utils.docstore import DocumentStore
from aops_utils.docstore import save_by_id
from aops_utils.docstore.protocol import Filter
from aops_utils.docstore.protocol import IndexSpec
from aops_utils.docstore.protocol import Range
from aops_utils.docstore.protocol import Term

COVERAGE_INDEX = "check_coverage"
COVERAGE_SPEC = IndexSpec(keyword_fields=("username",), numeric_fields=("start", "end"))


def coverage_id(username: str, record: dict[str, Any]) -> str:
    """One document per user, window, host set and rule set.

    A replayed task overwrites its document; a retry of some of its hosts or rules has another
    host or rule set, so it adds a document beside the task's instead of erasing it, and a later
    attempt of that retry replaces the earlier one's verdict, as its results do.
    """
    key = [
        username,
        *record["time_range"],
        sorted(set(record["host_list"])),
        sorted({rule["check_item"] for rule in record["rules"]}),
    ]
    return hashlib.sha256(orjson.dumps(key)).hexdigest()


def save_coverage(docs: DocumentStore, username: str, records: Sequence[dict[str, Any]]) -> int:
    """Write the records in bulk; returns the number of distinct documents written."""
    by_id: dict[str, dict[str, Any]] = {}
    for record in records:
        start, end = record["time_range"]
        # Host and rule lists are kept as JSON text: they are read whole, never filtered on,
        # and as index fields they would only grow the mapping.
        by_id[coverage_id(username, record)] = {
            "username": username,
            "start": start,
            "end": end,
            "hosts": orjson.dumps(sorted(set(record["host_list"]))).decode(),
            "rules": orjson.dumps(record["rules"]).decode(),
        }
    return save_by_id(docs, COVERAGE_INDEX, COVERAGE_SPEC, by_id)


def get_coverage(
    docs: DocumentStore,
    username: str,
    *,
    time_range: Sequence[int],
    check_items: Sequence[str],
    host_ids: Sequence[str],
) -> list[dict[str, Any]]:
    """The user's records whose window overlaps the range, cut down to those hosts and rules.

    A record naming none of them is left out, so the caller reads only what concerns it.
    """
    filters: list[Filter] = [
        Term("username", username),
        Range("start", lte=time_range[1]),
        Range("end", gte=time_range[0]),
    ]
    hosts, items = set(host_ids), set(check_items)
    found = []
    for hit in docs.search(COVERAGE_INDEX, filters).hits:
        source = hit.source
        covered = [host for host in orjson.loads(source["hosts"]) if host in hosts]
        rules = [rule for rule in orjson.loads(source["rules"]) if rule["check_item"] in items]
        if covered and rules:
            for rule in rules:
                rule["failed"] = [host for host in rule["failed"] if host in hosts]
            window = [source["start"], source["end"]]
            found.append({"time_range": window, "host_list": covered, "rules": rules})
    return found
