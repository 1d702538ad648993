"""Training: seeded and deterministic, cached by fingerprint, on a tiny real pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.config import CoachConfig, load_config
from bot.nlu import model as nlu_model
from bot.nlu.data import load_nlu

TINY = """version: "3.1"
nlu:
- intent: ask_rest
  examples: |
    - how long should i rest
    - rest between sets
    - break time between sets
    - how many minutes of rest
- intent: greet
  examples: |
    - hi
    - hello there
    - hey coach
    - good morning
"""


@pytest.fixture()
def tiny(tmp_path: Path) -> tuple[CoachConfig, Path]:
    data = tmp_path / "nlu.yml"
    data.write_text(TINY)
    config = load_config(env={"COACH_DATA_DIR": str(tmp_path / "data")})
    config.nlu.training.epochs = 5
    return config, data


def test_same_data_gives_the_same_model(tiny) -> None:
    config, data = tiny
    a = nlu_model.train(config, data=load_nlu(data))
    b = nlu_model.train(config, data=load_nlu(data))
    for text in ("rest please", "hello", "what"):
        assert a(text).cats == b(text).cats


def test_fingerprint_changes_with_config_and_data(tiny) -> None:
    config, data = tiny
    first = nlu_model.fingerprint(config, [data])
    data.write_text(TINY + "    - yo\n")
    assert nlu_model.fingerprint(config, [data]) != first
    config.nlu.training.epochs = 6
    assert nlu_model.fingerprint(config, [data]) != nlu_model.fingerprint(
        load_config(env={}), [data])


def test_saved_model_loads_and_parses_alike(tiny, tmp_path: Path) -> None:
    config, data = tiny
    nlp = nlu_model.train(config, data=load_nlu(data))
    target = tmp_path / "model"
    nlu_model.save(nlp, target)
    import spacy

    loaded = spacy.load(target)
    assert loaded("break time").cats == nlp("break time").cats
    assert [e.label_ for e in loaded("how do i do a dumbell row").ents] == ["exercise"]
