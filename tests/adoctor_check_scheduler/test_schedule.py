"""The check schedule on a real data center (SQLite) with a fake clock and an in-memory bus.

Forward windows up to forward_max_task_step, backward windows down to backward_min_timestamp,
retries after cool_down_time until max_retry_num, dead retries trimmed, and positions that
survive a restart and an outage.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import pytest
import requests

from adoctor_check_scheduler.jobs import BACKWARD
from adoctor_check_scheduler.jobs import FORWARD
from adoctor_check_scheduler.jobs import HOSTS_PER_TASK
from adoctor_check_scheduler.jobs import CheckSchedule
from adoctor_check_scheduler.jobs import ScheduleLoop
from adoctor_check_scheduler.settings import SchedulerSection
from aops_utils.bus import Message
from aops_utils.bus import Producer
from aops_utils.bus.memory import MemoryBus
from aops_utils.bus.memory import MemoryConsumer
from aops_utils.contracts.checks import CheckTask
from aops_utils.contracts.topics import BACKWARD_TASK_ID
from aops_utils.contracts.topics import FORWARD_TASK_ID
from aops_utils.contracts.topics import Topic
from aops_utils.data_center import DataCenter
from aops_utils.errors import AopsError
from aops_utils.errors import ServiceUnavailable
from tests.suite import Suite
from tests.suite import running_suite

T = 1_700_000_000  # the fake clock's "now" at the start of every test


class FlakyProducer:
    """A bus producer that can be made unreachable, as a broker that went away."""

    def __init__(self, inner: Producer) -> None:
        self.inner = inner
        self.away = False

    def send(self, topic: str, value: dict[str, Any], key: str | None = None) -> None:
        if self.away:
            raise ServiceUnavailable("the message bus is unreachable")
        self.inner.send(topic, value, key)

    def flush(self, timeout: float | None = None) -> None:
        if self.away:
            raise ServiceUnavailable("the message bus is unreachable")
        self.inner.flush(timeout)

    def close(self) -> None:
        self.inner.close()


@dataclass
class Center:
    """A data center, a bus whose DO_CHECK_TOPIC the test reads back, and a fake clock."""

    suite: Suite
    dc: DataCenter
    bus: MemoryBus
    reader: MemoryConsumer
    now: list[float] = field(default_factory=lambda: [float(T)])

    def schedule(self, producer: Producer | None = None, **settings: Any) -> CheckSchedule:
        """A new CheckSchedule, as a (re)started scheduler would build it."""
        return CheckSchedule(
            self.dc,
            producer or self.bus.producer(),
            SchedulerSection(**{"forward_lag": 0, **settings}),
            clock=lambda: self.now[0],
        )

    def published(self) -> list[CheckTask]:
        """The tasks published since the last call."""
        found = [CheckTask.model_validate(m.value) for m in self.reader.poll(0, 100_000)]
        self.reader.commit()
        return found

    def state(self) -> dict[str, int]:
        reply = self.dc.post("/data/check/state/get", {"names": [FORWARD, BACKWARD]})
        return {k: int(v) for k, v in reply["state"].items()}

    def user_with_a_host(self) -> tuple[str, str, str]:
        """A new user's name and token, and the one host it has."""
        user, token = self.suite.add_user()
        (host,) = self.add_hosts(token, 1)
        return user, token, host

    def add_hosts(self, token: str, count: int) -> list[str]:
        """`count` hosts of the token's user, straight through the data center."""
        group = "g" + uuid.uuid4().hex[:8]
        self.suite_call(token, "/data/host/group/add", {"host_group_name": group})
        ids = [uuid.uuid4().hex for _ in range(count)]
        hosts = [
            {
                "host_id": hid,
                "host_name": f"h{n}",
                "host_group_name": group,
                "public_ip": f"10.9.{n // 250}.{n % 250 + 1}",
                "ssh_port": 22,
                "management": False,
                "credential": 0,
            }
            for n, hid in enumerate(ids)
        ]
        self.suite_call(token, "/data/host/add", {"host_list": hosts, "credentials": ["sealed"]})
        return ids

    def suite_call(self, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = requests.post(
            self.suite.database_url + path,
            json=body,
            headers={"access_token": self.suite.session_token(token)},
            timeout=60,
        ).json()
        assert reply["code"] == 200, reply
        return dict(reply)

    def retries(self, dead: bool | None = None) -> list[dict[str, Any]]:
        return list(self.dc.post("/data/check/retry/get", {"dead": dead})["retries"])


@pytest.fixture
def center(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Center]:
    """A data center of this test alone: the schedule's positions and retries are global."""
    monkeypatch.setenv("AOPS_CONF_DIR", str(tmp_path))
    with running_suite(tmp_path, relational="sqlite", document="sql") as suite:
        bus = MemoryBus()
        dc = DataCenter(suite.database_url, suite.codec(), "adoctor-check-scheduler", timeout=10)
        try:
            yield Center(suite, dc, bus, bus.consumer([Topic.DO_CHECK], "test-reader"))
        finally:
            bus.close()


def by_user(tasks: list[CheckTask]) -> dict[str, list[list[str]]]:
    """Each user's tasks as lists of host ids (sorted by chunk size, largest first)."""
    found: dict[str, list[list[str]]] = {}
    for task in tasks:
        found.setdefault(task.user, []).append([h.host_id for h in task.host_list])
    return {user: sorted(chunks, key=len, reverse=True) for user, chunks in found.items()}


def windows(tasks: list[CheckTask]) -> list[tuple[int, int]]:
    return [(task.time_range[0], task.time_range[1]) for task in tasks]


def test_the_first_forward_run_only_records_where_checking_starts(center: Center) -> None:
    _, token = center.suite.add_user()
    center.add_hosts(token, 2)
    schedule = center.schedule()
    assert schedule.forward() is None
    assert center.published() == []
    assert center.state() == {FORWARD: T, BACKWARD: T}


def test_the_next_forward_run_publishes_the_window_per_user_in_chunks_of_200_hosts(
    center: Center,
) -> None:
    big, big_token = center.suite.add_user()
    small, small_token = center.suite.add_user()
    center.suite.add_user()  # a user without hosts gets no task
    big_hosts = center.add_hosts(big_token, 2 * HOSTS_PER_TASK + 50)
    small_hosts = center.add_hosts(small_token, 3)
    schedule = center.schedule()
    schedule.forward()
    center.now[0] = T + 60
    assert schedule.forward() == (T, T + 60)
    tasks = center.published()
    assert {t.task_id for t in tasks} == {FORWARD_TASK_ID}
    assert set(windows(tasks)) == {(T, T + 60)}
    assert all(t.check_items == [] for t in tasks)  # every rule of the user
    chunks = by_user(tasks)
    assert set(chunks) == {big, small}
    assert [len(c) for c in chunks[big]] == [HOSTS_PER_TASK, HOSTS_PER_TASK, 50]
    assert sorted(h for c in chunks[big] for h in c) == sorted(big_hosts)
    assert len(chunks[small]) == 1 and sorted(chunks[small][0]) == sorted(small_hosts)
    ips = {h.host_id: h.public_ip for t in tasks for h in t.host_list}
    assert ips[small_hosts[0]] == "10.9.0.1"
    assert center.state()[FORWARD] == T + 60
    # Nothing new has happened yet: no window, nothing published, the position stays.
    assert schedule.forward() is None
    assert center.published() == [] and center.state()[FORWARD] == T + 60


def test_a_long_gap_is_caught_up_in_windows_of_forward_max_task_step(center: Center) -> None:
    center.user_with_a_host()
    schedule = center.schedule(forward_max_task_step=100)
    schedule.forward()
    center.now[0] = T + 350
    runs = [schedule.forward() for _ in range(5)]
    assert runs == [(T, T + 100), (T + 100, T + 200), (T + 200, T + 300), (T + 300, T + 350), None]
    assert windows(center.published()) == [w for w in runs if w is not None]


def test_a_restarted_scheduler_continues_from_the_stored_positions(center: Center) -> None:
    center.user_with_a_host()
    first = center.schedule(backward_task_step=100, backward_min_timestamp=T - 1000)
    first.forward()
    center.now[0] = T + 60
    assert first.forward() == (T, T + 60)
    assert first.backward() == (T - 100, T)
    center.published()

    # A new scheduler, e.g. after a restart an hour later: nothing is skipped or re-checked.
    center.now[0] = T + 3600
    second = center.schedule(backward_task_step=100, backward_min_timestamp=T - 1000)
    assert second.forward() == (T + 60, T + 3600)
    assert second.backward() == (T - 200, T - 100)
    assert windows(center.published()) == [(T + 60, T + 3600), (T - 200, T - 100)]


def test_backward_walks_back_in_steps_down_to_the_minimum_and_then_stops(center: Center) -> None:
    center.user_with_a_host()
    schedule = center.schedule(backward_task_step=100, backward_min_timestamp=T - 250)
    assert schedule.backward() is None  # no start recorded yet: nothing to look back from
    schedule.forward()
    runs = [schedule.backward() for _ in range(5)]
    assert runs == [(T - 100, T), (T - 200, T - 100), (T - 250, T - 200), None, None]
    tasks = center.published()
    assert {t.task_id for t in tasks} == {BACKWARD_TASK_ID}
    assert windows(tasks) == [(T - 100, T), (T - 200, T - 100), (T - 250, T - 200)]
    assert center.state()[BACKWARD] == T - 250


def test_history_before_the_minimum_is_never_checked(center: Center) -> None:
    center.user_with_a_host()
    schedule = center.schedule(backward_min_timestamp=T + 10)  # the floor is in the future
    schedule.forward()
    assert schedule.backward() is None and center.published() == []


def test_with_the_data_center_away_forward_fails_and_the_window_is_kept(center: Center) -> None:
    center.user_with_a_host()
    schedule = center.schedule()
    schedule.forward()
    center.now[0] = T + 60
    center.suite.stop_database()
    try:
        with pytest.raises(ServiceUnavailable, match="unreachable"):
            schedule.forward()
        with pytest.raises(ServiceUnavailable):
            schedule.backward()
        assert center.published() == []
    finally:
        center.suite.start_database()
    assert center.state()[FORWARD] == T
    center.now[0] = T + 90
    assert schedule.forward() == (T, T + 90)
    assert windows(center.published()) == [(T, T + 90)]


def test_the_schedule_loop_outlives_an_outage_and_then_publishes_the_kept_window(center: Center) -> None:
    center.user_with_a_host()
    schedule = center.schedule()
    schedule.forward()
    center.now[0] = T + 60
    loop = ScheduleLoop(
        schedule, SchedulerSection(forward_task_interval=1, backward_task_interval=3600, forward_lag=0)
    )
    center.suite.stop_database()
    try:
        loop.start()
        time.sleep(2.5)  # the first runs fail; the loop logs them and goes on
        assert center.published() == []
        center.suite.start_database()
        deadline = time.time() + 10
        published: list[CheckTask] = []
        while not published:
            assert time.time() < deadline, "the loop never published the kept window"
            time.sleep(0.2)
            published = center.published()
        assert windows(published) == [(T, T + 60)]
        time.sleep(1.5)  # later runs find nothing new
        assert center.published() == []
    finally:
        loop.close()
        if "database" not in center.suite.servers:
            center.suite.start_database()


def test_with_the_bus_away_forward_fails_and_the_window_is_kept(center: Center) -> None:
    center.user_with_a_host()
    producer = FlakyProducer(center.bus.producer())
    schedule = center.schedule(producer)
    schedule.forward()
    center.now[0] = T + 60
    producer.away = True
    with pytest.raises(AopsError, match="message bus is unreachable"):
        schedule.forward()
    assert center.state()[FORWARD] == T
    producer.away = False
    assert schedule.forward() == (T, T + 60)
    assert windows(center.published()) == [(T, T + 60)]


def failed(task: CheckTask) -> Message:
    """The executor's RETRY_CHECK_TOPIC message for a task whose window failed."""
    return Message(Topic.RETRY_CHECK, 0, 0, task.user, task.message())


def test_a_failed_window_is_published_again_only_after_the_cool_down(center: Center) -> None:
    user, _, host = center.user_with_a_host()
    schedule = center.schedule(cool_down_time=60)
    window = [T - 60, T]
    original = CheckTask(
        task_id=FORWARD_TASK_ID,
        user=user,
        host_list=[{"host_id": host, "public_ip": "10.9.0.1"}],
        check_items=["load"],
        time_range=window,
    )
    schedule.on_retry_message(failed(original))
    schedule.on_retry_message(failed(original))  # reported twice: still one retry
    assert len(center.retries()) == 1
    center.now[0] = T + 59
    assert schedule.retries() == 0 and center.published() == []
    center.now[0] = T + 60
    assert schedule.retries() == 1
    (task,) = center.published()
    assert isinstance(task.task_id, str) and task.task_id == center.retries()[0]["retry_id"]
    assert (task.user, task.check_items, task.time_range) == (user, ["load"], window)
    assert [h.host_id for h in task.host_list] == [host]
    # Claimed: not published again while its run may still be going on...
    center.now[0] = T + 60 + 299
    assert schedule.retries() == 0
    # ...but a run that never reported back is published again once the lease is over.
    center.now[0] = T + 60 + 300
    assert schedule.retries() == 1 and [t.task_id for t in center.published()] == [task.task_id]


def test_a_retry_failing_again_runs_at_most_max_retry_num_plus_one_times_then_is_dead(
    center: Center,
) -> None:
    user, _, host = center.user_with_a_host()
    schedule = center.schedule(cool_down_time=10, max_retry_num=2)
    original = CheckTask(
        task_id=FORWARD_TASK_ID,
        user=user,
        host_list=[{"host_id": host, "public_ip": "10.9.0.1"}],
        time_range=[T - 60, T],
    )
    schedule.on_retry_message(failed(original))
    runs: list[CheckTask] = []
    for _ in range(6):
        center.now[0] += 10
        schedule.retries()
        tasks = center.published()
        runs += tasks
        for task in tasks:  # the executor fails it again
            schedule.on_retry_message(failed(task))
    assert len(runs) == 3 and len({t.task_id for t in runs}) == 1
    (dead,) = center.retries(dead=True)
    assert dead["retry_id"] == runs[0].task_id and dead["attempts"] == 3
    assert center.retries(dead=False) == []
    # A dead retry reported once more stays dead and is never published again.
    schedule.on_retry_message(failed(runs[-1]))
    center.now[0] += 1000
    assert schedule.retries() == 0 and center.published() == []
    assert [r["dead"] for r in center.retries()] == [True]


def test_dead_retries_beyond_the_limit_are_trimmed_oldest_first_by_the_discount(center: Center) -> None:
    user, _, host = center.user_with_a_host()
    schedule = center.schedule(
        cool_down_time=10, max_retry_num=0, max_dead_retry_task=4, dead_retry_task_discount=0.5
    )
    starts = [T - 1000 + 60 * n for n in range(5)]
    for start in starts:  # five windows fail, are retried once, fail again and die in turn
        original = CheckTask(
            task_id=FORWARD_TASK_ID,
            user=user,
            host_list=[{"host_id": host, "public_ip": "10.9.0.1"}],
            time_range=[start, start + 60],
        )
        schedule.on_retry_message(failed(original))
        center.now[0] += 10
        assert schedule.retries() == 1
        (task,) = center.published()
        center.now[0] += 10
        schedule.on_retry_message(failed(task))
    assert len(center.retries(dead=True)) == 5
    # Beyond 4 dead, ceil(4 * 0.5) = 2 of those that died first go in one trim.
    assert schedule.retries() == 0
    kept = sorted(r["time_range"][0] for r in center.retries(dead=True))
    assert kept == starts[2:]
    assert schedule.retries() == 0
    assert len(center.retries(dead=True)) == 3  # within the limit now: nothing more goes


def test_retries_of_a_user_that_no_longer_exists_are_dropped(center: Center) -> None:
    schedule = center.schedule(cool_down_time=0)
    ghost = CheckTask(
        task_id=FORWARD_TASK_ID,
        user="nobody" + uuid.uuid4().hex[:6],
        host_list=[{"host_id": "a" * 32, "public_ip": "10.9.0.1"}],
        time_range=[T - 60, T],
    )
    schedule.on_retry_message(failed(ghost))
    assert center.retries() == [] and schedule.retries() == 0
