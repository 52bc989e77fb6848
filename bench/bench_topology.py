"""gala_spider: records through Kafka into the map, and get_entities of a large map.

A map of 200 hosts x 50 processes (10 servers, 40 clients each) = 10,000 processes and 50,000
client-to-server links. Each round is every link reported by its client (tcp_link role 1) and
by its server (role 0), 100,000 21.09 records, 5 s apart; they are produced first, byte for byte
as 21.09's gala-gopher wrote them, to a fresh 4-partition topic on the test broker
(AOPS_TEST_KAFKA). Then, timed:

1. ingest: one consumer (kafka-python through aops_utils.bus, max_records 5000) polls them all
   into the map (decode, check, join); wall time and this process's CPU time. **Target: >=
   100,000 records/s.**
2. store: the map written to the ES-API server (AOPS_TEST_ES_URL): entities, links, metric
   buckets (what one flush writes after the rounds).
3. get_entities: the whole map (every host the user's) in the 21.09 shape, encoded: the first
   answer (picture, entities, JSON); the answer made again after a store of the unchanged map
   (each entity's JSON reused); the answer kept until the next store (what every request but the
   first after a store gets). **Target: < 150 ms.** The data center's one call for the user's
   hosts is not in it.

The machine is shared (load average printed): the CPU figures say what a core of its own gives.
Run: .venv/bin/python bench/bench_topology.py [--hosts N] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid

import orjson
from kafka import KafkaProducer
from support import report
from support.env import load_average
from support.env import testenv

from aops_utils import jsonio
from aops_utils.bus.kafka import KafkaBus
from aops_utils.contracts.link_tables import TABLES
from aops_utils.docstore.factory import open_document_store
from gala_spider import legacy
from gala_spider.consumer import GraphConsumer
from gala_spider.graph import Graph
from gala_spider.picture import Moment
from gala_spider.picture import take
from gala_spider.records import Filters
from gala_spider.store import GraphStore

SERVERS, CLIENTS = 10, 40


def ip(host: int) -> str:
    return f"10.{host // 250}.{host % 250}.1"


def records(hosts: int, rounds: int) -> list[bytes]:
    start = int(time.time()) - 5 * rounds
    out: list[bytes] = []
    for r in range(rounds):
        stamp = (start + 5 * r) * 1000
        for h in range(hosts):
            for c in range(CLIENTS):
                for k in range(6 if c % 4 else 7):
                    peer, sp = (h * 7 + c * 13 + k * 31) % hosts, (c + k) % SERVERS
                    base = {"timestamp": stamp, "hostname": f"h{h}", "table_name": "tcp_link"}
                    fields = [
                        1000 + c,
                        f"cli{c}",
                        1,
                        ip(h),
                        ip(peer),
                        8000 + sp,
                        2,
                        1,
                        900 + r,
                        300,
                        5,
                        6,
                        r % 2,
                        0,
                        180,
                    ]
                    client = dict(zip(TABLES["tcp_link"], map(str, fields), strict=True))
                    out.append(json.dumps({**base, **client}).encode())
                    server = {**client, "pid": str(sp), "process_name": f"srv{sp}", "role": "0"}
                    out.append(json.dumps({**base, "hostname": f"h{peer}", **server}).encode())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    servers = testenv()
    kafka, es_url = servers.get("AOPS_TEST_KAFKA", "127.0.0.1:19092"), servers["AOPS_TEST_ES_URL"]
    load_before = load_average()
    values = records(args.hosts, args.rounds)
    topic = f"bench_topology_{uuid.uuid4().hex[:8]}"
    bus = KafkaBus(kafka, max_poll_records=5000)
    bus.ensure_topics([topic], partitions=4)
    producer = KafkaProducer(bootstrap_servers=kafka, linger_ms=50, batch_size=1024 * 1024)
    started = time.perf_counter()
    for value in values:
        producer.send(topic, value)
    producer.flush()
    producer.close()
    produced = time.perf_counter() - started
    print(f"produced {len(values)} records in {produced:.1f} s")

    graph = Graph(3600, 60)
    prefix = f"bench{uuid.uuid4().hex[:8]}_"
    docs = open_document_store("elasticsearch", es_hosts=es_url, prefix=prefix, timeout=300)
    store = GraphStore(docs)
    filters = Filters(frozenset(TABLES), frozenset(), frozenset())
    consumer = GraphConsumer(
        graph, store, filters, topic=topic, group_id=topic, flush_interval=3600, retention=7 * 86400
    )
    polling = bus.consumer([topic], topic)
    first = polling.poll(30, 5000)
    wall, cpu = time.perf_counter(), time.process_time()
    consumer.take(first)
    while consumer.status.records < len(values):
        batch = polling.poll(5, 5000)
        assert batch or time.perf_counter() - wall < 120, "the records did not all arrive"
        consumer.take(batch)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    count = consumer.status.records - len(first)  # the first batch was waited for, untimed
    print(
        f"ingest: {consumer.status.records} records, {len(graph.procs)} processes, {len(graph.links)} links"
    )
    print(f"  {count / wall:,.0f} records/s wall, {count / cpu:,.0f} records/s of CPU")

    stored = time.perf_counter()
    assert consumer.flush(), consumer.status.error
    polling.commit()
    stored = time.perf_counter() - stored
    print(f"store: {consumer.status.stored_documents} documents in {stored:.1f} s")

    cache: legacy.Cache = {}
    owned = set(graph.hosts)

    def answer() -> tuple[bytes, float, float]:
        """The answer as the route makes it on a new store of the map: the picture, the entities
        (each reused when unchanged), the JSON."""
        now = time.time()
        t, c = time.perf_counter(), time.process_time()
        pic = take(graph, Moment(now, now, latest=True), owned.__contains__)
        entities = orjson.Fragment(orjson.dumps(legacy.entities(pic, graph.listeners, cache)))
        body = jsonio.encode({"code": 200, "msg": "ok", "timestamp": int(now), "entities": entities})
        return body, time.perf_counter() - t, time.process_time() - c

    body, *cold = answer()
    rebuilt = [answer()[1:] for _ in range(5)]
    kept = []
    for _ in range(5):
        # Until the next store the route sends the answer it made (the envelope encoded again).
        t, c = time.perf_counter(), time.process_time()
        jsonio.encode({"code": 200, "msg": "ok", "timestamp": 0, "entities": orjson.Fragment(body)})
        kept.append((time.perf_counter() - t, time.process_time() - c))
    size = len(body)

    def median(rows: list[tuple[float, float]], i: int) -> float:
        return statistics.median(r[i] for r in rows) * 1000

    print(
        f"get_entities: {size / 1e6:.1f} MB; first {cold[0] * 1000:.0f} ms ({cold[1] * 1000:.0f} ms CPU); "
        f"after a store, entities reused: {median(rebuilt, 0):.0f} ms ({median(rebuilt, 1):.0f} ms CPU); "
        f"until the next store: {median(kept, 0):.0f} ms ({median(kept, 1):.0f} ms CPU)"
    )
    polling.close()
    bus.close()
    for index in ("gala_spider_entities", "gala_spider_links", "gala_spider_metrics"):
        docs.drop_index(index)
    docs.close()
    report.emit_json(
        {
            "records": consumer.status.records,
            "processes": len(graph.procs),
            "links": len(graph.links),
            "ingest_records_per_s_wall": round(count / wall),
            "ingest_records_per_s_cpu": round(count / cpu),
            "store_documents": consumer.status.stored_documents,
            "store_seconds": round(stored, 2),
            "get_entities_bytes": size,
            "get_entities_first_ms": round(cold[0] * 1000),
            "get_entities_first_cpu_ms": round(cold[1] * 1000),
            "get_entities_after_store_ms": round(median(rebuilt, 0)),
            "get_entities_after_store_cpu_ms": round(median(rebuilt, 1)),
            "get_entities_kept_ms": round(median(kept, 0)),
            "get_entities_kept_cpu_ms": round(median(kept, 1)),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_average()],
        }
    )


if __name__ == "__main__":
    main()
