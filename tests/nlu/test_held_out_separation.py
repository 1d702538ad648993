"""The held-out NLU file measures generalisation only if none of its sentences is a near-copy of a
training sentence (issue #10): no pair may be >= 90% similar once lower-cased and stripped of
punctuation, by rapidfuzz's ratio."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from bot.core.config import ROOT
from bot.nlu.data import load_nlu
from bot.nlu.model import NLU_FILES

SIMILARITY_LIMIT = 90.0
# every training file
TRAINING_FILES = NLU_FILES
_PUNCT = re.compile(r"[^\w\s]")


def normalise(text: str) -> str:
    """Lower-case, punctuation removed ("what's" -> "whats"), whitespace collapsed."""
    return " ".join(_PUNCT.sub("", text.lower()).split())


def normalise_spaced(text: str) -> str:
    """As normalise, but punctuation becomes a space ("what's" -> "what s")."""
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


def _near_duplicates(norm) -> list[tuple[str, str, float]]:
    train = [norm(e.text) for e in load_nlu(*TRAINING_FILES).examples]
    found = []
    for ex in load_nlu(ROOT / "tests" / "data" / "nlu_test.yml").examples:
        match = process.extractOne(norm(ex.text), train, scorer=fuzz.ratio,
                                   score_cutoff=SIMILARITY_LIMIT)
        if match:
            found.append((ex.text, train[match[2]], round(match[1], 1)))
    return found


def test_no_held_out_sentence_is_a_near_duplicate_of_a_training_sentence() -> None:
    assert not _near_duplicates(normalise)


def test_no_near_duplicate_when_punctuation_becomes_a_space() -> None:
    assert not _near_duplicates(normalise_spaced)


def test_normalisation() -> None:
    assert normalise("What's  UP, coach?!") == "whats up coach"
    assert normalise_spaced("What's up?") == "what s up"
    assert fuzz.ratio(normalise("source?"), normalise("Source")) == 100


def test_held_out_file_keeps_its_size_and_balance() -> None:
    test = load_nlu(ROOT / "tests" / "data" / "nlu_test.yml")
    train = load_nlu(ROOT / "bot" / "data" / "nlu.yml")
    counts: dict[str, int] = {}
    for e in test.examples:
        counts[e.intent] = counts.get(e.intent, 0) + 1
    assert len(test.examples) >= 550
    assert set(counts) == set(train.intents)
    assert min(counts.values()) >= 12
