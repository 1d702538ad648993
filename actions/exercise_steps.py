"""Give an exercise's form steps, or say honestly that the article has none for it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    answer_record,
    button_payload,
    cue,
    knowledge,
    latest_cues,
    latest_entities,
    latest_intent,
    nested_response,
    stepped_variant,
    utter_disclaimer,
)
from bot.nlu.normalizer import with_fixes
from knowledge.models import Exercise
from knowledge.retrieval import Hit, fact_index, lead_exercise, terms


def steps_message(ex: Exercise, intro: dict[str, Any] | None = None,
                  short: bool = False) -> dict[str, Any]:
    """The utter_message arguments that show an exercise's steps (text plus a `steps` custom);
    `short` gives the one-line cues of the steps and leaves the cautions out."""
    assert ex.sets and ex.reps and ex.rest_seconds  # guaranteed by the model for stepped exercises
    steps = ex.short_steps if short else ex.steps
    cautions = [] if short else ex.cautions
    return {
        "response": "utter_exercise_steps", "intro": intro, "name": ex.name, "steps": steps,
        "sets": ex.sets.label(), "reps": ex.reps.label(), "rest": ex.rest_seconds.label(),
        "cautions": cautions,
        "json_message": {"kind": "steps", "exercise": ex.id, "name": ex.name, "steps": steps,
                         "sets": ex.sets.label(), "reps": ex.reps.label(),
                         "rest": f"{ex.rest_seconds.label()} s", "cautions": cautions,
                         "intro": intro or ""},
    }


class ActionExerciseSteps(Action):
    """All steps with sets, reps, rest and cautions; unknown or missing exercises get buttons."""

    def name(self) -> str:
        return "action_exercise_steps"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        kb = knowledge()
        exercise_id = latest_entities(tracker).get("exercise")
        after_steps = (tracker.get_slot("last_answer") or {}).get("kind") == "exercise"
        if not exercise_id and (latest_intent(tracker) in ("ask_more", "inform")
                                or cue(tracker, "points_back") or after_steps):
            exercise_id = tracker.get_slot("exercise")  # "how do I do it?" after the row
        listed = (tracker.get_slot("last_answer") or {}).get("exercises") or []
        ref = latest_cues(tracker).get("item_ref")
        carry: dict[str, Any] = {}  # the list stays for "and the last one?"
        if not latest_entities(tracker).get("exercise") and listed and ref in ("first", "other", "last"):
            exercise_id = listed[{"first": 0, "other": min(1, len(listed) - 1)}.get(str(ref), -1)]
            carry = {"exercises": listed}
        if not exercise_id and cue(tracker, "points_back"):
            exercise_id = lead_exercise(tracker.get_slot("last_answer") or {})
        ex = kb.exercise(exercise_id) if exercise_id else None
        if ex is None:
            stepped = [e for e in kb.exercises if e.has_steps]
            dispatcher.utter_message(
                response="utter_exercise_unknown", asked=bool(tracker.latest_message.get("text")
                                                             and exercise_id is None
                                                             and _names_something(tracker)),
                buttons=[{"title": e.name, "payload": button_payload("ask_exercise_steps", exercise=e.id)}
                         for e in stepped])
            return [SlotSet("last_topic", "exercise_steps")]
        shown = stepped_variant(kb, ex)
        if shown is None:  # named by the article, no steps, no stepped version to offer
            dispatcher.utter_message(response="utter_exercise_no_steps", note=ex.no_steps_note,
                                     variant="", json_message={"kind": "answer",
                                                               "topic": "exercise_steps"})
            utter_disclaimer(dispatcher, ex.disclaimer)
            return [SlotSet("last_topic", "exercise_steps"), SlotSet("exercise", ex.id),
                    SlotSet("last_answer", answer_record("exercise", "exercise_selection", [],
                                                         exercise=ex.id))]
        follow_up = after_steps and not latest_entities(tracker).get("exercise") \
            and tracker.get_slot("exercise") == shown.id
        if follow_up and cue(tracker, "asks_again"):  # "say that shorter": the steps as short cues
            dispatcher.utter_message(response="utter_say_again")
            dispatcher.utter_message(**steps_message(shown, short=True))
            return [SlotSet("last_topic", "exercise_steps")]
        detail = None if cue(tracker, "how_to") else _asked_step(shown, tracker, follow_up)
        if detail is not None:  # "where should my elbow point on a row?": that step leads
            dispatcher.utter_message(
                response="utter_exercise_line", line=detail, name=shown.name, has_steps=True,
                buttons=[{"title": f"All the steps of the {shown.name.lower()}",
                          "payload": button_payload("ask_exercise_steps", exercise=shown.id)}],
                json_message={"kind": "answer", "topic": "exercise_steps"})
            utter_disclaimer(dispatcher, shown.disclaimer)
            return [SlotSet("last_topic", "exercise_steps"), SlotSet("exercise", shown.id),
                    SlotSet("last_answer", answer_record("exercise", "exercise_steps", [],
                                                         exercise=shown.id, **carry))]
        lead = [] if cue(tracker, "how_to") else _leading_steps(shown, tracker)
        if lead:  # a detail question no single step answers alone: the likeliest lead, then all
            intro: dict[str, Any] | None = nested_response("utter_exercise_lead", lines=lead)
        else:
            intro = None if ex.has_steps else nested_response(
                "utter_exercise_no_steps", note=ex.no_steps_note, variant=shown.name)
        dispatcher.utter_message(**steps_message(shown, intro))
        # "steps for rows and also for squats pls": each exercise the message names, in turn
        named = [str(e.get("value")) for e in tracker.latest_message.get("entities") or []
                 if e.get("entity") == "exercise"]
        done = {shown.id}
        for other_id in dict.fromkeys(named):
            other = kb.exercise(other_id)
            variant = stepped_variant(kb, other) if other is not None else None
            if other is None or variant is None or variant.id in done:
                continue
            done.add(variant.id)
            other_intro = None if other.has_steps else nested_response(
                "utter_exercise_no_steps", note=other.no_steps_note, variant=variant.name)
            dispatcher.utter_message(**steps_message(variant, other_intro))
        subjects = {str(e.get("value")) for e in tracker.latest_message.get("entities") or []
                    if e.get("entity") == "subject"}
        for subject in kb.vocabulary.subject:  # "my daughter (16) wants to learn the row"
            if subject.id in subjects & STEPS_NOTE_SUBJECTS:
                dispatcher.utter_message(response="utter_uncovered_note", name=subject.name,
                                         ask=subject.ask, says="")
                break
        utter_disclaimer(dispatcher, shown.disclaimer)
        return [SlotSet("last_topic", "exercise_steps"), SlotSet("exercise", shown.id),
                SlotSet("last_answer", answer_record("exercise", "exercise_steps", [],
                                                     exercise=shown.id, **carry))]


# uncovered subjects about who does the exercise, which the steps go on to name ("my daughter (16)
# wants to learn the row": the article doesn't cover training for teens); a gear word ("on a yoga
# mat") names no subject the steps should speak to
STEPS_NOTE_SUBJECTS = frozenset({"youth"})
# how much of a detail question one step must hold to answer it alone (the exercise's name, which
# every step's text carries, is left out of the question)
DETAIL_COVERAGE = 0.5


def _asked_step(ex: Exercise, tracker: Tracker, follow_up: bool = False) -> str | None:
    """The one step or caution a detail question asks about, when one clearly answers it.
    Right after the exercise's steps, one telling word is enough ("where do i look?", "and the
    feet?"): the exercise is already known."""
    text = _without_exercise_names(tracker)
    words = latest_cues(tracker).get("words") or []
    number = latest_cues(tracker).get("step_number")
    if isinstance(number, int) and ex.steps and (number == -1 or 1 <= number <= len(ex.steps)):
        # "what's the first step of a dumbbell row?", "the second step again?", "step 3?"
        return ex.steps[number - 1 if number > 0 else -1]
    if len(words) < (1 if follow_up else 3):
        return None
    hits = _step_hits(ex, text)[:2]
    if not hits or hits[0].coverage < DETAIL_COVERAGE:
        return None
    if len(hits) > 1 and hits[1].coverage >= hits[0].coverage:
        return None  # two steps fit as well: the whole exercise answers better
    return hits[0].text


def _without_exercise_names(tracker: Tracker) -> str:
    """The message without the exercise names in it: "one arm" of "one arm row" asks about no
    arm step ("elbow flared or tucked on the one arm row?")."""
    text = str(tracker.latest_message.get("text") or "")
    spans = sorted(((int(e.get("start") or 0), int(e.get("end") or 0))
                    for e in tracker.latest_message.get("entities") or []
                    if e.get("entity") == "exercise"), reverse=True)
    for start, end in spans:
        if 0 <= start < end <= len(text):
            text = text[:start] + " " + text[end:]
    fixes = (tracker.latest_message.get("cues") or {}).get("fixes") or {}
    return with_fixes(text, {str(k): str(v) for k, v in fixes.items()})  # "elow" reads "elbow"


def _step_hits(ex: Exercise, text: str, known_only: bool = False) -> list[Hit]:
    """The exercise's steps and cautions that match a question, best first. The advice every
    page ends with ("talk with a personal trainer or look for detailed instructions") answers
    no detail of the movement: it is dropped when a step matches as well ("where do I look?")."""
    # the exercise's name is in every step's text: it tells no step from another
    hits = fact_index().search(text, topic="exercise:" + ex.id, limit=5, known_only=known_only,
                               ignore=frozenset(terms(ex.name)))
    general = [h for h in hits if "personal trainer" in h.text.lower()]
    steps = [h for h in hits if h not in general]
    best_step = max((h.coverage for h in steps), default=0.0)
    # (one shared word, "look", does not make the advice to look up instructions an answer)
    return sorted([*steps, *(h for h in general if h.coverage > best_step and h.matched >= 2)],
                  key=lambda h: -h.coverage)


# a weaker match still worth putting first, before all the steps
LEAD_COVERAGE = 0.25


def _leading_steps(ex: Exercise, tracker: Tracker) -> list[str]:
    """For a detail question ("how far down does the weight go on a row?") that no one step
    answers alone: the best-matching step (two when they match equally), to lead the steps."""
    text = _without_exercise_names(tracker)
    if len(latest_cues(tracker).get("words") or []) < 3:
        return []
    # (a word no step uses, "flared", says nothing about which step leads: the steps all follow)
    hits = _step_hits(ex, text, known_only=True)[:3]
    if not hits or hits[0].coverage < LEAD_COVERAGE:
        return []
    return [h.text for h in hits[:2] if h.coverage >= hits[0].coverage]


def _names_something(tracker: Tracker) -> bool:
    """Whether the message seems to name an exercise we don't know ('how do i bench press')."""
    words = str(tracker.latest_message.get("text") or "").split()
    return len(words) >= 3
