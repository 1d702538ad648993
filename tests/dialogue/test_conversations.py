"""The YAML conversation tests under tests/conversations/ and the test stories of
bot/data/stories.yml, one pytest case each; and that their checks of what happened can fail."""

from __future__ import annotations

import pytest

from bot.core.config import ROOT
from bot.dialogue.engine import Engine
from bot.testing import (
    STORIES_FILE,
    Conversation,
    Story,
    Turn,
    conversation_files,
    load_conversations,
    load_stories,
    run_conversation,
    run_story,
)

CASES = [(path.name, conv) for path in conversation_files(ROOT / "tests" / "conversations")
         for conv in load_conversations(path)]
STORIES = load_stories(STORIES_FILE)


def test_there_are_at_least_60_conversations() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("file,conv", CASES, ids=[f"{f}::{c.name}" for f, c in CASES])
def test_conversation(engine: Engine, file: str, conv: Conversation) -> None:
    result = run_conversation(engine, conv, file)
    assert result.passed, result.failure_text()


@pytest.mark.parametrize("story", STORIES, ids=[s.name for s in STORIES])
def test_story(engine: Engine, story: Story) -> None:
    result = run_story(engine, story)
    assert result.passed, result.failure_text()


REST = "how long should i rest between sets for size"


def _one_turn(**checks: object) -> Conversation:
    return Conversation(name="one turn", turns=[Turn.model_validate({"user": REST, **checks})])


def test_the_right_intent_action_and_slots_pass(engine: Engine) -> None:
    result = run_conversation(engine, _one_turn(intent="ask_rest", action="action_answer_topic",
                                                slots={"goal": "size"}))
    assert result.passed, result.failure_text()


@pytest.mark.parametrize("checks,failure", [
    ({"action": "action_exercise_steps"}, "expected ['action_exercise_steps'] among them"),
    ({"action": ["action_answer_topic", "action_build_program"]}, "action_build_program"),
    ({"intent": "ask_reps"}, "intent 'ask_rest', expected 'ask_reps'"),
    ({"slots": {"goal": "strength"}}, "slot goal is 'size', expected 'strength'"),
    ({"slots": {"red_flag": {"tier": "emergency"}}}, "slot red_flag is None"),
], ids=["wrong-action", "action-not-run", "wrong-intent", "wrong-slot", "unset-slot"])
def test_a_wrong_check_fails_the_conversation(engine: Engine, checks: dict, failure: str) -> None:
    result = run_conversation(engine, _one_turn(**checks))
    assert not result.passed
    assert failure in result.failure_text()


def test_a_story_with_a_wrong_action_fails(engine: Engine) -> None:
    story = STORIES[0].model_copy(deep=True)
    story.turns[0].actions = ["action_exercise_steps"]
    result = run_story(engine, story)
    assert not result.passed and "action_exercise_steps" in result.failure_text()
