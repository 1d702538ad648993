"""The loader rejects each kind of broken data with a message naming the file and the field."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

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


def _fact(doc: dict, topic_id: str, fact_id: str) -> dict:
    topic = _topic(doc, topic_id)
    return next(f for f in (*topic["facts"], *topic.get("more", [])) if f["id"] == fact_id)


BROKEN = [
    ("unknown source id", "topics.yml",
     lambda d: _topic(d, "rest_periods")["sources"].append("nobody_2099"),
     ["knowledge/topics.yml", "rest_periods -> sources", "unknown source id 'nobody_2099'"]),
    ("unknown source id on a fact", "topics.yml",
     lambda d: _topic(d, "nutrition")["facts"][0].__setitem__("attributed_to", ["ghost"]),
     ["knowledge/topics.yml", "nutrition -> facts -> 0 -> attributed_to", "unknown source id 'ghost'"]),
    ("a per-fact source list claims a reference backs a sentence", "topics.yml",
     lambda d: _topic(d, "rest_periods")["facts"][0].__setitem__("sources", ["nasm_hypertrophy"]),
     ["knowledge/topics.yml", "rest_periods -> facts -> 0 -> sources",
      "Extra inputs are not permitted"]),
    ("credit to a reference whose body the text never names", "topics.yml",
     lambda d: _fact(d, "weekly_volume", "vol_weekly").__setitem__("attributed_to", ["schoenfeld_2019"]),
     ["knowledge/topics.yml", "weekly_volume -> facts -> 0 -> attributed_to", "schoenfeld_2019",
      "has no `body`"]),
    ("credit to one of a body's entries, as if the article said which", "topics.yml",
     lambda d: _fact(d, "weekly_volume", "vol_weekly").__setitem__("attributed_to", ["nasm_hypertrophy"]),
     ["knowledge/topics.yml", "weekly_volume -> facts -> 0 -> attributed_to", "lists only some entries",
      "nasm_build_to_order", "nasm_resistance_concepts"]),
    ("credit to two bodies at once", "topics.yml",
     lambda d: _fact(d, "benefits", "ben_aha").__setitem__(
         "attributed_to", ["aha_strength", "ace_muscle_grows_1", "ace_muscle_grows_2"]),
     ["knowledge/topics.yml", "benefits -> facts -> 1 -> attributed_to", "mixes bodies"]),
    ("credit to a body and to an unnamed study", "topics.yml",
     lambda d: _fact(d, "benefits", "ben_aha").__setitem__("attributed_as", "a study"),
     ["knowledge/topics.yml", "benefits -> facts -> 1", "not both"]),
    ("a fact's section the article doesn't have", "topics.yml",
     lambda d: _fact(d, "nutrition", "nut_enough").__setitem__("section", "Nutrition"),
     ["knowledge/topics.yml", "nutrition -> facts -> 1 -> section", "unknown article section 'Nutrition'"]),
    ("a topic's section the article doesn't have", "topics.yml",
     lambda d: _topic(d, "risks").__setitem__("section", "Safety"),
     ["knowledge/topics.yml", "risks -> section", "unknown article section 'Safety'"]),
    ("an exercise's section the article doesn't have", "exercises.yml",
     lambda d: _exercise(d, "deadlift").__setitem__("section", "Deadlifts"),
     ["knowledge/exercises.yml", "deadlift -> section", "unknown article section 'Deadlifts'"]),
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
     lambda d: _exercise(d, "dumbbell_row").pop("multi_joint"),
     ["knowledge/exercises.yml", "dumbbell_row -> multi_joint", "Field required"]),
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
     lambda d: next(f for f in d["red_flags"] if f["id"] == "chest_pain")["patterns"].append("(unclosed"),
     ["knowledge/safety.yml", "chest_pain -> patterns", "bad regex"]),
    ("a sign after an unknown flag", "safety.yml",
     lambda d: next(f for f in d["red_flags"] if f["id"] == "pregnancy_warning")["after"].append("twins"),
     ["knowledge/safety.yml", "pregnancy_warning -> after -> 1", "unknown flag 'twins'"]),
    ("after without its patterns", "safety.yml",
     lambda d: next(f for f in d["red_flags"] if f["id"] == "chest_pain").__setitem__("after", ["pregnancy"]),
     ["knowledge/safety.yml", "chest_pain", "go together"]),
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


def test_sources_are_named_only_where_the_article_names_them() -> None:
    """The data design: no per-fact reference lists; credits only to bodies with a `body`, with
    every entry of that body; the 2022 study in the article's words."""
    kb = load_knowledge()
    credited = [f for t in kb.topics for f in (*t.facts, *t.more) if f.attributed_to]
    assert {kb.source(f.attributed_to[0]).body for f in credited} == {
        "the National Academy of Sports Medicine (NASM)", "the American Council on Exercise (ACE)",
        "the American Heart Association (AHA)"}
    for f in credited:
        body = kb.source(f.attributed_to[0]).body
        assert set(f.attributed_to) == {s.id for s in kb.sources if s.body == body}, f.id
    unnamed = {f.attributed_as for t in kb.topics for f in (*t.facts, *t.more) if f.attributed_as}
    assert unnamed == {"a study published in 2022"}


def test_exercises_without_steps_say_so() -> None:
    kb = load_knowledge()
    for ex in kb.exercises:
        assert ex.has_steps or "step" in ex.no_steps_note.lower()


def test_the_soreness_reply_names_a_fact_that_exists() -> None:
    from actions.safety import SORENESS_NEARBY

    kb = load_knowledge(DATA_DIR)
    assert any(f.id == SORENESS_NEARBY for t in kb.topics for f in (*t.facts, *t.more))
