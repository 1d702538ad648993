"""The YAML conversation tests under tests/conversations/, one pytest case each."""

from __future__ import annotations

import pytest

from bot.core.config import ROOT
from bot.dialogue.engine import Engine
from bot.testing import Conversation, conversation_files, load_conversations, run_conversation

CASES = [(path.name, conv) for path in conversation_files(ROOT / "tests" / "conversations")
         for conv in load_conversations(path)]


def test_there_are_at_least_60_conversations() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("file,conv", CASES, ids=[f"{f}::{c.name}" for f, c in CASES])
def test_conversation(engine: Engine, file: str, conv: Conversation) -> None:
    result = run_conversation(engine, conv, file)
    problems = [f"user: {t.user!r}\nreply: {t.reply!r}\n{'; '.join(t.failures)}"
                for t in result.turns if t.failures]
    assert result.passed, "\n\n".join(problems)
