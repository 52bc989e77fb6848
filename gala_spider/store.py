"""The map in the document store: entities, links and metric samples, written as they change and
read back when the service starts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from aops_utils.contracts.topology import ENTITIES_INDEX
from aops_utils.contracts.topology import LINKS_INDEX
from aops_utils.contracts.topology import METRICS_INDEX
from aops_utils.contracts.topology import TTL
from aops_utils.docstore import DocumentStore
from aops_utils.docstore import Range
from aops_utils.docstore import SortKey
from aops_utils.docstore import Term
from aops_utils.docstore.protocol import IndexSpec
from gala_spider.graph import Graph
from gala_spider.model import Sample
from gala_spider.model import digest

LOG = logging.getLogger(__name__)
# The names are shared with the data center, which reads the links for diagnosis reports.
ENTITIES = ENTITIES_INDEX
LINKS = LINKS_INDEX
METRICS = METRICS_INDEX
SPECS = {
    ENTITIES: IndexSpec(
        keyword_fields=("kind",), numeric_fields=("last_seen",), paths=(("kind", "last_seen"),)
    ),
    LINKS: IndexSpec(keyword_fields=("kind",), numeric_fields=("last_seen",), paths=(("kind", "last_seen"),)),
    METRICS: IndexSpec(keyword_fields=("link_id",), numeric_fields=("t",), paths=(("link_id", "t"),)),
}


def _entity_id(kind: str, *parts: str) -> str:
    return f"{kind}-{digest(*parts)}"


# A late sample's records in its document until it is written (GraphStore._over_stored).
LATE = "_late"


def _sample_doc(sample: Sample) -> dict[str, Any]:
    doc = sample.doc()
    if sample.late is not None:
        doc[LATE] = [(stamp, list(metrics)) for stamp, metrics in sample.late]
    return doc


class GraphStore:
    """Writes are idempotent by id: a document is the whole current state of its thing."""

    def __init__(self, docs: DocumentStore) -> None:
        self.docs = docs
        self._ready = False

    def ensure(self) -> None:
        if not self._ready:
            for index, spec in SPECS.items():
                self.docs.ensure_index(index, spec)
            self._ready = True

    def load(self, graph: Graph, recent_samples_from: float) -> int:
        """Fill `graph` with what is stored; samples only of the buckets still being summed."""
        self.ensure()
        count = 0
        for index, filters in (
            (ENTITIES, []),
            (LINKS, []),
            (METRICS, [Range("t", gte=recent_samples_from)]),
        ):
            for hit in self.docs.search(index, filters).hits:
                source = dict(hit.source)
                source["id"] = hit.id
                if index == METRICS:
                    sample = Sample.of(source)  # only those from recent_samples_from on
                    graph.samples[sample.key] = sample
                else:
                    graph.restore(source)
                count += 1
        graph.samples_from = max(graph.samples_from, recent_samples_from)
        return count

    @staticmethod
    def take(graph: Graph) -> tuple[list[tuple[str, dict[str, Any]]], ...]:
        """The documents of what changed, and the graph's change record emptied (call with the
        graph's lock held; `write` them after releasing it)."""
        dirty = graph.dirty
        entities: list[tuple[str, dict[str, Any]]] = []
        for name in dirty.hosts:
            if name in graph.hosts:
                entities.append((_entity_id("host", name), graph.hosts[name].doc()))
        for key in dirty.procs:
            if key in graph.procs:
                entities.append((_entity_id("process", *key), graph.procs[key].doc()))
        for endpoint in dirty.listeners:
            if endpoint in graph.listeners:
                entities.append((_entity_id("listener", *endpoint), graph.listeners[endpoint].doc()))
        # Each TCP link says the ttl it is kept with: the data center reads it without this conf.
        links = [(i, {**graph.links[i].doc(), TTL: graph.ttl}) for i in dirty.links if i in graph.links]
        links += [(i, graph.lbs[i].doc()) for i in dirty.lbs if i in graph.lbs]
        samples = [
            (f"{k[0]}-{k[1]}", _sample_doc(graph.samples[k])) for k in dirty.samples if k in graph.samples
        ]
        graph.dirty = type(dirty)()
        return entities, links, samples

    def write(self, *parts: Sequence[tuple[str, dict[str, Any]]]) -> int:
        self.ensure()
        written = 0
        entities, links, samples = parts
        for index, docs in zip(
            (ENTITIES, LINKS, METRICS), (entities, links, self._over_stored(samples)), strict=True
        ):
            if docs:
                # Read back only at start (and metrics per request, refreshed by then).
                self.docs.put_many(index, list(docs), refresh=index == METRICS)
                written += len(docs)
        return written

    def _over_stored(self, samples: Sequence[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
        """The documents of late samples (see _sample_doc) as their records added to what is
        stored of their buckets; the others as they are."""
        late = [doc_id for doc_id, doc in samples if LATE in doc]
        if not late:
            return list(samples)
        stored = self.docs.get_many(METRICS, late)
        out = []
        for doc_id, doc in samples:
            if LATE not in doc:
                out.append((doc_id, doc))
                continue
            records = [(int(stamp), tuple(metrics)) for stamp, metrics in doc[LATE]]
            sample = Sample(str(doc["link_id"]), int(doc["t"]), late=records)
            held = stored.get(doc_id)
            out.append((doc_id, sample.over(None if held is None else Sample.of(held)).doc()))
        return out

    def forget_before(self, cutoff: float) -> int:
        self.ensure()
        gone = self.docs.delete_where(ENTITIES, [Range("last_seen", lt=cutoff)], refresh=False)
        gone += self.docs.delete_where(LINKS, [Range("last_seen", lt=cutoff)], refresh=False)
        gone += self.docs.delete_where(METRICS, [Range("t", lt=cutoff)], refresh=False)
        return gone

    def samples(self, link_ids: Sequence[str], start: float, end: float) -> list[Sample]:
        self.ensure()
        found: list[Sample] = []
        for link_id in link_ids:
            page = self.docs.search(
                METRICS, [Term("link_id", link_id), Range("t", gte=start, lte=end)], sort=[SortKey("t")]
            )
            found += [Sample.of(hit.source) for hit in page.hits]
        return found
