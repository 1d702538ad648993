"""A learned second reader for crisis messages, beside the patterns of knowledge/data/safety.yml.

The crisis patterns are a list, and lists run out: a blind set of indirect crisis messages
(tests/data/fresh/crisis_cases_v1.yaml) found that they missed about half of them. A small
classifier trained on bot/data/crisis.yml (crisis messages and hard negatives such as "leg day
killed me", written by two people who never saw the patterns) reads the message as well.

The classifier is spaCy's own `textcat_multilabel` with the one label `crisis`, placed after the
lemma view; this module's gate component turns its score into the cue the dialogue reads: when no
pattern named any red flag and the score reaches the threshold, the tier is `crisis` and
`crisis_maybe` says that only the classifier saw it (the reply then allows that it may misread).
The score never reaches the intent ranking.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError, field_validator
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example as SpacyExample
from spacy.util import minibatch

from bot.core.errors import DataError
from bot.nlu.entities import source_text

LABEL = "crisis"
CRISIS_PIPE = "crisis_textcat"
# the sentences of a message, each also read alone: a crisis line inside a long training question
# ("how many sets for chest. not that it matters, i wont be here next month") is not drowned by it
# (a clause after "but", "anyway", "also", "though" or a colon is read alone too: "i want to gain
# 5 kg but i also keep thinking about driving into a wall")
_SENTENCE = re.compile(r"(?<=[.!?;:\n])\s+|\s+-+\s+|\s*\.\.\.+\s*|,?\s+\b(?:but|anyway|also|though|"
                       r"although)\b,?\s+")
MAX_SENTENCES = 6  # sentences scored alone (a longer message: its first ones)
# the score a message must reach that says "i'm fine" or "just kidding", or uses dark words as a
# gym idiom ("dying to know", "it's killing me not knowing")
SURE_THRESHOLD = 0.9
HOLD_OFF = "hold_off"  # the lowest tier of red flags (knowledge/data/safety.yml)


class CrisisData(BaseModel):
    """bot/data/crisis.yml: messages that are a crisis and messages that only sound like one."""

    crisis: list[str]
    not_crisis: list[str]
    everyday: list[str] = []  # ordinary chat, also none a crisis (bot/data/crisis_everyday.yml)

    @field_validator("crisis", "not_crisis")
    @classmethod
    def _non_empty(cls, value: list[str]) -> list[str]:
        if not value or any(not isinstance(v, str) or not v.strip() for v in value):
            raise ValueError("needs at least one message, and no empty ones")
        return value


def load_crisis(*paths: Path) -> CrisisData:
    """Read the crisis training files (their lists are joined); DataError names the file and the
    problem."""
    raw: dict[str, list[str]] = {}
    for path in paths:
        try:
            content = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise DataError(f"{path}: {exc}") from exc
        if not isinstance(content, dict):
            raise DataError(f"{path}: expected a mapping of lists")
        for key, value in content.items():
            raw.setdefault(key, []).extend(value if isinstance(value, list) else [value])
    try:
        return CrisisData.model_validate(raw)
    except ValidationError as exc:
        raise DataError(f"{', '.join(map(str, paths))}: {exc}") from exc


def train_crisis(nlp: Language, data: CrisisData, negatives: Iterable[str], *, epochs: int,
                 learn_rate: float, dropout: float, batch_size: int, seed: int) -> None:
    """Train the crisis classifier on the crisis files plus every intent training line (none of
    which is a crisis) as further negatives; only the crisis pipe is updated."""
    before = nlp.pipe_names[:nlp.pipe_names.index(CRISIS_PIPE)]
    before = [n for n in before if n != "textcat"]
    crisis = set(data.crisis)
    texts = [(t, 1.0) for t in data.crisis] + [(t, 0.0) for t in data.not_crisis] \
        + [(t, 0.0) for t in dict.fromkeys([*data.everyday, *negatives]) if t not in crisis]
    with nlp.select_pipes(enable=before):
        docs = list(nlp.pipe(t for t, _ in texts))
    for doc in docs:
        doc.cats = {}
    examples = [SpacyExample.from_dict(doc, {"cats": {LABEL: y}})
                for doc, (_, y) in zip(docs, texts, strict=True)]
    rng = random.Random(seed)
    optimizer = nlp.resume_training()
    optimizer.learn_rate = learn_rate
    others = [n for n in nlp.pipe_names if n != CRISIS_PIPE]
    for _ in range(epochs):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=batch_size):
            nlp.update(batch, sgd=optimizer, drop=dropout, exclude=others)


class CrisisGate:
    """Turns the crisis score into cues: `crisis_score` always, and tier `crisis` with
    `crisis_maybe` when no pattern named a red flag and the score reaches the threshold.

    A message of several sentences, or clauses after "but", "anyway", "also", "though" or a
    colon, is also scored one part at a time (the highest score counts)."""

    def __init__(self, nlp: Language, threshold: float) -> None:
        self.nlp = nlp
        self.threshold = threshold

    def __call__(self, doc: Doc) -> Doc:
        score = float(doc.cats.pop(LABEL, 0.0))
        cues: dict[str, Any] = doc.user_data.setdefault("cues", {})
        # a message that says the person is fine ("nah im good, it happens sometimes") or uses
        # dark words as a gym idiom ("my legs are dead") or asks about the article ("when was it
        # last updated") needs a surer reading; the crisis
        # patterns still apply to it. (A surer reading for every message the intent
        # classifier reads clearly as training was tried: it lost crisis messages inside a clear
        # question, "whether exercise helps when one no longer wishes to be alive".)
        idioms = doc.user_data.get("idiom_spans") or []
        threshold = max(self.threshold, SURE_THRESHOLD) \
            if cues.get("not_at_risk") or idioms or cues.get("idiom") or cues.get("about_article") \
            else self.threshold
        # a hold-off (a condition such as being postpartum, a joint that hurts) is no warning sign
        # of its own: a sure crisis reading in the same message still wins ("4 months postpartum.
        # the baby would be better off with someone who isn't me")
        open_tier = not cues.get("tier") or cues.get("tier") == HOLD_OFF
        needed = threshold if not cues.get("tier") else max(threshold, SURE_THRESHOLD)
        if open_tier and score < needed:
            score = max(score, self._sentences(source_text(doc)))
        courtesy = doc.user_data.get("courtesy_spans") or []
        if open_tier and courtesy and not idioms and score >= needed:
            # an apology for one's English ("my english is not so good sorry"): read again
            # without it, at the usual threshold ("sorry my english. every day i think to die"
            # still reads as a crisis)
            masked = _without(source_text(doc), courtesy)
            score = min(score, max(self._score(masked), self._sentences(masked)))
        if open_tier and idioms and score >= needed:
            # dark words as a gym idiom ("dying to know", "long rests bore me to death") need a
            # surer reading, and the message read again without its idioms, whole and by
            # sentence, must still reach the usual threshold: the lower score counts. A crisis
            # said beside an idiom still reads as one ("my legs are dead and honestly i want to
            # be dead too")
            masked = _without(source_text(doc), idioms)
            again = max(self._score(masked), self._sentences(masked))
            score = again if again < self.threshold else score
        cues["crisis_score"] = round(score, 4)
        if open_tier and score >= needed:
            cues["tier"] = LABEL
            cues["crisis_maybe"] = True
        return doc

    def _score(self, text: str) -> float:
        """The classifier's score of a text read alone (1.0 without the classifier: no change)."""
        if CRISIS_PIPE not in self.nlp.pipe_names or not text.strip():
            return 1.0 if text.strip() else 0.0
        upto = self.nlp.pipe_names.index(CRISIS_PIPE)
        part = self.nlp.make_doc(text)
        for name, proc in self.nlp.pipeline[:upto]:
            if name != "textcat":
                part = proc(part)
        crisis_pipe: Any = self.nlp.get_pipe(CRISIS_PIPE)
        return float(crisis_pipe.predict([part]).tolist()[0][0])

    def _sentences(self, text: str) -> float:
        """The highest score of the message's sentences read alone, and of two neighbours read
        together (0 for one sentence).

        Each sentence goes through the components before the classifier by direct calls, not
        nlp.pipe: select_pipes would change the shared pipeline under other threads' parses."""
        if CRISIS_PIPE not in self.nlp.pipe_names:  # (a pipeline without the classifier)
            return 0.0
        split = _SENTENCE.split(text)
        # ("beginner. not like ill be around to see results": the one-word answer is left out)
        parts = [p for p in split if len(p.split()) >= 2]
        if len(split) < 2 or not parts:
            return 0.0
        upto = self.nlp.pipe_names.index(CRISIS_PIPE)
        before = [proc for name, proc in self.nlp.pipeline[:upto] if name != "textcat"]
        crisis_pipe: Any = self.nlp.get_pipe(CRISIS_PIPE)
        parts = parts[:MAX_SENTENCES]
        # two neighbours together too: a cut at "anyway" can split one thought ("doesnt matter
        # anyway ill be gone soon")
        pairs = [f"{a} {b}" for a, b in zip(parts, parts[1:], strict=False)]
        docs = []
        for part in parts + pairs:
            sentence = self.nlp.make_doc(part)
            for proc in before:
                sentence = proc(sentence)
            docs.append(sentence)
        scores = crisis_pipe.predict(docs)
        return float(max(row[0] for row in scores.tolist()))


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the given character spans left out."""
    out, at = [], 0
    for start, end in sorted(spans):
        out.append(text[at:start])
        at = max(at, end)
    out.append(text[at:])
    return " ".join("".join(out).split())


@Language.factory("coach_crisis_gate", default_config={"threshold": 0.5})
def make_crisis_gate(nlp: Language, name: str, threshold: float) -> CrisisGate:
    """Factory registered for config.yml."""
    return CrisisGate(nlp, threshold)

