"""The near-tie rules of the intent fallback, on made-up classifier scores (no model needed)."""

from __future__ import annotations

from typing import Any

import spacy

from bot.nlu.fallback import FALLBACK_INTENT, IntentFallback

TOPICS = {"ask_risks", "ask_volume", "ask_rest", "ask_reps", "ask_sources"}


def _read(cats: dict[str, float], cues: dict[str, Any]) -> str:
    nlp = spacy.blank("en")
    fallback = IntentFallback(threshold=0.3, ambiguity_threshold=0.1,
                              small_talk=["greet", "thank", "goodbye"], small_talk_max_words=5)
    fallback.topic_intents = set(TOPICS)
    doc = nlp.make_doc("made up")
    doc.cats = cats
    doc.user_data["cues"] = cues
    return str(fallback(doc)._.intent["name"])


def test_topic_nearly_tied_with_help_is_the_topic_when_no_word_asks_for_help() -> None:
    cues = {"question": True, "words": ["scared", "injured", "whats", "thing", "focus"]}
    assert _read({"ask_risks": 0.48, "help": 0.46}, cues) == "ask_risks"


def test_topic_nearly_tied_with_help_stays_unsure_when_it_asks_for_help() -> None:
    cues = {"question": True, "words": ["can", "you", "help", "with", "injuries"]}
    assert _read({"ask_risks": 0.48, "help": 0.46}, cues) == FALLBACK_INTENT


def test_help_reading_gives_way_to_a_source_reading_its_words_confirm() -> None:
    cues = {"question": True, "asks_source": True, "words": ["what", "website", "is", "this", "from"]}
    assert _read({"help": 0.52, "ask_sources": 0.40}, cues) == "ask_sources"


def test_a_fragment_naming_a_new_topic_takes_it_below_the_threshold() -> None:
    cues = {"continues": True, "words": ["and", "the", "sets"]}
    assert _read({"ask_volume": 0.23, "ask_sources": 0.14}, cues) == "ask_volume"


def test_a_fragment_that_points_back_does_not() -> None:
    cues = {"continues": True, "words": ["and", "their", "sets"]}
    assert _read({"ask_volume": 0.23, "ask_sources": 0.14}, cues) == FALLBACK_INTENT


def test_a_question_asking_for_a_figure_is_no_plan_request() -> None:
    cues = {"question": True, "words": ["fewest", "days", "a", "week", "aha", "wants"]}
    assert _read({"request_program": 0.93, "ask_risks": 0.03}, cues) == "ask_risks"
