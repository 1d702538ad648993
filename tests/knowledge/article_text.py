"""The seed article as the tests read it, and the figures (numbers, ranges, number + unit) in a text.

The article lives outside the repository, next to it: ../shared/seed/hypertrophy-article.txt
(CI has it too). Figures are compared after normalising number words ("five to six sets" is
"5-6 sets", "twice weekly" is "2 days a week"), so the bot may write digits where the article
writes words, but a range must be the article's range and a figure with a unit (sets, reps,
seconds, minutes, days, weeks, years) must be one the article gives with that unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTICLE_PATH = REPO_ROOT.parent / "shared/seed/hypertrophy-article.txt"

NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
                "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
                "sixty": 60, "ninety": 90}
UNITS = {"set": "sets", "sets": "sets", "rep": "reps", "reps": "reps", "repetitions": "reps",
         "second": "seconds", "seconds": "seconds", "s": "seconds", "sec": "seconds",
         "secs": "seconds", "minute": "minutes", "minutes": "minutes", "min": "minutes",
         "mins": "minutes", "day": "days", "days": "days", "week": "weeks", "weeks": "weeks",
         "year": "years", "years": "years"}
# words that may stand between a figure and its unit ("15-20 challenging sets", "12 hard sets")
_FILLERS = r"(?:hard|challenging|hypertrophy|training|working|extra|total|weekly)"
_NUM = r"\d+(?:\.\d+)?"
_FIGURE = re.compile(
    rf"(?<![\w.])(?P<a>{_NUM})(?:\s*(?:-|to)\s*(?P<b>{_NUM}))?(?![\w.]*\d)"
    rf"(?:[\s-]+(?:{_FILLERS}\s+){{0,2}}(?P<unit>{'|'.join(sorted(UNITS, key=len, reverse=True))})\b)?")


def normalize(text: str) -> str:
    """Lower case, plain quotes and dashes, number words as digits, single spaces."""
    text = text.lower()
    for fancy, plain in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'),
                         ("\u2013", "-"), ("\u2014", "-"), ("\u00a0", " ")):
        text = text.replace(fancy, plain)
    text = re.sub(r"\btwice (?:a week|weekly|per week)\b", "2 days a week", text)
    text = re.sub(r"\b(" + "|".join(NUMBER_WORDS) + r")\b",
                  lambda m: str(NUMBER_WORDS[m.group(1)]), text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Figure:
    """A number or a range, with its unit when one follows it; `context` is where it was found."""

    value: str  # "3" or "6-12"
    unit: str = ""
    context: str = ""

    @property
    def is_range(self) -> bool:
        return "-" in self.value

    def __str__(self) -> str:
        return f"{self.value} {self.unit}".strip()


def figures(text: str) -> list[Figure]:
    """Every figure in a text (after normalize)."""
    norm = normalize(text)
    out = []
    for m in _FIGURE.finditer(norm):
        value = m.group("a") if m.group("b") is None else f"{m.group('a')}-{m.group('b')}"
        unit = UNITS.get(m.group("unit") or "", "")
        start, end = max(0, m.start() - 40), min(len(norm), m.end() + 40)
        out.append(Figure(value, unit, norm[start:end]))
    return out


@lru_cache(maxsize=1)
def article_raw() -> str:
    """The article as stored."""
    return ARTICLE_PATH.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def article_text() -> str:
    """The whole article, normalised (number words as digits)."""
    return normalize(article_raw())


def article_plain() -> str:
    """The whole article lower-cased with single spaces, number words kept as words."""
    return re.sub(r"\s+", " ", article_raw().lower())


@lru_cache(maxsize=1)
def article_figures() -> tuple[frozenset[str], frozenset[str], frozenset[tuple[str, str]]]:
    """(single numbers incl. range ends, ranges, (figure, unit) pairs) the article gives.

    DOIs and journal volume/issue/page numbers of the reference list are left out (the years
    stay): they are identifiers, and no answer may borrow a figure from them.
    """
    text = re.sub(r"doi:\S+", " ", article_raw())
    text = re.sub(r"(\d{4});\d+(?:\(\d+\))?:\d+(?:-\d+)?", r"\1", text)
    singles: set[str] = set()
    ranges: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for fig in figures(text):
        singles.update(fig.value.split("-"))
        if fig.is_range:
            ranges.add(fig.value)
        if fig.unit:
            pairs.add((fig.value, fig.unit))
    return frozenset(singles), frozenset(ranges), frozenset(pairs)


def in_article(fig: Figure) -> bool:
    """Whether the article gives this figure: with its unit, as a range, or as a number."""
    singles, ranges, pairs = article_figures()
    if fig.unit:
        return (fig.value, fig.unit) in pairs
    if fig.is_range:
        return fig.value in ranges
    return fig.value in singles


def foreign_figures(text: str) -> list[Figure]:
    """The figures of a text the article does not give."""
    return [fig for fig in figures(text) if not in_article(fig)]


def knowledge_texts(kb) -> list[tuple[str, str]]:  # noqa: ANN001 (a KnowledgeBase)
    """(label, text) of everything curated the bot says from the knowledge base's own words:
    topic titles, facts, 'more' facts and reasons; exercise names, steps, cautions and notes;
    disclaimers."""
    out: list[tuple[str, str]] = []
    for t in kb.topics:
        out.append((f"topics.yml: {t.id} -> title", t.title))
        for group in ("facts", "more"):
            for f in getattr(t, group):
                out.append((f"topics.yml: {t.id} -> {f.id}", f.text))
        if t.why:
            out.append((f"topics.yml: {t.id} -> why", t.why))
    for e in kb.exercises:
        out.append((f"exercises.yml: {e.id} -> name", e.name))
        out += [(f"exercises.yml: {e.id} -> steps -> {i}", s) for i, s in enumerate(e.steps)]
        out += [(f"exercises.yml: {e.id} -> cautions -> {i}", c) for i, c in enumerate(e.cautions)]
        if e.no_steps_note:
            out.append((f"exercises.yml: {e.id} -> no_steps_note", e.no_steps_note))
    out += [(f"disclaimers.yml: {d.id}", d.text) for d in kb.disclaimers if d.text]
    return out
