"""The embedded default: a SQLite file, so conversations survive a restart."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from bot.core.tracker import ACTION_EVENT_WINDOW, Tracker
from bot.stores.base import AsyncFileLocks, FileLocks, TrackerStore


class SQLiteTrackerStore(TrackerStore):
    """A SQLite file: conversations survive a restart. One connection per thread, WAL mode; the
    per-conversation lock holds across worker processes too. The coroutines (`load_async` ...)
    run the queries in a worker thread (TrackerStore's defaults), off the event loop."""

    kind = "sqlite"

    def __init__(self, path: Path, lock_timeout_s: float = 10.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._locks = FileLocks(self.path.parent / "locks", lock_timeout_s)
        self._async_locks = AsyncFileLocks(self.path.parent / "locks", lock_timeout_s)
        conn = self._conn()
        conn.execute("CREATE TABLE IF NOT EXISTS trackers (sender_id TEXT PRIMARY KEY, "
                     "state TEXT NOT NULL, n_events INTEGER NOT NULL, updated REAL NOT NULL)")
        conn.execute("CREATE TABLE IF NOT EXISTS events (sender_id TEXT NOT NULL, "
                     "seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (sender_id, seq))")
        conn.execute("CREATE INDEX IF NOT EXISTS trackers_updated ON trackers (updated)")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def load(self, sender_id: str, full: bool = False) -> Tracker | None:
        conn = self._conn()
        row = conn.execute("SELECT state, n_events FROM trackers WHERE sender_id = ?",
                           (sender_id,)).fetchone()
        if row is None:
            return None
        state, total = row
        first = 0 if full else max(0, total - ACTION_EVENT_WINDOW)
        events = [json.loads(d) for (d,) in conn.execute(
            "SELECT data FROM events WHERE sender_id = ? AND seq >= ? ORDER BY seq",
            (sender_id, first))]
        return Tracker.from_parts(state, events, total)

    def save(self, tracker: Tracker) -> None:
        new = tracker.unsaved_events()
        start = tracker.events_before + len(tracker.events) - len(new)
        total = start + len(new)
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            conn.executemany("INSERT INTO events (sender_id, seq, data) VALUES (?, ?, ?)",
                             [(tracker.sender_id, start + i, json.dumps(e))
                              for i, e in enumerate(new)])
            if self.max_events and total > self.max_events:
                # seq keeps counting, so a trimmed conversation still loads its recent events
                conn.execute("DELETE FROM events WHERE sender_id = ? AND seq < ?",
                             (tracker.sender_id, total - self.max_events))
            conn.execute(
                "INSERT INTO trackers (sender_id, state, n_events, updated) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(sender_id) DO UPDATE SET state = excluded.state, "
                "n_events = excluded.n_events, updated = excluded.updated",
                (tracker.sender_id, tracker.state_json(), total, self.clock()))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._saved(tracker, new)

    def delete(self, sender_id: str) -> bool:
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            conn.execute("DELETE FROM events WHERE sender_id = ?", (sender_id,))
            found = conn.execute("DELETE FROM trackers WHERE sender_id = ?", (sender_id,)).rowcount
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return found > 0

    def senders(self) -> list[str]:
        return [s for (s,) in self._conn().execute("SELECT sender_id FROM trackers ORDER BY sender_id")]

    def purge(self, now: float | None = None) -> int:
        """Erase, in one transaction, the conversations whose last save is older than the
        retention (and their events)."""
        if not self.retention_s:
            return 0
        cutoff = (self.clock() if now is None else now) - self.retention_s
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM events WHERE sender_id IN "
                         "(SELECT sender_id FROM trackers WHERE updated < ?)", (cutoff,))
            gone = conn.execute("DELETE FROM trackers WHERE updated < ?", (cutoff,)).rowcount
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return gone

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
