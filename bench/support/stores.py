"""A run's Elasticsearch indices on the shared test server, removed afterwards (its MariaDB
database: tests/stores.py)."""

from __future__ import annotations

import requests


def drop_es_indices(es_url: str, prefix: str) -> list[str]:
    """Delete every index named `prefix...` (by exact name: no wildcard reaches other suites).
    Generous timeouts: the shared server may take long to list indices just after a large write."""
    reply = requests.get(f"{es_url}/_cat/indices", params={"format": "json"}, timeout=120)
    reply.raise_for_status()
    names = [row["index"] for row in reply.json() if str(row.get("index", "")).startswith(prefix)]
    for name in names:
        requests.delete(f"{es_url}/{name}", timeout=120)
    return names
