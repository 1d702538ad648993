"""The classifier comparison's measuring code (bot.nlu.compare, bot.nlu.evaluate's ECE), without
training a full model."""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz

from bot.core.config import load_config
from bot.nlu import compare
from bot.nlu.data import Example, NluData
from bot.nlu.evaluate import expected_calibration_error


def test_ece_is_zero_when_confidence_matches_accuracy() -> None:
    # bin 0.9-1.0: confidence 0.9, nine of ten right; bin 0.5-0.6: 0.5, one of two right
    confs = [0.9] * 10 + [0.5] * 2
    right = [True] * 9 + [False] + [True, False]
    assert expected_calibration_error(confs, right) == pytest.approx(0.0)


def test_ece_weights_each_bin_by_its_share() -> None:
    # all confident (0.95) but half wrong: |0.5 - 0.95| = 0.45
    assert expected_calibration_error([0.95] * 4, [True, False, True, False]) == pytest.approx(0.45)
    # a confidence of exactly 1.0 falls in the last bin, 0.0 in the first
    assert expected_calibration_error([1.0, 0.0], [True, False]) == pytest.approx(0.0)
    assert expected_calibration_error([], []) == 0.0


def test_with_classifier_replaces_only_the_textcat_model_and_thresholds() -> None:
    base = load_config(env={})
    new = compare.with_classifier(base, compare.CANDIDATES["bow2"], threshold=0.4,
                                  ambiguity=0.05, seed=11)
    assert [c.name for c in new.nlu.pipeline] == [c.name for c in base.nlu.pipeline]
    for old, changed in zip(base.nlu.pipeline, new.nlu.pipeline, strict=True):
        if old.name == "textcat":
            assert changed.settings()["model"]["ngram_size"] == 2
        elif old.name == compare.FALLBACK:
            assert changed.settings() == {**old.settings(), "threshold": 0.4, "ambiguity_threshold": 0.05}
        else:
            assert changed.settings() == old.settings()
    assert new.nlu.training.seed == 11
    assert compare.fallback_settings(new) == (0.4, 0.05)
    fresh = load_config(env={})  # the base config is untouched
    assert compare.fallback_settings(base) == compare.fallback_settings(fresh)
    assert base.nlu.model_dump() == fresh.nlu.model_dump()


def test_every_candidate_is_a_valid_textcat_model() -> None:
    import spacy

    for name, model in compare.CANDIDATES.items():
        nlp = spacy.blank("en")
        textcat = nlp.add_pipe("textcat", config={"model": model})
        textcat.add_label("a")
        textcat.add_label("b")
        nlp.initialize()
        cats = nlp("hello there").cats
        assert set(cats) == {"a", "b"}, name
        assert sum(cats.values()) == pytest.approx(1.0, abs=1e-4), name


def test_validation_split_keeps_near_duplicates_together_and_is_stratified() -> None:
    examples = []
    for intent in ("greet", "thank"):
        for i in range(20):
            examples.append(Example(text=f"{intent} sentence number {i} with words", intent=intent))
        examples.append(Example(text=f"{intent} totally different phrasing here", intent=intent))
    data = NluData(examples=examples)
    train, valid = compare.validation_split(data, share=0.25, seed=3)
    assert len(train.examples) + len(valid.examples) == len(examples)
    assert {e.intent for e in valid.examples} == {"greet", "thank"}
    for v in valid.examples:
        for t in train.examples:
            assert fuzz.ratio(compare._normalise(v.text), compare._normalise(t.text)) < 90


def test_fresh_messages_reads_every_user_turn(tmp_path) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text("- id: a\n  turns:\n  - user: 'hi'\n    expect: {}\n  - user: 'rest?'\n"
                    "    expect: {}\n- id: b\n  turns:\n  - user: 'bye'\n    expect: {}\n")
    assert compare.fresh_messages(path) == ["hi", "rest?", "bye"]
    assert len(compare.fresh_messages()) > 300


def test_table_has_a_row_per_candidate() -> None:
    row = {key: 0.5 for key, _ in compare.COLUMNS} | {"name": "bow1"}
    lines = compare.table([row, {**row, "name": "bow2"}]).splitlines()
    assert len(lines) == 3 and lines[1].startswith("bow1") and lines[2].startswith("bow2")


def test_grouped_folds_are_disjoint_cover_the_data_and_keep_near_duplicates_together() -> None:
    import random

    rng = random.Random(1)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(14)) for _ in range(24)]
    examples = [Example(text=w, intent=("ask_rest", "ask_reps")[i % 2]) for i, w in enumerate(words)]
    # a near-duplicate pair (one letter changed) must land in the same fold
    examples += [Example(text=words[0][:-1] + "z", intent="ask_rest")]
    data = NluData(examples=examples)
    folds = compare.grouped_folds(data, k=3, seed=5)
    assert len(folds) == 3
    assert set().union(*folds) == set(range(len(examples)))
    assert sum(len(f) for f in folds) == len(examples)
    for f in folds:
        assert {examples[i].intent for i in f} == {"ask_rest", "ask_reps"}
        rest = [examples[i].text for i in range(len(examples)) if i not in f]
        for i in f:
            for other in rest:
                assert fuzz.ratio(compare._normalise(examples[i].text), compare._normalise(other)) < 90
