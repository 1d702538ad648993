"""Tracker stores: SQLite survives reopening; Redis shares conversations between engines."""

from __future__ import annotations

import threading
from pathlib import Path

from bot.app import build_engine
from bot.core.config import CoachConfig
from bot.core.tracker import Tracker
from bot.stores import MemoryTrackerStore, RedisTrackerStore, SQLiteTrackerStore, make_store
from bot.testing import reply_text


def _roundtrip(store) -> None:
    tracker = Tracker.new("s1", ["goal"])
    tracker.set_slot("goal", "size")
    store.save(tracker)
    loaded = store.load("s1")
    assert loaded is not None and loaded.slots["goal"] == "size" and loaded.events
    assert store.load("nobody") is None


def test_memory_store() -> None:
    _roundtrip(MemoryTrackerStore())


def test_sqlite_store_survives_reopening(tmp_path: Path) -> None:
    _roundtrip(SQLiteTrackerStore(tmp_path / "t.db"))
    again = SQLiteTrackerStore(tmp_path / "t.db")
    assert again.load("s1").slots["goal"] == "size"


def test_make_store_names(tmp_path: Path) -> None:
    assert make_store("sqlite", tmp_path).kind == "sqlite"
    assert make_store("memory", tmp_path).kind == "memory"


def test_redis_store(redis_url: str) -> None:
    _roundtrip(RedisTrackerStore(redis_url))


def test_two_engines_share_a_conversation_through_redis(config: CoachConfig, redis_url: str) -> None:
    a = build_engine(config, store=RedisTrackerStore(redis_url))
    b = build_engine(config, store=RedisTrackerStore(redis_url))
    reply_text(a.handle_sync("shared-1", "how long should i rest for size"))
    assert "3-5 minutes" in reply_text(b.handle_sync("shared-1", "and for strength?"))


def test_redis_lock_serialises_concurrent_turns(config: CoachConfig, redis_url: str) -> None:
    engines = [build_engine(config, store=RedisTrackerStore(redis_url)) for _ in range(2)]
    errors: list[BaseException] = []

    def talk(engine, n: int) -> None:
        try:
            for i in range(10):
                engine.handle_sync("locked-1", f"hi {n} {i}")
        except BaseException as exc:  # noqa: BLE001 (collected and asserted below)
            errors.append(exc)

    threads = [threading.Thread(target=talk, args=(e, n)) for n, e in enumerate(engines)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    tracker = RedisTrackerStore(redis_url).load("locked-1", full=True)
    assert sum(e["event"] == "user" for e in tracker.events) == 20  # no turn was lost


def test_long_conversations_load_recent_events_but_keep_all(tmp_path: Path) -> None:
    store = SQLiteTrackerStore(tmp_path / "long.db")
    tracker = Tracker.new("long", ["goal"])
    for i in range(150):
        tracker.set_slot("goal", str(i))
        store.save(tracker)
        tracker = store.load("long")
    assert len(tracker.events) < 150 and tracker.events_before + len(tracker.events) == 150
    assert len(store.load("long", full=True).events) == 150
    assert tracker.slots["goal"] == "149"
