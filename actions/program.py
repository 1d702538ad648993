"""The program form's slot validation (rasa-sdk FormValidationAction) and the plan action."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import answer_record, knowledge, latest_cues, latest_intent, utter_disclaimer
from actions.planner import build_plan
from actions.safety import clearance_in_words, clearance_subject, remembered_flag
from knowledge.models import SERIOUS_TIERS

FORM = "program_form"
NO_LIMIT = "any"
NO_INJURY = "none"
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
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "once": 1, "twice": 2, "fifteen": 15,
                "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
                "eighty": 80, "ninety": 90}
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
CHANGE_LABELS = {"days": "{} days a week", "experience": "{}", "duration": "{} minutes",
                 "equipment": "{}", "goal": "{}"}
_YES = re.compile(r"^\s*(?:y|yes|yep|yeah|yup|sure|ok|okay|sounds good|correct|please do|do it|go"
                  r"(?: with it| ahead)?|fine|alright|that works)\b")
_NO = re.compile(r"^\s*(?:n|no|nope|nah|not really|not yet|negative)\b")
_NONE = re.compile(r"\b(?:no(?:ne|pe)?|nothing|nah|healthy|all good|fine|not really|no injur\w*|"
                   r"no (?:health )?(?:conditions?|issues?|problems?)|injury[- ]free)\b")
_NO_INJURY_STATEMENT = re.compile(r"\bno (?:injur\w*|health (?:conditions?|issues?|problems?)|"
                                  r"medical (?:conditions?|issues?))\b|\binjury[- ]free\b")
_INJURY_WORDS = re.compile(r"\b(?:hurt|injur\w*|pain|sore|surgery|torn|tear|broke|broken|bad|"
                           r"arthritis|asthma|diabet\w*|pregnan\w*|condition|problem|issue|sprain\w*|"
                           r"tendon\w*|disc|hernia|blood pressure|heart|osteo\w*|knee|back|shoulder)\b")
_WEEKDAY = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b")
_QUESTION = re.compile(r"\?\s*$|^\s*(?:what|which|how|why|does|do|is|are|should|can)\b")
_GOAL_PHRASE = re.compile(r"\b(?:goal(?: is|:)?|for|want(?: to)?(?: get| be| build)?|focus(?: is| on|:)?|"
                          r"to get|get)\s+(?:more\s+|muscle\s+)?(size|mass|strength|hypertrophy|bigger|"
                          r"stronger|growth|gains|bulk(?:ing)?)\b"
                          r"|\b(strength|size|hypertrophy|powerlifting)[\s-]+(?:plan|program\w*|routine|"
                          r"split|focus\w*|goal|training plan|block)\b")
_NUMBER = re.compile(r"\b(\d{1,3}|" + "|".join(NUMBER_WORDS) + r")(?:ish)?\b")


def _numbers(text: str) -> list[int]:
    """The numbers in a text, digits or words ("forty five" is 45)."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"\b(" + "|".join(_TENS) + r")\s+(one|two|three|four|five|six|seven|eight|nine)\b",
                  lambda m: str(NUMBER_WORDS[m.group(1)] + NUMBER_WORDS[m.group(2)]), text)
    return [int(n) if n.isdigit() else NUMBER_WORDS[n] for n in _NUMBER.findall(text)]


def parse_goal(value: str) -> str | None:
    """'size' or 'strength' from an entity value or an answer; 'not sure' means the default."""
    text = value.lower()
    if "strength" in text or "strong" in text or "powerlift" in text:
        return "strength"
    if re.search(r"size|big|mass|muscle|hypertroph|gain|bulk|swole|grow|both|either|"
                 r"not sure|dunno|idk|whatever|don'?t know", text) or _YES.match(text):
        return "size"
    return None


def parse_experience(value: str) -> str | None:
    """beginner / intermediate / advanced; years of lifting count ('5 years' is advanced)."""
    text = value.lower()
    for level in ("beginner", "intermediate", "advanced"):
        if level in text:
            return level
    years = re.search(r"(\d+|a|one|two|three|four|five|six|seven|eight|nine|ten)\+?\s*(?:years?|yrs?)",
                      text)
    if years:
        n = 1 if years.group(1) == "a" else _numbers(years.group(1))[0]
        return "advanced" if n >= 3 else "intermediate"
    if re.search(r"\b(?:months?|weeks?)\b", text):
        return "beginner"
    if re.search(r"never|new|novice|newbie|noob|first time|just start|starting out|no experience|"
                 r"not much|little|rookie|total beginner", text):
        return "beginner"
    if re.search(r"some|a bit|a while|decent|moderate|on and off|casual", text):
        return "intermediate"
    if re.search(r"experienced|veteran|long time|lots|years|competitive|pro\b|since (?:college|"
                 r"high ?school|school|uni|university|i was a kid|forever)|for ages|ages", text):
        return "advanced"
    return None


def parse_days(value: str, rules_min: int = 2, rules_max: int = 6) -> tuple[str | None, str | None]:
    """(days, problem): the days per week, or why the answer can't be used ('out_of_range')."""
    weekdays = set(_WEEKDAY.findall(value.lower()))
    if len(weekdays) >= 2 and not _numbers(value):  # "mon wed fri"
        value = str(len(weekdays))
    numbers = [n for n in _numbers(value) if 0 < n <= 14]
    if not numbers:
        return None, "missing"
    if len(set(numbers)) > 1 and re.search(r"\bor\b|maybe|/|-|to", value.lower()):
        low = min(numbers)
        return (str(low), "ambiguous") if rules_min <= low <= rules_max else (None, "out_of_range")
    days = numbers[0]
    if not rules_min <= days <= rules_max:
        return None, "out_of_range"
    return str(days), None


def parse_equipment(value: str) -> str | None:
    """dumbbells, bodyweight_dumbbells or full_gym."""
    text = value.lower().replace("-", " ")
    if text in ("dumbbells", "bodyweight_dumbbells", "full_gym"):
        return text
    if re.search(r"gym|barbell|machine|everything|all of it|cable|rack", text):
        return "full_gym"
    if re.search(r"dumb+|db\b|free weights", text):
        return "bodyweight_dumbbells" if re.search(r"body ?weight|home", text) else "dumbbells"
    return None


def parse_duration(value: str) -> str | None:
    """Minutes per session as a string, or NO_LIMIT for 'skip' / 'doesn't matter'."""
    text = value.lower()
    if re.search(r"skip|any|no limit|doesn'?t matter|whatever|not sure|dunno|idk|flexible|"
                 r"depends|no idea|unlimited|as long as", text) or _YES.match(text):
        return NO_LIMIT
    if re.search(r"\bhour and a half\b", text):
        return "90"
    if re.search(r"\b(?:an|one|1)\s*(?:hour|hr)\b", text):
        return "60"
    if re.search(r"half (?:an )?hour", text):
        return "30"
    numbers = _numbers(text)
    if numbers and 15 <= numbers[0] <= 180:
        return str(numbers[0])
    return None


def parse_injuries(value: str, intent: str) -> str | None:
    """NO_INJURY, a condition id from the knowledge base, or 'injury' for a described problem."""
    text = value.lower()
    condition_ids = {t.id for t in knowledge().vocabulary.condition}
    if text in condition_ids or text == NO_INJURY:
        return text
    if _QUESTION.search(text):
        return None  # "what counts as a health condition?" asks, it does not answer
    if intent == "deny" or (_NONE.search(text) and not _INJURY_WORDS.search(
            _NO_INJURY_STATEMENT.sub("", text))):
        return NO_INJURY
    if re.match(r"^\s*(?:yes|yeah|yep|yup|ya)\b", text) or re.search(r"\bi (?:do|have (?:one|some))\b",
                                                                   text):
        return "injury"  # "yes, I have one": which one is for their provider, not for us
    if _INJURY_WORDS.search(text):
        return "injury"
    return None


def parse_clearance(value: str, intent: str) -> str | None:
    """'yes' when a provider cleared them, 'no' when not."""
    text = value.lower()
    if intent == "deny" or _NO.match(text) or "not" in text.split():
        return "no"
    if intent == "affirm" and text.strip() not in ("ok", "okay") or re.search(
            r"\b(?:yes|yep|yeah|cleared|they said (?:it'?s )?(?:ok|fine)|got the ok|approved)\b", text):
        return "yes"
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
        return events + [SlotSet(k, v) for k, v in goal.items()]

    def extract_goal(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     domain: DomainDict) -> dict[str, Any]:
        """'goal is size', 'for strength', 'i want to get bigger' said anywhere in a message."""
        text = str(tracker.latest_message.get("text") or "").lower()
        m = _GOAL_PHRASE.search(text)
        if tracker.slots.get("goal") is None and m:
            return {"goal": parse_goal(m.group(1) or m.group(2))}
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
        text = str(tracker.latest_message.get("text") or "").lower()
        if tracker.slots.get("injuries") is None and _NO_INJURY_STATEMENT.search(text):
            return {"injuries": NO_INJURY}
        return {}

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
            high = max(n for n in _numbers(str(value)) if n <= 14)
            dispatcher.utter_message(response="utter_days_ambiguous", low=days, high=high)
        numbers = _numbers(str(value))
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
        result = self._check("injuries", injuries, dispatcher, tracker)
        if injuries and injuries != NO_INJURY and result.get("injuries"):
            names = {t.id: t.name for t in knowledge().vocabulary.condition}
            condition = names.get(injuries, "").lower() if injuries != "injury" else ""
            dispatcher.utter_message(response="utter_condition_noted", condition=condition,
                                     json_message={"kind": "disclaimer", "category": "medical"})
            if not tracker.slots.get("red_flag"):  # the clearance question names the condition
                result["clearance_subject"] = clearance_subject(None, condition)
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
            answer = str(tracker.latest_message.get("text") or "").lower()
            intent = latest_intent(tracker)
            if intent == "affirm" or _YES.match(answer):
                parsed = proposal["value"]
            elif parsed is None and (intent == "deny" or _NO.match(answer)):
                misses[slot] = 0
                dispatcher.utter_message(response=f"utter_invalid_{slot}", value="")
                return {slot: None, "form_misses": misses, "proposed_default": None}
            if parsed is None:  # "yes", or still no usable answer: take the proposed default
                parsed = proposal["value"]
                if not (intent == "affirm" or _YES.match(answer)):
                    dispatcher.utter_message(response="utter_default_taken",
                                             label=DEFAULT_LABELS[slot])
        if parsed is not None:
            misses.pop(slot, None)
            before = tracker.slots.get(slot)
            if before is not None and before != parsed and requested != slot:
                dispatcher.utter_message(response="utter_slot_changed", slot=slot,
                                         value=CHANGE_LABELS.get(slot, "{}").format(parsed))
            return {slot: parsed, "form_misses": misses, "proposed_default": None}
        if requested != slot:
            return {slot: None}  # an unusable value for a slot not being asked: ignore it
        misses[slot] = misses.get(slot, 0) + 1
        if misses[slot] >= 2 and slot not in NO_DEFAULT:
            dispatcher.utter_message(response="utter_propose_default", label=DEFAULT_LABELS[slot])
            return {slot: None, "form_misses": misses,
                    "proposed_default": {"slot": slot, "value": DEFAULTS[slot]}}
        dispatcher.utter_message(response=f"utter_invalid_{slot}", value=value_shown)
        return {slot: None, "form_misses": misses}


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
            return [SlotSet("plan", None)]
        rules = kb.program
        days, problem = parse_days(str(slots.get("days") or DEFAULTS["days"]),
                                   rules.min_days_per_week, rules.max_days_per_week)
        previous = slots.get("plan") or {}
        if days is None:
            shown = _numbers(str(slots.get("days") or ""))
            dispatcher.utter_message(response="utter_invalid_days",
                                     value=str(shown[0]) if shown else "")
            if previous:  # keep the plan they have rather than rebuild it unchanged
                return [SlotSet("days", previous.get("days"))]
            days = DEFAULTS["days"]
        duration = slots.get("duration")
        minutes = int(duration) if duration and str(duration).isdigit() else None
        plan = build_plan(kb, goal=parse_goal(str(slots.get("goal") or "size")) or "size",
                          experience=parse_experience(str(slots.get("experience") or ""))
                          or DEFAULTS["experience"],
                          days=int(days), equipment=parse_equipment(str(slots.get("equipment") or ""))
                          or DEFAULTS["equipment"], minutes=minutes,
                          condition=injuries != NO_INJURY)
        if previous:
            dispatcher.utter_message(response="utter_plan_changed")
        stepped = [kb.exercise(i).name for i in sorted(plan.exercise_ids())
                   if kb.exercise(i) and kb.exercise(i).has_steps]
        dispatcher.utter_message(response="utter_plan", plan=plan.model_dump(), stepped=stepped,
                                 json_message={"kind": "plan", "plan": plan.model_dump()})
        for category in ("medical", "form"):
            utter_disclaimer(dispatcher, category)
        summary = {"days": str(plan.days_per_week), "experience": plan.experience,
                   "equipment": plan.equipment, "goal": plan.goal}
        return [SlotSet("plan", summary), SlotSet("days", str(plan.days_per_week)),
                SlotSet("last_topic", "training_approach"),
                SlotSet("last_answer", answer_record("plan", "training_approach", []))]
