"""The form values component: plan-interview answers said in everyday words, as entities.

"nothing injured", "zero injuries", "healthy" (no injuries: condition `none`); "6 months in"
(beginner); a bare "gym" (a full gym); "a dumbbell plan" (dumbbells); "an hour per session" (60
minutes). They join the entities the knowledge-generated ruler and the numbers component found,
so every slot of a complete plan request is taken from its first message.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from bot.nlu.entities import source_span, source_text

# (label, value, pattern) over the folded text
_VALUES: list[tuple[str, str, re.Pattern[str]]] = [
    ("condition", "none", re.compile(
        r"\b(?:no|zero|not any|without any|without|nothing|none|no real) (?:\w+ )?(?:injur(?:y|ies|ed)|"
        r"health (?:issues?|problems?|conditions?)|medical (?:issues?|problems?|conditions?)|"
        r"conditions?|problems? with my body)\b|\bnothing (?:injured|wrong|hurts)\b|"
        r"\binjury[- ]free\b|\b(?:i'?m|im|i am|totally|perfectly|fully) (?:healthy|fine health)\b|"
        r"(?:^|[,;:]|\band)\s*(?:all )?healthy\s*(?:[.,;:!]|$)|\bin good health\b|"
        r"\bno (?:aches|pains) or injuries\b")),
    ("experience", "beginner", re.compile(
        r"\b(?:\d{1,2}|a few|a couple of|couple|few|one|two|three|four|five|six|seven|eight|nine|"
        r"ten|eleven) (?:months?|weeks?|mo)\b(?! ago| off| break| out)|"
        r"\b(?:new to|just (?:started|starting|got into)|never (?:lifted|trained|worked out)|"
        r"first time (?:lifting|at the gym|training)|"
        r"complete beginner|total beginner|newbie|noob|novice)\b")),
    ("experience", "advanced", re.compile(r"\b(?:experienced|veteran|very experienced|"
                                          r"years of experience)\b")),
    ("equipment", "full_gym", re.compile(r"(?<!full )(?<!home )\bgym\b(?! membership)")),
    ("equipment", "dumbbells", re.compile(r"\bdumbbell (?:plan|program|routine|workout|split)\b|"
                                          r"\b(?:db|dbs) only\b|\bonly (?:db|dbs)\b")),
    ("duration", "60", re.compile(r"\b(?:an? )?hour (?:per|a|each) (?:session|workout|day)\b|"
                                  r"\b(?:sessions?|workouts?) of an hour\b")),
]


class FormValues:
    """Adds experience, equipment, duration and condition `none` entities found in plain words."""

    def __call__(self, doc: Doc) -> Doc:
        text = source_text(doc)
        spans: list[Span] = []
        taken = {e.label_ for e in doc.ents}
        for label, value, rx in _VALUES:
            if label in taken:  # the ruler or the numbers already read this answer
                continue
            m = rx.search(text)
            if m:
                span = source_span(doc, m.start(), m.end(), label, value)
                if span is not None:
                    spans.append(span)
                    taken.add(label)
        if spans:
            kept = [e for e in doc.ents if not any(e.start < s.end and s.start < e.end for s in spans)]
            doc.ents = filter_spans(kept + spans)
        return doc


@Language.factory("coach_form_values")
def make_form_values(nlp: Language, name: str) -> FormValues:
    """Factory registered for config.yml."""
    return FormValues()
