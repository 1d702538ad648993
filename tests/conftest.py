"""Shared fixtures: the real bot (config.yml, the real data) on an in-memory store, and helpers
that start real Redis / servers on free ports."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.app import build_engine
from bot.core.config import ROOT, CoachConfig, load_config
from bot.core.schemas import BotMessage
from bot.dialogue.engine import Engine
from bot.stores import MemoryTrackerStore
from bot.testing import reply_text

IN_CI = os.environ.get("CI") == "true"


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need_program(path: str) -> str:
    """The program's path; skip the test when it is missing, except in CI, where that fails."""
    found = shutil.which(path) or (path if os.path.exists(path) else None)
    if found:
        return found
    if IN_CI:
        pytest.fail(f"{path} is required in CI (.ci/run installs it)")
    pytest.skip(f"{path} is not installed")


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    """Block until something accepts connections on the port."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port} after {timeout} s")


@pytest.fixture(scope="session")
def config() -> CoachConfig:
    """config.yml as the bot reads it (the model cache stays in the project's .coach/)."""
    return load_config(env={})


@pytest.fixture(scope="session")
def engine(config: CoachConfig) -> Engine:
    """The real bot on an in-memory tracker store (trains the model once if none is cached)."""
    return build_engine(config, store=MemoryTrackerStore())


@pytest.fixture()
def chat(engine: Engine) -> Callable[[str], str]:
    """Send messages in one fresh conversation; returns the reply as a person sees it."""
    sender = f"t-{uuid.uuid4().hex[:10]}"

    def send(text: str) -> str:
        return reply_text(engine.handle_sync(sender, text))

    send.sender = sender  # type: ignore[attr-defined]
    return send


@pytest.fixture()
def chat_messages(engine: Engine) -> Callable[[str], list[BotMessage]]:
    """Like `chat`, but returns the messages themselves."""
    sender = f"t-{uuid.uuid4().hex[:10]}"
    return lambda text: engine.handle_sync(sender, text)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throw-away redis-server on a free port."""
    server = need_program("redis-server")
    port = free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--save", "", "--appendonly", "no",
                             "--bind", "127.0.0.1"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
