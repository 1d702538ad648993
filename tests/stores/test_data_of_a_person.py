"""Every store erases a conversation on request, lists its conversations, trims the oldest events
beyond `max_events`, and forgets conversations older than the retention (SQLite and memory by a
purge, Redis by a TTL)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.core.config import StoresConfig
from bot.core.tracker import Tracker
from bot.stores import (
    MemoryTrackerStore,
    RedisTrackerStore,
    SQLiteTrackerStore,
    TrackerStore,
    store_from_config,
)

DAY = 86400.0


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _talk(store: TrackerStore, sender: str, turns: int = 1) -> Tracker:
    """Save `turns` turns of one conversation (one slot event each), as the engine does."""
    tracker = store.load(sender) or Tracker.new(sender, ["goal"])
    for i in range(turns):
        with store.lock(sender):
            tracker.set_slot("goal", f"g{i}")
            store.save(tracker)
        tracker = store.load(sender)
    return tracker


@pytest.fixture(params=["memory", "sqlite", "redis"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., TrackerStore]]:
    """A factory of fresh stores of each kind (Redis: a fresh key prefix per store)."""
    made: list[TrackerStore] = []

    def factory(**stores: object) -> TrackerStore:
        if request.param == "memory":
            store: TrackerStore = MemoryTrackerStore()
        elif request.param == "sqlite":
            store = SQLiteTrackerStore(tmp_path / f"{uuid.uuid4().hex}.db")
        else:
            url = request.getfixturevalue("redis_url")
            store = RedisTrackerStore(url, prefix=f"test-{uuid.uuid4().hex[:8]}:")
        made.append(store.configure(StoresConfig(**stores)))
        return store

    yield factory
    for store in made:
        store.close()


def test_delete_erases_one_conversation_and_no_other(make: Callable[..., TrackerStore]) -> None:
    store = make()
    _talk(store, "alice", 3)
    _talk(store, "bob", 2)
    assert sorted(store.senders()) == ["alice", "bob"]
    assert store.delete("alice") is True
    assert store.load("alice") is None and store.load("alice", full=True) is None
    assert store.senders() == ["bob"]
    assert store.load("bob", full=True).slots["goal"] == "g1"
    assert store.delete("alice") is False  # already gone
    # a sender of the same name starts afresh: no event of the erased conversation comes back
    fresh = _talk(store, "alice", 1)
    assert len(store.load("alice", full=True).events) == 1 and fresh.events_before == 0


def test_senders_with_odd_ids(make: Callable[..., TrackerStore]) -> None:
    store = make()
    odd = ["../x", "a/b", "%2e%2e", "*", "state:x", "ü-ñ", "x" * 200]
    for sender in odd:
        _talk(store, sender)
    assert sorted(store.senders()) == sorted(odd)
    assert store.delete("*") and sorted(store.senders()) == sorted(s for s in odd if s != "*")


def test_the_oldest_events_are_trimmed_beyond_max_events(make: Callable[..., TrackerStore]) -> None:
    store = make(max_events=100)
    tracker = _talk(store, "long", 130)
    full = store.load("long", full=True)
    assert len(full.events) == 100
    # the newest stayed, the oldest went; the state and the turn's recent events are intact
    assert [e["value"] for e in full.events[-2:]] == ["g128", "g129"]
    assert full.events[0]["value"] == "g30"
    assert tracker.slots["goal"] == "g129" and full.slots["goal"] == "g129"
    # and the conversation goes on normally after trimming
    _talk(store, "long", 1)
    assert store.load("long", full=True).events[-1]["value"] == "g0"


def test_no_cap_keeps_every_event(make: Callable[..., TrackerStore]) -> None:
    store = make()
    _talk(store, "keep", 120)
    assert len(store.load("keep", full=True).events) == 120


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_purge_erases_conversations_older_than_the_retention(kind: str, tmp_path: Path) -> None:
    clock = FakeClock()
    store: TrackerStore = MemoryTrackerStore() if kind == "memory" \
        else SQLiteTrackerStore(tmp_path / "t.db")
    store.clock = clock
    store.configure(StoresConfig(retention_days=30))
    _talk(store, "old")
    clock.now += 10 * DAY
    _talk(store, "recent")
    clock.now += 25 * DAY  # "old" is 35 days old, "recent" 25
    assert store.purge() == 1
    assert store.senders() == ["recent"] and store.load("old") is None
    clock.now += 6 * DAY
    assert store.purge() == 1 and store.senders() == []


def test_sqlite_purge_erases_both_tables(tmp_path: Path) -> None:
    store = SQLiteTrackerStore(tmp_path / "t.db")
    _talk(store, "old", 5)
    _talk(store, "new", 5)
    conn = store._conn()
    # an old conversation written directly with an old timestamp, as a store from last year
    conn.execute("UPDATE trackers SET updated = ? WHERE sender_id = 'old'", (time.time() - 91 * DAY,))
    store.configure(StoresConfig(retention_days=90))
    assert store.purge() == 1
    assert conn.execute("SELECT COUNT(*) FROM events WHERE sender_id = 'old'").fetchone() == (0,)
    assert conn.execute("SELECT COUNT(*) FROM events WHERE sender_id = 'new'").fetchone() == (5,)
    assert store.senders() == ["new"]


def test_sqlite_delete_erases_both_tables(tmp_path: Path) -> None:
    store = SQLiteTrackerStore(tmp_path / "t.db")
    _talk(store, "gone", 4)
    assert store.delete("gone")
    conn = store._conn()
    for table in ("trackers", "events"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,)


def test_without_retention_purge_keeps_everything(tmp_path: Path) -> None:
    store = SQLiteTrackerStore(tmp_path / "t.db")
    store.clock = FakeClock()
    _talk(store, "a")
    store.clock = FakeClock(FakeClock().now + 10_000 * DAY)
    assert store.purge() == 0 and store.senders() == ["a"]


def test_redis_sets_the_retention_as_ttl_on_save(redis_url: str) -> None:
    store = RedisTrackerStore(redis_url, prefix=f"ttl-{uuid.uuid4().hex[:8]}:")
    store.configure(StoresConfig(retention_days=2))
    _talk(store, "r1", 2)
    state, events = store._keys("r1")
    for key in (state, events):
        assert 2 * DAY - 60 < store.client.ttl(key) <= 2 * DAY
    store.close()


def test_redis_delete_erases_state_events_and_lock(redis_url: str) -> None:
    store = RedisTrackerStore(redis_url, prefix=f"del-{uuid.uuid4().hex[:8]}:")
    _talk(store, "r2", 2)
    store.client.set(store._lock_key("r2"), "held")  # a lock left behind by a crashed worker
    assert store.delete("r2")
    assert not store.client.keys(store.prefix + "*")
    store.close()


def test_redis_purge_gives_old_conversations_a_ttl(redis_url: str) -> None:
    store = RedisTrackerStore(redis_url, prefix=f"bf-{uuid.uuid4().hex[:8]}:")
    _talk(store, "before-retention", 1)  # saved while conversations were kept for ever
    assert store.client.ttl(store._keys("before-retention")[0]) == -1
    store.configure(StoresConfig(retention_days=1))
    assert store.purge() == 0
    assert 0 < store.client.ttl(store._keys("before-retention")[0]) <= DAY
    store.close()


def test_store_from_config_applies_the_policies(tmp_path: Path) -> None:
    store = store_from_config(StoresConfig(tracker="sqlite", retention_days=7, max_events=200),
                              tmp_path)
    assert store.kind == "sqlite" and store.max_events == 200 and store.retention_s == 7 * DAY


@pytest.mark.parametrize("field,value", [("retention_days", 0), ("retention_days", -1),
                                         ("max_events", 10)])
def test_bad_policies_are_config_errors(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=field):
        StoresConfig(**{field: value})
