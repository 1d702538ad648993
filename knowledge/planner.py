"""The deterministic program planner: pure functions over the knowledge base's program rules."""

from __future__ import annotations

from bot.core.messages import Plan, PlanDay, PlanExercise
from knowledge.models import Exercise, KnowledgeBase

EQUIPMENT_KINDS: dict[str, set[str]] = {
    "dumbbells": {"dumbbells", "bench"},
    "bodyweight_dumbbells": {"dumbbells", "bench", "bodyweight"},
    "full_gym": {"dumbbells", "bench", "bodyweight", "barbell", "machine"},
}
_PREFIX = {"dumbbells": "Dumbbell", "bodyweight_dumbbells": "Dumbbell", "full_gym": "Barbell"}
# the coach's own estimates for fitting exercises into the minutes given (never shown as figures)
WORK_SECONDS_PER_SET = 40  # a set of 6-12 controlled reps
SESSION_OVERHEAD_MIN = 10  # warm-up and set-up


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


def _family(ex: Exercise) -> str:
    return ex.id.removeprefix("dumbbell_")


def weekly_slots(kb: KnowledgeBase, experience: str, days: int) -> int:
    """Exercises a week at the pages' sets, so the week lands within NASM's 15-20 sets: at its
    lower figure for a beginner (a strong base first), else the most that stays within it; never
    fewer than one a training day. (How they are spread is the coach's choice.)"""
    rules = kb.program
    target = rules.weekly_sets.min if experience == "beginner" else rules.weekly_sets.max
    slots = -(-target // rules.sets_per_exercise) if experience == "beginner" \
        else target // rules.sets_per_exercise
    return max(slots, days)


def exercises_that_fit(minutes: int | None, sets: int, rest_seconds: float) -> int | None:
    """How many exercises fit one session of this many minutes (None: no limit given)."""
    if not minutes:
        return None
    per_exercise_min = sets * (WORK_SECONDS_PER_SET + rest_seconds) / 60
    return max(1, int((minutes - SESSION_OVERHEAD_MIN) // per_exercise_min))


def _spread(slots: int, days: int, fit: int | None) -> list[int]:
    """Exercises per day: as even as possible, the extra ones on the first days; capped by time."""
    base, extra = divmod(slots, days)
    counts = [base + (1 if i < extra else 0) for i in range(days)]
    return [min(c, fit) for c in counts] if fit else counts


def _pick_week(pool: list[Exercise], counts: list[int]) -> list[list[Exercise]]:
    """Walk through the pool across the week, one lift of a family a day (not a barbell row beside
    a dumbbell row), multi-joint exercises first within each day, as the article advises."""
    week: list[list[Exercise]] = []
    cursor = 0
    for count in counts:
        day: list[Exercise] = []
        tried = 0
        while len(day) < min(count, len(pool)) and tried < 2 * len(pool):
            ex = pool[cursor % len(pool)]
            cursor += 1
            tried += 1
            if _family(ex) not in {_family(d) for d in day}:
                day.append(ex)
        week.append(sorted(day, key=lambda e: not e.multi_joint))
    return week


def build_plan(kb: KnowledgeBase, *, goal: str = "size", experience: str = "beginner",
               days: int = 3, equipment: str = "dumbbells", minutes: int | None = None,
               condition: bool = False) -> Plan:
    """The plan for these answers: the same answers always give the same plan.

    `condition`: the person reported an injury or health condition and has been cleared.
    """
    rules = kb.program
    days = max(rules.min_days_per_week, min(rules.max_days_per_week, days))
    sets = rules.sets_per_exercise  # the exercise pages' three sets, for everyone
    reps = rules.reps.label()  # the exercise pages' 6-12: the article gives no other range
    # strength keeps the exercise pages' reps (the article gives no strength rep range) but takes
    # its 3-5 minute rests
    rest = rules.strength_rest_seconds if goal == "strength" else rules.rest_seconds
    rest_label = (f"{rest.min // 60}-{rest.max // 60} min" if goal == "strength"
                  else f"{rest.min}-{rest.max} s")
    fit = exercises_that_fit(minutes, sets, (rest.min + rest.max) / 2)
    wanted = weekly_slots(kb, experience, days)
    counts = _spread(wanted, days, fit)
    week = _pick_week(available(kb, equipment), counts)
    plan_days: list[PlanDay] = []
    for i, exercises in enumerate(week):
        lines = []
        for ex in exercises:
            note = "" if ex.has_steps else "The article names this lift but gives no step-by-step form."
            lines.append(PlanExercise(
                id=ex.id, name=display_name(ex, equipment), sets=sets, reps=reps,
                rest=rest_label, rest_seconds_min=rest.min, rest_seconds_max=rest.max,
                reps_min=rules.reps.min, reps_max=rules.reps.max, multi_joint=ex.multi_joint,
                has_steps=ex.has_steps, note=note))
        summary = " + ".join(line.name.lower() for line in lines)
        plan_days.append(PlanDay(name=f"Day {i + 1}: {summary}", focus=summary, exercises=lines))
    weekly = sum(len(day) for day in week) * sets
    notes = _notes(kb, goal, experience, days, weekly, condition,
                   time_short=sum(counts) < wanted, time_spare=bool(fit and fit > max(counts)))
    # the article lists ACE's "How muscle grows" twice: one line per distinct citation
    sources = list(dict.fromkeys(kb.source(s).citation() for s in rules.sources))
    kind = "strength-focused" if goal == "strength" else "hypertrophy"
    title = f"{days}-day {experience} {kind} plan ({equipment.replace('_', ' ')})"
    return Plan(title=title, goal=goal, experience=experience, days_per_week=days,
                equipment=equipment, minutes_per_session=minutes, days=plan_days,
                weekly_sets=weekly, notes=notes, sources=sources)


def _notes(kb: KnowledgeBase, goal: str, experience: str, days: int, weekly: int,
           condition: bool, time_short: bool, time_spare: bool) -> list[str]:
    rules = kb.program
    strength = rules.strength_rest_seconds
    if goal == "strength":
        rest_note = (f"Rest {strength.min // 60}-{strength.max // 60} minutes between sets: the "
                     "article's figure for strength training, which uses higher intensity and "
                     "fewer reps. The article gives no strength rep range, so the lines keep its "
                     f"step-by-step instructions' {rules.reps.label()} reps (the coach's choice).")
    else:
        rest_note = (f"Rest {rules.rest_seconds.label()} seconds between sets: the article's "
                     "figure for hypertrophy training. Its step-by-step instructions (dumbbell row, "
                     f"skull crusher, squat) give {rules.exercise_page_rest_seconds.label()} seconds "
                     "instead and don't say why the two differ; this plan uses the hypertrophy "
                     "figure (the coach's choice).")
    volume = (f"Sets: {rules.sets_per_exercise} per exercise, as in the article's step-by-step "
              f"instructions. NASM suggests {rules.weekly_sets.label()} sets of challenging "
              "hypertrophy exercises a week, spread through the week; the article adds that the "
              f"maximum muscle response comes from {rules.max_sets_per_exercise.label()} sets of an "
              "exercise. ")
    if weekly < rules.weekly_sets.min:
        volume += (f"With the time you have, this week stays under NASM's "
                   f"{rules.weekly_sets.label()} sets; more minutes per session or another day "
                   "would reach them.")
    else:
        volume += (f"This plan keeps the week within {rules.weekly_sets.label()} sets; how they "
                   "are spread over the days is the coach's choice.")
    if experience == "beginner":
        volume += " As a beginner, build a strong base first."
    notes = [
        rest_note,
        volume,
        f"Progression: {rules.progression}",
        f"Diet: {rules.diet}",
        f"Days: the American Heart Association advises muscle-strengthening activity at least "
        f"{_times(rules.min_days_per_week)} a week. Planning for at most {rules.max_days_per_week} "
        f"days is the coach's own cap; this plan uses {days}.",
        "What it covers: the article's three step-by-step dumbbell exercises and the multi-joint "
        "lifts it names (squats, deadlifts, shoulder presses, rows). The article gives no "
        "exercise for some areas people ask about, such as the chest, so none is added here.",
    ]
    if time_spare and not time_short:
        notes.append("Time: these sessions need less than the minutes you have; the coach doesn't "
                     "add sets beyond NASM's weekly range.")
    if condition:
        notes.insert(0, "You mentioned an injury or health condition: follow your healthcare "
                        "provider's advice on which exercises to skip or adapt. My own rule: "
                        "stop any exercise that hurts.")
    return notes


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")
