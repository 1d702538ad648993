"""Conversation tests: YAML scripts of user turns and what each reply must or must not contain."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from bot.core.errors import DataError
from bot.core.schemas import BotMessage
from bot.dialogue.engine import Engine


class Turn(BaseModel):
    """One user turn and the regexes (case-insensitive) its whole reply must / must not match."""

    user: str
    contains: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    custom: str | None = None  # a `custom.kind` some message of the reply must carry
    tier: str | None = None  # the safety tier (`custom.tier`) some message must carry


class Conversation(BaseModel):
    name: str
    turns: list[Turn] = Field(min_length=1)


class TurnResult(BaseModel):
    user: str
    reply: str
    failures: list[str]


class ConversationResult(BaseModel):
    name: str
    file: str
    passed: bool
    turns: list[TurnResult]


def load_conversations(path: Path) -> list[Conversation]:
    """The conversations of one YAML file (a `conversations:` list)."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return [Conversation.model_validate(c) for c in doc["conversations"]]
    except Exception as exc:  # any shape problem is reported with the file's name
        raise DataError(f"{path}: {exc}") from exc


def reply_text(messages: list[BotMessage]) -> str:
    """Every message's text and button titles, one per line (what a person sees)."""
    lines = []
    for m in messages:
        if m.text:
            lines.append(m.text)
        lines += [b.title for b in m.buttons or []]
    return "\n".join(lines)


def check_turn(turn: Turn, messages: list[BotMessage]) -> list[str]:
    """What is wrong with the reply to one turn (empty when it is right)."""
    text = reply_text(messages)
    failures = [f"missing /{p}/" for p in turn.contains if not re.search(p, text, re.I)]
    failures += [f"forbidden /{p}/" for p in turn.not_contains if re.search(p, text, re.I)]
    if turn.custom and not any(m.custom and m.custom.kind == turn.custom for m in messages):
        failures.append(f"no message with custom kind {turn.custom!r}")
    tiers = [getattr(m.custom, "tier", None) for m in messages]
    if turn.tier and turn.tier not in tiers:
        failures.append(f"no message with safety tier {turn.tier!r} (got {tiers})")
    return failures


def run_conversation(engine: Engine, conv: Conversation, file: str = "") -> ConversationResult:
    """Play a conversation with a fresh sender id."""
    sender = f"test-{uuid.uuid4().hex[:10]}"
    results = []
    for turn in conv.turns:
        messages = engine.handle(sender, turn.user)
        results.append(TurnResult(user=turn.user, reply=reply_text(messages),
                                  failures=check_turn(turn, messages)))
    return ConversationResult(name=conv.name, file=file, turns=results,
                              passed=all(not t.failures for t in results))


def conversation_files(folder: Path) -> list[Path]:
    """The conversation test files under a folder."""
    return sorted(Path(folder).glob("*.yml"))
