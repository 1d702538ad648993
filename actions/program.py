"""The program form's slot validation (rasa-sdk FormValidationAction) and the plan action."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    answer_record,
    button_payload,
    knowledge,
    latest_cues,
    latest_intent,
    nested_response,
    utter_disclaimer,
)
from actions.safety import clearance_in_words, clearance_subject, provider_phrase, remembered_flag
from bot.core.messages import Plan
from bot.nlu.answers import (
    NO_INJURY,
    NO_LIMIT,
    numbers_in,
    parse_clearance,
    parse_days,
    parse_duration,
    parse_equipment,
    parse_experience,
    parse_goal,
    parse_injuries,
    says_no,
    says_yes,
    stated_goal,
    states_no_injury,
)
from knowledge.models import SERIOUS_TIERS, KnowledgeBase
from knowledge.planner import NoExercisesLeft, build_plan

FORM = "program_form"
# life stages the article treats as reasons to train, not as conditions needing clearance
NOT_RESTRICTING = {"older_age", "menopause"}
# questions that never get a default: only the person can say whether they are hurt or cleared
NO_DEFAULT = {"injuries", "clearance"}
CLEARED = {"yes", "provider"}  # "provider": a clearance in words that names who gave it
DEFAULTS = {"goal": "size", "experience": "beginner", "days": "3", "equipment": "dumbbells",
            "duration": NO_LIMIT, "injuries": NO_INJURY, "clearance": "no"}
DEFAULT_LABELS = {"experience": "beginner", "days": "3 days a week",
                  "equipment": "dumbbells only", "duration": "no fixed session length",
                  "injuries": "no injuries or health conditions",
                  "clearance": "not cleared yet (so no plan for now)"}
CHANGE_LABELS = {"days": "{} days a week", "experience": "{}", "duration": "{} minutes",
                 "equipment": "{}", "goal": "{}"}


def _days_changed(tracker: Tracker) -> str | None:
    """"3 days", then "actually no make that 5" while another question waits: a bare number said
    as a change, with no other answer in it, changes the days already given."""
    numbers = numbers_in(str(tracker.latest_message.get("text") or ""))
    if not latest_cues(tracker).get("change") or len(numbers) != 1 \
            or _stored(tracker, "days") is None or tracker.slots.get("requested_slot") == "days" \
            or {str(e.get("entity")) for e in tracker.latest_message.get("entities") or []} \
            & {"days", "duration", "experience", "equipment"}:
        return None
    rules = knowledge().program
    days, problem = parse_days(str(numbers[0]), rules.min_days_per_week, rules.max_days_per_week)
    return days if problem is None else None


def _stored(tracker: Tracker, slot: str) -> Any:
    """A slot's value before this message (the form's extraction has already set tracker.slots)."""
    seen_user = False
    for event in reversed(tracker.events):
        seen_user = seen_user or event.get("event") == "user"
        if seen_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


class ValidateProgramForm(FormValidationAction):
    """validate_<slot> for each question; two misses in a row propose a default to confirm."""

    def name(self) -> str:
        return "validate_program_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        """Clearance is asked only of people who reported an injury, a condition or a red flag;
        after a red flag it is asked first, and a "not yet" ends the interview."""
        injuries = tracker.slots.get("injuries")
        if tracker.slots.get("red_flag"):
            if tracker.slots.get("clearance") == "no":
                return ["clearance"]
            return ["clearance"] + [s for s in domain_slots if s != "clearance"]
        return [s for s in domain_slots if s != "clearance" or (injuries and injuries != NO_INJURY)]

    async def next_requested_slot(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        """Always name the next slot to ask (None when the form is complete)."""
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        missing = (s for s in required if tracker.slots.get(s) is None)
        return SlotSet("requested_slot", next(missing, None))

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        """Validate the asked slots; the goal is never asked (size unless said otherwise), but a
        goal stated in any answer is still picked up."""
        goal = self.extract_goal(dispatcher, tracker, domain)
        events = await super().run(dispatcher, tracker, domain)
        asked = tracker.slots.get("requested_slot")
        if any(e.get("event") == "slot" and e.get("name") == asked and e.get("value") is not None
               for e in events):  # the question asked was answered: the flow shows the rest
            dispatcher.messages[:] = [m for m in dispatcher.messages
                                      if m.get("response") != "utter_slot_noted"]
        if latest_cues(tracker).get("no_equipment") and tracker.slots.get("equipment") is None \
                and not any(e.get("event") == "slot" and e.get("name") == "equipment"
                            and e.get("value") for e in events):
            # "bodyweight only": said plainly (in place of "which fits you?"), before the
            # equipment question is asked again
            dispatcher.messages[:] = [m for m in dispatcher.messages
                                      if m.get("response") != "utter_invalid_equipment"]
            dispatcher.utter_message(response="utter_no_equipment")
        spare = latest_cues(tracker).get("spare") or []  # "bad knees": the plan spares them
        if spare:
            joints = sorted({*(tracker.slots.get("spared_joints") or []), *spare})
            events.append(SlotSet("spared_joints", joints))
        return events + [SlotSet(k, v) for k, v in goal.items()]

    def extract_goal(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     domain: DomainDict) -> dict[str, Any]:
        """'goal is size', 'for strength', 'i want to get bigger' said anywhere in a message."""
        goal = stated_goal(str(tracker.latest_message.get("text") or ""))
        if tracker.slots.get("goal") is None and goal:
            return {"goal": goal}
        return {}

    def extract_clearance(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> dict[str, Any]:
        """"My cardiologist checked my heart and cleared me", said before the question."""
        flag = remembered_flag(knowledge(), tracker)
        if tracker.slots.get("requested_slot") == "clearance" or flag is None \
                or tracker.slots.get("clearance") in CLEARED:
            return {}
        if clearance_in_words(flag, latest_cues(tracker), asked=False):
            return {"clearance": "provider"}
        return {}

    def extract_injuries(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> dict[str, Any]:
        """'no injuries' said up front counts as an answer."""
        text = str(tracker.latest_message.get("text") or "")
        # ("no injuries but i have type 2 diabetes": the condition named is the answer)
        named = [c for c in latest_cues(tracker).get("has_condition") or []
                 if c not in (NO_INJURY, *NOT_RESTRICTING)]
        if tracker.slots.get("injuries") is None and states_no_injury(text) and not named:
            return {"injuries": NO_INJURY}
        return {}

    def extract_days(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     domain: DomainDict) -> dict[str, Any]:
        """"3 days", then "actually no make that 5" while another question waits."""
        days = _days_changed(tracker)
        return {"days": days} if days else {}

    # --- one validate_<slot> per question ---
    def validate_experience(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> dict[str, Any]:
        return self._check("experience", parse_experience(str(value)), dispatcher, tracker)

    def validate_days(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> dict[str, Any]:
        rules = knowledge().program
        said = str(tracker.latest_message.get("text") or "")
        if parse_days(said, rules.min_days_per_week, rules.max_days_per_week)[1] == "ambiguous":
            value = said  # the entity caught one number of "twice a week maybe three"
        days, problem = parse_days(str(value), rules.min_days_per_week, rules.max_days_per_week)
        if problem == "ambiguous":
            high = max(n for n in numbers_in(str(value)) if n <= 14)
            dispatcher.utter_message(response="utter_days_ambiguous", low=days, high=high)
        numbers = numbers_in(str(value))
        shown = str(numbers[0]) if problem == "out_of_range" and numbers else ""
        return self._check("days", days, dispatcher, tracker, value_shown=shown)

    def validate_equipment(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> dict[str, Any]:
        return self._check("equipment", parse_equipment(str(value)), dispatcher, tracker)

    def validate_duration(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> dict[str, Any]:
        return self._check("duration", parse_duration(str(value)), dispatcher, tracker)

    def validate_injuries(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> dict[str, Any]:
        injuries = parse_injuries(str(value), latest_intent(tracker))
        if injuries in NOT_RESTRICTING and tracker.get_slot("requested_slot") != "injuries":
            return {"injuries": None}  # "I'm 67" is not an injury: the question still gets asked
        before = _stored(tracker, "injuries")
        if injuries == NO_INJURY and before not in (None, NO_INJURY) \
                and tracker.slots.get("clearance") not in CLEARED \
                and (tracker.slots.get("red_flag")
                     or (tracker.slots.get("clearance_subject") or {}).get("stop")):
            # a warning sign or a hurt reported earlier in this conversation is not taken back by
            # "no injuries": the plan still waits for a clearance
            dispatcher.utter_message(response="utter_injury_kept")
            return {"injuries": before}
        result = self._check("injuries", injuries, dispatcher, tracker)
        if injuries and injuries != NO_INJURY and result.get("injuries"):
            terms = {t.id: t for t in knowledge().vocabulary.condition}
            term = terms.get(injuries) if injuries != "injury" else None
            condition = term.name.lower() if term else ""
            cues = latest_cues(tracker)
            if cues.get("cleared") is True and cues.get("provider") \
                    and not tracker.slots.get("red_flag"):
                # "I had a knee injury but my physio cleared it": noted, and the clearance given
                dispatcher.utter_message(response="utter_condition_cleared",
                                         provider=provider_phrase(str(cues["provider"])))
                return {**result, "clearance": "provider"}
            dispatcher.utter_message(response="utter_condition_noted", condition=condition,
                                     json_message={"kind": "disclaimer", "category": "medical"})
            if not tracker.slots.get("red_flag"):  # the clearance question names the condition
                result["clearance_subject"] = clearance_subject(
                    None, condition, term.provider if term else None)
        return result

    def validate_clearance(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> dict[str, Any]:
        """After an emergency or urgent red flag only a clearance in words that names a provider
        counts; a bare yes, ok or button gets an explanation of what is needed."""
        if value == "provider":  # extract_clearance already judged the words
            return {"clearance": value}
        said = parse_clearance(str(value), latest_intent(tracker))
        flag = remembered_flag(knowledge(), tracker)
        if said == "no" or flag is None or flag.tier not in SERIOUS_TIERS:
            return self._check("clearance", said, dispatcher, tracker)
        asked = tracker.slots.get("requested_slot") == "clearance"
        if clearance_in_words(flag, latest_cues(tracker), asked=asked):
            return {"clearance": "provider"}
        if asked:
            subject = clearance_subject(flag)
            dispatcher.utter_message(response="utter_clearance_needs_words",
                                     what=flag.label.lower(), who=subject["who"],
                                     short=subject["short"])
        return {"clearance": None}

    # --- shared: accept, re-ask, or propose a default after two misses ---
    def _check(self, slot: str, parsed: str | None, dispatcher: CollectingDispatcher,
               tracker: Tracker, value_shown: str = "") -> dict[str, Any]:
        misses = dict(tracker.get_slot("form_misses") or {})
        proposal = tracker.get_slot("proposed_default") or {}
        requested = tracker.get_slot("requested_slot")
        if proposal.get("slot") == slot and requested == slot:
            answer = str(tracker.latest_message.get("text") or "")
            intent = latest_intent(tracker)
            if intent == "affirm" or says_yes(answer):
                parsed = proposal["value"]
            elif parsed is None and (intent == "deny" or says_no(answer)):
                misses[slot] = 0
                dispatcher.utter_message(response=f"utter_invalid_{slot}", value="")
                return {slot: None, "form_misses": misses, "proposed_default": None}
            if parsed is None:  # "yes", or still no usable answer: take the proposed default
                parsed = proposal["value"]
                if not (intent == "affirm" or says_yes(answer)):
                    dispatcher.utter_message(response="utter_default_taken",
                                             label=DEFAULT_LABELS[slot])
        if parsed is not None:
            misses.pop(slot, None)
            before = tracker.slots.get(slot)
            if before == parsed:  # (an extract_ method has already set it: the value before)
                before = _stored(tracker, slot)
            if before is not None and before != parsed and requested != slot \
                    and slot in CHANGE_LABELS:  # ("changed that to none" says nothing)
                dispatcher.utter_message(response="utter_slot_changed", slot=slot,
                                         value=CHANGE_LABELS.get(slot, "{}").format(parsed))
            elif _stored(tracker, slot) is None and requested not in (None, slot) and (
                    slot in CHANGE_LABELS or parsed == NO_INJURY):
                # "dumbbells" said while the days question waits: kept, and said so, so the
                # question asked again is not the same message twice (run() drops the note when
                # the same message also answered the question asked)
                label = "no injuries" if parsed == NO_INJURY else CHANGE_LABELS[slot]
                dispatcher.utter_message(response="utter_slot_noted", slot=slot,
                                         value=label.format(parsed))
            return {slot: parsed, "form_misses": misses, "proposed_default": None}
        if requested != slot or _days_changed(tracker):
            # an unusable value for a slot not being asked, or a change of the days ("make that
            # 5") read as the answer to the question asked: ignore it (the question is asked again)
            return {slot: None}
        misses[slot] = misses.get(slot, 0) + 1
        if misses[slot] >= 2 and slot not in NO_DEFAULT:
            dispatcher.utter_message(response="utter_propose_default", label=DEFAULT_LABELS[slot])
            return {slot: None, "form_misses": misses,
                    "proposed_default": {"slot": slot, "value": DEFAULTS[slot]}}
        dispatcher.utter_message(response=f"utter_invalid_{slot}", value=value_shown)
        return {slot: None, "form_misses": misses}


@dataclass
class PlanEdits:
    """The plan's edits: the slots' exercises taken out, joints spared and exercises put back,
    with this message's cues applied, and a line for each change to tell the person."""

    removed: set[str] = field(default_factory=set)
    spared: set[str] = field(default_factory=set)
    restored: set[str] = field(default_factory=set)
    changes: list[str] = field(default_factory=list)

    @classmethod
    def from_tracker(cls, kb: KnowledgeBase, tracker: Tracker) -> PlanEdits:
        """The edits so far plus the latest message's ("no squats", "put the row back")."""
        slots, cues = tracker.slots, latest_cues(tracker)
        edits = cls({_family(i) for i in slots.get("removed_exercises") or []},
                    set(slots.get("spared_joints") or []),
                    {_family(i) for i in slots.get("restored_exercises") or []})
        for ex_id in cues.get("remove") or []:
            if _family(ex_id) not in edits.removed:
                edits.removed.add(_family(ex_id))
                edits.restored.discard(_family(ex_id))
                edits.changes.append(f"I took out the {_name(kb, ex_id)}")
        for ex_id in cues.get("swap") or []:
            edits.removed.add(_family(ex_id))
            edits.restored.discard(_family(ex_id))
            ex = kb.exercise(ex_id)
            alike = [e for e in kb.exercises if ex is not None and e.multi_joint == ex.multi_joint
                     and _family(e.id) not in edits.removed]
            edits.changes.append(
                f"I swapped out the {_name(kb, ex_id)}; " + (
                    "the plan uses the article's other exercises in its place" if alike else
                    "the article names no other exercise like it, so the plan goes on without it"))
        for ex_id in cues.get("restore") or []:
            edits.removed.discard(_family(ex_id))
            edits.restored.add(_family(ex_id))
            edits.changes.append(f"I put the {_name(kb, ex_id)} back")
        for joint in cues.get("spare") or []:
            if joint not in edits.spared:
                edits.spared.add(joint)
                edits.changes.append(f"I left out what the coach thinks loads your "
                                     f"{joint.replace('_', ' ')} (the coach's own caution)")
        return edits

    def events(self) -> list[dict[str, Any]]:
        """SlotSet events that keep the edits for the next rebuild."""
        return [SlotSet("removed_exercises", sorted(self.removed)),
                SlotSet("spared_joints", sorted(self.spared)),
                SlotSet("restored_exercises", sorted(self.restored))]


def _family(exercise_id: str) -> str:
    return exercise_id.removeprefix("dumbbell_")


def _name(kb: KnowledgeBase, exercise_id: str) -> str:
    ex = kb.exercise(exercise_id)
    return ex.name.lower() if ex else exercise_id.replace("_", " ")


PLAN_BUTTONS = [{"title": "Why this rest?", "payload": button_payload("ask_why", topic="rest_periods")},
                {"title": "Why these sets?", "payload": button_payload("ask_why", topic="weekly_volume")}]


def plan_message(kb: KnowledgeBase, plan: Plan) -> dict[str, Any]:
    """The utter_message arguments that show a plan: the text and its typed `plan` payload share
    one intro and one closing (the CLI's `coach plan` renders the same)."""
    stepped = [ex.name for ex in (kb.exercise(i) for i in sorted(plan.exercise_ids()))
               if ex is not None and ex.has_steps]
    intro = nested_response("utter_plan_intro", title=plan.title)
    closing = nested_response("utter_plan_closing", stepped=stepped)
    # the "how do I do ...?" button names an exercise the plan has (one taken out is not offered)
    steps_buttons = [{"title": f"How do I do the {ex.name.lower()}?",
                      "payload": button_payload("ask_exercise_steps", exercise=ex.id)}
                     for ex in (kb.exercise(i) for i in sorted(plan.exercise_ids()))
                     if ex is not None and ex.has_steps][:1]
    return {"response": "utter_plan", "plan": plan.model_dump(), "intro": intro, "closing": closing,
            "buttons": [*PLAN_BUTTONS, *steps_buttons],
            "json_message": {"kind": "plan", "plan": plan.model_dump(), "intro": intro,
                             "closing": closing}}


class ActionExplainQuestion(Action):
    """"What do you mean by experience?", "what counts as a full gym?": what the interview's
    pending question means (the engine then asks it again)."""

    def name(self) -> str:
        return "action_explain_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        # (the question a "why do you need to know about injuries?" names, else the pending one)
        slot = latest_cues(tracker).get("why_asked") or tracker.get_slot("requested_slot")
        response = f"utter_explain_{slot}"
        if response in (domain.get("responses") or {}):
            dispatcher.utter_message(response=response)
        else:
            dispatcher.utter_message(response="utter_fallback_help")
        return []


class ActionBuildProgram(Action):
    """Build (or rebuild) the plan from the slots, unless clearance is still missing."""

    def name(self) -> str:
        return "action_build_program"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        kb = knowledge()
        slots = tracker.slots
        injuries = slots.get("injuries") or NO_INJURY
        flag = remembered_flag(kb, tracker)
        # the one gate every route to a plan passes (the interview, a change, a rebuild)
        cleared = slots.get("clearance") == "provider" if flag and flag.tier in SERIOUS_TIERS \
            else slots.get("clearance") in CLEARED
        if (injuries != NO_INJURY or flag) and not cleared:
            dispatcher.utter_message(response="utter_plan_no_clearance",
                                     red_flag=slots.get("red_flag") or {},
                                     who=flag.provider if flag else "a healthcare provider",
                                     json_message={"kind": "safety",
                                                   "tier": flag.tier if flag else "hold_off",
                                                   "symptom": flag.id if flag else None})
            # (what follows is read as after a stop: "its fine", a bare "30", "what now")
            return [SlotSet("plan", None),
                    SlotSet("last_answer", answer_record("safety", "risks", [],
                                                         symptom=flag.id if flag else None))]
        rules = kb.program
        days, problem = parse_days(str(slots.get("days") or DEFAULTS["days"]),
                                   rules.min_days_per_week, rules.max_days_per_week)
        previous = slots.get("plan") or {}
        if days is None:
            shown = numbers_in(str(slots.get("days") or ""))
            dispatcher.utter_message(response="utter_invalid_days",
                                     value=str(shown[0]) if shown else "")
            if previous:  # keep the plan they have rather than rebuild it unchanged
                return [SlotSet("days", previous.get("days"))]
            days = DEFAULTS["days"]
        duration = slots.get("duration")
        minutes = int(duration) if duration and str(duration).isdigit() else None
        edits = PlanEdits.from_tracker(kb, tracker)
        try:
            plan = build_plan(kb, goal=parse_goal(str(slots.get("goal") or "size")) or "size",
                              experience=parse_experience(str(slots.get("experience") or ""))
                              or DEFAULTS["experience"], days=int(days),
                              equipment=parse_equipment(str(slots.get("equipment") or ""))
                              or DEFAULTS["equipment"], minutes=minutes,
                              condition=injuries != NO_INJURY, removed=edits.removed,
                              spared=edits.spared, restored=edits.restored)
        except NoExercisesLeft as exc:  # the edit is not kept: the plan they have stays
            dispatcher.utter_message(response="utter_plan_nothing_left", left_out=exc.left_out,
                                     example=exc.left_out[0] if exc.left_out else "squat")
            return []
        if edits.changes:
            dispatcher.utter_message(response="utter_plan_edited", changes=edits.changes)
        elif previous:
            dispatcher.utter_message(response="utter_plan_changed")
        dispatcher.utter_message(**plan_message(kb, plan))
        for category in ("medical", "form"):
            utter_disclaimer(dispatcher, category)
        summary = {"days": str(plan.days_per_week), "experience": plan.experience,
                   "equipment": plan.equipment, "goal": plan.goal}
        return [SlotSet("plan", summary), SlotSet("days", str(plan.days_per_week)),
                *edits.events(),
                SlotSet("last_topic", "training_approach"),
                SlotSet("last_answer", answer_record("plan", "training_approach", []))]
