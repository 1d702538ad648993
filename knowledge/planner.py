"""The deterministic program planner: pure functions over the knowledge base's program rules."""

from __future__ import annotations

from collections.abc import Iterable

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


class NoExercisesLeft(ValueError):
    """Everything the equipment allows was taken out or spared: there is nothing to plan with."""

    def __init__(self, left_out: list[str]) -> None:
        super().__init__(f"no exercise left after leaving out {', '.join(left_out)}")
        self.left_out = left_out


# the sets a line may have: the step-by-step instructions' three, up to the article's five to six
SET_STEPS = (3, 5, 6)


def weekly_slots(kb: KnowledgeBase, experience: str, days: int) -> int:
    """Exercises a week at three sets, so the week lands within NASM's 15-20 sets: its lower figure
    for a beginner (a strong base first), the most that stays within it otherwise; never fewer
    than one a training day. (How they are spread is the coach's choice.)"""
    rules = kb.program
    target = rules.weekly_sets.min if experience == "beginner" else rules.weekly_sets.max
    slots = -(-target // rules.sets_per_exercise) if experience == "beginner" \
        else target // rules.sets_per_exercise
    return max(slots, days)


def session_minutes(sets: list[int], rest_seconds: float) -> float:
    """The coach's estimate of a session's length: warm-up and set-up, then every set and rest."""
    return SESSION_OVERHEAD_MIN + sum(sets) * (WORK_SECONDS_PER_SET + rest_seconds) / 60


def _spread(slots: int, days: int) -> list[int]:
    """Exercises per day: as even as possible, the extra ones on the first days."""
    base, extra = divmod(slots, days)
    return [base + (1 if i < extra else 0) for i in range(days)]


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


def _fit_time(week: list[list[Exercise]], sets: list[list[int]], minutes: int | None,
              rest_seconds: float) -> None:
    """Drop a day's last exercises (never its first) until the day fits the minutes given."""
    if not minutes:
        return
    for day, day_sets in zip(week, sets, strict=True):
        while len(day) > 1 and session_minutes(day_sets, rest_seconds) > minutes:
            day.pop()
            day_sets.pop()


def _fill_to_weekly_minimum(sets: list[list[int]], minimum: int, minutes: int | None,
                            rest_seconds: float) -> None:
    """Below NASM's weekly figure (few exercises left, or few days), raise lines from three sets
    to five, then six (the article's most useful), as far as each day's minutes allow."""
    for step in SET_STEPS[1:]:
        for day_sets in sets:
            for i, n in enumerate(day_sets):
                if sum(map(sum, sets)) >= minimum:
                    return
                if n >= step:
                    continue
                trial = [*day_sets[:i], step, *day_sets[i + 1:]]
                if not minutes or session_minutes(trial, rest_seconds) <= minutes:
                    day_sets[i] = step


def build_plan(kb: KnowledgeBase, *, goal: str = "size", experience: str = "beginner",
               days: int = 3, equipment: str = "dumbbells", minutes: int | None = None,
               condition: bool = False, removed: Iterable[str] = (),
               spared: Iterable[str] = (), restored: Iterable[str] = ()) -> Plan:
    """The plan for these answers: the same answers always give the same plan.

    `condition`: the person reported an injury or health condition and has been cleared.
    `removed`: exercise ids the person asked to take out (a lift and its dumbbell version go
    together). `spared`: joints (knees, lower_back, ...) whose exercises are left out, by the
    coach's own caution (exercises.yml `coach_loads`); `restored`: exercises put back although a
    spared joint would leave them out. Raises NoExercisesLeft when nothing is left.
    """
    rules = kb.program
    days = max(rules.min_days_per_week, min(rules.max_days_per_week, days))
    reps = rules.reps.label()  # the exercise pages' 6-12: the article gives no other range
    # strength keeps the exercise pages' reps (the article gives no strength rep range) but takes
    # its 3-5 minute rests
    rest = rules.strength_rest_seconds if goal == "strength" else rules.rest_seconds
    rest_label = (f"{rest.min // 60}-{rest.max // 60} min" if goal == "strength"
                  else f"{rest.min}-{rest.max} s")
    rest_mid = (rest.min + rest.max) / 2
    removed_families = {i.removeprefix("dumbbell_") for i in removed}
    spared_joints = set(spared)
    everything = available(kb, equipment)
    restored_families = {i.removeprefix("dumbbell_") for i in restored}
    pool = [ex for ex in everything if _family(ex) not in removed_families
            and (_family(ex) in restored_families or not set(ex.coach_loads) & spared_joints)]
    left_out = [display_name(ex, equipment) for ex in everything if ex not in pool]
    if not pool:
        raise NoExercisesLeft(left_out)
    wanted = weekly_slots(kb, experience, days)
    week = _pick_week(pool, _spread(wanted, days))
    sets = [[rules.sets_per_exercise] * len(day) for day in week]
    _fit_time(week, sets, minutes, rest_mid)
    _fill_to_weekly_minimum(sets, rules.weekly_sets.min, minutes, rest_mid)
    plan_days: list[PlanDay] = []
    for i, (exercises, day_sets) in enumerate(zip(week, sets, strict=True)):
        lines = []
        for ex, n in zip(exercises, day_sets, strict=True):
            note = "" if ex.has_steps else "The article names this lift but gives no step-by-step form."
            lines.append(PlanExercise(
                id=ex.id, name=display_name(ex, equipment), sets=n, reps=reps,
                rest=rest_label, rest_seconds_min=rest.min, rest_seconds_max=rest.max,
                reps_min=rules.reps.min, reps_max=rules.reps.max, multi_joint=ex.multi_joint,
                has_steps=ex.has_steps, note=note))
        summary = " + ".join(line.name.lower() for line in lines)
        plan_days.append(PlanDay(name=f"Day {i + 1}: {summary}", focus=summary, exercises=lines))
    weekly = sum(map(sum, sets))
    estimate = _round_to_five(max(session_minutes(s, rest_mid) for s in sets))
    notes = _notes(kb, goal, experience, days, weekly, condition,
                   raised=any(n > rules.sets_per_exercise for day in sets for n in day))
    notes += _edit_notes(removed_families, spared_joints, left_out, kb, equipment)
    if minutes and estimate + 5 < minutes and weekly >= rules.weekly_sets.min:
        notes.append(f"Time: these sessions take about {estimate} minutes at this rest (the coach's "
                     f"estimate), less than the {minutes} you have: the article's weekly volume "
                     "doesn't need more, and the coach doesn't add sets beyond NASM's range.")
    # the article lists ACE's "How muscle grows" twice: one line per distinct citation
    sources = list(dict.fromkeys(kb.source(s).citation() for s in rules.sources))
    kind = "strength-focused" if goal == "strength" else "hypertrophy"
    title = f"{days}-day {experience} {kind} plan ({equipment.replace('_', ' ')})"
    return Plan(title=title, goal=goal, experience=experience, days_per_week=days,
                equipment=equipment, minutes_per_session=estimate, minutes_given=minutes,
                days=plan_days, weekly_sets=weekly, notes=notes, sources=sources,
                removed=sorted(removed_families), spared=sorted(spared_joints))


def _round_to_five(minutes: float) -> int:
    return int(5 * round(minutes / 5)) or 5


JOINT_NAMES = {"knees": "knees", "hips": "hips", "lower_back": "lower back",
               "shoulders": "shoulders", "elbows": "elbows", "wrists": "wrists"}


def _edit_notes(removed: set[str], spared: set[str], left_out: list[str], kb: KnowledgeBase,
                equipment: str) -> list[str]:
    """What the person's edits left out, and how to put an exercise back."""
    notes = []
    if removed:
        names = [display_name(ex, equipment) for ex in available(kb, equipment)
                 if _family(ex) in removed]
        notes.append(f"Left out as you asked: {', '.join(names).lower() or ', '.join(removed)}. "
                     "Say \"put it back\" with its name to add it again.")
    if spared:
        joints = " and ".join(JOINT_NAMES[j] for j in sorted(spared))
        spared_out = [n for n in left_out if n.lower() not in
                      {display_name(ex, equipment).lower() for ex in available(kb, equipment)
                       if _family(ex) in removed}]
        notes.append(f"To spare your {joints}, the coach left out {', '.join(spared_out).lower()}"
                     " (the coach's own caution: the article doesn't say which joints each "
                     "exercise loads). Ask your healthcare provider which exercises suit you, "
                     "and say \"put the squat back\" (or another one) to add one.")
    return notes


def _notes(kb: KnowledgeBase, goal: str, experience: str, days: int, weekly: int,
           condition: bool, raised: bool) -> list[str]:
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
    if raised:
        volume += ("Where the week would otherwise fall short of NASM's figure, some lines have "
                   f"{rules.max_sets_per_exercise.min} or {rules.max_sets_per_exercise.max} sets "
                   "instead (the coach's choice, within the article's most useful range). ")
    if weekly < rules.weekly_sets.min:
        volume += (f"With the time and exercises you have, this week stays under NASM's "
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
    if condition:
        notes.insert(0, "You mentioned an injury or health condition: follow your healthcare "
                        "provider's advice on which exercises to skip or adapt. My own rule: "
                        "stop any exercise that hurts.")
    return notes


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")
