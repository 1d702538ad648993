"""The crisis gate's rules on made-up classifier scores, and the crisis data's validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import spacy

from bot.core.errors import DataError
from bot.nlu.crisis import LABEL, SURE_THRESHOLD, CrisisGate, load_crisis

NLP = spacy.blank("en")


def _gate(score: float, cues: dict[str, Any], intents: dict[str, float] | None = None) -> Any:
    doc = NLP.make_doc("one sentence only")
    doc.cats = {**(intents or {"ask_rest": 0.2}), LABEL: score}
    doc.user_data["cues"] = dict(cues)
    out = CrisisGate(NLP, threshold=0.5)(doc)
    return out.user_data["cues"], out.cats


def test_a_score_at_the_threshold_is_a_crisis_the_classifier_alone_read() -> None:
    cues, cats = _gate(0.5, {})
    assert cues["tier"] == "crisis" and cues["crisis_maybe"] is True
    assert LABEL not in cats  # the score never reaches the intent ranking


def test_a_score_below_the_threshold_is_no_crisis() -> None:
    cues, _ = _gate(0.49, {})
    assert "tier" not in cues and cues["crisis_score"] == 0.49


def test_a_pattern_tier_is_kept_and_not_marked_as_a_guess() -> None:
    cues, _ = _gate(0.9, {"tier": "emergency"})
    assert cues["tier"] == "emergency" and "crisis_maybe" not in cues


def test_saying_one_is_fine_needs_a_surer_reading() -> None:
    cues, _ = _gate(0.6, {"not_at_risk": True})
    assert "tier" not in cues
    cues, _ = _gate(SURE_THRESHOLD, {"not_at_risk": True})
    assert cues["tier"] == "crisis"


def test_crisis_data_needs_both_lists(tmp_path: Path) -> None:
    path = tmp_path / "crisis.yml"
    path.write_text("crisis:\n  - i want it all to stop\n", encoding="utf-8")
    with pytest.raises(DataError, match="not_crisis"):
        load_crisis(path)
    path.write_text("crisis: [a]\nnot_crisis: ['']\n", encoding="utf-8")
    with pytest.raises(DataError, match="empty"):
        load_crisis(path)


class _MaskedGate(CrisisGate):
    """A gate whose classifier reads the message without its idioms at a set score."""

    def __init__(self, masked_score: float) -> None:
        super().__init__(NLP, threshold=0.5)
        self.masked_score = masked_score
        self.read: list[str] = []

    def _score(self, text: str) -> float:
        self.read.append(text)
        return self.masked_score

    def _sentences(self, text: str) -> float:
        return 0.0


def _idiom_gate(score: float, masked: float, text: str, spans: list[tuple[int, int]]) -> Any:
    gate = _MaskedGate(masked)
    doc = NLP.make_doc(text)
    doc.cats = {"ask_rest": 0.2, LABEL: score}
    doc.user_data["cues"] = {"idiom": True}
    doc.user_data["idiom_spans"] = spans
    return gate(doc).user_data["cues"], gate.read


def test_a_gym_idiom_is_left_out_and_the_rest_read_again() -> None:
    text = "long rests bore me to death, what rest for size"
    start = text.index("bore")
    cues, read = _idiom_gate(0.98, 0.1, text, [(start, start + len("bore me to death"))])
    assert "tier" not in cues and cues["crisis_score"] == 0.1
    assert read == ["long rests , what rest for size"]


def test_a_crisis_beside_a_gym_idiom_still_reads_as_one() -> None:
    text = "my legs are dead and honestly i want to be dead too"
    cues, _ = _idiom_gate(0.95, 0.84, text, [(0, len("my legs are dead"))])
    assert cues["tier"] == "crisis" and cues["crisis_score"] == 0.95


def test_a_gym_idiom_needs_a_surer_reading() -> None:
    text = "what channel is the show on tonight, im dying to watch it"
    start = text.index("dying to")
    cues, _ = _idiom_gate(0.85, 0.85, text, [(start, start + len("dying to"))])
    assert "tier" not in cues


def test_a_sure_crisis_reading_wins_over_a_hold_off_but_not_over_a_warning_sign() -> None:
    cues, _ = _gate(0.95, {"tier": "hold_off"})  # "4 months postpartum. the baby would be ..."
    assert cues["tier"] == "crisis"
    cues, _ = _gate(0.7, {"tier": "hold_off"})
    assert cues["tier"] == "hold_off"
    cues, _ = _gate(0.99, {"tier": "urgent"})
    assert cues["tier"] == "urgent"


def _courtesy_gate(score: float, masked: float, text: str, spans: list[tuple[int, int]]) -> Any:
    gate = _MaskedGate(masked)
    doc = NLP.make_doc(text)
    doc.cats = {"ask_rest": 0.2, LABEL: score}
    doc.user_data["cues"] = {}
    doc.user_data["courtesy_spans"] = spans
    return gate(doc).user_data["cues"]


def test_an_apology_for_ones_english_is_left_out_at_the_usual_threshold() -> None:
    text = "what is hypertrophy? my english is not so good sorry"
    start = text.index("my english")
    cues = _courtesy_gate(0.65, 0.05, text, [(start, len(text))])
    assert "tier" not in cues
    cues = _courtesy_gate(0.85, 0.7, "sorry my english. every day i think to die", [(0, 16)])
    assert cues["tier"] == "crisis"
