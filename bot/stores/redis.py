"""Redis: several workers or machines share conversations, with a Redis lock per conversation.

The server awaits a `redis.asyncio` client (one per event loop); the command line uses a plain
client. Either way an unreachable Redis raises StoreUnavailable (the server answers 503 with
Retry-After), and the next request simply tries again: the clients reconnect by themselves."""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import redis
import redis.asyncio as aredis
import redis.asyncio.retry as aretry
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from bot.core.errors import StoreUnavailable
from bot.core.tracker import ACTION_EVENT_WINDOW, Tracker
from bot.stores.base import TrackerStore

# what "Redis cannot be reached" looks like from redis-py (refused, reset, timed out, loading)
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
               redis.exceptions.BusyLoadingError, ConnectionError, OSError)
LOCK_POLL_S = 0.002  # how often a taken conversation lock is tried again (redis-py's default: 0.1 s)
# how long a conversation's lock lives unless its holder renews it (it does, every third of this)
LOCK_TTL_S = 3.0
# a pooled connection that died with a Redis restart fails once: a new one is tried at once, so
# the first message after a restart is answered (only a Redis still down gives the 503)
RETRIES = 3
RETRY_ON = [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]


def _backoff() -> ExponentialBackoff:
    return ExponentialBackoff(cap=0.2, base=0.01)


@contextmanager
def _reachable(url: str) -> Iterator[None]:
    try:
        yield
    except TimeoutError:
        raise  # a busy conversation (an OSError too), not an unreachable Redis
    except UNREACHABLE as exc:
        raise StoreUnavailable(f"Redis at {url} is unreachable: {exc}") from exc


class RedisTrackerStore(TrackerStore):
    """Redis: several workers or machines share conversations, with a Redis lock per conversation."""

    kind = "redis"
    networked = True

    def __init__(self, url: str, lock_timeout_s: float = 10.0, prefix: str = "coach:") -> None:
        self.url = url
        self.client = redis.Redis.from_url(url, retry=Retry(_backoff(), RETRIES),
                                           retry_on_error=RETRY_ON)
        self._aclients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aredis.Redis] = \
            weakref.WeakKeyDictionary()
        self.prefix = prefix
        self.lock_timeout_s = lock_timeout_s

    def _aclient(self) -> aredis.Redis:
        """The asyncio client of the running event loop (a connection belongs to one loop)."""
        loop = asyncio.get_running_loop()
        client = self._aclients.get(loop)
        if client is None:
            client = self._aclients[loop] = aredis.Redis.from_url(
                self.url, retry=aretry.Retry(_backoff(), RETRIES), retry_on_error=RETRY_ON)
        return client

    def _keys(self, sender_id: str) -> tuple[str, str]:
        return self.prefix + "state:" + sender_id, self.prefix + "events:" + sender_id

    def _lock_key(self, sender_id: str) -> str:
        return self.prefix + "lock:" + sender_id

    # ---- the commands a load and a save send (one pipeline each, a round trip each) ----------
    def _queue_load(self, pipe: Any, sender_id: str, full: bool) -> None:
        state_key, events_key = self._keys(sender_id)
        pipe.get(state_key)
        pipe.llen(events_key)
        pipe.lrange(events_key, 0 if full else -ACTION_EVENT_WINDOW, -1)

    @staticmethod
    def _loaded(replies: list[Any]) -> Tracker | None:
        state, total, raw = replies
        if state is None:
            return None
        return Tracker.from_parts(state, [json.loads(e) for e in raw], total)

    def _queue_save(self, pipe: Any, tracker: Tracker) -> list[dict[str, Any]]:
        state_key, events_key = self._keys(tracker.sender_id)
        new = tracker.unsaved_events()
        if new:
            pipe.rpush(events_key, *[json.dumps(e) for e in new])
        if self.max_events:
            pipe.ltrim(events_key, -self.max_events, -1)
        ttl = int(self.retention_s) if self.retention_s else None
        pipe.set(state_key, tracker.state_json(), ex=ttl)
        if ttl:  # Redis erases the conversation once it has not been saved for the retention
            pipe.expire(events_key, ttl)
        return new

    def _queue_delete(self, pipe: Any, sender_id: str) -> None:
        state_key, events_key = self._keys(sender_id)
        pipe.delete(state_key)
        pipe.delete(events_key, self._lock_key(sender_id))

    # ---- plain methods (command line, tests) --------------------------------------------------
    def load(self, sender_id: str, full: bool = False) -> Tracker | None:
        with _reachable(self.url):
            pipe = self.client.pipeline()
            self._queue_load(pipe, sender_id, full)
            return self._loaded(pipe.execute())

    def save(self, tracker: Tracker) -> None:
        with _reachable(self.url):
            pipe = self.client.pipeline()
            new = self._queue_save(pipe, tracker)
            pipe.execute()
        self._saved(tracker, new)

    def delete(self, sender_id: str) -> bool:
        with _reachable(self.url):
            pipe = self.client.pipeline()
            self._queue_delete(pipe, sender_id)
            found, _ = pipe.execute()
        return bool(found)

    def senders(self) -> list[str]:
        start = len(self.prefix + "state:")
        with _reachable(self.url):
            return sorted(key.decode()[start:] for key in
                          self.client.scan_iter(match=self.prefix + "state:*", count=1000))

    def purge(self, now: float | None = None) -> int:
        """Redis erases expired conversations itself; this gives the retention's TTL to those
        saved before a retention was configured (they had none). Erases nothing itself."""
        if not self.retention_s:
            return 0
        ttl = int(self.retention_s)
        keys = [key for sender in self.senders() for key in self._keys(sender)]
        with _reachable(self.url):
            for start in range(0, len(keys), 1000):
                batch = keys[start:start + 1000]
                pipe = self.client.pipeline()
                for key in batch:
                    pipe.ttl(key)
                pipe_set = self.client.pipeline()
                for key, left in zip(batch, pipe.execute(), strict=True):
                    if left == -1:  # exists without an expiry
                        pipe_set.expire(key, ttl)
                pipe_set.execute()
        return 0

    @contextmanager
    def lock(self, sender_id: str) -> Iterator[None]:
        with _reachable(self.url):
            lock = self.client.lock(self._lock_key(sender_id), timeout=self.lock_timeout_s,
                                    blocking_timeout=self.lock_timeout_s, sleep=LOCK_POLL_S)
            if not lock.acquire():
                raise TimeoutError(f"conversation {sender_id!r} is busy")
        try:
            yield
        finally:
            try:
                lock.release()
            except (redis.exceptions.LockError, *UNREACHABLE):
                pass  # it expired (another worker may hold it now) or Redis went away: it expires

    def close(self) -> None:
        self.client.close()

    # ---- the event loop's face ----------------------------------------------------------------
    async def load_async(self, sender_id: str, full: bool = False) -> Tracker | None:
        with _reachable(self.url):
            pipe = self._aclient().pipeline()
            self._queue_load(pipe, sender_id, full)
            return self._loaded(await pipe.execute())

    async def save_async(self, tracker: Tracker) -> None:
        with _reachable(self.url):
            pipe = self._aclient().pipeline()
            new = self._queue_save(pipe, tracker)
            await pipe.execute()
        self._saved(tracker, new)

    async def delete_async(self, sender_id: str) -> bool:
        with _reachable(self.url):
            pipe = self._aclient().pipeline()
            self._queue_delete(pipe, sender_id)
            found, _ = await pipe.execute()
        return bool(found)

    @asynccontextmanager
    async def locked(self, sender_id: str) -> AsyncIterator[None]:
        """A Redis lock (SET NX with an expiry), so workers on any machine take turns. It lives
        LOCK_TTL_S and is renewed while its turn runs, so a worker killed mid-turn holds the
        conversation up for LOCK_TTL_S at most; waiting for it gives up after `lock_timeout_s`."""
        with _reachable(self.url):
            lock = self._aclient().lock(self._lock_key(sender_id), timeout=LOCK_TTL_S,
                                        blocking_timeout=self.lock_timeout_s, sleep=LOCK_POLL_S)
            if not await lock.acquire():
                raise TimeoutError(f"conversation {sender_id!r} is busy")

        async def renew() -> None:
            while True:
                await asyncio.sleep(LOCK_TTL_S / 3)
                try:
                    await lock.reacquire()
                except (redis.exceptions.LockError, *UNREACHABLE):
                    return  # lost: the save that follows still happens; nothing to undo here

        renewing = asyncio.create_task(renew())
        try:
            yield
        finally:
            renewing.cancel()
            try:
                await lock.release()
            except (redis.exceptions.LockError, *UNREACHABLE):
                pass  # it expired (another worker may hold it now) or Redis went away: it expires

    async def close_async(self) -> None:
        client = self._aclients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()
        self.close()
