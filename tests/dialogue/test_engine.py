"""Engine mechanics: policies in order, forms, multi-intent, fallback, failures, action server."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from typing import Any

import pytest

from bot.app import build_engine
from bot.core.config import ROOT, CoachConfig
from bot.core.errors import ActionFailed
from bot.dialogue.engine import Engine
from bot.dialogue.executor import InProcessActions, RemoteActions
from bot.stores import MemoryTrackerStore
from bot.testing import reply_text
from tests.conftest import free_port, wait_for_port


def test_two_questions_get_two_answers_in_order(chat) -> None:
    reply = chat("how long should i rest between sets and how many sets a week?")
    assert "60-90 seconds" in reply and "15-20" in reply
    assert reply.index("60-90 seconds") < reply.index("15-20")


def test_red_flag_wins_mid_form(engine: Engine, chat) -> None:
    assert "experience" in chat("make me a plan, goal is size")
    reply = chat("wait i have chest pain")
    assert "healthcare provider" in reply or "emergency" in reply
    assert "Day 1" not in reply
    assert engine.tracker(chat.sender).active_loop is None


def test_question_mid_form_is_answered_then_the_question_is_asked_again(chat) -> None:
    chat("build me a program")
    chat("size")
    reply = chat("how long should i rest between sets?")
    assert "60-90 seconds" in reply and "experience" in reply


def test_all_at_once_fills_every_slot(chat) -> None:
    reply = chat("I'm a beginner, 3 days a week, only dumbbells, 45 minutes, no injuries, "
                 "goal is size, make me a plan")
    assert "Day 1" in reply and "Day 3" in reply and "Day 4" not in reply


def test_second_miss_offers_the_help_menu(chat) -> None:
    first = chat("qwpoeiru zxmcnv")
    second = chat("asdkjh qweoiu")
    assert first != second
    assert "Build me a plan" in second


def test_failing_action_becomes_a_polite_reply(config: CoachConfig, caplog) -> None:
    class Broken:
        async def run(self, payload: dict[str, Any]) -> dict[str, Any]:
            raise ActionFailed(payload["next_action"], "boom")

    engine = build_engine(config, store=MemoryTrackerStore())
    engine.actions = Broken()
    reply = reply_text(engine.handle_sync("s1", "what is hypertrophy"))
    assert "something went wrong" in reply
    assert "boom" in caplog.text
    assert engine.tracker("s1") is not None  # the conversation survived


def test_variations_are_deterministic(engine: Engine) -> None:
    a = [m.text for m in engine.handle_sync("same-id-1", "hi")]
    b = build_engine(engine.config, store=MemoryTrackerStore()).handle_sync("same-id-1", "hi")
    assert a == [m.text for m in b]


SCRIPT = ["hi", "how long should i rest for size", "and for strength?",
          "how do i do a dumbbell squat", "how many sets?", "where is that from?",
          "make me a plan", "strength", "beginner", "3", "dumbbells only", "skip", "none",
          "actually make it 4 days", "thanks"]


def test_same_replies_in_process_and_over_the_action_server(config: CoachConfig) -> None:
    port = free_port()
    env = {**os.environ, "SANIC_HOST": "127.0.0.1"}
    proc = subprocess.Popen([sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port",
                             str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=60)
        local = build_engine(config, store=MemoryTrackerStore())
        remote = build_engine(config, store=MemoryTrackerStore())
        remote.actions = RemoteActions(f"http://127.0.0.1:{port}/webhook")
        assert isinstance(local.actions, InProcessActions)
        sender = f"both-{uuid.uuid4().hex[:6]}"
        for text in SCRIPT:
            a = [m.model_dump() for m in local.handle_sync(sender, text)]
            b = [m.model_dump() for m in remote.handle_sync(sender, text)]
            assert a == b, text
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_unreachable_action_server_is_a_polite_reply(config: CoachConfig) -> None:
    engine = build_engine(config, store=MemoryTrackerStore())
    engine.actions = RemoteActions(f"http://127.0.0.1:{free_port()}/webhook", timeout_s=2)
    assert "something went wrong" in reply_text(engine.handle_sync("x", "what is hypertrophy"))


@pytest.mark.parametrize("payload,expected", [
    ('/ask_exercise_steps{"exercise": "dumbbell_row"}', "lunge"),
    ("/ask_rest", "60-90"),
    ('/inform{"days": "not json', None),
])
def test_button_payloads_are_accepted(chat, payload: str, expected: str | None) -> None:
    reply = chat(payload)
    assert reply
    if expected:
        assert expected in reply


def test_a_broken_template_becomes_a_polite_reply(config: CoachConfig, caplog) -> None:
    from jinja2 import TemplateError

    engine = build_engine(config, store=MemoryTrackerStore())
    real = engine.renderer.render

    def render(message, sender, turn):
        if message.get("response") == "utter_topic_answer":
            raise TemplateError("broken on purpose")
        return real(message, sender, turn)

    engine.renderer.render = render  # type: ignore[method-assign]
    reply = reply_text(engine.handle_sync("tpl-1", "how long should i rest between sets"))
    assert "something went wrong" in reply and "broken on purpose" in caplog.text
    assert "60-90" in reply_text(build_engine(config, store=engine.store).handle_sync("tpl-1",
                                                                                "rest time for size"))


def test_yes_to_did_you_mean_answers_the_first_suggestion(engine: Engine) -> None:
    tracker = engine.new_tracker("guess-1")
    tracker.set_slot("fallback_guesses", {"intents": ["ask_rest", "ask_reps"],
                                          "text": "the pauses thing between sets"})
    engine.store.save(tracker)
    reply = reply_text(engine.handle_sync("guess-1", "yes"))
    assert "60-90" in reply and "What would you like to know next" not in reply
    assert engine.tracker("guess-1").slots["fallback_guesses"] is None
