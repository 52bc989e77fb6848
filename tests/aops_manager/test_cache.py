"""The manager's read cache never keeps an answer that a write or a probe made stale meanwhile."""

from __future__ import annotations

from aops_manager.cache import ReadCache


def test_an_answer_read_across_a_forget_is_not_kept() -> None:
    cache = ReadCache(60)
    before = cache.generation
    cache.forget_all()  # a probe recorded new statuses while the listing was on its way
    cache.keep_answer("alice", "/data/host/get{}", {"host_infos": []}, before)
    assert cache.answer("alice", "/data/host/get{}") is None

    before = cache.generation
    cache.forget_user("bob")
    cache.keep_answer("alice", "/data/host/get{}", {"host_infos": []}, before)
    assert cache.answer("alice", "/data/host/get{}") is None


def test_an_answer_read_without_a_forget_is_kept() -> None:
    cache = ReadCache(60)
    before = cache.generation
    cache.keep_answer("alice", "/data/host/get{}", {"host_infos": []}, before)
    assert cache.answer("alice", "/data/host/get{}") == {"host_infos": []}
