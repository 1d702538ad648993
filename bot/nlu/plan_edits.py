"""The plan edits component: what a person asks to change in a plan, beyond days or equipment.

Adds to `doc.user_data["cues"]`: exercises to take out ("no squats", "take out the deadlifts"),
to swap ("swap the skull crushers"), to put back ("put the squat back"), and joints to spare
("what won't hurt my knees", "go easy on my lower back").
"""

from __future__ import annotations

import re
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from bot.nlu.entities import source_text

_REMOVE = re.compile(r"\b(?:take (?:out|off)|taking out|remove|drop|skip|get rid of|cut|ditch|"
                     r"leave out|lose|don'?t want|do not want|hate|can'?t do|cannot do|no more|"
                     r"without|no)\b")
_TAKE = re.compile(r"\b(?:take|leave|cut|knock|kick|throw|get)\b")
_OUT_AFTER = re.compile(r"[\w\s']{0,30}\b(?:out|off)\b")
_SWAP = re.compile(r"\b(?:swap|switch out|replace|substitute|sub out|alternative (?:to|for)|"
                   r"instead of|something else (?:for|instead of)|change (?:the|my))\b")
_RESTORE = re.compile(r"\b(?:put|add|bring)\b[^.?!]{0,30}\bback\b|\bback in\b|\binclude\b[^.?!]{0,30}"
                      r"\bagain\b|\bre-?add\b")
# joints to spare: the joint word with a word of sparing or trouble near it
_JOINTS = [("knees", r"knees?"), ("hips", r"hips?"), ("lower_back", r"lower back|low back|back"),
           ("shoulders", r"shoulders?"), ("elbows", r"elbows?"), ("wrists", r"wrists?")]
_SPARE_WORDS = (r"(?:spare|protect|easy on|go easy|gentle on|won'?t hurt|wont hurt|doesn'?t hurt|"
                r"don'?t hurt|not hurt|without hurting|safe for|kind to|bad|weak|dodgy|arthritic|"
                r"arthritis|injured|problems? with|issues? with|trouble with|stiff|sore|careful with|"
                r"avoid (?:loading|stressing))")
_SPARE = [(joint, re.compile(rf"\b{_SPARE_WORDS}\b[^.?!]{{0,25}}\b(?:my |the |your )?(?:{words})\b|"
                             rf"\b(?:my |the )?(?:{words})\b[^.?!]{{0,15}}\b{_SPARE_WORDS}\b"))
          for joint, words in _JOINTS]


_NAMED = [(joint, re.compile(rf"\b(?:{words})\b")) for joint, words in _JOINTS]


class PlanEdits:
    """Adds remove, swap, restore (exercise ids) and spare (joints) to the cues."""

    def __call__(self, doc: Doc) -> Doc:
        text = source_text(doc)
        cues: dict[str, Any] = doc.user_data.setdefault("cues", {})
        named = [(e.kb_id_ or e.ent_id_, e.start_char) for e in doc.ents if e.label_ == "exercise"]
        negated = [(value, start) for label, value, start, _ in doc.user_data.get("negated", [])
                   if label == "exercise"]
        edits: dict[str, list[str]] = {"remove": [], "swap": [], "restore": []}
        for value, start in [*named, *negated]:
            before = text[max(0, start - 40):start]
            after = text[start:start + 40]
            if _RESTORE.search(before + after):
                edits["restore"].append(value)
            elif _SWAP.search(before):
                edits["swap"].append(value)
            elif (value, start) in negated or _REMOVE.search(before) or (
                    _TAKE.search(before) and _OUT_AFTER.match(after)):  # "take the squats out"
                edits["remove"].append(value)
        for name, values in edits.items():
            if values:
                cues[name] = sorted(set(values))
        spare = [joint for joint, rx in _SPARE if rx.search(text)]
        if spare:  # "spare my knees and my lower back and my elbows": every joint the ask names
            spare += [joint for joint, rx in _NAMED if rx.search(text) and joint not in spare]
            cues["spare"] = sorted(spare)
        return doc


@Language.factory("coach_plan_edits")
def make_plan_edits(nlp: Language, name: str) -> PlanEdits:
    """Factory registered for config.yml."""
    return PlanEdits()
