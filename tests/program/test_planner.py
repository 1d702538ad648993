"""Every plan the planner can make respects the article's figures and the person's answers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.common import knowledge
from bot.core.domain import load_domain
from bot.nlu.answers import parse_days, parse_duration, parse_equipment, parse_experience, parse_goal
from bot.responses.renderer import Renderer
from knowledge.models import JOINTS
from knowledge.planner import EQUIPMENT_KINDS, NoExercisesLeft, build_plan, session_minutes

KB = knowledge()
RULES = KB.program
answers = st.fixed_dictionaries({
    "goal": st.sampled_from(["size", "strength"]),
    "experience": st.sampled_from(["beginner", "intermediate", "advanced"]),
    "days": st.integers(min_value=RULES.min_days_per_week, max_value=RULES.max_days_per_week),
    "equipment": st.sampled_from(sorted(EQUIPMENT_KINDS)),
    "minutes": st.one_of(st.none(), st.integers(min_value=15, max_value=180)),
    "condition": st.booleans(),
    "removed": st.sets(st.sampled_from(["squat", "deadlift", "row", "shoulder_press",
                                        "dumbbell_skull_crusher"]), max_size=2),
    "spared": st.sets(st.sampled_from(list(JOINTS)), max_size=2),
})


@settings(max_examples=300, deadline=None)
@given(answers)
def test_every_plan_follows_the_rules(a: dict) -> None:
    try:
        plan = build_plan(KB, **a)
    except NoExercisesLeft:  # everything the equipment allows was taken out or spared
        assert a["removed"] or a["spared"]
        return
    assert plan.days_per_week == a["days"] == len(plan.days)
    assert len(plan.days) >= RULES.min_days_per_week
    known = {e.id: e for e in KB.exercises}
    kinds = EQUIPMENT_KINDS[a["equipment"]]
    rest = RULES.strength_rest_seconds if a["goal"] == "strength" else RULES.rest_seconds
    for i, day in enumerate(plan.days, start=1):
        assert day.name.startswith(f"Day {i}: ")
        assert day.exercises, f"{day.name} is empty"
        multi = [ex.multi_joint for ex in day.exercises]
        assert multi == sorted(multi, reverse=True), "multi-joint exercises come first"
        for ex in day.exercises:
            assert ex.id in known
            assert set(known[ex.id].equipment) & kinds
            assert RULES.reps.min <= ex.reps_min <= ex.reps_max <= RULES.reps.max
            assert (ex.rest_seconds_min, ex.rest_seconds_max) == (rest.min, rest.max)
            # the step-by-step instructions' three sets, up to the article's most useful 5-6
            assert ex.sets in (RULES.sets_per_exercise, *range(RULES.max_sets_per_exercise.min,
                                                               RULES.max_sets_per_exercise.max + 1))
            if a["equipment"] != "full_gym":
                assert not ex.name.lower().startswith("barbell")
            # nothing taken out or spared comes back
            assert ex.id.removeprefix("dumbbell_") not in a["removed"]
            assert not set(known[ex.id].coach_loads) & a["spared"]
        day_sets = [ex.sets for ex in day.exercises]
        # never more minutes than the person has, unless a day is down to its one exercise
        if a["minutes"] and len(day.exercises) > 1:
            assert session_minutes(day_sets, (rest.min + rest.max) / 2) <= a["minutes"]
    assert plan.weekly_sets == sum(ex.sets for day in plan.days for ex in day.exercises)
    # the plan's stated minutes are what its sets take at its rest (the coach's estimate)
    longest = max(session_minutes([ex.sets for ex in d.exercises], (rest.min + rest.max) / 2)
                  for d in plan.days)
    assert abs(plan.minutes_per_session - longest) <= 2.5
    text = " ".join(plan.notes)
    if plan.weekly_sets < RULES.weekly_sets.min:  # too few minutes, or too few exercises left
        assert (a["minutes"] or a["removed"] or a["spared"]) and "stays under NASM's 15-20" in text
    else:  # within NASM's weekly range, except that every training day gets one exercise
        assert plan.weekly_sets <= max(RULES.weekly_sets.max, a["days"] * RULES.sets_per_exercise)
    if a["spared"]:
        assert "coach's own caution" in text and "put the squat back" in text
    assert "coach's own cap" in text and "coach's choice" in text
    for fragment in ("15-20", "5-6", "American Heart Association", "calories", "regular intervals"):
        assert fragment in text
    assert ("3-5 minutes" if a["goal"] == "strength" else "60-90") in text
    assert ("healthcare provider" in text) == bool(a["condition"] or a["spared"])


@settings(max_examples=50, deadline=None)
@given(answers)
def test_the_same_answers_give_the_same_plan(a: dict) -> None:
    try:
        first = build_plan(KB, **a)
    except NoExercisesLeft:
        with pytest.raises(NoExercisesLeft):
            build_plan(KB, **a)
        return
    assert first == build_plan(KB, **a)


@pytest.mark.parametrize("days", range(2, 7))
def test_rendered_plan_has_day_headings_lines_and_disclaimer_links(days: int) -> None:
    plan = build_plan(KB, days=days, experience="beginner", equipment="dumbbells")
    text, buttons = Renderer(load_domain()).render_response(
        "utter_plan", {"plan": plan.model_dump(),
                       "intro": {"response": "utter_plan_intro", "title": plan.title},
                       "closing": {"response": "utter_plan_closing", "stepped": ["Dumbbell row"]}},
        "s", 1)
    assert f"Day {days}: " in text
    assert "sets of" in text and "rest 60-90 s" in text
    assert "how do I do the dumbbell row" in text
    assert any("Why" in b.title for b in buttons)


@pytest.mark.parametrize("text,expected", [
    ("3", ("3", None)), ("three days", ("3", None)), ("9 days", (None, "out_of_range")),
    ("twice a week maybe three", ("2", "ambiguous")), ("idk", (None, "missing")),
    ("1", (None, "out_of_range"))])
def test_parse_days(text: str, expected: tuple) -> None:
    assert parse_days(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("been lifting 5 years", "advanced"), ("never lifted", "beginner"), ("2 years", "intermediate"),
    ("a few months", "beginner"), ("purple", None)])
def test_parse_experience(text: str, expected: str | None) -> None:
    assert parse_experience(text) == expected


def test_parse_other_answers() -> None:
    assert parse_equipment("just some dumbbells") == "dumbbells"
    assert parse_equipment("bodyweight and dumbbells") == "bodyweight_dumbbells"
    assert parse_equipment("i go to a gym") == "full_gym"
    assert parse_equipment("purple") is None
    assert parse_duration("skip") == "any" and parse_duration("45 min") == "45"
    assert parse_duration("5") is None
    assert parse_goal("get stronger") == "strength" and parse_goal("bigger arms") == "size"
