"""The engine is a coroutine end to end: concurrent turns of one conversation take turns under
its lock (in one process and across processes), each action runs exactly once even when it
really awaits, and a taken lock times out instead of hanging."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Action

from bot.app import build_engine
from bot.core.config import CoachConfig
from bot.dialogue.executor import InProcessActions
from bot.stores import MemoryTrackerStore, RedisTrackerStore, SQLiteTrackerStore, TrackerStore


def run(make: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine on an event loop of its own thread (a test that ran earlier in this
    process, such as Playwright's sync API, may have left a loop running in this one)."""
    box: dict[str, Any] = {}

    def target() -> None:
        async def main() -> Any:
            return await make()

        try:
            box["result"] = asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001 (re-raised in the test's thread)
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("result")


def _user_texts(store: TrackerStore, sender: str) -> list[str]:
    tracker = store.load(sender, full=True)
    assert tracker is not None
    return [e["text"] for e in tracker.events if e["event"] == "user"]


@pytest.mark.parametrize("kind", ["memory", "sqlite", "redis"])
def test_concurrent_turns_of_one_conversation_are_serialised(
        kind: str, config: CoachConfig, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if kind == "redis":
        store: TrackerStore = RedisTrackerStore(request.getfixturevalue("redis_url"))
    elif kind == "sqlite":
        store = SQLiteTrackerStore(tmp_path / "t.db")
    else:
        store = MemoryTrackerStore()
    engine = build_engine(config, store=store)
    texts = [f"hi number {i}" for i in range(12)]

    async def all_at_once() -> list[Any]:
        return await asyncio.gather(*(engine.handle("same-1", t) for t in texts))

    replies = run(all_at_once)
    assert all(r for r in replies)
    seen = _user_texts(store, "same-1")
    assert sorted(seen) == sorted(texts) and len(seen) == len(set(seen))  # none lost or doubled
    events = store.load("same-1", full=True).events  # type: ignore[union-attr]
    # each turn's bot replies follow its own user message: no turn interleaved with another
    users = [i for i, e in enumerate(events) if e["event"] == "user"]
    for start, end in zip(users, [*users[1:], len(events)], strict=True):
        assert any(e["event"] == "bot" for e in events[start:end])


class AwaitingAction(Action):
    """An action that really awaits something, and counts its runs."""

    runs = 0

    def name(self) -> str:
        return "action_test_awaits"

    async def run(self, dispatcher: Any, tracker: Any, domain: Any) -> list[dict[str, Any]]:
        await asyncio.sleep(0.01)
        AwaitingAction.runs += 1
        dispatcher.utter_message(text="done waiting")
        return []


def test_an_action_that_awaits_runs_once(config: CoachConfig) -> None:
    actions = InProcessActions()
    actions.executor.register_action(AwaitingAction())
    engine = build_engine(config, store=MemoryTrackerStore())
    payload = {"next_action": "action_test_awaits", "sender_id": "a-1",
               "tracker": engine.new_tracker("a-1").sdk_state(), "domain": engine.domain_dict,
               "version": "3.1"}
    result = run(lambda: actions.run(payload))
    assert AwaitingAction.runs == 1
    assert result["responses"][0]["text"] == "done waiting"


def _hold_lock(db: str, ready: Any, release: Any) -> None:
    store = SQLiteTrackerStore(Path(db))

    async def hold() -> None:
        async with store.locked("held-1"):
            ready.set()
            await asyncio.get_running_loop().run_in_executor(None, release.wait, 20)

    asyncio.run(hold())


def test_a_lock_held_by_another_process_times_out(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path / "t.db"), ready, release))
    holder.start()
    try:
        assert ready.wait(60)
        store = SQLiteTrackerStore(tmp_path / "t.db", lock_timeout_s=0.3)

        async def try_it() -> None:
            async with store.locked("held-1"):
                pass

        with pytest.raises(TimeoutError):
            run(try_it)
        release.set()
        holder.join(20)
        run(try_it)  # free again once the other process let go
    finally:
        release.set()
        holder.join(20)


def test_a_redis_lock_is_renewed_while_held_and_a_dead_holder_frees_it_soon(
        redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    import bot.stores.redis as redis_store

    monkeypatch.setattr(redis_store, "LOCK_TTL_S", 0.3)
    holder = RedisTrackerStore(redis_url)
    waiter = RedisTrackerStore(redis_url, lock_timeout_s=0.2)

    async def hold_long_and_try_meanwhile() -> bool:
        async with holder.locked("renew-1"):
            await asyncio.sleep(0.8)  # well past the lock's life: renewals keep it
            try:
                async with waiter.locked("renew-1"):
                    return False
            except TimeoutError:
                return True

    assert run(hold_long_and_try_meanwhile)
    # a holder that died (never releases): its lock is gone within the lock's life
    dead = holder.client.lock(holder._lock_key("renew-2"), timeout=0.3)
    assert dead.acquire()
    start = time.monotonic()
    patient = RedisTrackerStore(redis_url, lock_timeout_s=5)

    async def take() -> None:
        async with patient.locked("renew-2"):
            pass

    run(take)
    assert time.monotonic() - start < 2
