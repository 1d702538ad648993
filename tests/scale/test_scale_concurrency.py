"""Many conversations at once through nginx: every message is answered, and every conversation's
tracker holds each of its messages exactly once, in the order they were sent."""

from __future__ import annotations

import httpx
import pytest

from bot.cluster import Cluster
from tests.scale.chat import TOKEN, run_concurrently, script, user_texts

pytestmark = pytest.mark.scale

CONVERSATIONS, TURNS, THREADS = 50, 20, 16


def _check(cluster: Cluster, prefix: str) -> None:
    conversations = script(CONVERSATIONS, TURNS, prefix)
    outcomes = run_concurrently(cluster.url, conversations, THREADS)
    problems = [p for o in outcomes for p in o.problems]
    assert not problems, f"{len(problems)} messages not answered, first: {problems[:5]}"
    with httpx.Client(base_url=cluster.url, timeout=30) as client:
        wrong = {sender: got for sender, sent in conversations.items()
                 if (got := user_texts(client, sender, TOKEN)) != sent}
    assert not wrong, (f"{len(wrong)} trackers differ from what was sent, e.g. "
                       f"{next(iter(wrong.items()))}")


def test_fifty_conversations_on_two_workers_sharing_redis(redis_cluster: Cluster) -> None:
    before = redis_cluster.served_by()
    _check(redis_cluster, "redis-many")
    after = redis_cluster.served_by()
    served = {port: after[port] - before.get(port, 0) for port in after}
    assert all(served.values()), f"nginx sent every request to one worker: {served}"


def test_fifty_conversations_on_one_worker_with_sqlite(sqlite_cluster: Cluster) -> None:
    _check(sqlite_cluster, "sqlite-many")
