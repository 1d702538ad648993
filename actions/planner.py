"""The deterministic program planner: pure functions over the knowledge base's program rules."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from knowledge.models import Exercise, KnowledgeBase

Experience = Literal["beginner", "intermediate", "advanced"]
Equipment = Literal["dumbbells", "bodyweight_dumbbells", "full_gym"]
Goal = Literal["size", "strength"]

# which exercises each equipment set allows, and the word put before a generic exercise's name
EQUIPMENT_KINDS: dict[str, set[str]] = {
    "dumbbells": {"dumbbells", "bench"},
    "bodyweight_dumbbells": {"dumbbells", "bench", "bodyweight"},
    "full_gym": {"dumbbells", "bench", "bodyweight", "barbell", "machine"},
}
_PREFIX = {"dumbbells": "Dumbbell", "bodyweight_dumbbells": "Dumbbell", "full_gym": "Barbell"}
LOWER_BODY = {"legs", "glutes"}
# day layouts by days per week: each day's focus
SPLITS: dict[int, list[str]] = {
    2: ["Full body", "Full body"],
    3: ["Full body", "Full body", "Full body"],
    4: ["Upper body", "Lower body", "Upper body", "Lower body"],
    5: ["Upper body", "Lower body", "Full body", "Upper body", "Lower body"],
    6: ["Upper body", "Lower body", "Upper body", "Lower body", "Upper body", "Lower body"],
}
WORK_SECONDS_PER_SET = 40  # a set of 6-12 controlled reps
SESSION_OVERHEAD_MIN = 10  # warm-up and set-up


class PlanExercise(BaseModel):
    """One line of a day: what to do, how much, how long to rest."""

    id: str
    name: str
    sets: int = Field(ge=1)
    reps: str
    rest: str
    rest_seconds_min: int
    rest_seconds_max: int
    reps_min: int
    reps_max: int
    multi_joint: bool
    has_steps: bool
    muscles: list[str]
    note: str = ""


class PlanDay(BaseModel):
    """A training day."""

    name: str
    focus: str
    exercises: list[PlanExercise]


class Plan(BaseModel):
    """A suggested week of hypertrophy training, with its reasons and sources."""

    title: str
    goal: Goal
    experience: Experience
    days_per_week: int
    equipment: Equipment
    minutes_per_session: int | None
    days: list[PlanDay]
    weekly_sets_by_muscle: dict[str, int]
    notes: list[str]
    sources: list[str]

    def exercise_ids(self) -> set[str]:
        """Every exercise id used in the plan."""
        return {ex.id for day in self.days for ex in day.exercises}


def display_name(ex: Exercise, equipment: str) -> str:
    """The exercise's name, with the equipment in front for the article's generic lifts."""
    if ex.has_steps or ex.name.lower().startswith(("dumbbell", "barbell")):
        return ex.name
    return f"{_PREFIX[equipment]} {ex.name[0].lower()}{ex.name[1:]}"


def available(kb: KnowledgeBase, equipment: str) -> list[Exercise]:
    """Exercises the equipment allows: multi-joint first, ones with form steps before generic ones.

    A generic lift the article names without steps (row, squat) is left out when its stepped
    dumbbell version is in the pool, except in a full gym, where it is done with a barbell.
    """
    kinds = EQUIPMENT_KINDS[equipment]
    stepped = {e.id for e in kb.exercises if e.has_steps}
    usable = []
    for ex in kb.exercises:
        if not set(ex.equipment) & kinds or (ex.has_steps and not set(ex.equipment) <= kinds):
            continue
        if not ex.has_steps and equipment != "full_gym" and f"dumbbell_{ex.id}" in stepped:
            continue
        usable.append(ex)
    return sorted(usable, key=lambda e: (not e.multi_joint, not e.has_steps, e.id))


def _is_lower(ex: Exercise) -> bool:
    return bool(set(ex.muscles[:1]) & LOWER_BODY)


def exercises_per_session(experience: str, sets: int, minutes: int | None,
                          rest_seconds: float = 75) -> int:
    """How many exercises fit a session: 3 to 5, fewer when time is short (never under 2)."""
    wanted = {"beginner": 3, "intermediate": 4, "advanced": 5}[experience]
    if minutes:
        per_exercise_min = sets * (WORK_SECONDS_PER_SET + rest_seconds) / 60
        fit = int((minutes - SESSION_OVERHEAD_MIN) // per_exercise_min)
        wanted = max(2, min(wanted, fit))
    return wanted


def _family(ex: Exercise) -> str:
    return ex.id.removeprefix("dumbbell_")


def _pick(pool: list[Exercise], focus: str, count: int, rotation: int) -> list[Exercise]:
    if focus == "Upper body":
        candidates = [e for e in pool if not _is_lower(e)]
    elif focus == "Lower body":
        candidates = [e for e in pool if _is_lower(e)]
    else:
        lower = [e for e in pool if _is_lower(e)]
        upper = [e for e in pool if not _is_lower(e)]
        candidates = [e for pair in zip(lower, upper) for e in pair]
        candidates += [e for e in lower + upper if e not in candidates]
    if not candidates:
        return []
    shift = rotation % len(candidates)
    rotated = candidates[shift:] + candidates[:shift]
    chosen: list[Exercise] = []
    for ex in rotated:  # one lift of a family a day: not a barbell row beside a dumbbell row
        if len(chosen) < count and _family(ex) not in {_family(c) for c in chosen}:
            chosen.append(ex)
    # multi-joint exercises first, as the article advises
    return sorted(chosen, key=lambda e: not e.multi_joint)


def build_plan(kb: KnowledgeBase, *, goal: str = "size", experience: str = "beginner",
               days: int = 3, equipment: str = "dumbbells", minutes: int | None = None,
               condition: bool = False) -> Plan:
    """The plan for these answers: the same answers always give the same plan.

    `condition`: the person reported an injury or health condition and has been cleared.
    """
    rules = kb.program
    days = max(rules.min_days_per_week, min(rules.max_days_per_week, days))
    sets = min(rules.sets_per_exercise[experience], rules.max_sets_per_exercise.max)
    reps_min = rules.reps.min  # the exercise pages' 6-12 for everyone: the article gives no other
    reps = f"{reps_min}-{rules.reps.max}"
    # strength keeps the exercise pages' reps (the article gives no strength rep range) but takes
    # its 3-5 minute rests
    rest = rules.strength_rest_seconds if goal == "strength" else rules.rest_seconds
    rest_label = (f"{rest.min // 60}-{rest.max // 60} min" if goal == "strength"
                  else f"{rest.min}-{rest.max} s")
    pool = available(kb, equipment)
    per_session = exercises_per_session(experience, sets, minutes, (rest.min + rest.max) / 2)
    focuses = SPLITS[days]
    chosen = [_pick(pool, focus, per_session, rotation=i // 2 if days > 3 else i)
              for i, focus in enumerate(focuses)]
    weekly = _trim_to_weekly_ceiling(chosen, sets, rules.weekly_sets.max)
    plan_days: list[PlanDay] = []
    for i, (focus, exercises) in enumerate(zip(focuses, chosen)):
        lines = []
        for ex in exercises:
            note = "" if ex.has_steps else "The article names this lift but gives no step-by-step form."
            lines.append(PlanExercise(
                id=ex.id, name=display_name(ex, equipment), sets=sets, reps=reps,
                rest=rest_label, rest_seconds_min=rest.min, rest_seconds_max=rest.max,
                reps_min=reps_min, reps_max=rules.reps.max, multi_joint=ex.multi_joint,
                has_steps=ex.has_steps, muscles=list(ex.muscles), note=note))
        plan_days.append(PlanDay(name=f"Day {i + 1}: {focus}", focus=focus, exercises=lines))
    notes = _notes(kb, goal, experience, days, weekly, condition)
    # the article lists ACE's "How muscle grows" twice: one line per distinct citation
    sources = list(dict.fromkeys(kb.source(s).citation() for s in rules.sources))
    kind = "strength-focused" if goal == "strength" else "hypertrophy"
    title = f"{days}-day {experience} {kind} plan ({equipment.replace('_', ' ')})"
    return Plan(title=title, goal=goal, experience=experience, days_per_week=days,
                equipment=equipment, minutes_per_session=minutes, days=plan_days,
                weekly_sets_by_muscle=weekly, notes=notes, sources=sources)


def _trim_to_weekly_ceiling(chosen: list[list[Exercise]], sets: int, ceiling: int) -> dict[str, int]:
    """Drop exercises (from the fullest days, never a day's last) until no muscle group gets more
    weekly sets than NASM's upper figure; returns the weekly sets per primary muscle group."""
    def totals() -> dict[str, int]:
        out: dict[str, int] = {}
        for day in chosen:
            for ex in day:
                out[ex.muscles[0]] = out.get(ex.muscles[0], 0) + sets
        return out

    weekly = totals()
    while any(n > ceiling for n in weekly.values()):
        muscle = max(weekly, key=lambda m: weekly[m])
        days = [d for d in chosen if len(d) > 1 and any(e.muscles[0] == muscle for e in d)]
        if not days:
            break
        day = max(days, key=len)
        victim = next(e for e in reversed(day) if e.muscles[0] == muscle)
        day.remove(victim)
        weekly = totals()
    return weekly


def _notes(kb: KnowledgeBase, goal: str, experience: str, days: int,
           weekly: dict[str, int], condition: bool) -> list[str]:
    rules = kb.program
    top = max(weekly.values()) if weekly else 0
    strength = rules.strength_rest_seconds
    if goal == "strength":
        rest_note = (f"Rest {strength.min // 60}-{strength.max // 60} minutes between sets: the "
                     "article's figure for strength training, which also uses higher intensity and "
                     "fewer reps. It gives no exact strength rep range, so the lines keep its "
                     f"exercise pages' {rules.reps.label()}; stay toward the lower end with a "
                     "heavier, still appropriate weight.")
    else:
        rest_note = (f"Rest {rules.rest_seconds.label()} seconds between sets: the article's "
                     "hypertrophy figure. Its dumbbell row, skull crusher and squat pages give "
                     f"{rules.exercise_page_rest_seconds.label()} seconds, so shorter rests are fine too.")
    notes = [
        rest_note,
        f"Weekly volume: at most {top} hard sets per muscle group here. NASM suggests "
        f"{rules.weekly_sets.label()} challenging sets a week and finds the biggest response from "
        f"{rules.max_sets_per_exercise.label()} sets of one exercise; "
        + ("as a beginner, build a strong base first and work up toward that." if experience == "beginner"
           else "add sets gradually toward that range if you recover well."),
        f"Progression: {rules.progression}",
        f"Diet: {rules.diet}",
        f"Train at least {rules.min_days_per_week} days a week, as the American Heart Association "
        f"advises; this plan uses {days}.",
    ]
    if condition:
        notes.insert(0, "You mentioned an injury or health condition: follow your healthcare "
                        "provider's advice on which exercises to skip or adapt, and stop any "
                        "exercise that hurts.")
    return notes
