"""Each dialogue policy on its own: a hand-made ParseResult (no classifier), a fresh Tracker, the
real domain and rules, and a stub in place of the knowledge base's retrieval."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.domain import load_domain, load_rules
from bot.core.schemas import Cues, Entity, IntentScore, ParseResult
from bot.core.tracker import Tracker
from bot.dialogue.policies import (
    CANCEL_FORM,
    PROGRAM_FORM,
    RESTART_FORM,
    ActiveFormPolicy,
    FallbackPolicy,
    FollowUpPolicy,
    PlanChangePolicy,
    PlanRequestPolicy,
    PolicyContext,
    ReferencePolicy,
    RetrievalPolicy,
    RulePolicy,
    SafetyTriagePolicy,
    ScopePolicy,
    UncoveredPolicy,
)
from bot.dialogue.registry import POLICIES
from bot.nlu.fallback import FALLBACK_INTENT

DOMAIN = load_domain()
RULES = load_rules(DOMAIN)


class Retrieval:
    """Stands in for knowledge.retrieval.clear_match: records the bars it was asked with."""

    def __init__(self, hit: Any = None) -> None:
        self.hit = hit
        self.calls: list[tuple[str, float, int]] = []
        self.known_only: list[bool] = []

    def __call__(self, question: str, coverage: float, matched: int, known_only: bool = False) -> Any:
        self.calls.append((question, coverage, matched))
        self.known_only.append(known_only)
        return self.hit


def ctx(retrieval: Retrieval | None = None) -> PolicyContext:
    return PolicyContext(domain=DOMAIN, rules=RULES, retrieval=retrieval or Retrieval())


def parse(intent: str, confidence: float = 0.9, text: str = "a message",
          entities: dict[str, str] | None = None, ranking: list[tuple[str, float]] | None = None,
          **cues: Any) -> ParseResult:
    """A ParseResult as the NLU would give it, built by hand."""
    ents = [Entity(entity=k, value=v, start=0, end=1, extractor="test")
            for k, v in (entities or {}).items()]
    rank = [IntentScore(name=n, confidence=c) for n, c in (ranking or [(intent, confidence)])]
    return ParseResult(text=text, intent=IntentScore(name=intent, confidence=confidence),
                       entities=ents, intent_ranking=rank, cues=Cues(**cues))


def tracker(form: str | None = None, **slots: Any) -> Tracker:
    t = Tracker.new("policy-test", list(DOMAIN.slots))
    t.slots.update(slots)
    if form:
        t.active_loop = {"name": form}
    return t


def test_every_registered_policy_has_unit_tests_here() -> None:
    tested = {ScopePolicy, SafetyTriagePolicy, ActiveFormPolicy, PlanRequestPolicy, RetrievalPolicy,
              PlanChangePolicy, ReferencePolicy, RulePolicy, FollowUpPolicy, FallbackPolicy,
              UncoveredPolicy}
    assert set(POLICIES.values()) == tested


# ---- uncovered subjects ---------------------------------------------------------------------------
def test_an_uncovered_subject_in_the_question_is_said_to_be_uncovered() -> None:
    policy = UncoveredPolicy(ctx())
    warm_up = {"subject": "warm_up"}
    assert policy.predict(tracker(), parse("ask_risks", 0.6, entities=warm_up)) \
        == "action_uncovered_subject"
    assert policy.predict(tracker(), parse("greet", 0.9, entities=warm_up)) \
        == "action_uncovered_subject"  # "whats a good warm up" misread as a greeting
    assert policy.predict(tracker(), parse("ask_risks", 0.6)) is None  # no subject named


def test_an_uncovered_subject_yields_to_a_sure_topic_a_plan_and_the_interview() -> None:
    policy = UncoveredPolicy(ctx())
    cardio = {"subject": "cardio"}
    assert policy.predict(tracker(), parse("ask_rest", 0.99, entities=cardio)) is None
    assert policy.predict(tracker(), parse("request_program", 0.9, entities=cardio)) is None
    assert policy.predict(tracker(), parse("ask_risks", 0.6, entities=cardio,
                                           asks_for_plan=True)) is None
    assert policy.predict(tracker("program_form"), parse("ask_risks", 0.6, entities=cardio)) is None
    assert policy.predict(tracker(), parse("affirm", 0.9, entities=cardio)) is None


def test_an_uncovered_subject_outside_the_question_is_context() -> None:
    policy = UncoveredPolicy(ctx())
    # "been doing cardio for years. how long should i rest?": the entity sits before the question
    assert policy.predict(tracker(), parse("ask_rest", 0.8, entities={"subject": "cardio"},
                                           question_from=10, question_to=40)) is None
    # a split is often only the setting ("rest time for my ppl split"): a topic answers
    assert policy.predict(tracker(), parse("ask_rest", 0.8, entities={"subject": "splits"})) is None
    assert policy.predict(tracker(), parse(FALLBACK_INTENT, 0.3, entities={"subject": "splits"})) \
        == "action_uncovered_subject"


# ---- plan request -----------------------------------------------------------------------------------
def test_a_plan_asked_for_around_a_topic_starts_the_interview_before_any_plan() -> None:
    policy = PlanRequestPolicy(ctx())
    assert policy.predict(tracker(), parse("ask_aging", asks_for_plan=True)) == PROGRAM_FORM
    assert policy.predict(tracker(), parse("ask_aging")) is None  # a question about age
    assert policy.predict(tracker(), parse("request_program", asks_for_plan=True)) is None  # rules
    assert policy.predict(tracker(), parse("ask_aging", asks_for_plan=True, meal_plan=True)) is None
    assert policy.predict(tracker(plan={"days": []}), parse("ask_aging", asks_for_plan=True)) is None


# ---- scope ------------------------------------------------------------------------------------------
def test_scope_declines_a_meal_plan_and_nothing_else() -> None:
    policy = ScopePolicy(ctx())
    assert policy.predict(tracker(), parse("request_program", meal_plan=True)) == "action_meal_plan"
    assert policy.predict(tracker(), parse("request_program")) is None


# ---- safety triage ----------------------------------------------------------------------------------
@pytest.mark.parametrize("tier,action", [("crisis", "action_crisis_support"),
                                         ("emergency", "action_safety_stop"),
                                         ("urgent", "action_safety_stop"),
                                         ("hold_off", "action_safety_stop")])
def test_safety_a_red_flag_tier_stops_whatever_the_intent(tier: str, action: str) -> None:
    policy = SafetyTriagePolicy(ctx())
    assert policy.predict(tracker(form=PROGRAM_FORM), parse("inform", tier=tier)) == action


def test_safety_a_worded_clearance_after_a_red_flag_is_recorded_outside_the_interview() -> None:
    policy = SafetyTriagePolicy(ctx())
    cleared = parse("inform", cleared=True, provider="cardiologist")
    flag = {"id": "chest_pain", "tier": "emergency"}
    assert policy.predict(tracker(red_flag=flag), cleared) == "action_record_clearance"
    assert policy.predict(tracker(form=PROGRAM_FORM, red_flag=flag), cleared) is None  # the form asks
    # with no warning sign on record the clearance is still noted (and welcomed)
    assert policy.predict(tracker(), cleared) == "action_record_clearance"
    # ... but not when the message also complains of something (the symptom is judged first)
    assert policy.predict(tracker(), parse("inform", cleared=True, provider="doctor",
                                           complaint=True)) is None


def test_safety_a_plan_for_the_same_hold_off_flag_goes_to_the_interview() -> None:
    policy = SafetyTriagePolicy(ctx())
    ask = parse("request_program", entities={"symptom": "pregnancy"}, tier="hold_off")
    assert policy.predict(tracker(red_flag={"id": "pregnancy", "tier": "hold_off"}), ask) == PROGRAM_FORM
    assert policy.predict(tracker(), ask) == "action_safety_stop"  # a new flag: stop first


def test_safety_soreness_complaints_and_carrying_on_after_a_stop() -> None:
    policy = SafetyTriagePolicy(ctx())
    assert policy.predict(tracker(), parse("ask_risks", soreness=True)) == "action_soreness"
    assert policy.predict(tracker(), parse("ask_rest", soreness=True)) is None  # not a report
    assert policy.predict(tracker(), parse("report_symptom", complaint=True)) == "action_safety_stop"
    assert policy.predict(tracker(), parse("report_symptom")) is None  # no word of a complaint
    stopped = tracker(last_answer={"kind": "safety"})
    assert policy.predict(stopped, parse("ask_volume", carry_on=True)) == "action_safety_stop"
    assert policy.predict(tracker(), parse("ask_volume", carry_on=True)) is None


# ---- active form ------------------------------------------------------------------------------------
def test_active_form_declines_without_a_form_but_restarts_after_a_plan() -> None:
    policy = ActiveFormPolicy(ctx())
    assert policy.predict(tracker(), parse("inform")) is None
    assert policy.predict(tracker(plan={"days": 3}), parse("inform", restart=True)) == RESTART_FORM
    assert policy.predict(tracker(form=PROGRAM_FORM), parse("inform", restart=True)) == RESTART_FORM


def test_active_form_cancel_takes_a_cancel_word() -> None:
    policy = ActiveFormPolicy(ctx())
    in_form = tracker(form=PROGRAM_FORM, requested_slot="days")
    assert policy.predict(in_form, parse("cancel", cancel=True)) == CANCEL_FORM
    assert policy.predict(in_form, parse("cancel")) == PROGRAM_FORM  # "skip": an answer


def test_active_form_answers_go_to_the_form_and_questions_interrupt_it() -> None:
    policy = ActiveFormPolicy(ctx())
    in_form = tracker(form=PROGRAM_FORM, requested_slot="days")
    assert policy.predict(in_form, parse("inform")) == PROGRAM_FORM
    assert policy.predict(in_form, parse("ask_rest")) is None  # answered, then asked again
    assert policy.predict(in_form, parse("ask_rest", entities={"days": "4"})) == PROGRAM_FORM
    off_topic = parse("out_of_scope", confidence=0.85, question=True)
    assert policy.predict(in_form, off_topic) is None
    assert policy.predict(in_form, parse("out_of_scope", confidence=0.5, question=True)) == PROGRAM_FORM


def test_active_form_a_clearance_answer_goes_to_the_form_whatever_its_intent() -> None:
    policy = ActiveFormPolicy(ctx())
    asking = tracker(form=PROGRAM_FORM, requested_slot="clearance")
    assert policy.predict(asking, parse("ask_risks", cleared=False)) == PROGRAM_FORM
    assert policy.predict(asking, parse("ask_risks")) is None


# ---- retrieval --------------------------------------------------------------------------------------
WORDS = ["how", "long", "between", "sets"]


def test_retrieval_answers_a_fallback_when_one_fact_matches() -> None:
    hit = Retrieval(hit=object())
    policy = RetrievalPolicy(ctx(hit))
    ask = parse("nlu_fallback", confidence=0.3, text="how long between sets", words=WORDS)
    assert policy.predict(tracker(), ask) == "action_answer_retrieved"
    assert hit.calls == [("how long between sets", 0.6, 2)]  # the fallback bar


def test_retrieval_bars_and_when_it_stays_out() -> None:
    miss = Retrieval()
    policy = RetrievalPolicy(ctx(miss))
    assert policy.predict(tracker(), parse("nlu_fallback", words=WORDS)) is None  # no clear match
    policy.predict(tracker(), parse("greet", words=WORDS))
    policy.predict(tracker(), parse("nlu_fallback", words=WORDS, asks_source=True))
    assert [c[1:] for c in miss.calls] == [(0.6, 2), (0.75, 2), (0.5, 2)]  # fallback, override, source
    # only when the classifier had nothing are words no fact uses left out of the weight
    assert miss.known_only == [True, False, False]
    miss.calls.clear()
    assert policy.predict(tracker(), parse("ask_rest", words=WORDS)) is None  # a real topic intent
    assert policy.predict(tracker(), parse("nlu_fallback", words=["rest", "sets"])) is None  # too short
    assert miss.calls == []


# ---- plan change ------------------------------------------------------------------------------------
PLAN = {"days": "3", "equipment": "dumbbells", "experience": "beginner", "goal": "size"}


def test_plan_change_rebuilds_on_a_changed_answer() -> None:
    policy = PlanChangePolicy(ctx())
    assert policy.predict(tracker(plan=PLAN), parse("inform", entities={"days": "4"})) \
        == "action_build_program"
    assert policy.predict(tracker(plan=PLAN), parse("ask_volume", entities={"days": "4"},
                                                    change=True)) == "action_build_program"


@pytest.mark.parametrize("t,p", [
    (tracker(plan=PLAN), parse("inform", entities={"days": "3"})),  # the same answer
    (tracker(), parse("inform", entities={"days": "4"})),  # no plan yet
    (tracker(form=PROGRAM_FORM, plan=PLAN), parse("inform", entities={"days": "4"})),
    (tracker(plan=PLAN), parse("inform", entities={"days": "4", "symptom": "chest_pain"})),
    (tracker(plan=PLAN), parse("ask_volume", entities={"days": "4"})),  # a question, no change cue
], ids=["same", "no-plan", "in-form", "symptom", "question"])
def test_plan_change_stays_out(t: Tracker, p: ParseResult) -> None:
    assert PlanChangePolicy(ctx()).predict(t, p) is None


# ---- reference --------------------------------------------------------------------------------------
def test_reference_items_corrections_and_exercise_details() -> None:
    policy = ReferencePolicy(ctx())
    listed = tracker(last_answer={"kind": "topic", "items": ["squat", "row"]})
    assert policy.predict(listed, parse("inform", item_ref="first")) == "action_answer_item"
    assert policy.predict(tracker(last_answer={"kind": "topic"}), parse("inform", item_ref="first")) is None
    topic = tracker(last_answer={"kind": "topic"})
    assert policy.predict(topic, parse("inform", entities={"goal": "size"}, correction=True)) \
        == "action_answer_topic"
    after_steps = tracker(last_answer={"kind": "exercise"}, exercise="dumbbell_row")
    assert policy.predict(after_steps, parse("nlu_fallback", question=True)) == "action_exercise_steps"
    assert policy.predict(after_steps, parse("nlu_fallback", question=True, how_to=True)) is None
    assert policy.predict(after_steps, parse("ask_rest", question=True)) is None
    in_form = tracker(form=PROGRAM_FORM, last_answer={"kind": "topic", "items": ["a"]})
    assert policy.predict(in_form, parse("inform", item_ref="first")) is None


# ---- rules ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("intent,action", [
    ("ask_rest", "action_answer_topic"), ("ask_exercise_steps", "action_exercise_steps"),
    ("request_program", PROGRAM_FORM), ("greet", "action_smalltalk"),
    ("out_of_scope_medical", "action_out_of_scope"), ("ask_sources", "action_cite_source"),
    ("inform", None), ("nlu_fallback", None)])
def test_rules_map_intents_to_actions(intent: str, action: str | None) -> None:
    assert RulePolicy(ctx()).predict(tracker(), parse(intent)) == action


def test_rules_a_symptom_intent_the_triage_let_through_uses_the_next_best_intent() -> None:
    ask = parse("report_symptom", ranking=[("report_symptom", 0.5), ("ask_exercise_steps", 0.3)])
    assert RulePolicy(ctx()).predict(tracker(), ask) == "action_exercise_steps"


# ---- follow-up --------------------------------------------------------------------------------------
def test_follow_up_context_and_program_details() -> None:
    policy = FollowUpPolicy(ctx())
    rest = tracker(last_topic="rest_periods")
    assert policy.predict(rest, parse("inform", entities={"goal": "strength"})) == "action_answer_topic"
    assert policy.predict(rest, parse("nlu_fallback", continues=True)) == "action_answer_topic"
    steps = tracker(last_topic="exercise_steps")
    assert policy.predict(steps, parse("inform", entities={"exercise": "squat"})) == "action_exercise_steps"
    assert policy.predict(tracker(), parse("inform", entities={"days": "3", "equipment": "dumbbells"})) \
        == PROGRAM_FORM
    assert policy.predict(tracker(), parse("inform", entities={"days": "6"}, question=True)) is None
    assert policy.predict(tracker(), parse("inform", entities={"condition": "none"})) is None
    assert policy.predict(rest, parse("ask_rest", entities={"goal": "strength"})) is None


# ---- fallback ---------------------------------------------------------------------------------------
def test_fallback_named_things_why_harmless_guesses_and_did_you_mean() -> None:
    policy = FallbackPolicy(ctx())
    assert policy.predict(tracker(), parse("nlu_fallback", entities={"exercise": "squat"})) \
        == "action_exercise_steps"
    assert policy.predict(tracker(), parse("nlu_fallback", entities={"condition": "older_age"})) \
        == "action_answer_topic"
    assert policy.predict(tracker(last_topic="rest_periods"), parse("nlu_fallback", why=True)) \
        == "action_explain_why"
    harmless = parse("nlu_fallback", confidence=0.3, ranking=[("out_of_scope", 0.25), ("greet", 0.2)])
    assert policy.predict(tracker(), harmless) == "action_out_of_scope"
    noise = parse("nlu_fallback", confidence=0.3, ranking=[("out_of_scope", 0.15), ("greet", 0.1)])
    assert policy.predict(tracker(), noise) == "action_fallback"
    unsure = parse("nlu_fallback", confidence=0.3, ranking=[("ask_rest", 0.28), ("ask_reps", 0.25)])
    assert policy.predict(tracker(), unsure) == "action_fallback"
    bye = parse("nlu_fallback", confidence=0.3, ranking=[("goodbye", 0.29)])
    assert policy.predict(tracker(), bye) == "action_fallback"  # a guessed goodbye is not harmless
