"""A factory of test clients around the session's bot with a config of the test's own (token,
host, limits, store) and a client address of its choosing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.channels.server import create_app
from bot.core.config import CoachConfig, RateLimitConfig
from bot.dialogue.engine import Engine
from bot.stores import MemoryTrackerStore, TrackerStore

TOKEN = "test-token-0123456789abcdef"
REMOTE = ("203.0.113.7", 40000)  # an address from the documentation range: a remote client
LOCAL = ("127.0.0.1", 40000)

MakeClient = Callable[..., TestClient]


@pytest.fixture()
def make_client(config: CoachConfig, engine: Engine) -> MakeClient:
    """make_client(token=, host=, rate=, store=, address=, stores=, **server) -> TestClient.
    Rate limits are off unless `rate` gives them; each client has a fresh memory store."""

    def factory(*, token: str | None = None, host: str = "127.0.0.1",
                rate: dict[str, Any] | None = None, store: TrackerStore | None = None,
                address: tuple[str, int] = REMOTE, stores: dict[str, Any] | None = None,
                raise_server_exceptions: bool = True, **server: Any) -> TestClient:
        cfg = config.model_copy(deep=True)
        cfg.server.host = host
        cfg.server.auth_token = token
        cfg.server.rate_limit = RateLimitConfig(**(rate or {"per_sender": None,
                                                           "per_address": None}))
        for key, value in server.items():
            setattr(cfg.server, key, value)
        for key, value in (stores or {}).items():
            setattr(cfg.stores, key, value)
        bot = copy.copy(engine)  # the same model and domain; a store of this client's own
        bot.store = store or MemoryTrackerStore()
        return TestClient(create_app(bot, cfg), client=address,
                          raise_server_exceptions=raise_server_exceptions)

    return factory
