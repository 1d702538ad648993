"""Shared helpers for the actions: the knowledge base, entity access, fact selection."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.nlu.normalizer import with_fixes
from knowledge.loader import default_knowledge
from knowledge.models import Exercise, Fact, KnowledgeBase, Topic

# the value an entity is taken to have when the user does not say (the coach is about size)
ENTITY_DEFAULTS = {"goal": "size", "condition": "none"}


def knowledge() -> KnowledgeBase:
    """The knowledge base, loaded and validated once per process."""
    return default_knowledge()


def latest_entities(tracker: Tracker) -> dict[str, str]:
    """entity -> first value, from the latest message."""
    out: dict[str, str] = {}
    for ent in tracker.latest_message.get("entities") or []:
        if (ent.get("entity"), ent.get("value")) == ("condition", "none"):
            continue  # "no injuries" answers the interview; it names no condition to talk about
        out.setdefault(str(ent.get("entity")), str(ent.get("value")))
    return out


def latest_cues(tracker: Tracker) -> dict[str, Any]:
    """The NLU's cues for the latest message (see bot.core.schemas.Cues)."""
    cues = tracker.latest_message.get("cues")
    return cues if isinstance(cues, dict) else {}


def latest_intent(tracker: Tracker) -> str:
    """The latest message's intent name."""
    return str((tracker.latest_message.get("intent") or {}).get("name") or "")


def cue(tracker: Tracker, name: str) -> bool:
    """A yes/no cue of the latest message (bot.core.schemas.Cues): "why", "points_back", ..."""
    return bool(latest_cues(tracker).get(name))


def props(domain: DomainDict) -> dict[str, list[str]]:
    """The intent properties (bot/data/intents.yml) from the domain an action receives."""
    return domain.get("intent_properties") or {}


def best_guess(tracker: Tracker) -> str:
    """The intent, or for a fallback the classifier's top guess (for replies that state no fact);
    a report the safety policy judged no report is its next-best guess."""
    intent = latest_intent(tracker)
    ranking = [str(r["name"]) for r in tracker.latest_message.get("intent_ranking") or []]
    if intent == "nlu_fallback":
        intent = ranking[0] if ranking else intent
    if intent == "report_symptom":  # judged no report: its next-best intent, as the rules policy
        intent = next((r for r in ranking if r != "report_symptom"), "out_of_scope")
    return intent


def all_entity_values(tracker: Tracker) -> dict[str, set[str]]:
    """entity -> every value the latest message gave it ("strength vs size": both goals)."""
    out: dict[str, set[str]] = {}
    for ent in tracker.latest_message.get("entities") or []:
        out.setdefault(str(ent.get("entity")), set()).add(str(ent.get("value")))
    return out


def fact_applies(fact: Fact, entities: dict[str, str], extra: dict[str, set[str]] | None = None) -> bool:
    """A fact shows when each `when` condition matches one of the entity's values (or its default)."""
    for key, value in fact.when.items():
        values = (extra or {}).get(key) or {entities.get(key, ENTITY_DEFAULTS.get(key, ""))}
        if value not in values:
            return False
    return True


def select_facts(topic: Topic, entities: dict[str, str],
                 extra: dict[str, set[str]] | None = None) -> list[Fact]:
    """The topic's facts for these entities, in the order the data gives them."""
    return [f for f in topic.facts if fact_applies(f, entities, extra)]


def stepped_variant(kb: KnowledgeBase, ex: Exercise) -> Exercise | None:
    """For a lift named without steps (squat), its version with steps (dumbbell squat), if any."""
    if ex.has_steps:
        return ex
    return kb.exercise(f"dumbbell_{ex.id}")


def answer_record(kind: str, topic: str, facts: list[str], **extra: Any) -> dict[str, Any]:
    """What the `last_answer` slot remembers, for 'tell me more', 'why?' and 'where is that from?'."""
    return {"kind": kind, "topic": topic, "facts": facts, **extra}


def utter_disclaimer(dispatcher: CollectingDispatcher, category: str) -> None:
    """The disclaimer of a category as its own message (none for 'none')."""
    if category != "none":
        dispatcher.utter_message(response="utter_disclaimer",
                                 disclaimer_text=knowledge().disclaimer(category),
                                 json_message={"kind": "disclaimer", "category": category})



def button_payload(intent: str, **entities: str) -> str:
    """A Rasa button payload, `/intent{"entity": "value"}`, with the JSON written by json.dumps."""
    return f"/{intent}{json.dumps(entities)}" if entities else f"/{intent}"


def label_buttons(domain: DomainDict, intents: list[str]) -> list[dict[str, str]]:
    """Quick replies for intents, titled by their `utter_label_<intent>` responses."""
    responses = domain.get("responses", {})
    out = []
    for intent in intents:
        variations = responses.get(f"utter_label_{intent}") or []
        if variations:
            out.append({"title": variations[0]["text"], "payload": button_payload(intent)})
    return out


def nested_response(response_name: str, **values: Any) -> dict[str, Any]:
    """A response rendered inside another one: the renderer expands {'response': name, ...}."""
    return {"response": response_name, **values}


def said(tracker: Tracker) -> str:
    """The latest message as the fact retrieval reads it: its typos fixed and its chat shorthand
    spelled out ("elow flared out on db rows" reads "elbow")."""
    text = str(tracker.latest_message.get("text") or "")
    fixes = (tracker.latest_message.get("cues") or {}).get("fixes") or {}
    return with_fixes(text, {str(k): str(v) for k, v in fixes.items()})
