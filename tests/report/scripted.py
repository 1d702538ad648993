"""A tracker store filled by a scripted set of conversations over two days, for `coach report`.

The engine is the real one (policies, actions, rendering, the store), with a clock of its own and a
few messages pinned to hand-made parses (the misses, an out-of-scope ask and a near tie), so that
what counts as a fallback does not depend on the trained model.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest

import bot.core.tracker
from bot.core.schemas import IntentScore, ParseResult
from bot.dialogue.engine import Engine
from bot.stores import TrackerStore

DAY1 = date(2024, 3, 1)
DAY2 = date(2024, 3, 2)
SLOW = "how many sets per week"


def pinned(intent: str, confidence: float, ranking: list[tuple[str, float]], text: str) -> ParseResult:
    return ParseResult(text=text, intent=IntentScore(name=intent, confidence=confidence),
                       intent_ranking=[IntentScore(name=n, confidence=c) for n, c in ranking])


PINNED = {t: pinned("nlu_fallback", 0.3, [("ask_rest", 0.25), ("ask_reps", 0.2)], t)
          for t in ("zorblax quump", "zorblax quump!!")}
PINNED["Zorblax quump please"] = pinned("nlu_fallback", 0.3, [("affirm", 0.15), ("deny", 0.1)],
                                        "Zorblax quump please")
PINNED["frobnicate the wibble"] = pinned("nlu_fallback", 0.3, [("ask_more", 0.15), ("deny", 0.1)],
                                         "frobnicate the wibble")
PINNED["can you do my taxes"] = pinned("out_of_scope", 0.9, [("out_of_scope", 0.9)],
                                       "can you do my taxes")
PINNED["rest or reps maybe"] = pinned("ask_rest", 0.42, [("ask_rest", 0.42), ("ask_reps", 0.38)],
                                      "rest or reps maybe")

PLAN = ["make me a plan", "beginner", "3", "dumbbells only", "45", "no"]
# (day, conversation): messages
SCRIPT: list[tuple[date, list[str]]] = [
    (DAY1, ["hi", "how long should i rest between sets for size"]),
    (DAY1, ["zorblax quump", "/ask_rest"]),  # "did you mean": the first suggestion's button
    (DAY1, ["zorblax quump!!"]),  # "did you mean", then gone
    (DAY1, PLAN),  # a plan
    (DAY1, ["make me a plan", "beginner"]),  # left at the days question
    (DAY1, ["I have chest pain"]),  # an emergency stop
    (DAY2, ["Zorblax quump please", "frobnicate the wibble"]),  # two misses without suggestions
    (DAY2, ["make me a plan", "beginner", "3", "cancel"]),  # cancelled at the equipment question
    (DAY2, ["can you do my taxes", "rest or reps maybe"]),
    (DAY2, [SLOW]),  # the slow turn
]
# the messages the real NLU must read confidently for the expected counts to hold
CONFIDENT = ["hi", "how long should i rest between sets for size", "make me a plan",
             "I have chest pain", SLOW]


class Clock:
    """time.time() for the tracker: starts at a given moment, each call a millisecond later (a
    second later while `slow`)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.step = 0.001

    def time(self) -> float:
        self.now += self.step
        return self.now

    def at(self, day: date, hour: int) -> None:
        self.now = datetime(day.year, day.month, day.day, hour, tzinfo=UTC).timestamp()


class PinnedInterpreter:
    """The real interpreter, except for the pinned texts."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def parse(self, text: str) -> ParseResult:
        return PINNED[text].model_copy(deep=True) if text in PINNED else self.real.parse(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@contextmanager
def scripted_engine(engine: Engine, store: TrackerStore,
                    monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, Clock]]:
    """The session's engine on this store, with the pinned parses and the clock."""
    clock = Clock()
    monkeypatch.setattr(bot.core.tracker, "time", clock)
    scripted = copy.copy(engine)
    scripted.store = store
    scripted.interpreter = PinnedInterpreter(engine.interpreter)  # type: ignore[assignment]
    yield scripted, clock


def fill(engine: Engine, store: TrackerStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Play SCRIPT into the store; returns the senders."""
    senders = []
    with scripted_engine(engine, store, monkeypatch) as (scripted, clock):
        for n, (day, messages) in enumerate(SCRIPT):
            clock.at(day, 9 + n)
            sender = f"scripted-{n}"
            senders.append(sender)
            for text in messages:
                clock.step = 1.0 if text == SLOW else 0.001
                scripted.handle_sync(sender, text)
                clock.now += 30  # the person reads and types
    return senders
