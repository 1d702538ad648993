"""The scale set-ups, started once for this folder's tests: Redis (append-only) with two
`coach serve` workers behind nginx, and one worker on SQLite behind nginx (bot/cluster.py). They
need redis-server and nginx: missing, the tests skip, except in CI where they fail."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.cluster import Cluster, find_program
from tests.conftest import need_program
from tests.scale.chat import TOKEN


def _need(*programs: str) -> None:
    for name in programs:
        need_program(find_program(name) or name)  # nginx lives in /usr/sbin, often off PATH


@pytest.fixture(scope="package")
def _redis_cluster() -> Iterator[Cluster]:
    _need("redis-server", "nginx")
    # appendfsync always: Redis has every write it acknowledged on disk before it answers, so a
    # kill -9 in a test loses none of them (with everysec a busy disk may hold some back)
    with Cluster(workers=2, store="redis", auth_token=TOKEN, appendfsync="always") as cluster:
        yield cluster


@pytest.fixture()
def redis_cluster(_redis_cluster: Cluster) -> Cluster:
    """Two workers sharing Redis behind nginx, every part running (a fault test before may have
    stopped one)."""
    _redis_cluster.ensure_running()
    return _redis_cluster


@pytest.fixture(scope="package")
def sqlite_cluster() -> Iterator[Cluster]:
    """One worker on the SQLite store behind nginx, no Redis."""
    _need("nginx")
    with Cluster(workers=1, store="sqlite", auth_token=TOKEN) as cluster:
        yield cluster
