"""'Where is that from?' is honest: a reference is named as the source of a sentence only where the
article's own text credits someone with it; otherwise the answer names the article section and the
references the article lists on the topic, saying it doesn't tie a sentence to one of them."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from jinja2 import Environment
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.follow_ups import ActionCiteSource
from knowledge.loader import load_knowledge
from tests.knowledge.article_text import REPO_ROOT


def _cite(last_answer: dict[str, Any] | None, text: str = "where is that from?") -> dict[str, Any]:
    """The utter_source (or utter_sources_general) message for this last answer."""
    tracker = Tracker("t", {"last_answer": last_answer}, {"text": text, "intent": {"name": "ask_sources"},
                                                          "entities": []},
                      [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    ActionCiteSource().run(dispatcher, tracker, {})
    return dispatcher.messages[-1]


def _render(message: dict[str, Any]) -> str:
    responses = yaml.safe_load((REPO_ROOT / "bot" / "domain.yml").read_text())["responses"]
    template = responses[message["response"]][0]["text"]
    values = {k: v for k, v in message.items() if k not in {"response", "template", "text",
                                                            "buttons", "json_message", "custom"}}
    return Environment(trim_blocks=True, lstrip_blocks=True).from_string(template).render(**values)


def _topic_answer(topic_id: str, *fact_ids: str) -> dict[str, Any]:
    return {"kind": "topic", "topic": topic_id, "facts": list(fact_ids)}


def test_a_fact_the_article_credits_to_nasm_names_nasm_and_all_its_entries() -> None:
    msg = _cite(_topic_answer("weekly_volume", "vol_weekly"))
    text = _render(msg)
    assert "credits this to the National Academy of Sports Medicine (NASM)" in text
    assert "doesn't say which one it means" in text
    for title in ("Defining muscular hypertrophy", "Build to order", "Resistance training exercises"):
        assert title in text
    assert "How To Train for Hypertrophy" in text
    # Schoenfeld is listed as a reference on the topic, never as the source of the sentence
    assert "without saying which sentence each one backs" in text
    assert text.index("Schoenfeld") > text.index("without saying which sentence")


def test_a_fact_nobody_is_credited_with_names_no_reference_as_its_source() -> None:
    text = _render(_cite(_topic_answer("rest_periods", "rest_size")))
    assert "credits" not in text
    assert "doesn't tie this to one of its references" in text
    assert 'the section "Hypertrophy vs. Strength Training"' in text
    assert "rests on" not in text.lower()


def test_the_2022_study_is_named_in_the_articles_words_only() -> None:
    msg = _cite(_topic_answer("health_conditions", "hc_t2d_study"))
    text = _render(msg)
    assert "credits this to a study published in 2022 without naming it" in text
    assert 'the section "Benefits"' in text
    assert not any("Bernárdez" in c for a in msg["attributions"] for c in a["citations"])


def test_a_mixed_answer_credits_only_part_of_it() -> None:
    text = _render(_cite(_topic_answer("benefits", "ben_many", "ben_aha", "ben_low_mass")))
    assert "credits part of this to the American Heart Association (AHA)" in text
    assert 'the section "What Is Hypertrophy Training?" and the section "Benefits"' in text


def test_a_fact_from_another_section_names_that_section() -> None:
    text = _render(_cite(_topic_answer("training_approach", "ta_frequency")))
    assert 'the section "Benefits"' in text
    assert "How To Train" not in text.split(" of ")[0]


def test_an_exercise_names_its_section_and_no_reference() -> None:
    text = _render(_cite({"kind": "exercise", "topic": "exercise_steps", "facts": [],
                          "exercise": "dumbbell_row"}))
    assert 'the section "How To Train for Hypertrophy"' in text
    assert "doesn't credit this to any of its references" in text


def test_a_plan_says_its_layout_is_the_coachs_own() -> None:
    text = _render(_cite({"kind": "plan", "topic": "training_approach", "facts": []}))
    assert "my own choice, not the article's" in text
    assert "credits part of this to the National Academy of Sports Medicine (NASM)" in text


def test_no_answer_yet_gives_the_sources_in_general_without_claiming_exact_sources() -> None:
    msg = _cite(None, "what are your sources")
    assert msg["response"] == "utter_sources_general"
    text = _render(msg)
    assert "14 references" in text and "exact source" not in text


@pytest.mark.parametrize("topic_id", [t.id for t in load_knowledge().topics])
def test_every_topic_answer_cites_honestly(topic_id: str) -> None:
    """For every topic's full answer: a named reference is either one of a credited body's entries
    or listed as a topic reference that backs no particular sentence."""
    topic = load_knowledge().topic(topic_id)
    msg = _cite(_topic_answer(topic_id, *[f.id for f in (*topic.facts, *topic.more)]))
    credited = [f for f in (*topic.facts, *topic.more) if f.attributed_to or f.attributed_as]
    assert bool(msg["attributions"]) == bool(credited)
    text = _render(msg)
    if msg["citations"]:
        assert "without saying which sentence each one backs" in text
    assert msg["sections"], topic_id
