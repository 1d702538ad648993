"""NLU: held-out quality, typo and slang handling, entity normalisation, robustness to bad input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.config import ROOT
from bot.dialogue.engine import Engine
from bot.nlu.data import load_nlu, parse_example
from bot.nlu.evaluate import evaluate
from bot.nlu.fallback import FALLBACK_INTENT
from bot.nlu.model import NLU_FILES


@pytest.fixture(scope="module")
def report(engine: Engine):
    result, _ = evaluate(engine.interpreter, load_nlu(ROOT / "tests" / "data" / "nlu_test.yml"))
    return result


def test_held_out_intent_accuracy(report) -> None:
    assert report.intent_accuracy >= 0.95, report.confusions


def test_held_out_macro_f1(report) -> None:
    assert report.intent_macro_f1 >= 0.93


def test_held_out_entity_f1(report) -> None:
    assert report.entity.f1 >= 0.95, report.entities


def test_test_file_is_separate_from_training_data() -> None:
    train = {e.text.lower() for e in load_nlu(*NLU_FILES).examples}
    test = load_nlu(ROOT / "tests" / "data" / "nlu_test.yml")
    assert not [e.text for e in test.examples if e.text.lower() in train]
    counts = {}
    for e in test.examples:
        counts[e.intent] = counts.get(e.intent, 0) + 1
    assert min(counts.values()) >= 10


def test_training_data_has_25_examples_per_intent_and_no_shared_examples() -> None:
    data = load_nlu(ROOT / "bot" / "data" / "nlu.yml")
    by_text: dict[str, set[str]] = {}
    for e in load_nlu(*NLU_FILES).examples:
        by_text.setdefault(e.text.lower(), set()).add(e.intent)
    assert not {t: i for t, i in by_text.items() if len(i) > 1}
    counts = {i: sum(e.intent == i for e in data.examples) for i in data.intents}
    assert min(counts.values()) >= 25, counts


@pytest.mark.parametrize("text,intent", [
    ("how long shoud i rest between sets", "ask_rest"),
    ("whats hypertrophey", "ask_definition"),
    ("how do i do a deadlfit", "ask_exercise_steps"),
    ("best way to get swole", "ask_training_approach"),
    ("gains", None),
    ("make me a workout plan", "request_program"),
    ("sarcoplasmic vs myofibrillar", "ask_types"),
])
def test_users_typing(engine: Engine, text: str, intent: str | None) -> None:
    parse = engine.parse(text)
    if intent:
        assert parse.intent.name == intent, parse.intent_ranking[:3]
    else:  # no particular intent: a real one or the fallback, never something made up
        assert parse.intent.name in [*engine.domain.intents, FALLBACK_INTENT]


@pytest.mark.parametrize("text,entity,value", [
    ("how do i do dumbell rows", "exercise", "dumbbell_row"),
    ("skull crushers form", "exercise", "dumbbell_skull_crusher"),
    ("goblet squat technique", "exercise", "dumbbell_squat"),
    ("how do i deadlfit", "exercise", "deadlift"),
    ("i want to get bigger", "goal", "size"),
    ("rest time for strength", "goal", "strength"),
    ("i'm a complete beginner", "experience", "beginner"),
    ("been lifting for 6 years", "experience", "advanced"),
    ("i only have dumbbells", "equipment", "dumbbells"),
    ("3 days a week", "days", "3"),
    ("twice a week", "days", "2"),
    ("four sessions weekly", "days", "4"),
    ("45 minutes per session", "duration", "45"),
    ("about an hour", "duration", "60"),
    ("my mom has type 2 diabetes", "condition", "type_2_diabetes"),
    ("i'm 68 years old", "condition", "older_age"),
    ("sharp pain in my knee when i squat", "symptom", "joint_pain"),
    ("crushing pressure in my chest", "symptom", "chest_pain"),
    ("i feel lightheaded", "symptom", "dizziness"),
    ("i'm pregnant", "symptom", "pregnancy"),
])
def test_entities_are_normalised(engine: Engine, text: str, entity: str, value: str) -> None:
    parse = engine.parse(text)
    assert (entity, value) in [(e.entity, e.value) for e in parse.entities], parse.entities


@pytest.mark.parametrize("text,words", [
    ("ok byeeee coach", ["ok", "bye", "coach"]),
    ("heyy", ["hey"]),
    ("nahhh", ["nah"]),
    ("goood morning", ["good", "morning"]),
    ("thxxx", ["thanks"]),
    ("squatttt", ["squat"]),
    ("all good", ["all", "good"]),  # a real double letter stays
    ("hiit", ["hiit"]),  # and a double letter inside a word
])
def test_drawn_out_letters_are_shortened_to_a_known_word(engine: Engine, text: str,
                                                         words: list[str]) -> None:
    doc = engine.interpreter.nlp.get_pipe("coach_normalizer")(engine.interpreter.nlp.make_doc(text))
    assert [t.text for t in doc] == words


@pytest.mark.parametrize("text,about,intent", [
    ("tell me about rest", "rest", "ask_rest"),
    ("can u tell me about volume pls", "volume", "ask_volume"),
    ("what does the article say about protein?", "protein", "ask_nutrition"),
    ("tell me more about rest", None, "ask_more"),  # goes on with the last answer
])
def test_tell_me_about_x_is_read_on_x(engine: Engine, text: str, about: str | None,
                                      intent: str) -> None:
    parse = engine.parse(text)
    assert parse.cues.about == about
    assert parse.intent.name == intent, parse.intent_ranking[:3]


def test_entity_offsets_point_into_the_users_text(engine: Engine) -> None:
    text = "How do I do   DUMBELL rows?"
    ent = next(e for e in engine.parse(text).entities if e.entity == "exercise")
    assert text[ent.start:ent.end].lower() == "dumbell rows"


@pytest.mark.parametrize("text", ["how is heart disease linked to muscle", "is lifting safe",
                                  "sore muscles after leg day", "no chest pain, just curious"])
def test_no_red_flag_false_alarms(engine: Engine, text: str) -> None:
    assert not engine.parse(text).first("symptom")


def test_button_payloads_parse_as_intent_and_entities(engine: Engine) -> None:
    parse = engine.parse('/inform{"days": "4"}')
    assert parse.intent.name == "inform" and parse.intent.confidence == 1.0
    assert parse.first("days") == "4"


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "😀😀😀", "¿Dónde está la biblioteca?",
                                  "\x00\x01\xff garbage \ud7ff", "a" * 100_000,
                                  '/inform{"days": ', "/unknown_intent", "💪" * 5000])
def test_bad_input_gives_a_valid_parse(engine: Engine, text: str) -> None:
    parse = engine.parse(text)
    assert parse.intent.name in [*engine.domain.intents, FALLBACK_INTENT]


def test_empty_text_is_fallback_without_entities(engine: Engine) -> None:
    parse = engine.parse("   ")
    assert parse.intent.name == FALLBACK_INTENT and parse.entities == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400))
def test_any_string_parses(engine: Engine, text: str) -> None:
    parse = engine.parse(text)  # confidences in [0, 1]: the ParseResult schema enforces them
    scores = [r.confidence for r in parse.intent_ranking]
    assert scores == sorted(scores, reverse=True)
    for ent in parse.entities:
        assert 0 <= ent.start <= ent.end <= len(text)


def test_annotation_syntax() -> None:
    ex = parse_example('rest for [dumbell rows]{"entity": "exercise", "value": "dumbbell_row"} '
                       'and [squat](exercise)', "ask_rest", "test")
    assert ex.text == "rest for dumbell rows and squat"
    assert [(e.entity, e.value, ex.text[e.start:e.end]) for e in ex.entities] == [
        ("exercise", "dumbbell_row", "dumbell rows"), ("exercise", "squat", "squat")]


@pytest.mark.parametrize("text,intent", [
    # what a person says about themselves comes first; the closing question decides
    ("me and my gf just joined a gym, we go 3x a week. whats the best rep range for size",
     "ask_reps"),
    ("so im 41, office job, gained weight over the years, how many sets a week should i do",
     "ask_volume"),
])
def test_a_question_after_context_is_read_on_its_own(engine: Engine, text: str,
                                                     intent: str) -> None:
    assert engine.parse(text).intent.name == intent


def test_a_warning_sign_before_a_question_keeps_its_tier(engine: Engine) -> None:
    parse = engine.parse("my chest feels tight since my last set. how long should i rest")
    assert parse.cues.tier == "emergency"


@pytest.mark.parametrize("typed,meant", [
    ("ijnuries", "injuries"),  # two letters swapped: one slip
    ("haert", "heart"),  # the common word, not an author's name from the references
    ("slpit", "split"),  # equally close: the commoner
    ("overkll", "overkill"),  # equally few slips: the closer
    ("colapsed", "collapsed"),  # the words of the warning signs are targets too
    ("noitce", "notice"),  # and of the crisis classifier's lines
    ("hiit", "hiit"),  # the knowledge's own words stay
    ("hiits", "hiits"),  # and their plurals ("hits" would read as HIIT)
])
def test_typos_are_fixed_towards_the_likeliest_word(engine: Engine, typed: str, meant: str) -> None:
    assert engine.interpreter.nlp.get_pipe("coach_normalizer").correct(typed) == meant


@pytest.mark.parametrize("text,entity,value", [
    ("beginner, 3 days, dumbbells, 40 min, no ijnuries", "condition", "none"),
    ("busy nurse, 3x a week, gym, intermediate, ntohing injured", "condition", "none"),
    ("i blackked out after deadlifts", "symptom", "fainting"),
    ("my buddy colapsed at the gym and isnt responding", "symptom", "fainting"),
])
def test_patterns_read_the_message_with_its_typos_fixed(engine: Engine, text: str, entity: str,
                                                         value: str) -> None:
    parse = engine.parse(text)
    assert value in parse.entity_values(entity), parse.entities
    found = next(e for e in parse.entities if e.entity == entity and e.value == value)
    assert text[found.start:found.end].strip()  # offsets still point into what was typed


@pytest.mark.parametrize("text,tier", [
    ("i want 2 die", "crisis"),
    ("wrote letters 2 my fam, feels peaceful. planning 2 be gone by the weekend", "crisis"),
    ("how high so u dont survive da fall", "crisis"),
    ("i train 2 days a week, 4 sets each", None),
])
def test_chat_shorthand_is_read_spelled_out(engine: Engine, text: str, tier: str | None) -> None:
    assert engine.parse(text).cues.tier == tier


def test_a_count_stays_a_count(engine: Engine) -> None:
    parse = engine.parse("i can train 2 days a week")
    assert parse.entity_values("days") == ["2"]
    assert "2" not in parse.cues.fixes


def test_the_fixes_reach_the_rest_through_the_parse(engine: Engine) -> None:
    from bot.nlu.normalizer import with_fixes

    parse = engine.parse("elow flared out or tucked in on db rows, u know?")
    assert parse.cues.fixes.get("elow") == "elbow" and parse.cues.fixes.get("u") == "you"
    assert with_fixes(parse.text, parse.cues.fixes) == "elbow flared out or tucked in on db rows, you know?"
