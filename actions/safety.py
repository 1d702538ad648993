"""Safety actions: the crisis reply, the red-flag stop by tier, soreness, and a clearance in words.

A stop changes the conversation: the plan interview ends, any plan and clearance are reset, and the
red flag is remembered with its tier. After an emergency or urgent flag, no plan is built unless
the person says in words that a named provider checked it (see `clearance_in_words`).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import answer_record, knowledge, latest_cues, latest_intent, props
from knowledge.models import SERIOUS_TIERS, KnowledgeBase, RedFlag

PREGNANCY_FLAGS = {"pregnancy", "pregnancy_warning"}
SORENESS_NEARBY = "risk_overuse"  # the fact a soreness reply gives as the article's nearest word


def reported_flags(kb: KnowledgeBase, tracker: Tracker) -> list[RedFlag]:
    """The red flags the latest message names, most serious first."""
    ids = [str(e.get("value")) for e in tracker.latest_message.get("entities") or []
           if e.get("entity") == "symptom"]
    flags = [f for f in (kb.red_flag(i) for i in ids) if f is not None]
    return sorted(flags, key=lambda f: f.rank)


def remembered_flag(kb: KnowledgeBase, tracker: Tracker) -> RedFlag | None:
    """The most serious red flag reported earlier in this conversation."""
    record = tracker.get_slot("red_flag") or {}
    return kb.red_flag(record.get("id")) if isinstance(record, dict) else None


def clearance_subject(flag: RedFlag | None, condition: str = "",
                      provider: str | None = None) -> dict[str, Any]:
    """What the clearance question is about: `what` after "checked", `who`, `short` for examples.
    `provider`: the condition's own (knowledge/data/vocabulary.yml), else a doctor or physio."""
    if flag is None:
        what = f"your {condition}" if condition else "the injury or health condition you mentioned"
        return {"what": what, "who": provider or "your doctor or physical therapist",
                "short": condition or "injury", "pregnancy": False}
    return {"what": f"your {flag.label.lower()}", "who": flag.provider, "short": flag.label.lower(),
            "pregnancy": flag.id in PREGNANCY_FLAGS}


def clearance_in_words(flag: RedFlag, cues: dict[str, Any], asked: bool) -> bool:
    """A provider named, saying they cleared the person, about this flag.

    "About this flag": the words name it ("checked my heart"), point back to it ("checked it"), or
    answer the clearance question, which names it. ("my doctor said it's fine" names no sign.)
    """
    if cues.get("cleared") is not True or not cues.get("provider"):
        return False
    # a specialist's name ("my cardiologist", "my surgeon") speaks for the sign only with a word
    # that says they looked at it or cleared it: "my midwife said it's fine" names no sign
    hits = set(cues.get("words") or []) & set(flag.about)
    named_by_provider = hits & set(str(cues.get("provider") or "").split())
    return asked or bool(cues.get("checked_it")) or bool(hits - named_by_provider) \
        or (bool(named_by_provider) and bool(cues.get("cleared_by_look")))


def stop_events(flag: RedFlag, previous: RedFlag | None, in_form: bool) -> list[dict[str, Any]]:
    """What a stop changes: the plan and clearance are reset, the most serious flag remembered."""
    keep = flag if previous is None or flag.rank <= previous.rank else previous
    events: list[dict[str, Any]] = [
        SlotSet("red_flag", {"id": keep.id, "name": keep.name, "tier": keep.tier}),
        SlotSet("needs_worded_clearance", keep.tier in SERIOUS_TIERS),
        SlotSet("clearance_subject", clearance_subject(keep)),
        SlotSet("clearance", None), SlotSet("plan", None),
        SlotSet("injuries", keep.id)]  # a later plan asks for clearance, not for injuries
    if in_form:
        events += [ActiveLoop(None), SlotSet("requested_slot", None)]
    return events

# the least a topic reading of a clearance message needs to be answered after it
CLEARED_QUESTION_MIN = 0.1


class ActionCrisisSupport(Action):
    """Thoughts of suicide or self-harm, or distress: point to help now; the interview pauses."""

    def name(self) -> str:
        return "action_crisis_support"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        cues = latest_cues(tracker)
        other = bool(cues.get("about_other"))
        last = tracker.get_slot("last_answer") or {}
        again = last.get("kind") == "safety" and last.get("topic") == "crisis" and not cues.get("tier")
        if last.get("kind") == "safety" and last.get("topic") == "crisis" and last.get("maybe") \
                and not other and cues.get("not_at_risk") \
                and (not cues.get("tier") or cues.get("crisis_maybe")):
            # "lol no, i meant my legs are dead": the crisis reply was a misreading; say so, keep
            # the line open, and go back to training
            dispatcher.utter_message(response="utter_crisis_misread",
                                     json_message={"kind": "safety", "tier": "none",
                                                   "symptom": None})
            return [SlotSet("last_answer", answer_record("safety", "crisis_misread", []))]
        other = other or (again and bool(last.get("other")))
        # "im in the uk": that country's crisis line, now and in later replies
        region = cues.get("region") or (last.get("region") if again else None)
        # only the classifier read a crisis (no pattern): the reply allows it may misread
        maybe = bool(cues.get("crisis_maybe")) and not again
        dispatcher.utter_message(response="utter_crisis", other=other, again=again,
                                 region=region or "", maybe=maybe,
                                 json_message={"kind": "safety", "tier": "crisis",
                                               "symptom": "crisis"})
        events: list[dict[str, Any]] = [
            SlotSet("last_topic", None),
            SlotSet("last_answer", answer_record("safety", "crisis", [], tier="crisis", other=other,
                                                 region=region,
                                                 maybe=maybe or (again and bool(last.get("maybe"))),
                                                 repeats=int(last.get("repeats") or 0) + 1
                                                 if again else 0))]
        if tracker.active_loop_name:  # paused: the answers given so far are kept
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events


class ActionSafetyStop(Action):
    """Stop: emergency (call now), urgent (a doctor today) or hold off (a provider first)."""

    def name(self) -> str:
        return "action_safety_stop"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        kb = knowledge()
        flags = reported_flags(kb, tracker)
        previous = remembered_flag(kb, tracker)
        if not flags and previous is not None:  # "I had some bleeding" after "I'm pregnant"
            sign = (latest_cues(tracker).get("if_remembered") or {}).get(previous.id)
            escalated = kb.red_flag(sign) if sign else None
            flags = [escalated] if escalated is not None else []
        # right after a stop, "can I still train tomorrow?" repeats the stop for the same flag
        flag = flags[0] if flags else (previous if _carrying_on(tracker) else None)
        other = bool(latest_cues(tracker).get("about_other"))
        if not flags and _carrying_on(tracker):  # "can she still train tomorrow?": the same person
            other = other or bool((tracker.get_slot("last_answer") or {}).get("other"))
        if flag is None:  # a report with no named sign ("I feel weird after sets")
            dispatcher.utter_message(response="utter_safety_stop", tier="hold_off", name="",
                                     who="a healthcare provider", other=other, again=False,
                                     json_message={"kind": "safety", "tier": "hold_off",
                                                   "symptom": None})
            events: list[dict[str, Any]] = [SlotSet("clearance", None), SlotSet("plan", None)]
            if previous is None:
                events += [SlotSet("injuries", "injury"),  # (kept against a later "no injuries")
                           SlotSet("clearance_subject", {**clearance_subject(None), "stop": True})]
            if tracker.active_loop_name:
                events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        else:
            # two signs of the same tier ("my arm went numb and my speech slurred"): both named
            same = [f for f in flags if f.tier == flag.tier and f.id != flag.id][:1]
            name = f"{flag.name}, or {same[0].name}," if same and flag.tier != "hold_off" \
                else flag.name
            dispatcher.utter_message(response="utter_safety_stop", tier=flag.tier,
                                     name=name, who=flag.provider, other=other, symptom=flag.id,
                                     # ("who should I see?" is not carrying on)
                                     again=not flags and not latest_cues(tracker).get("asks_provider"),
                                     json_message={"kind": "safety", "tier": flag.tier,
                                                   "symptom": flag.id})
            events = stop_events(flag, previous, bool(tracker.active_loop_name))
            if flag.tier == "hold_off" and flags and not other:
                # "i'm pregnant, how long should i rest between sets?": a hold-off asks for a
                # provider's word before training, not silence on what the article says; the
                # question the message asks surely is answered after it (never after an
                # emergency or urgent sign)
                events += _question_too(tracker, domain, latest_cues(tracker), surely=True)
        return events + [
            SlotSet("last_topic", "risks"),
            SlotSet("last_answer", answer_record("safety", "risks", [],
                                                 symptom=flag.id if flag else None, other=other))]


def _carrying_on(tracker: Tracker) -> bool:
    """Right after a stop, "can I still train tomorrow?" repeats the stop for the same flag."""
    return (tracker.get_slot("last_answer") or {}).get("kind") == "safety"


class ActionEmergencyNext(Action):
    """After an emergency stop: "someone called, what now?" (stay, follow the dispatcher) and
    "paramedics are here" (let them take over). No training content either way."""

    def name(self) -> str:
        return "action_emergency_next"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        last = tracker.get_slot("last_answer") or {}
        other = bool(last.get("other") or latest_cues(tracker).get("about_other"))
        arrived = bool(latest_cues(tracker).get("help_arrived"))
        dispatcher.utter_message(response="utter_emergency_next", other=other, help_arrived=arrived,
                                 json_message={"kind": "safety", "tier": "emergency",
                                               "symptom": last.get("symptom")})
        return [SlotSet("last_answer", {**last, "kind": "safety"})]


class ActionSoreness(Action):
    """Ordinary soreness: no lockout; the article's silence, and the signs that would change that."""

    def name(self) -> str:
        return "action_soreness"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        # the article's nearest word on it: too much, or a routine not planned, can overuse
        nearby = next((f.text for t in knowledge().topics for f in (*t.facts, *t.more)
                       if f.id == SORENESS_NEARBY), "")
        dispatcher.utter_message(response="utter_soreness", nearby=nearby,
                                 json_message={"kind": "safety", "tier": "none",
                                               "symptom": "soreness"})
        subjects = {str(e.get("value")) for e in tracker.latest_message.get("entities") or []
                    if e.get("entity") == "subject"}
        for subject in knowledge().vocabulary.subject:  # "can i take ibuprofen for it?"
            if subject.id in subjects and not subject.setting:
                dispatcher.utter_message(response="utter_uncovered_note", name=subject.name,
                                         ask=subject.ask, says="")
                break
        return [SlotSet("last_topic", "risks"),
                SlotSet("last_answer", answer_record("soreness", "risks", []))]


class ActionRecordClearance(Action):
    """"My cardiologist checked my heart and cleared me": the clearance a later plan needs."""

    def name(self) -> str:
        return "action_record_clearance"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        kb = knowledge()
        remembered = remembered_flag(kb, tracker)
        reported = reported_flags(kb, tracker)
        flag = remembered or (reported[0] if reported else None)
        cues = latest_cues(tracker)
        # "... cleared me. Can I get a plan now?": the interview starts right away (a plan named
        # in words: the classifier's request_program alone is not enough to start one)
        # (or a whole plan request: "cleared by my OB. 3 days a week, home dumbbells, 30 min,
        # intermediate, no injuries")
        plan_now = bool(cues.get("mentions_plan")) or (
            latest_intent(tracker) == "request_program"
            and len({e.get("entity") for e in tracker.latest_message.get("entities") or []}
                    & {"days", "equipment", "duration", "experience"}) >= 2)
        if flag is None:  # "I saw my doctor and I'm cleared now", with no warning sign on record
            dispatcher.utter_message(response="utter_clearance_welcome" if not plan_now
                                     else "utter_clearance_welcome_plan",
                                     provider=provider_phrase(str(cues.get("provider"))))
            events: list[dict[str, Any]] = [SlotSet("clearance", "provider")]
            return events + ([FollowupAction("program_form")] if plan_now
                             else _question_too(tracker, domain, cues))
        if not clearance_in_words(flag, cues, asked=False):
            subject = clearance_subject(flag)
            dispatcher.utter_message(response="utter_clearance_needs_words",
                                     what=flag.label.lower(), who=subject["who"],
                                     short=subject["short"])
            return []
        dispatcher.utter_message(response="utter_clearance_noted_plan" if plan_now
                                 else "utter_clearance_noted",
                                 provider=provider_phrase(str(cues.get("provider"))),
                                 what=f"your {flag.label.lower()}")
        events = [] if remembered else stop_events(flag, None, in_form=False)
        events.append(SlotSet("clearance", "provider"))
        if plan_now:
            events.append(FollowupAction("program_form"))
        else:
            events += _question_too(tracker, domain, cues)
        return events


def _question_too(tracker: Tracker, domain: DomainDict, cues: dict[str, Any],
                  surely: bool = False) -> list[dict[str, Any]]:
    """"... cleared me. what exercises should i start with?": the question too; read as the
    report, the topic its closing question asks about, else its likeliest topic reading ("tore
    my acl, physio cleared me. what's the rest time?": the rest). `surely`: only the closing
    question's topic or the classifier's first reading, never a weaker one of its ranking."""
    if not (cues.get("question") or cues.get("question_to")):
        return []
    offered = set(props(domain).get("offered_when_unsure", [])) - {"request_program"}
    ranking = tracker.latest_message.get("intent_ranking") or []
    topic = str(cues.get("question_topic") or "")
    asked = topic if topic in offered else latest_intent(tracker) \
        if latest_intent(tracker) in offered else None if surely else next(
        (str(r["name"]) for r in ranking if r["name"] in offered
         and float(r["confidence"]) >= CLEARED_QUESTION_MIN), None)
    if asked is None:
        return []
    # (action_answer_topic reads the ranking the same way)
    return [FollowupAction("action_exercise_steps" if asked == "ask_exercise_steps"
                           else "action_answer_topic")]


def provider_phrase(word: str) -> str:
    """'your cardiologist' from the word the person used."""
    word = word.rstrip(".")
    return "your doctor" if word in ("doc", "docs", "dr", "doctors") else f"your {word}"


class ActionWarningSigns(Action):
    """"What signs mean I should stop?": the published warning signs (AHA, ACSM; ACOG's first
    after a pregnancy was mentioned), what to do on each tier, and no training figures."""

    def name(self) -> str:
        return "action_warning_signs"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        kb = knowledge()
        previous = remembered_flag(kb, tracker)
        pregnancy = kb.red_flag("pregnancy_warning") \
            if previous is not None and previous.id.startswith("pregnancy") else None
        emergency = [f.name for f in kb.red_flags if f.tier == "emergency" and not f.after]
        urgent = [f.name for f in kb.red_flags if f.tier == "urgent"]
        dispatcher.utter_message(response="utter_warning_signs", emergency=emergency, urgent=urgent,
                                 pregnancy=pregnancy.name if pregnancy else "",
                                 json_message={"kind": "safety", "tier": "none",
                                               "symptom": pregnancy.id if pregnancy else None})
        return [SlotSet("last_topic", None),
                SlotSet("last_answer", answer_record("safety", "warning_signs", []))]
