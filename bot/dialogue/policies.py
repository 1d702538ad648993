"""Dialogue policies. Each answers one question: given the tracker and the parse, which action?

They are tried in the order config.yml lists; the first that returns an action name wins.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.core.domain import Domain, Rule
from bot.core.schemas import ParseResult
from bot.core.tracker import Tracker
from bot.nlu.fallback import FALLBACK_INTENT
from bot.nlu.normalizer import with_fixes
from knowledge.loader import default_knowledge
from knowledge.retrieval import (
    follow_up_match,
    named_reference,
    number_fact,
    provider_fact,
    step_follow_up,
)

PROGRAM_FORM = "program_form"
CANCEL_FORM = "action_cancel_form"
RESTART_FORM = "action_restart_form"
FORM_ENTITIES = {"goal", "experience", "days", "equipment", "duration", "condition"}
PLAN_ENTITIES = {"goal", "experience", "days", "equipment", "duration"}
# after the crisis reply and this many repeats of it, a clear training request or interview answer
# with no word of distress or complaint moves on (a person asking for a plan is not held in a
# loop); "i mean it" or anything unclear still gets help, and crisis words always do
CRISIS_REPEATS = 2
CONTEXT_ENTITIES = {"goal", "exercise", "muscle", "condition"}
SYMPTOM_INTENT = "report_symptom"
PLAN_REQUEST = "request_program"
# (coverage, matched words) a match needs: lower when the classifier had nothing, higher when it
# had a confident small-talk or out-of-scope guess to overrule
STUDY_WORDS = frozenset({"study", "studies", "paper", "papers", "review", "research", "trial",
                         "reference", "journal"})  # words that name a reference as such
# words that ask for an exercise's dose ("how many sets on these?"), not for a detail of its form
DOSE_WORDS = frozenset({"set", "sets", "rep", "reps", "rest", "resting", "seconds", "secs", "minutes",
                        "mins", "many", "often", "long"})
FOLLOW_UP_WORDS = 5  # "which one is better?": a reference this short leans on the last answer
STEP_DETAIL_BAR = (0.5, 3)  # coverage and words an exercise step must hold to answer a detail
STEP_WORD_BAR = (0.5, 1)  # right after the steps, one word of a step is enough ("and my feet")
EXERCISE_FOLLOW_UP_UNSURE = 0.6  # right after steps, a topic read less surely is about them
CLEAR_QUESTION = 0.8  # inside the interview, a question read this surely is answered first
CLEAR_NEW_QUESTION = 0.9  # after a crisis reply, only a training question this clear moves on
SORENESS_UNSURE = 0.6  # a soreness question read as another topic less surely than this is soreness
# words that ask for an exercise's steps in so many words
STEP_WORDS = frozenset({"steps", "instructions", "instruction", "technique", "tutorial", "walkthrough"})
UNSURE = 0.5  # a reading below this is a guess: a clearer cue in the message may decide instead
UNCOVERED_TOPIC_SURE = 0.9  # a topic this sure answers a question that names an uncovered subject
RETRIEVAL_BARS = {"fallback": (0.6, 2), "override": (0.75, 2),
                  "source": (0.5, 2)}  # "who recommends ...": the fact it names, and its source


def said(parse: ParseResult) -> str:
    """The message as the fact retrieval reads it: its typos fixed, its chat shorthand spelled."""
    return with_fixes(parse.text, parse.cues.fixes)


@dataclass(frozen=True)
class PolicyContext:
    """What policies may consult besides the tracker."""

    domain: Domain
    rules: list[Rule]
    # the knowledge base's fact retrieval: (question, coverage, matched words, known_only=...)
    # -> a hit or None (knowledge.retrieval.clear_match)
    retrieval: Callable[..., Any]


class Policy(ABC):
    """The contract: given the tracker and the latest parse, an action name or None."""

    def __init__(self, ctx: PolicyContext) -> None:
        self.ctx = ctx
        self.props = ctx.domain.props

    @abstractmethod
    def predict(self, tracker: Tracker, parse: ParseResult) -> str | None:
        """The action to run, or None to let the next policy decide."""


class ScopePolicy(Policy):
    """Asks that carry a topic word but are outside the coach: a meal plan is no training plan,
    a test or scan result is for a doctor to read."""

    def predict(self, tracker: Tracker, parse: ParseResult) -> str | None:
        if parse.cues.meal_plan:
            return "action_meal_plan"
        if parse.cues.task and not parse.cues.tier and not tracker.active_loop:
            return "action_out_of_scope"  # "book me a session at 6pm": an errand, not a question
        if parse.cues.plan_for_other and parse.first("subject"):  # "a running program for my 5k"
            return "action_uncovered_subject"
        if parse.cues.asks_diagnosis or (parse.cues.medical_result and not (
                # "my blood sugar came back prediabetic, would lifting help?": the result is
                # stated, not asked about; what the article says of lifting with it answers
                parse.first("condition") not in (None, "none", "injury")
                and parse.intent.name in ("ask_benefits", "ask_health_condition")
                and parse.cues.question)):
            # reading a test or scan, or saying what a click or a lump is, is a doctor's work
            # (no red flag here: the safety policy has run first)
            return "action_out_of_scope"
        return None


class UncoveredPolicy(Policy):
    """A question about a training subject the article does not cover (warming up, cardio,
    sleep, splits...) is told so, with who can help, instead of the nearest topic's answer; not
    when the classifier is sure of a topic ("how long to rest if I also do cardio?"), nor when
    the subject is only in what the person says about themselves, nor for a plan request or
    inside the interview."""

    def __init__(self, ctx: PolicyContext) -> None:
        super().__init__(ctx)
        # subjects that are often only the setting of a question ("rest time for my ppl split")
        self.setting_subjects = {s.id for s in default_knowledge().vocabulary.subject if s.setting}

    def predict(self, tracker: Tracker, parse: ParseResult) -> str | None:
        intent = parse.intent.name
        if parse.first("subject") is None or tracker.active_loop or parse.cues.asks_for_plan \
                or (intent == PLAN_REQUEST and parse.intent.confidence >= UNSURE) \
                or intent.startswith("/"):
            return None
        # (a report the safety policy found no warning sign in: "im exhausted after work, is it
        # ok to still lift?")
        if intent not in {*self.props.offered_when_unsure, *self.props.states_no_fact,
                          *self.props.harmless_guess, PLAN_REQUEST, SYMPTOM_INTENT} \
                and not (intent == "inform" and parse.cues.question and not tracker.slots.get("plan")):
            return None
        answers = set(self.props.states_no_fact) - set(self.props.harmless_guess) - {FALLBACK_INTENT}
        if intent in answers and not parse.cues.question:
            return None  # "yeah i do cardio": a yes, a no or a goodbye that names it
        named = [e for e in parse.entities if e.entity == "subject"
                 and not (e.value in self.setting_subjects and intent in self.props.offered_when_unsure)]
        if not named:
            return None
        if len({e.entity for e in parse.entities} & PLAN_ENTITIES) >= 2 \
                and all(e.value in self.setting_subjects for e in named):
            return None  # "can i get a 4 day upper/lower? full gym, 60min": a plan request
        if parse.cues.question_to and not any(
                parse.cues.question_from <= e.start < parse.cues.question_to for e in named) \
                and (intent in self.props.offered_when_unsure
                     or all(e.value in self.setting_subjects for e in named)):
            # named in what the person says about themselves, and the question asks about a
            # topic of its own ("been running a PPL for years. what rest ..."); but "im so tired
            # after work, is it fine to still train" asks about the tiredness
            return None
        if parse.intent.confidence >= UNCOVERED_TOPIC_SURE and intent in self.props.offered_when_unsure:
            return None  # "how many sets a week for my ppl": the classifier is sure of the topic
        return "action_uncovered_subject"


# interview answers (of experience, days, equipment, minutes) that make a message a plan request
WHOLE_REQUEST = 3


class PlanRequestPolicy(Policy):
    """A request for a plan worded around a topic ("I'm 67 and want a routine to keep my
    muscles") starts the interview instead of answering the topic; before any plan only (after
    one, plan_change reads changes) and never for a meal plan (scope declines those first)."""

    def predict(self, tracker: Tracker, parse: ParseResult) -> str | None:
        form_slots = ("experience", "days", "equipment", "duration", "injuries")
        if parse.cues.mentions_plan and parse.cues.change and not tracker.active_loop \
                and not tracker.slots.get("plan") and not parse.cues.meal_plan \
                and not parse.cues.plan_for_other \
                and parse.intent.name in (PLAN_REQUEST, "inform", FALLBACK_INTENT) \
                and {e.entity for e in parse.entities} & PLAN_ENTITIES:
            return PROGRAM_FORM  # "change my plan to 4 days" before any plan: one, with 4 days
        if parse.cues.resume and not tracker.active_loop and not tracker.slots.get("plan") \
                and any(tracker.slots.get(s) for s in form_slots) and not parse.cues.tier:
            return PROGRAM_FORM  # "let's keep going" after stopping the interview: where it was
        given = {e.entity for e in parse.entities} & {"experience", "days", "equipment", "duration"}
        if len(given) >= WHOLE_REQUEST and not tracker.active_loop and not tracker.slots.get("plan") \
                and not parse.cues.meal_plan and not parse.cues.plan_for_other and not parse.cues.tier \
                and not parse.cues.question:
            # "beginner, dumbbells at home, 3 days, 30 min, no injuries. help me build muscle":
            # the interview's answers said at once ask for the plan, whatever the words around them
            return PROGRAM_FORM
        if parse.cues.asks_for_plan and parse.intent.name != PLAN_REQUEST and not parse.cues.plan_for_other \
                and not tracker.active_loop and not tracker.slots.get("plan") \
                and not parse.cues.meal_plan and not parse.intent.name.startswith("/"):
            return PROGRAM_FORM
        return None


class SafetyTriagePolicy(Policy):
    """Crisis first, then a red flag by its tier, even mid-form; ordinary soreness gets a calm
    reply; a clearance in words after a red flag is recorded.

    A report the classifier sees without any word of a complaint in it ("should my elbow flare
    out on rows?") is not one: the other policies answer it by its next-best intent.
    """

    def predict(self, tracker: Tracker, parse: ParseResult) -> str | None:
        cues = parse.cues
        if cues.tier == "crisis":
            return "action_crisis_support"
        last = tracker.slots.get("last_answer") or {}
        if last.get("kind") == "safety" and last.get("topic") == "crisis" and not cues.tier \
                and not (cues.question and parse.intent.name in self.props.offered_when_unsure
                         and parse.intent.name != PLAN_REQUEST
                         and parse.intent.confidence >= CLEAR_NEW_QUESTION) \
                and not (int(last.get("repeats") or 0) >= CRISIS_REPEATS and not cues.complaint
                         and (parse.intent.name in self.props.offered_when_unsure
                              or parse.intent.name == "inform")
                         and parse.intent.confidence >= UNSURE):
            # "i mean it", "i don't know who to talk to" right after the crisis reply: stay with
            # the person; only a clear training question moves on (not "just give me the plan",
            # nor "i dont know who to call" read as a topic)
            return "action_crisis_support"
        plan_answers = {e.entity for e in parse.entities} & PLAN_ENTITIES
        if cues.cleared is True and cues.provider and (
                cues.tier or tracker.slots.get("red_flag")
                or (not cues.complaint and len(plan_answers) < 2)):  # (a whole plan request
            # that says "my GP cleared me" goes to the interview, which takes it)
            # "my cardiologist checked my heart and cleared me", "I saw my doctor and I'm cleared
            # now": a clearance to note (in the interview, its clearance question takes the words)
            return None if tracker.active_loop else "action_record_clearance"
        if cues.cleared is True and tracker.slots.get("red_flag") and not tracker.active_loop:
            # "i'm cleared, trust me" after a warning sign: what a clearance needs is said
            return "action_record_clearance"
        if cues.tier == "hold_off" and (parse.intent.name == PLAN_REQUEST or cues.mentions_plan) \
                and _already_stopped_for(tracker, parse.entity_values("symptom")):
            return PROGRAM_FORM  # "a program for after the baby?": the interview names it and
            # asks for clearance first
        if cues.tier:
            return "action_safety_stop"
        remembered = str((tracker.slots.get("red_flag") or {}).get("id") or "")
        if remembered in cues.if_remembered:  # "I had some bleeding" after "I'm pregnant"
            return "action_safety_stop"
        if cues.asks_warning_signs:  # "what signs mean I should stop?": the published list
            return "action_warning_signs"
        answers_form = bool(tracker.active_loop and plan_answers)
        thanks_only = parse.intent.name == "thank" and not cues.question  # "thanks, that destroyed me"
        if cues.soreness and not answers_form and not thanks_only and (
                parse.intent.name in self.props.soreness_report or (
                parse.intent.name == SYMPTOM_INTENT and cues.complaint) or (
                parse.intent.name in self.props.follow_up and cues.question) or (
                # "sore and tired all week since i started going 6 days a week": a report, not
                # the start of a plan interview
                parse.intent.name in self.props.follow_up and not tracker.active_loop
                and not cues.mentions_plan and not cues.asks_for_plan) or (
                parse.intent.name in self.props.states_no_fact and cues.question) or (
                cues.question and parse.intent.confidence < SORENESS_UNSURE)):  # "is being sore the next
            # day a sign it worked?" read as an interview answer, or as a topic the classifier
            # is unsure of
            return "action_soreness"
        if parse.intent.name == SYMPTOM_INTENT and cues.complaint:
            return "action_safety_stop"
        stopped = last.get("kind") == "safety"
        emergency = stopped and (tracker.slots.get("red_flag") or {}).get("tier") == "emergency" \
            and last.get("symptom")
        if emergency and (cues.asks_next or cues.help_arrived or cues.calling_help) \
                and not cues.carry_on:
            return "action_emergency_next"  # "ok someone called, what now?", "paramedics are here"
        # (a bare "30" reads as an interview answer that answers nothing: as unclear)
        unclear = (parse.intent.name == FALLBACK_INTENT or (
            parse.intent.name == "inform" and not parse.entities)) and len(cues.words) <= FOLLOW_UP_WORDS
        if stopped and (cues.carry_on or cues.asks_provider or cues.dismisses or cues.asks_next
                        or (cues.mentions_plan and parse.intent.name != PLAN_REQUEST)
                        or (unclear and tracker.slots.get("red_flag"))):
            # "can I still do squats tomorrow?", "so who should I see about it?", "its gone now,
            # so whats the plan", "what now?", "what program should i follow"
            return "action_safety_stop"
        return None


def _already_stopped_for(tracker: Tracker, flag_ids: list[str]) -> bool:
    """Whether the conversation's remembered red flag covers these (pregnancy flags are one)."""
    remembered = str((tracker.slots.get("red_flag") or {}).get("id") or "")
    family = {remembered, *(("pregnancy", "pregnancy_warning") if "pregnancy" in remembered else ())}
    return bool(remembered) and set(flag_ids) <= family


class ActiveFormPolicy(Policy):
    """While a form is active, answers go to the form; a confident other question interrupts it.

    When this policy declines during a form, the engine asks the pending question again after
    the interrupting answer.
    """

    def predict(self, tracker: Tracker, parse: ParseResult) -> str | None:
        if parse.cues.restart and (tracker.active_loop or tracker.slots.get("plan")):
            return RESTART_FORM  # "start over": the interview again, from its first question
        if not tracker.active_loop:
            return None
        form = str(tracker.active_loop["name"])
        if parse.intent.name == "cancel":
            # "skip" may look like cancel to the classifier: ending the form takes a cancel word
            return CANCEL_FORM if parse.cues.cancel else form
        if parse.cues.why_asked is not None and not parse.cues.tier:
            return "action_explain_question"  # "why do you need to know about injuries?"
        if parse.cues.asks_meaning and tracker.slots.get("requested_slot") \
                and not parse.cues.tier:
            # "what counts as a full gym?": what the pending question means, then the question
            return "action_explain_question"
        if tracker.slots.get("requested_slot") == "clearance" and parse.cues.cleared is not None:
            return form  # "my trainer said I'm fine" answers the clearance question, whatever its topic
        entities = {e.entity for e in parse.entities}
        # ("whats a good protein powder brand" mid-interview: a question of its own, no answer)
        off_topic_question = parse.intent.name == "out_of_scope" and parse.cues.question and (
            parse.intent.confidence >= 0.8 or (
                parse.intent.confidence >= UNSURE and not entities & FORM_ENTITIES
                and len(parse.cues.words) >= 4))
        if parse.intent.name == FALLBACK_INTENT and parse.cues.question \
                and (not parse.cues.yes_no or len(parse.cues.words) >= 5) \
                and not entities & FORM_ENTITIES and len(parse.cues.words) >= 4 \
                and tracker.slots.get("requested_slot") != "clearance":
            return None  # "what exercises are in your info": a question, not an answer
        if parse.cues.question and parse.intent.name in self.props.interrupts_form \
                and parse.intent.confidence >= CLEAR_QUESTION:
            entities -= {"goal"}  # "how long rest for size?" asks; the size is only its setting
        if parse.cues.question and parse.intent.name in self.props.interrupts_form \
                and parse.intent.confidence >= UNSURE and parse.first("condition") == "older_age" \
                and all(e.value == "older_age" for e in parse.entities if e.entity == "condition"):
            entities -= {"condition"}  # "is it even safe at my age?" asks; the age is no answer
        # a statement the classifier only guesses at ("i am begin, first time gym") is an
        # attempt at the answer, not a question that interrupts
        guess = not parse.cues.question and parse.intent.confidence < UNSURE
        if not off_topic_question and (entities & FORM_ENTITIES or guess
                                       or parse.intent.name not in self.props.interrupts_form):
            return form
        return None


class RetrievalPolicy(Policy):
    """A question the classifier placed nowhere useful (a fallback, or a misfire into small talk)
    still gets an answer when one knowledge-base fact holds most of its words."""

    def predict(self, tracker: Tracker, parse: ParseResult) -> str | None:
        intent = parse.intent.name
        # "tell me about soreness" as the first message: no answer yet to go on with
        nothing_to_continue = intent == "ask_more" and not tracker.slots.get("last_answer")
        # "should she check with her doctor first" read as steps, with no exercise named or just
        # shown and no word asking how: the steps of nothing; a clear fact may answer instead
        steps_of_nothing = intent == "ask_exercise_steps" and not parse.first("exercise") \
            and not parse.cues.how_to and not parse.cues.step_number \
            and (tracker.slots.get("last_answer") or {}).get("kind") != "exercise"
        if (intent not in self.props.states_no_fact and not nothing_to_continue
                and not steps_of_nothing) \
                or len(parse.cues.words) < 3:
            return None
        if intent == FALLBACK_INTENT and parse.first("condition") not in (None, "none"):
            return None  # "arthritis in my knees, can i still squat": the condition's answer first
        bar = "source" if parse.cues.asks_source else (
            "fallback" if intent == FALLBACK_INTENT else "override")
        coverage, matched = RETRIEVAL_BARS[bar]
        # when the classifier had nothing, words no fact uses ("explain it like im 5") are left
        # out: two of the article's words, and only those, still find their fact
        if self.ctx.retrieval(said(parse), coverage, matched,
                              known_only=bar == "fallback") is None:
            # "which organization recommends training twice a week?": the source action finds
            # the fact without the words that ask for a source
            return "action_cite_source" if bar == "source" and intent == FALLBACK_INTENT else None
        return "action_answer_retrieved"


class PlanChangePolicy(Policy):
    """After a plan, "wait, can I do this with dumbbells only?" or "make it 4 days" rebuilds it,
    whatever the classifier made of the wording."""

    def predict(self, tracker: Tracker, parse: ParseResult) -> str | None:
        plan = tracker.slots.get("plan") or {}
        if not plan or tracker.active_loop or parse.first("symptom"):
            return None
        changed = [e for e in parse.entities if e.entity in PLAN_ENTITIES
                   and str(plan.get(e.entity, "")) != e.value]
        if changed and (parse.intent.name == "inform" or parse.cues.change or parse.cues.correction):
            return "action_build_program"  # ("sorry i meant 60 min not 30")
        cues = parse.cues
        if cues.remove or cues.swap or cues.restore or cues.spare:  # "no squats", "spare my knees"
            return "action_build_program"
        return None


class ReferencePolicy(Policy):
    """Messages about the last answer: "the first one", "and the other one?" after an answer that
    listed named things, and "I didn't say strength, I meant size", which answers it again."""

    def predict(self, tracker: Tracker, parse: ParseResult) -> str | None:
        if tracker.active_loop:
            return None
        record = tracker.slots.get("last_answer") or {}
        named = {e.entity for e in parse.entities} & CONTEXT_ENTITIES
        if parse.cues.about_article and not parse.first("symptom") \
                and not STUDY_WORDS & set(parse.cues.words):
            return "action_cite_source"  # "when was it last updated?", "is she a doctor?"
        if parse.cues.asks_author and (named_reference(said(parse)) is not None
                                       or record.get("kind") in ("source", None)):
            # "who wrote the umbrella review?", "the reviewer's job?"; "what's her background?"
            # right after a reference: the same one; "who wrote it?" before any answer: the article
            return "action_cite_source"
        if STUDY_WORDS & set(parse.cues.words) and not parse.first("condition") \
                and parse.intent.name in (FALLBACK_INTENT, "inform", "ask_sources", "help", "out_of_scope") \
                and named_reference(said(parse)) is not None:
            return "action_cite_source"  # "what's the schoenfeld study about?": that reference
        if parse.cues.asks_again and record.get("kind") == "topic":
            return "action_answer_topic"  # "wait what?", "huh?": the last answer again, in short
        if parse.cues.asks_examples and record.get("kind") == "topic" and not named:
            return "action_answer_retrieved"  # "examples?", "like what?": the fact that lists them
        if parse.cues.asks_bound and record.get("kind") == "topic" and not named \
                and number_fact(record) is not None:
            return "action_answer_retrieved"  # "is that a minimum or a max?": that number again
        if parse.cues.asks_again and record.get("kind") == "exercise" and tracker.slots.get("exercise"):
            return "action_exercise_steps"  # "say that shorter" after the steps: the steps alone
        if parse.cues.item_ref == "which" and named and record.get("kind") == "topic":
            return "action_answer_topic"  # "which one is better for size?": the last topic, for size
        if parse.cues.item_ref in ("first", "other", "last") and record.get("exercises"):
            return "action_exercise_steps"  # "how do i do the first one?" after the exercises
        if parse.cues.item_ref not in (None, "named") and record.get("items"):
            return "action_answer_item"
        if parse.cues.item_ref == "which" and record.get("kind") == "topic" and not named \
                and len(parse.cues.words) <= FOLLOW_UP_WORDS:
            return "action_answer_item"  # "which is the most important?" of a list not ranked
        # "what improved?" or "who is it most useful for?" right after a topic answer: the fact of
        # that topic that holds the question's words (the context fills what the message leaves
        # out; a message naming its own goal, exercise or condition is not about the last answer)
        if record.get("kind") == "topic" and not parse.cues.how_to \
                and (not named or (parse.cues.item_ref == "named" and "exercise" not in named)) \
                and (parse.cues.question or parse.cues.continues or parse.cues.item_ref == "named") \
                and (parse.intent.name in self.props.topic_follow_up
                     # a guess at a topic is no clearer than the context ("spread out or all in
                     # one go?" after the weekly sets, read as the summary at 0.23)
                     # (not "and reps?" or "and the sets?": a fragment naming another topic)
                     or (parse.intent.confidence < UNSURE and not parse.cues.continues
                         and parse.intent.name not in self.props.exercise_dose)
                     or (parse.cues.item_ref == "named" and not parse.cues.asks_source
                         and parse.intent.name not in ("ask_more", "ask_sources")
                         # ("and the sets?" after the reps answer names another topic)
                         and not (parse.cues.continues and record.get("intent")
                                  and parse.intent.name in self.props.offered_when_unsure
                                  and parse.intent.name != record.get("intent")))
                     # "who is that most useful for?" asks who, not who says so; a "why" read
                     # into a message with no why in it ("how much protein tho")
                     or (parse.intent.name == "ask_sources" and not parse.cues.asks_source)
                     or (parse.intent.name == "ask_why" and not parse.cues.why)) \
                and follow_up_match(said(parse), record, parse.cues.item_ref == "named") is not None:
            return "action_answer_retrieved"
        if parse.cues.asks_provider and record.get("kind") == "topic" and not tracker.active_loop \
                and provider_fact(record) is not None:
            return "action_answer_retrieved"  # "who do i ask about how much to add?"
        # "the second step again?", "what was step 3" right after the steps: that step
        if parse.cues.step_number is not None and record.get("kind") == "exercise" \
                and tracker.slots.get("exercise") \
                and parse.first("exercise") in (None, tracker.slots["exercise"]):
            return "action_exercise_steps"
        # "my heels keep coming up, what do i do?" or "what about the other side?" right after the
        # steps: a word of one of them, whatever topic the classifier read
        # ("which leg is bent?" names a body part, "i dont have a bench" a piece of gear, "how low
        # does the weight go?" reads as a dose with no word of one: all of them words of a step)
        if record.get("kind") == "exercise" and tracker.slots.get("exercise") and not parse.first("subject") \
                and (parse.cues.question or parse.cues.continues
                     or len(parse.cues.words) <= FOLLOW_UP_WORDS + 2) and not parse.cues.how_to \
                and (parse.intent.name not in self.props.exercise_dose
                     or not DOSE_WORDS & set(parse.cues.words)) \
                and not (named - {"exercise", "muscle", "equipment"}) \
                and not (parse.cues.item_ref and record.get("exercises")) \
                and parse.first("exercise") in (None, tracker.slots["exercise"]) \
                and step_follow_up(said(parse), str(tracker.slots["exercise"])) is not None:
            return "action_exercise_steps"
        # "no i meant the squat, not the row": the exercise meant
        if parse.cues.correction and parse.first("exercise"):
            return "action_exercise_steps"
        if parse.cues.item_ref not in (None, "named") and len(parse.cues.words) <= FOLLOW_UP_WORDS \
                and not parse.first("subject") and (  # ("bcaas or eaas, which one?" names its own)
                parse.intent.name in self.props.states_no_fact or not record):
            return "action_fallback"  # "the other one?" with no list before it: did you mean
        if parse.cues.correction and named and record.get("kind") == "topic":
            return "action_answer_topic"
        if parse.cues.continues and named == {"goal"} and record.get("kind") == "topic" \
                and parse.intent.confidence < UNSURE:
            return "action_answer_topic"  # "and for plain hypertrophy?": the last topic, for size
        # "can you explain step by step the squat with dumbbell": the steps, whatever topic the
        # classifier read into the words around the exercise
        if parse.cues.how_to and parse.first("exercise") \
                and (parse.intent.name in ("ask_exercise_selection", "ask_definition", "inform",
                                           FALLBACK_INTENT)
                     # "my mom wants to learn the dumbbell squat, can u write the steps": no plan
                     or (parse.intent.name == PLAN_REQUEST and not parse.cues.mentions_plan)
                     # "my daughter (16) wants to learn the row, can you give the steps": the
                     # steps asked for in so many words, whoever they are for
                     or (parse.intent.name == "ask_risks" and bool(STEP_WORDS & set(parse.cues.words)))) \
                and parse.first("condition") in (None, "none", "older_age") and not tracker.active_loop:
            return "action_exercise_steps"
        # "front leg in the row, straight or bent?": a detail one of the exercise's own steps
        # answers, whatever topic the classifier read into the exercise's name
        if parse.first("exercise") and parse.intent.name not in self.props.exercise_dose \
                and parse.intent.name != "ask_exercise_steps" and not parse.cues.how_to \
                and parse.first("condition") in (None, "none"):  # (not "arthritis, can i squat?")
            hit = self.ctx.retrieval(said(parse), *STEP_DETAIL_BAR)
            if hit is not None and hit.topic.startswith("exercise:"):
                return "action_exercise_steps"
        # "where should my weight be?" right after an exercise's steps: a detail of that exercise
        # ("eyes where?" read as a topic the classifier is unsure of; "and my feet", short and
        # naming a word of a step, but not "ok" or "cool")
        if record.get("kind") == "exercise" and tracker.slots.get("exercise") and not parse.first("subject") \
                and not parse.cues.how_to \
                and (parse.intent.name in self.props.exercise_follow_up
                     or parse.intent.confidence < EXERCISE_FOLLOW_UP_UNSURE
                     # "eyes where?": a source reading with no word that asks for a source
                     or (parse.intent.name == "ask_sources" and not parse.cues.asks_source
                         and not parse.cues.asks_author)):
            # (an out-of-scope reading needs a word of a step: "whats the weather like" is not
            # about the squat, "can i do it on the floor" is)
            if parse.cues.question and not (parse.intent.name == "out_of_scope"
                                            and parse.intent.confidence >= EXERCISE_FOLLOW_UP_UNSURE):
                return "action_exercise_steps"
            if len(parse.cues.words) <= FOLLOW_UP_WORDS or parse.intent.name in ("ask_more", "out_of_scope"):
                # ("tell me more about the foot position": a step, if one holds its words)
                hit = self.ctx.retrieval(said(parse), *STEP_WORD_BAR)
                if hit is not None and hit.topic.startswith("exercise:"):
                    return "action_exercise_steps"
        return None


class RulePolicy(Policy):
    """intent -> action, from bot/data/rules.yml."""

    def __init__(self, ctx: PolicyContext) -> None:
        super().__init__(ctx)
        self.table = {intent: rule.action for rule in ctx.rules for intent in rule.intents}

    def predict(self, tracker: Tracker, parse: ParseResult) -> str | None:
        intent = parse.intent.name
        if intent == SYMPTOM_INTENT:  # the safety policy has judged it not a report
            intent = parse.intent_ranking[1].name if len(parse.intent_ranking) > 1 else ""
        if intent == "cancel" and parse.cues.question and not parse.cues.cancel:
            return None  # "box jumps off the bench ok?" asks something; it stops nothing
        if intent == "cancel" and parse.cues.yes_no and not tracker.active_loop:
            return None  # "everything hurts. should i quit??" asks about training, not the chat
        return self.table.get(intent)


class FollowUpPolicy(Policy):
    """Short messages that lean on context: 'and for strength?', 'what about the squat?',
    'make it 4 days' after a plan, or program details given before any plan was asked for."""

    def predict(self, tracker: Tracker, parse: ParseResult) -> str | None:
        if parse.intent.name not in ("inform", FALLBACK_INTENT):
            return None
        # "no injuries" is an interview answer, not a condition to talk about
        entities = {e.entity for e in parse.entities if (e.entity, e.value) != ("condition", "none")}
        last_topic = tracker.slots.get("last_topic")
        if last_topic and entities & CONTEXT_ENTITIES:
            if last_topic == "exercise_steps" and "exercise" in entities:
                return "action_exercise_steps"
            return "action_answer_topic"
        if last_topic and last_topic != "exercise_steps" and parse.cues.continues:
            return "action_answer_topic"  # "and per exercise?": the same topic again
        if parse.first("exercise") and parse.cues.how_to and not parse.cues.asks_for_plan:
            return "action_exercise_steps"  # "dumbbell row how-to, im 52 and a total beginner"
        # program details given before any plan was asked for ("beginner, 3 days, dumbbells"); after
        # a safety stop too: the interview then names the red flag and asks for clearance first
        details = entities & (PLAN_ENTITIES - {"goal"})
        # ("is 6 days too much?" is a question, not a detail; "gym 3x a week, what should I do?" is)
        # ("gym 2x a week, is that ok for gains?" asks yes or no: no plan request)
        if (len(details) >= 2 and not parse.cues.yes_no) or (
                parse.intent.name == "inform" and details and not parse.cues.question):
            return PROGRAM_FORM
        return None


HARMLESS_GUESS_MIN = 0.2  # below this even a harmless guess is noise (keyboard mashing)


class FallbackPolicy(Policy):
    """Nothing confident: a named exercise or condition still gets its answer; a best guess that
    states no fact (out of scope, a greeting) is used; anything else gets 'did you mean'."""

    def __init__(self, ctx: PolicyContext) -> None:
        super().__init__(ctx)
        self.table = {intent: rule.action for rule in ctx.rules for intent in rule.intents}

    def predict(self, tracker: Tracker, parse: ParseResult) -> str | None:
        if parse.first("condition") not in (None, "none"):  # "arthritis in my knees, can i
            return "action_answer_topic"  # still squat?": the condition before the exercise
        if parse.first("exercise"):
            return "action_exercise_steps"
        if parse.first("condition"):
            return "action_answer_topic"
        if tracker.slots.get("last_topic") and parse.cues.why:
            return "action_explain_why"  # "why this rest?" after an answer or a plan
        top = parse.intent_ranking[0] if parse.intent_ranking else None
        if top and top.name in self.props.harmless_guess and top.confidence >= HARMLESS_GUESS_MIN \
                and top.name in self.table:
            return self.table[top.name]
        return "action_fallback"
