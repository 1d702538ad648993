"""The loader rejects each kind of broken data with a message naming the file and the field."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest
import yaml

from knowledge.loader import DATA_DIR, KnowledgeError, load_knowledge


def _edit(path: Path, change: Callable[[dict], None]) -> None:
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def _exercise(doc: dict, ex_id: str) -> dict:
    return next(e for e in doc["exercises"] if e["id"] == ex_id)


def _topic(doc: dict, topic_id: str) -> dict:
    return next(t for t in doc["topics"] if t["id"] == topic_id)


BROKEN = [
    ("unknown source id", "topics.yml",
     lambda d: _topic(d, "rest_periods")["sources"].append("nobody_2099"),
     ["knowledge/topics.yml", "rest_periods -> sources", "unknown source id 'nobody_2099'"]),
    ("unknown source id on a fact", "topics.yml",
     lambda d: _topic(d, "nutrition")["facts"][0].__setitem__("sources", ["ghost"]),
     ["knowledge/topics.yml", "nutrition -> facts -> 0 -> sources", "unknown source id 'ghost'"]),
    ("duplicate id", "exercises.yml",
     lambda d: d["exercises"].append(dict(_exercise(d, "dumbbell_row"))),
     ["knowledge/exercises.yml", "dumbbell_row", "duplicate id"]),
    ("dangling cross-reference", "topics.yml",
     lambda d: _topic(d, "types").__setitem__("related", ["no_such_topic"]),
     ["knowledge/topics.yml", "types -> related -> 0", "unknown topic 'no_such_topic'"]),
    ("empty step", "exercises.yml",
     lambda d: _exercise(d, "dumbbell_squat")["steps"].__setitem__(2, "  "),
     ["knowledge/exercises.yml", "dumbbell_squat -> steps", "step 2 is empty"]),
    ("missing required field", "exercises.yml",
     lambda d: _exercise(d, "dumbbell_row").pop("muscles"),
     ["knowledge/exercises.yml", "dumbbell_row -> muscles", "Field required"]),
    ("impossible range", "exercises.yml",
     lambda d: _exercise(d, "dumbbell_row").__setitem__("reps", {"min": 12, "max": 6}),
     ["knowledge/exercises.yml", "dumbbell_row -> reps", "min 12 > max 6"]),
    ("impossible program range", "program.yml",
     lambda d: d["program"].__setitem__("weekly_sets", {"min": 20, "max": 15}),
     ["knowledge/program.yml", "weekly_sets", "min 20 > max 15"]),
    ("steps without sets", "exercises.yml",
     lambda d: _exercise(d, "dumbbell_skull_crusher").pop("sets"),
     ["knowledge/exercises.yml", "dumbbell_skull_crusher", "needs sets, reps and rest_seconds"]),
    ("no steps and no note", "exercises.yml",
     lambda d: _exercise(d, "deadlift").__setitem__("no_steps_note", ""),
     ["knowledge/exercises.yml", "deadlift", "no_steps_note"]),
    ("unknown field", "topics.yml",
     lambda d: _topic(d, "benefits").__setitem__("colour", "red"),
     ["knowledge/topics.yml", "benefits -> colour", "Extra inputs are not permitted"]),
    ("bad red-flag regex", "safety.yml",
     lambda d: d["red_flags"][0]["patterns"].append("(unclosed"),
     ["knowledge/safety.yml", "chest_pain -> patterns", "bad regex"]),
]


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of knowledge/data/."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_the_real_knowledge_base_loads() -> None:
    kb = load_knowledge()
    assert {e.id for e in kb.exercises if e.has_steps} == {
        "dumbbell_row", "dumbbell_skull_crusher", "dumbbell_squat"}
    assert len([s for s in kb.sources if s.id != "article"]) == 14


@pytest.mark.parametrize("name,fname,change,expected", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_data_is_rejected_naming_file_and_field(data_copy: Path, name: str, fname: str,
                                                       change: Callable[[dict], None],
                                                       expected: list[str]) -> None:
    _edit(data_copy / fname, change)
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(data_copy)
    message = str(info.value)
    for fragment in expected:
        assert fragment in message, message


def test_invalid_yaml_names_the_file(data_copy: Path) -> None:
    (data_copy / "sources.yml").write_text("sources: [unclosed\n")
    with pytest.raises(KnowledgeError, match="sources.yml: invalid YAML"):
        load_knowledge(data_copy)


def test_exercises_without_steps_say_so() -> None:
    kb = load_knowledge()
    for ex in kb.exercises:
        assert ex.has_steps or "step" in ex.no_steps_note.lower()
