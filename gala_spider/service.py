"""What the routes answer: the map as each user may see it, the consumer's state, history.

A user sees the links that touch their own hosts (as the data center lists them), with the
process at each end: a host is theirs when the records' hostname is one of their hosts' names,
or when the host showed one of their hosts' addresses. Hosts nobody manages are seen by nobody.
"""

from __future__ import annotations

import time
from typing import Any

from aops_utils.restful import Principal
from gala_spider import topology
from gala_spider.app import Spider
from gala_spider.picture import Moment
from gala_spider.picture import Picture
from gala_spider.picture import take
from gala_spider.schemas import DiffQuery
from gala_spider.schemas import EntitiesV2Query
from gala_spider.schemas import MetricsQuery


def owned_hosts(service: Spider, principal: Principal) -> set[str]:
    rows = service.data_center.host_basics([], principal)
    names = {row["host_name"] for row in rows}
    addresses = {row["public_ip"] for row in rows}
    with service.graph.lock:
        return {
            name
            for name, host in service.graph.hosts.items()
            if name in names or not host.addresses.isdisjoint(addresses)
        }


def _moment(at: float | None) -> Moment:
    now = time.time()
    if at is None or at >= now:
        return Moment(now, now, latest=True)
    return Moment(at, at, latest=False)


def _picture(service: Spider, when: Moment, owned: set[str]) -> Picture:
    with service.graph.lock:
        return take(service.graph, when, owned.__contains__)


def get_entities(service: Spider, principal: Principal, at: float | None) -> dict[str, Any]:
    """21.09's answer (its `timestamp` is the time shown, in seconds): the newest map's is the
    one the consumer made ready after the last store (answers.py), an earlier time's made now."""
    when = _moment(at)
    owned = frozenset(owned_hosts(service, principal))
    if when.latest:
        return service.answers.latest(owned, when.start).body()
    return service.answers.make(owned, when).body()


def status(service: Spider) -> dict[str, Any]:
    graph = service.graph
    with graph.lock:
        sizes = {
            "hosts": len(graph.hosts),
            "processes": len(graph.procs),
            "links": len(graph.links),
            "balancers": len(graph.lbs),
        }
    return {
        "consumer": service.consumer.status.json(),
        "graph": sizes,
        "ttl": graph.ttl,
        "started_at": service.started_at,
    }


def entities_v2(service: Spider, principal: Principal, query: EntitiesV2Query) -> dict[str, Any]:
    if query.start is not None and query.end is not None:
        when = Moment(query.start, query.end, latest=False)
    else:
        when = _moment(query.timestamp)
    owned = owned_hosts(service, principal)
    with service.graph.lock:
        pic = take(service.graph, when, owned.__contains__)
        shown = topology.entities(pic, service.graph, query.host, query.process)
    return {"start": when.start, "end": when.end, "ttl": service.graph.ttl, **shown}


def diff(service: Spider, principal: Principal, query: DiffQuery) -> dict[str, Any]:
    owned = owned_hosts(service, principal)
    if query.host:
        owned &= set(query.host)
    before = _picture(service, _moment(query.before), owned)
    after = _picture(service, _moment(query.after), owned)
    return {"before": query.before, "after": query.after, **topology.diff(before, after)}


def link_metrics(service: Spider, principal: Principal, query: MetricsQuery) -> dict[str, Any]:
    """Each link's counters per bucket over [start, end] (default: the last hour); a link the user
    may not see is answered as unknown, like one that does not exist."""
    end = query.end if query.end is not None else time.time()
    start = query.start if query.start is not None else end - 3600
    owned = owned_hosts(service, principal)
    graph = service.graph
    with graph.lock:
        visible = {
            i
            for i in query.link_id
            if (link := graph.links.get(i)) is not None
            and any(e is not None and e[0] in owned for e in (link.client, link.server))
        }
        pending = [
            s for k, s in graph.samples.items() if k[0] in visible and start - graph.bucket < k[1] <= end
        ]
    stored = service.store.samples(sorted(visible), start - graph.bucket + 1, end)
    # The buckets still being summed are newer in memory than in the store; a late sample's
    # records add to what is stored of its bucket.
    merged = {(s.link_id, s.t): s for s in stored}
    for s in pending:
        merged[s.key] = s if s.late is None else s.over(merged.get(s.key))
    return {
        "start": start,
        "end": end,
        "links": [
            {
                "link_id": i,
                "points": topology.series([s for k, s in merged.items() if k[0] == i], graph.bucket),
            }
            for i in query.link_id
            if i in visible
        ],
        "unknown": [i for i in query.link_id if i not in visible],
    }
