"""The browser tests' server uses the session's trained model instead of training its own."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from bot.dialogue.engine import Engine

pytestmark = pytest.mark.browser


def test_the_server_loads_the_sessions_model(coach_server: str, coach_server_data_dir: Path | None,
                                             engine: Engine) -> None:
    if coach_server_data_dir is None:
        pytest.skip("an external server (COACH_TEST_SERVER_URL) has its own model")
    with urllib.request.urlopen(f"{coach_server}/health", timeout=5) as resp:
        health = json.load(resp)
    assert health["model"] == engine.interpreter.fingerprint
    models = coach_server_data_dir / "models"
    assert [p.name for p in models.iterdir()] == [engine.interpreter.fingerprint]
    assert (models / engine.interpreter.fingerprint).is_symlink()  # linked, not trained again
