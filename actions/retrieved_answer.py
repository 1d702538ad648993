"""Answer with the one fact that clearly matches a question the classifier could not place."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    answer_record,
    button_payload,
    cue,
    knowledge,
    latest_cues,
    latest_intent,
    said,
    utter_disclaimer,
)
from knowledge.retrieval import (
    SOURCES,
    bound_fact,
    clear_match,
    examples_fact,
    fact_index,
    follow_up_match,
    number_fact,
    provider_fact,
    states_bound,
)

# the weakest match the retrieval policy acts on (it asks for more when the intent says otherwise)
MIN_COVERAGE, MIN_MATCHED = 0.6, 2


_BOUND_NAMES = {"min": "a minimum", "minimum": "a minimum", "max": "a maximum",
                "maximum": "a maximum", "at least": "a minimum", "at most": "a maximum",
                "the most": "a maximum", "the least": "a minimum", "cap": "a maximum",
                "ceiling": "a maximum", "floor": "a minimum"}


def bound_words(bound: str) -> str:
    """"minimum or a max" -> "a minimum or a maximum"; "per muscle" stays."""
    parts = [p.strip().removeprefix("a ").removeprefix("the ").strip() for p in bound.split(" or ")]
    return " or ".join(_BOUND_NAMES.get(p, _BOUND_NAMES.get("the " + p, p)) for p in parts if p)


class ActionAnswerRetrieved(Action):
    """The matching fact with its topic's disclaimer; a step points to the whole exercise."""

    def name(self) -> str:
        return "action_answer_retrieved"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        text = said(tracker)
        hit = clear_match(text, MIN_COVERAGE, MIN_MATCHED,
                          known_only=latest_intent(tracker) == "nlu_fallback")
        # "who is it most useful for?" right after the bone fact: that topic's fact
        near = follow_up_match(text, tracker.get_slot("last_answer") or {},
                               named=latest_cues(tracker).get("item_ref") == "named")
        if near is not None and (hit is None or near.coverage >= hit.coverage):
            hit = near
        record = tracker.get_slot("last_answer") or {}
        if latest_cues(tracker).get("asks_provider"):  # "who do i ask about how much to add?"
            hit = provider_fact(record) or hit
        if cue(tracker, "asks_examples") and record.get("kind") == "topic":
            # "examples?", "like what?": the fact of the last topic that lists them, if any
            hit = examples_fact(record)
            if hit is None:
                dispatcher.utter_message(response="utter_no_examples")
                return []
        bound = str(latest_cues(tracker).get("asks_bound") or "")
        number = number_fact(record) if bound else None
        stated = bound_fact(record, bound) if bound.startswith("per ") else None
        if stated is not None:  # "and per week total?" after the per-exercise maximum
            hit, bound = stated, ""
        elif bound and bound.startswith("per ") and near is not None \
                and (number is None or near.fact_id != number.fact_id):
            bound = ""  # "and per exercise?" after the weekly sets: the per-exercise fact
        elif bound:  # "is that a minimum or a max?": the number just given, as the article words it
            hit = number or hit
        if hit is None:
            return [FollowupAction("action_fallback")]
        if hit.topic == SOURCES:
            return [FollowupAction("action_cite_source")]
        kb = knowledge()
        if hit.topic.startswith("exercise:"):
            ex = kb.exercise(hit.topic.split(":", 1)[1])
            assert ex is not None  # the index is built from the same knowledge base
            steps_button = {"title": f"All the steps of the {ex.name.lower()}",
                            "payload": button_payload("ask_exercise_steps", exercise=ex.id)}
            dispatcher.utter_message(response="utter_exercise_line", line=hit.text, name=ex.name,
                                     has_steps=ex.has_steps,
                                     buttons=[steps_button] if ex.has_steps else [],
                                     json_message={"kind": "answer", "topic": "exercise_steps"})
            utter_disclaimer(dispatcher, ex.disclaimer)
            return [SlotSet("exercise", ex.id), SlotSet("last_topic", "exercise_steps"),
                    SlotSet("last_answer", answer_record("exercise", "exercise_steps", [],
                                                         exercise=ex.id))]
        topic = kb.topic(hit.topic)
        lead = fact_index().lead_with_asked(text, hit.text)  # the asked sentence first
        dispatcher.utter_message(response="utter_topic_answer_short", facts=[lead], dose=None,
                                 reason=topic.why if cue(tracker, "why") else "",
                                 json_message={"kind": "answer", "topic": topic.id,
                                               "section": topic.section})
        if bound and not states_bound(hit.text, bound):
            dispatcher.utter_message(response="utter_bound_unstated", bound=bound_words(bound))
        utter_disclaimer(dispatcher, topic.disclaimer)
        return [SlotSet("last_topic", topic.id),
                SlotSet("last_answer", answer_record("topic", topic.id, [hit.fact_id]))]
