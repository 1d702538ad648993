"""Entity components: knowledge-generated patterns, numbers (days, minutes) and red-flag symptoms."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.pipeline import EntityRuler
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from bot.nlu.context import TrainingContext
from bot.nlu.normalizer import fold, respelled
from knowledge.models import TIERS


def _variants(text: str) -> set[str]:
    """The surface form, without hyphens, and with a plural ending."""
    base = {fold(text).strip(), fold(text).replace("-", " ").strip()}
    plural = {v + "s" for v in base if v[-1:].isalpha() and not v.endswith("s")}
    return {v for v in base | plural if v}


class KnowledgeEntityRuler(EntityRuler):
    """spaCy's EntityRuler (phrase patterns on LOWER) generated from knowledge/ and the NLU data."""

    def learn(self, ctx: TrainingContext) -> None:
        """Add one phrase pattern per surface form and variant."""
        patterns, seen = [], set()
        for label, value, text in ctx.surface_forms():
            for variant in _variants(text):
                if (label, variant) not in seen:
                    seen.add((label, variant))
                    patterns.append({"label": label, "pattern": variant, "id": value})
        self.add_patterns(patterns)  # type: ignore[arg-type]  # spaCy's hint is narrower than its API

    def __call__(self, doc: Doc) -> Doc:
        """Match, then drop what the person negates ("stronger, not bigger", "not a beginner")."""
        doc = super().__call__(doc)
        # (an exercise named by a past verb, "never squatted in my life", tells experience: kept)
        kept = [e for e in doc.ents if e.label_ not in NEGATABLE or not _negated(doc, e.start)
                or (e.label_ == "exercise" and e.text.lower().endswith("ed"))]
        if len(kept) != len(doc.ents):
            # what was negated stays readable: "no squats" asks to take the squat out of a plan
            doc.user_data["negated"] = [(e.label_, e.kb_id_ or e.ent_id_, e.start_char, e.end_char)
                                        for e in doc.ents if e not in kept]
            doc.ents = kept
        return doc


NEGATABLE = {"goal", "experience", "equipment", "muscle", "exercise"}
_NEGATORS = {"not", "no", "without", "never", "nor"}
_NEGATING_PAIRS = {("rather", "than"), ("instead", "of"), ("other", "than")}
_FILLERS = {"a", "an", "the", "my", "any", "really", "even"}
_FILLER_VERBS = {"just", "only", "simply", "get", "getting", "be", "become", "becoming"}
# "i didn't say strength", "never asked for strength": a word of saying after a negation
_SAYING = {"say", "said", "mean", "meant", "ask", "asked", "want", "wanted"}
_NOT = {"not", "n't", "never", "didnt", "dont", "didn't", "don't"}


def _negated(doc: Doc, start: int) -> bool:
    """Whether the words right before token `start` negate it (two filler words may sit between:
    "not just get strong")."""
    words = [t.lower_ for t in doc[max(0, start - 4):start]]
    for _ in range(2):  # ("and not just get strong": two fillers)
        if words and words[-1] in _FILLERS | _FILLER_VERBS:
            words = words[:-1]
    if words and words[-1] in ("for", "about"):  # "never asked for strength"
        words = [t.lower_ for t in doc[max(0, start - 4):start - 1]]
    said_not = len(words) >= 2 and words[-1] in _SAYING and bool(_NOT & set(words[:-1]))
    return bool(words) and (words[-1] in _NEGATORS or tuple(words[-2:]) in _NEGATING_PAIRS
                            or said_not)


@Language.factory("coach_entity_ruler",
                  default_config={"overwrite_ents": True, "phrase_matcher_attr": "LOWER"})
def make_entity_ruler(nlp: Language, name: str, overwrite_ents: bool,
                      phrase_matcher_attr: str) -> KnowledgeEntityRuler:
    """Factory registered for config.yml."""
    return KnowledgeEntityRuler(nlp, name, overwrite_ents=overwrite_ents,
                                phrase_matcher_attr=phrase_matcher_attr)


_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "once": 1, "twice": 2, "thrice": 3}
_N = r"(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)"
_DAYS = [
    re.compile(r"\b" + _N + r"\s*(?:x|times?|days?|sessions?|workouts?|trainings?|training days|"
               r"gym days|d)\s*"
                    r"(?:a|per|/|each|every|in a|in the|in|a the)?\s*(?:week|wk)(?:ly)?\b"),
    re.compile(r"\b(?P<n>once|twice|thrice)\s*(?:a|per|each|every)?\s*(?:week|wk)(?:ly)?\b"),
    # "can only do 2 days now": days one can train, whatever follows
    re.compile(r"\b(?:do|train|lift|manage|make|go|get in)\s+(?:only\s+|just\s+)?"
               r"(?P<n>[2-7]|two|three|four|five|six|seven)[\s-]*days?\b(?!\s*(?:ago|in a row|straight))"),
    # (not how long something lasted: "sore for 3 days", "the past 2 days", "3 days straight")
    re.compile(r"(?<!for )(?<!past )(?<!last )(?<!been )"
               r"\b(?P<n>[2-9]|1[0-4]|two|three|four|five|six|seven|eight|nine|ten)[\s-]*days?\b"
               r"(?!\s*(?:ago|of rest|off|rest|later|in a row|straight|now|after|since|running))"),
    re.compile(r"\b" + _N + r"[\s-]*day\s+split\b"),
    # "plan for 5 days" (a plan's days, not "sore for 3 days")
    re.compile(r"\b(?:plan|program|programme|routine|split|schedule)\s+for\s+(?P<n>[2-7]|two|three|four|"
               r"five|six|seven)\s*days?\b"),
    # "too many days, can we do 3" (after a plan or in the interview)
    re.compile(r"\bdays?\b[^.?!]{0,30}\b(?:do|make it|go with|try|only|just)\s+(?P<n>[2-7]|two|three|four|"
               r"five|six|seven)\b(?!\s*(?:sets?|reps?|min|mins|minutes?|hours?|hrs?|x|exercises?|times))"),
    # a form filled in one line: "days - 3", "days: 4", "training days = 5"
    re.compile(r"\b(?:days?|frequency)(?: per week| a week)?\s*[-:=]\s*"
               r"(?P<n>[1-7]|one|two|three|four|five|six|seven)\b"),
]
# a change of mind inside one message: "3 days... actually no, make it 4", "4 days, no wait 3"
_DAYS_CORRECTION = re.compile(
    r"\b(?:actually|no|nah|wait|sorry|scratch that|i mean|i meant|rather|make (?:it|that)|"
    r"change (?:it|that) to)\b[\s,.!]*(?:(?:no|nah|wait|make it|make that|actually|i mean|sorry|"
    r"better|let'?s say|say|do)[\s,.!]+)*(?P<n>[2-7]|two|three|four|five|six|seven)\b"
    r"(?!\s*(?:sets?|reps?|min|mins|minutes?|hours?|hrs?|x|exercises?|kg|lbs?|months?|years?|weeks?))")
_NOT_REST = r"(?!\s*(?:of\s+)?(?:rest|break|pause|between))"
_MINUTES = [
    # (also "40 minutos", "45 minuten", "30 minuti" of other languages)
    (re.compile(r"(?<!rest )(?<!break )\b(?P<n>\d{1,3})(?:ish)?\s*(?:-|to)?\s*(?:min|mins|minutes?|minutos|"
                r"minuten|minuti)\b" + _NOT_REST), None),
    (re.compile(r"\b(?:half an hour|half hour|30ish)\b"), 30),
    (re.compile(r"\b(?:an hour and a half|hour and a half|1\.5 hours?)\b"), 90),
    (re.compile(r"\b(?:an hour|one hour|1 hour|1hr|1 hr)\b"), 60),
    (re.compile(r"\b(?:two hours|2 hours|2hrs?)\b"), 120),
]


# "i'm 68", "68 years old", "at 65": 60+ is the coach's own cut-off for offering the article's
# facts on older adults (the article gives no age)
_AGE = re.compile(r"\b(?:i'?m|i am|at|aged?|turning)\s+(?P<n>[6-9]\d|1[01]\d)\b(?!\s*(?:min|kg|lb|%|days?))"
                  r"|\b(?P<m>[6-9]\d|1[01]\d)\s*(?:years?|yrs?)[\s-]*old\b")
# "im 15", "my 14 yo son", "13 years old": a young age, a subject the article does not cover
# ("explain it like i'm 12" asks for plain words, not about a child's training)
_YOUNG_AGE = re.compile(r"(?<!like )(?<!as if )\b(?:i'?m|i am|aged?|turning)\s+(?P<n>1[0-7])\b"
                        r"(?!\s*(?:min|kg|lb|%|days?|reps?|sets?|x))"
                        r"|\b(?P<m>1[0-7])\s*(?:years?|yrs?|yr)[\s-]*old\b|\b(?P<o>1[0-7])\s*(?:yo|y/o|y\.o\.)\b")
# "my grandpa is 80", "mom's 72": somebody else's age
_AGE_OTHER = re.compile(r"\b(?:grandpa|grandma|grandfather|grandmother|grandad|granddad|nan|nana|"
                        r"dad|mom|mum|mother|father|he|she|husband|wife|partner)(?:'s| is)\s+"
                        r"(?P<n>[6-9]\d|1[01]\d)\b(?!\s*(?:min|kg|lb|%|days?))")
# "been lifting for 6 years", "5 years of training": the coach's own reading (3+ years advanced,
# 1-2 intermediate), never said to the user as the article's; the article defines no levels
_YEARS = re.compile(r"\b(?P<n>\d{1,2}|a|one|two|three|four|five|six|seven|eight|nine|ten)\+?\s*"
                    r"(?:years?|yrs?)\s+(?:of\s+)?(?:lifting|training|experience|in the gym|"
                    r"working out)|\b(?:lifting|lifted|training|trained|working out|worked out|been at it|"
                    r"going to the gym|gone to the gym|in the gym|experience|exp)[:\s-]+"
                    r"(?:(?:on and off|off and on|on-and-off|on and off again|consistently|seriously|"
                    r"regularly|properly)\s+)?(?:for\s+)?"
                    r"(?:about\s+|around\s+|like\s+|almost\s+|nearly\s+|over\s+)?"
                    r"(?P<m>\d{1,2}|a|one|two|three|four|five|six|seven|eight|nine|ten)\+?\s*(?:years?|yrs?)\b")
# a message that is only a small number answers "how many days?" ("3", "probably 4")
_HEDGE = r"(?:probably|maybe|prob|about|around|like|mainly|mostly|just|definitely|def|i'?d say)"
_BARE_DAYS = re.compile(r"^\s*(?:" + _HEDGE + r"\s+)?(?P<n>[1-7]|one|two|three|four|five|six|"
                        r"seven)\s*[.!]?\s*$")
# a message that is only a goal word answers "size or strength?" ("mostly strength")
# ("4 size" is "for size" in text speak; a connective or "for" makes it a fragment that leans on
# the last answer: "and for strength?", "for hypertrophy")
_BARE_GOAL = re.compile(r"^\s*(?P<pre>(?:and\s+|what about\s+|how about\s+)?(?:" + _HEDGE + r"\s+)?"
                        r"(?:(?:for|4)\s+)?)(?:plain\s+|pure\s+|just\s+)?(?P<g>size|mass|hypertrophy|"
                        r"strength|power)\s*(?:mostly|mainly|please|pls|then|instead)?\s*[.!?]?\s*$")

# a correction names the goal meant: "no i meant size not strength", "i said strength"
_MEANT_GOAL = re.compile(r"\b(?:meant|said|mean|asked about|asking about|talking about)\s+(?:for\s+)?"
                         r"(?P<g>size|mass|hypertrophy|strength|power)\b")


def source_text(doc: Doc) -> str:
    """The user's text, folded like the normaliser does, with its typos fixed ("no ijnuries"
    reads "no injuries"); to_source() places an offset in it back in the user's text."""
    cached = doc.user_data.get("source_text")
    if cached is not None:
        return str(cached)
    original = doc.user_data.get("original_text", doc.text)
    folded = fold(original)
    text = folded if len(folded) == len(original) else original.lower()
    out, moved, at = [], [], 0
    for start, end, fixed in doc.user_data.get("typo_fixes") or []:
        out.append(text[at:start])
        new_start = sum(map(len, out))
        out.append(fixed)
        moved.append((new_start, new_start + len(fixed), start, end))
        at = end
    out.append(text[at:])
    doc.user_data["source_text"] = "".join(out)
    doc.user_data["source_moved"] = moved
    return doc.user_data["source_text"]


def to_source(doc: Doc, offset: int, end: bool = False) -> int:
    """An offset in source_text() as an offset in the user's own text (a fixed word maps to the
    word typed: its start for a start, its end for an end)."""
    source_text(doc)
    shift = 0
    for new_start, new_end, old_start, old_end in doc.user_data.get("source_moved") or []:
        if offset <= new_start:
            break
        if offset >= new_end:
            shift = old_end - new_end
            continue
        return old_end if end else old_start
    return offset + shift


def source_span(doc: Doc, start: int, end: int, label: str, kb_id: str) -> Span | None:
    """The tokens whose place in source_text() overlaps [start, end)."""
    start, end = to_source(doc, start), to_source(doc, end, end=True)
    spans = doc.user_data.get("source_spans")
    if not spans:
        return doc.char_span(start, end, label=label, alignment_mode="expand", kb_id=kb_id)
    hits = [i for i, (s, e) in enumerate(spans) if s < end and start < e and i < len(doc)]
    if not hits:
        return None
    return Span(doc, hits[0], hits[-1] + 1, label=label, kb_id=kb_id)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUM[word]


def _experience(years: int) -> str:
    return "advanced" if years >= 3 else "intermediate"


# "i can do mon wed fri", "tuesdays and thursdays": the training days named one by one
_WEEKDAY = re.compile(r"\b(?P<d>mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:days?|nesdays?|"
                      r"sdays?|urdays?|rsdays?|ursdays?|\.)?(?=\W|$)", re.I)
_WEEKDAY_SAME = {"tues": "tue", "weds": "wed", "thur": "thu", "thurs": "thu"}


def _weekdays(text: str) -> tuple[int, int, int] | None:
    """(start, end, count) of two or more distinct weekdays named in one run of the message."""
    found = list(_WEEKDAY.finditer(text))
    days = {_WEEKDAY_SAME.get(m.group("d").lower(), m.group("d").lower()) for m in found}
    if len(days) < 2 or len(days) > 7:
        return None
    return found[0].start(), found[-1].end(), len(days)


class NumberEntities:
    """Days per week, minutes per session (digit strings), years of lifting and an older age."""

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        text = source_text(doc)
        named = _weekdays(text)
        if named is not None:
            span = source_span(doc, named[0], named[1], "days", str(named[2]))
            if span is not None:
                spans.append(span)
        for rx in _DAYS:
            for m in rx.finditer(text):
                span = source_span(doc, m.start(), m.end(), "days", str(_number(m.group("n"))))
                if span is not None:
                    spans.append(span)
        if not any(s.label_ == "days" for s in spans):
            # "3 dys a wek": the days in the normaliser's corrected words, when the typed ones
            # hold none
            for rx in _DAYS:
                for m in rx.finditer(doc.text):
                    span = doc.char_span(m.start(), m.end(), label="days", alignment_mode="expand",
                                         kb_id=str(_number(m.group("n"))))
                    if span is not None:
                        spans.append(span)
        readers: tuple[tuple[re.Pattern[str], str, Callable[[int], str]], ...] = (
            (_AGE, "condition", lambda n: "older_age"), (_AGE_OTHER, "condition", lambda n: "older_age"),
            (_YEARS, "experience", _experience),
            (_BARE_DAYS, "days", str))
        for rx, label, read in readers:
            for m in rx.finditer(text):
                word = m.groupdict().get("n") or m.groupdict().get("m") or ""
                n = 1 if word == "a" else _number(word)
                span = source_span(doc, m.start(), m.end(), label, read(n))
                if span is not None:
                    spans.append(span)
        for m in _YOUNG_AGE.finditer(text):
            span = source_span(doc, m.start(), m.end(), "subject", "youth")
            if span is not None:
                spans.append(span)
        for m in [*_BARE_GOAL.finditer(text), *_MEANT_GOAL.finditer(text)]:
            goal = "strength" if m.group("g") in ("strength", "power") else "size"
            span = source_span(doc, m.start("g"), m.end("g"), "goal", goal)
            if span is not None:
                spans.append(span)
        corrected = doc.text
        bare = _BARE_GOAL.match(text) or _BARE_GOAL.match(corrected)  # "n strngth": as corrected
        if bare is not None:
            if bare.string is corrected:
                goal = "strength" if bare.group("g") in ("strength", "power") else "size"
                span = doc.char_span(bare.start("g"), bare.end("g"), label="goal", kb_id=goal,
                                     alignment_mode="expand")
                if span is not None:
                    spans.append(span)
            if bare.group("pre").strip():
                doc.user_data.setdefault("cues", {})["goal_fragment"] = True
        for rx, fixed in _MINUTES:
            for m in rx.finditer(text):
                minutes = fixed if fixed is not None else int(m.group("n"))
                span = source_span(doc, m.start(), m.end(), "duration", str(minutes))
                if span is not None:
                    spans.append(span)
        said = [s for s in spans if s.label_ == "days"]
        for m in _DAYS_CORRECTION.finditer(text):
            earlier = [s for s in said if s.end_char <= m.start("n")]
            if earlier and all(s.kb_id_ != str(_number(m.group("n"))) for s in earlier):
                span = source_span(doc, m.start("n"), m.end("n"), "days", str(_number(m.group("n"))))
                if span is not None:  # the number said last stands
                    spans = [s for s in spans if s not in earlier] + [span]
        if spans:
            doc.ents = filter_spans(spans + list(doc.ents))
        return doc


@Language.factory("coach_numbers")
def make_numbers(nlp: Language, name: str) -> NumberEntities:
    """Factory registered for config.yml."""
    return NumberEntities()


# "no chest pain", "not dizzy", "don't have any numbness": a directly negated mention
_NEGATED = re.compile(r"\b(?:no|not|without|never|zero|nor|(?:don'?t|doesn'?t|didn'?t|do not|does not|"
                      r"did not) (?:have|get|feel|got|notice))\s+(?:any\s+|\w+\s+)?$")
# ... unless the sentence goes on to say it is happening now ("never had chest pain like this")
_NOT_NEGATED_AFTER = re.compile(r"^[^.?!]*\b(?:like (?:this|that|it is|today)|this bad|so bad|"
                                r"this strong|this intense|until (?:now|today)|till (?:now|today)|"
                                r"but (?:now|today|this)|right now|today|tonight|this time)\b")


def _negated_mention(text: str, start: int, end: int) -> bool:
    """Whether the mention at [start, end) is denied ("no chest pain, just curious")."""
    if not _NEGATED.search(text[max(0, start - 30):start]):
        return False
    return not _NOT_NEGATED_AFTER.search(text[end:end + 80])


class SymptomMatcher:
    """Red flags from knowledge/data/safety.yml, each span labelled `symptom` with the flag id.

    Flags are tried in the file's order (highest tier first), and the first flag to match a
    stretch of text keeps it. A denied mention is skipped unless the flag is not negatable.
    """

    def __init__(self) -> None:
        self.flags: list[tuple[str, bool, list[re.Pattern[str]]]] = []
        # flags whose words count only after another flag: (flag id, after ids, patterns)
        self.after: list[tuple[str, list[str], list[re.Pattern[str]]]] = []
        self.tiers: dict[str, str] = {}
        self.order: list[str] = []  # tiers, highest first

    def learn(self, ctx: TrainingContext) -> None:
        """Compile the red-flag regexes; remember each flag's tier."""
        self.flags = [(f.id, f.negatable, [re.compile(p) for p in f.patterns])
                      for f in ctx.kb.red_flags]
        self.tiers = {f.id: f.tier for f in ctx.kb.red_flags}
        self.order = list(TIERS)
        self.after = [(f.id, list(f.after), [re.compile(p) for p in f.after_patterns])
                      for f in ctx.kb.red_flags if f.after and f.after_patterns]

    def __call__(self, doc: Doc) -> Doc:
        text = source_text(doc)
        spans: list[Span] = []
        # "I had some bleeding" means the pregnancy warning sign if pregnancy was reported before:
        # the cue maps each earlier flag to the sign these words would then be
        conditional = {before: flag_id for flag_id, befores, patterns in self.after
                       for before in befores
                       if any(not _negated_mention(text, m.start(), m.end())
                              for rx in patterns for m in rx.finditer(text))}
        if conditional:
            doc.user_data.setdefault("cues", {})["if_remembered"] = conditional
        # ("want to hurt myslef again": the patterns also read the misspellings respelled)
        fixed, pieces = respelled(text)
        readings = [(text, None)] + ([(fixed, pieces)] if fixed != text else [])
        for flag_id, negatable, patterns in self.flags:
            for reading, where in readings:
                for rx in patterns:
                    for m in rx.finditer(reading):
                        if negatable and _negated_mention(reading, m.start(), m.end()):
                            continue
                        start, end = m.start(), m.end()
                        if where is not None:  # back to the places of the typed words
                            start = next(o0 for n0, n1, o0, _ in where if n1 > start)
                            end = next(o1 for n0, n1, _, o1 in where if n1 >= end)
                        span = source_span(doc, start, end, "symptom", flag_id)
                        if span is not None:
                            spans.append(span)
        if spans:
            # one span per flag; symptoms win over overlapping entities ("chest" in "chest
            # pain"), and a body part named with a symptom is where it hurts, not a muscle to train
            unique: list[Span] = []
            claimed: list[Span] = []  # every span seen, so a later flag cannot take its words
            for span in spans:  # spans come in safety.yml order: the first flags win overlaps
                if span.kb_id_ not in {u.kb_id_ for u in unique} and not any(
                        span.start < c.end and c.start < span.end for c in claimed):
                    unique.append(span)
                claimed.append(span)
            others = [e for e in doc.ents if e.label_ != "muscle" and not any(
                e.start < s.end and s.start < e.end for s in unique)]
            doc.ents = filter_spans(others + unique)
            tiers = [self.tiers[u.kb_id_] for u in unique]
            doc.user_data.setdefault("cues", {})["tier"] = min(tiers, key=self.order.index)
        return doc

    def to_disk(self, path: Any, exclude: Iterable[str] = ()) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)
        srsly.write_json(Path(path) / "flags.json",
                         {"flags": [[i, neg, [p.pattern for p in ps]] for i, neg, ps in self.flags],
                          "after": [[i, b, [p.pattern for p in ps]] for i, b, ps in self.after],
                          "tiers": self.tiers, "order": self.order})

    def from_disk(self, path: Any, exclude: Iterable[str] = ()) -> SymptomMatcher:
        data = srsly.read_json(Path(path) / "flags.json")
        self.flags = [(i, neg, [re.compile(p) for p in ps]) for i, neg, ps in data["flags"]]
        self.after = [(i, list(b), [re.compile(p) for p in ps]) for i, b, ps in data.get("after", [])]
        self.tiers, self.order = data["tiers"], data["order"]
        return self


@Language.factory("coach_symptoms")
def make_symptoms(nlp: Language, name: str) -> SymptomMatcher:
    """Factory registered for config.yml."""
    return SymptomMatcher()
