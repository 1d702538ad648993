"""Small talk, out-of-scope replies and the fallback ('did you mean ...?', then the help menu)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import best_guess, cue, knowledge, label_buttons, latest_entities, props

GUESS_MIN_CONFIDENCE = 0.1


def _menu(domain: DomainDict) -> list[str]:
    """The help menu's intents, in order (bot/data/intents.yml)."""
    return list(props(domain).get("help_menu", []))


class ActionSmalltalk(Action):
    """Greet, goodbye, thanks, 'are you a bot', help, and bare yes/no/cancel outside a form."""

    def name(self) -> str:
        return "action_smalltalk"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        intent = best_guess(tracker)
        menu = props(domain).get("help_menu", [])
        buttons = label_buttons(domain, menu) if intent in props(domain).get("shows_help_menu", []) \
            else []
        dispatcher.utter_message(response=f"utter_{intent}", buttons=buttons,
                                 greeting=bool(cue(tracker, "greets")) and intent != "greet")
        return []


class ActionOutOfScope(Action):
    """What the bot covers, with buttons back to its topics; medical asks point to a provider."""

    def name(self) -> str:
        return "action_out_of_scope"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        guess = "out_of_scope_medical" if cue(tracker, "medical_result") or cue(tracker, "asks_diagnosis") \
            else best_guess(tracker)
        response = "utter_task" if cue(tracker, "task") else f"utter_{guess}"  # ("book me ...")
        dispatcher.utter_message(response=response,
                                 buttons=label_buttons(domain, _menu(domain)[:4] + _menu(domain)[-1:]))
        return []


class ActionFallback(Action):
    """First miss: 'did you mean' with the top guesses (the help menu when there are none);
    a second miss in a row: the help menu."""

    def name(self) -> str:
        return "action_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        misses = int(tracker.get_slot("fallback_count") or 0) + 1
        ranking = tracker.latest_message.get("intent_ranking") or []
        guesses = [r["name"] for r in ranking[:3]
                   if r["name"] in props(domain).get("offered_when_unsure", [])
                   and r["confidence"] >= GUESS_MIN_CONFIDENCE][:2]
        if misses >= 2:
            dispatcher.utter_message(response="utter_fallback_help",
                                     buttons=label_buttons(domain, _menu(domain)))
        elif guesses:
            dispatcher.utter_message(response="utter_fallback",
                                     buttons=label_buttons(domain, guesses))
            return [SlotSet("fallback_count", misses), SlotSet("fallback_guesses", {
                "intents": guesses, "text": str(tracker.latest_message.get("text") or "")})]
        else:
            dispatcher.utter_message(response="utter_fallback_unknown",
                                     buttons=label_buttons(domain, _menu(domain)))
        return [SlotSet("fallback_count", misses)]


class ActionUncoveredSubject(Action):
    """A training subject the article does not cover: said plainly, who can help, and buttons to
    what it does cover nearby."""

    def name(self) -> str:
        return "action_uncovered_subject"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        value = latest_entities(tracker).get("subject")
        subject = next((s for s in knowledge().vocabulary.subject if s.id == value), None)
        if subject is None:
            dispatcher.utter_message(response="utter_out_of_scope",
                                     buttons=label_buttons(domain, _menu(domain)[:4]))
            return []
        kb = knowledge()
        says = next((f.text for t in kb.topics for f in (*t.facts, *t.more) if f.id == subject.says),
                    "")
        dispatcher.utter_message(response="utter_uncovered_subject", name=subject.name,
                                 ask=subject.ask, says=says,
                                 buttons=label_buttons(domain, subject.related))
        return []


class ActionMealPlan(Action):
    """A meal plan, menu or diet plan: outside the coach; the article's diet advice instead."""

    def name(self) -> str:
        return "action_meal_plan"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_meal_plan")
        return []
