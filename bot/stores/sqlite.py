"""The embedded default: a SQLite file, so conversations survive a restart."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

from bot.core.tracker import ACTION_EVENT_WINDOW, Tracker
from bot.stores.base import FileLocks, TrackerStore


class SQLiteTrackerStore(TrackerStore):
    """A SQLite file: conversations survive a restart. One connection per thread, WAL mode; the
    per-conversation lock holds across worker processes too."""

    kind = "sqlite"

    def __init__(self, path: Path, lock_timeout_s: float = 10.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._locks = FileLocks(self.path.parent / "locks", lock_timeout_s)
        conn = self._conn()
        conn.execute("CREATE TABLE IF NOT EXISTS trackers (sender_id TEXT PRIMARY KEY, "
                     "state TEXT NOT NULL, n_events INTEGER NOT NULL, updated REAL NOT NULL)")
        conn.execute("CREATE TABLE IF NOT EXISTS events (sender_id TEXT NOT NULL, "
                     "seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (sender_id, seq))")

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
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            conn.executemany("INSERT INTO events (sender_id, seq, data) VALUES (?, ?, ?)",
                             [(tracker.sender_id, start + i, json.dumps(e))
                              for i, e in enumerate(new)])
            conn.execute(
                "INSERT INTO trackers (sender_id, state, n_events, updated) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(sender_id) DO UPDATE SET state = excluded.state, "
                "n_events = excluded.n_events, updated = excluded.updated",
                (tracker.sender_id, tracker.state_json(), start + len(new), time.time()))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        tracker.mark_persisted()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
