"""Every number the bot can say is one the article gives.

Collected from: the knowledge base's texts (and its figures as the responses render them), every
response of bot/domain.yml (text and button titles), the templates in bot/responses/templates/,
and the planner's plans for every combination of its answers (title, day names, exercise lines,
notes, rendered through plan.j2). Numbers inside Jinja expressions ({{ }}, {% %}) are not literal
text: they are skipped there and checked through the values they render.

A figure passes when the article gives it (tests/knowledge/article_text.py: digits or words, a
range as that range, a figure with a unit with that unit), or when an ALLOWED entry covers it:
each entry names where it applies, what it matches, and why that number is not a training figure.
Nothing here is marked xfail: a failure lists the figures to fix.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

import pytest
import yaml
from jinja2 import Environment, FileSystemLoader

from knowledge.loader import load_knowledge
from knowledge.models import KnowledgeBase
from knowledge.planner import build_plan
from tests.knowledge.article_text import REPO_ROOT, Figure, foreign_figures, knowledge_texts

DOMAIN = REPO_ROOT / "bot" / "domain.yml"
TEMPLATES = REPO_ROOT / "bot" / "responses" / "templates"

# (where: regex on the text's label, what: regex on the text, why it is not a training figure)
ALLOWED: list[tuple[str, str, str]] = [
    (r"safety|crisis|warning_signs", r"\b911\b", "the US emergency number in the standard safety scripts"),
    (r"safety|crisis", r"\b988\b", "the US 988 Suicide & Crisis Lifeline in the crisis script"),
    (r"^planner|plan\.j2", r"\bDay [1-6]\b", "ordinal labels of the plan's days"),
    (r"^planner", r"\b[2-6]-day\b|\bthis plan uses [2-6]\b",
     "the plan echoes the number of days the person chose (title, AHA note)"),
    (r"^planner", r"\bat most 6 days is the coach's own cap\b",
     "the coach's own cap on training days, worded as the coach's (program.yml)"),
    (r"^planner", r"\b[56] sets\b|\b5 or 6 sets\b",
     "the article's 'five to six sets of an exercise' (its maximum response), on a plan line"),
    (r"^planner", r"\babout \d+ minutes at this rest \(the coach's estimate\)|\bthe \d+ you have\b",
     "the coach's labelled estimate of a session's length, and the person's own minutes echoed"),
    (r"steps\.j2|rendered", r"(?m)^\d+\. ", "numbered list markers of an exercise's steps"),
    (r"utter_ask_days|utter_invalid_days", r"\b2 to 6\b|\b[2-6] days\b",
     "the days per week the coach offers to plan for, worded as its own ('I can plan for'), "
     "and the answer buttons; the article's only frequency is the AHA's at least twice weekly"),
    (r"utter_ask_duration", r"\b(?:30|45|60) minutes\b",
     "answer buttons for how long the person can train, not a training figure"),
    (r"utter_invalid_duration", r"\b15 and 180\b|\blike 45\b",
     "the range of session lengths the interview accepts as an answer"),
]

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def _allowed(label: str, text: str) -> str:
    """The text with the allow-listed numbers that apply to this label blanked out."""
    for where, what, _why in ALLOWED:
        if re.search(where, label):
            text = re.sub(what, " ", text)
    return text


def _foreign(items: Iterable[tuple[str, str]]) -> list[tuple[str, Figure]]:
    """(label, figure) for each figure the article does not give."""
    return [(label, fig) for label, text in items for fig in foreign_figures(_allowed(label, text))]


def _check(items: Iterable[tuple[str, str]]) -> list[str]:
    """'label: figure (in context)' for each figure the article does not give."""
    return [f"{label}: {fig} (in '...{fig.context}...')" for label, fig in _foreign(items)]


def _fail_on(problems: list[str]) -> None:
    if problems:
        pytest.fail("numbers the article does not give:\n" + "\n".join(problems), pytrace=False)


@lru_cache(maxsize=1)
def _kb() -> KnowledgeBase:
    return load_knowledge()


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), trim_blocks=True, lstrip_blocks=True)


def _responses() -> dict[str, list[dict]]:
    return yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]


# --- the knowledge base ---

def _kb_items() -> list[tuple[str, str]]:
    kb = _kb()
    items = knowledge_texts(kb)
    art = kb.article
    items += [("article.yml", f"{art.title} {art.author} {art.reviewer} {art.publisher} {art.updated}")]
    items += [("sources.yml: article -> note", kb.source("article").note)]
    items += [("program.yml: progression", kb.program.progression), ("program.yml: diet", kb.program.diet)]
    voc = kb.vocabulary
    for group in ("muscle", "goal", "experience", "equipment", "condition"):
        items += [(f"vocabulary.yml: {group} -> {t.id} -> name", t.name) for t in getattr(voc, group)]
    items += [(f"safety.yml: {f.id} -> name", f.name) for f in kb.red_flags]
    refs = [s for s in kb.sources if s.id != "article"]
    items += [("utter_sources_general: count", f"It lists {len(refs)} references")]
    return items


def _rendered_items() -> list[tuple[str, str]]:
    """The knowledge base's exercise figures as steps.j2 and utter_exercise_dose render them."""
    kb = _kb()
    env = _env()
    dose = env.from_string(_responses()["utter_exercise_dose"][0]["text"])
    items = []
    for ex in kb.exercises:
        if not ex.has_steps:
            continue
        values = {"name": ex.name, "sets": ex.sets.label(), "reps": ex.reps.label(),
                  "rest": ex.rest_seconds.label()}
        steps = env.get_template("steps.j2").render(intro=None, steps=ex.steps,
                                                    cautions=ex.cautions, **values)
        items.append((f"rendered steps.j2: {ex.id}", steps))
        for asked in ("", "Squat"):
            items.append((f"rendered utter_exercise_dose: {ex.id}", dose.render(asked=asked, **values)))
    return items


def test_knowledge_base_numbers_are_the_articles() -> None:
    problems = _check(_kb_items())
    _fail_on(problems)


def test_rendered_exercise_figures_are_the_articles() -> None:
    problems = _check(_rendered_items())
    _fail_on(problems)


# --- bot/domain.yml and the templates ---

def _domain_items() -> list[tuple[str, str]]:
    items = []
    for name, variations in _responses().items():
        for i, variation in enumerate(variations or []):
            text = _JINJA.sub(" ", str(variation.get("text") or ""))
            items.append((f"domain.yml: {name}#{i}", text))
            for button in variation.get("buttons") or []:
                items.append((f"domain.yml: {name}#{i} button", str(button.get("title") or "")))
    return items


def _template_items() -> list[tuple[str, str]]:
    return [(f"templates/{path.name}", _JINJA.sub(" ", path.read_text(encoding="utf-8")))
            for path in sorted(TEMPLATES.glob("*.j2"))]


def test_domain_response_numbers_are_the_articles() -> None:
    problems = _check(_domain_items())
    _fail_on(problems)


def test_template_numbers_are_the_articles() -> None:
    problems = _check(_template_items())
    _fail_on(problems)


def test_jinja_numbers_are_skipped_but_literal_ones_are_not() -> None:
    """The collection itself: a figure inside {{ }} / {% %} is not literal text; one outside is."""
    text = _JINJA.sub(" ", "{% if n > 45 %}Rest {{ 45 }} s{% endif %} then 7 sets")
    assert [str(f) for f in foreign_figures(text)] == ["7 sets"]


def test_the_allow_list_is_short_and_explained() -> None:
    assert len(ALLOWED) <= 12  # each entry explained; keep it short
    assert all(why.strip() for _where, _what, why in ALLOWED)


# --- the planner, every combination of its answers ---

GOALS = ("size", "strength")
EXPERIENCES = ("beginner", "intermediate", "advanced")
DAYS = range(2, 7)
EQUIPMENT = ("dumbbells", "bodyweight_dumbbells", "full_gym")
MINUTES = (None, 20, 30, 45, 60, 90, 120)
CONDITIONS = (True, False)


def _plan_text(kb: KnowledgeBase, **answers) -> str:  # noqa: ANN003 (build_plan's answers)
    """The plan's visible strings: plan.j2 renders its title, day names, exercise lines (sets,
    reps, rest) and notes."""
    plan = build_plan(kb, **answers)
    stepped = [kb.exercise(i).name for i in sorted(plan.exercise_ids())
               if kb.exercise(i) and kb.exercise(i).has_steps]
    intro = f"Here's your suggested plan: {plan.title}."  # utter_plan_intro, checked as a response
    return _env().get_template("plan.j2").render(plan=plan.model_dump(), intro=intro,
                                                 closing=", ".join(stepped))


@pytest.mark.parametrize("goal,experience", list(itertools.product(GOALS, EXPERIENCES)))
def test_plan_numbers_are_the_articles(goal: str, experience: str) -> None:
    kb = _kb()
    found: dict[str, list[str]] = defaultdict(list)
    for days, equipment, minutes, condition in itertools.product(DAYS, EQUIPMENT, MINUTES, CONDITIONS):
        answers = {"goal": goal, "experience": experience, "days": days, "equipment": equipment,
                   "minutes": minutes, "condition": condition}
        label = "planner: " + ", ".join(f"{k}={v}" for k, v in answers.items())
        for _label, fig in _foreign([(label, _plan_text(kb, **answers))]):
            found[str(fig)].append(f"{label} (in '...{fig.context}...')")
    report = [f"'{fig}': in {len(examples)} plan line(s), e.g. {examples[0]}"
              for fig, examples in sorted(found.items())]
    if found:
        pytest.fail(f"{goal}/{experience} plans say numbers the article does not give:\n"
                    + "\n".join(report), pytrace=False)
