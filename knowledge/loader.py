"""Load knowledge/data/*.yml into a validated KnowledgeBase; every error names file, entry and field."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot.core.config import project_file
from knowledge.models import (
    Article,
    Disclaimer,
    Exercise,
    KnowledgeBase,
    ProgramRules,
    RedFlag,
    Source,
    Topic,
    Vocabulary,
)

DATA_DIR = project_file("knowledge/data")

# file name -> (top-level key, model, whether the key holds a list of entries with ids)
FILES: dict[str, tuple[str, type[BaseModel], bool]] = {
    "article.yml": ("article", Article, False),
    "sources.yml": ("sources", Source, True),
    "topics.yml": ("topics", Topic, True),
    "exercises.yml": ("exercises", Exercise, True),
    "vocabulary.yml": ("vocabulary", Vocabulary, False),
    "safety.yml": ("red_flags", RedFlag, True),
    "disclaimers.yml": ("disclaimers", Disclaimer, True),
    "program.yml": ("program", ProgramRules, False),
}


class KnowledgeError(Exception):
    """The knowledge base is invalid; `problems` lists each message (file: entry -> field: what)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _loc(loc: tuple[Any, ...]) -> str:
    return " -> ".join(str(p) for p in loc)


def _read(path: Path, problems: list[str]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{path.name}: file missing")
    except yaml.YAMLError as exc:
        problems.append(f"{path.name}: invalid YAML: {exc}")
    return None


def _validate_entry(fname: str, model: type[BaseModel], raw: Any, label: str,
                    problems: list[str]) -> BaseModel | None:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            where = " -> ".join(p for p in (label, _loc(err["loc"])) if p)
            problems.append(f"knowledge/{fname}: {where}: {err['msg']}")
    return None


def _load_file(data_dir: Path, fname: str, problems: list[str]) -> Any:
    key, model, is_list = FILES[fname]
    doc = _read(data_dir / fname, problems)
    if doc is None:
        return None
    if not isinstance(doc, dict) or key not in doc:
        problems.append(f"knowledge/{fname}: top-level key '{key}' missing")
        return None
    raw = doc[key]
    if not is_list:
        return _validate_entry(fname, model, raw, "", problems)
    if not isinstance(raw, list):
        problems.append(f"knowledge/{fname}: {key}: must be a list")
        return None
    entries = []
    for i, item in enumerate(raw):
        label = str(item.get("id", i)) if isinstance(item, dict) else str(i)
        entry = _validate_entry(fname, model, item, label, problems)
        if entry is not None:
            entries.append(entry)
    counts = Counter(getattr(e, "id", "") for e in entries)
    for dup, n in counts.items():
        if n > 1:
            problems.append(f"knowledge/{fname}: {dup}: duplicate id ({n} entries)")
    return entries


# a fact's `section` may name the untitled paragraphs before the article's first heading
OPENING = "opening"


def _check_attribution(label: str, ids: list[str], sources: dict[str, Any],
                       problems: list[str]) -> None:
    """`attributed_to` names the entries of ONE body the article's text names (their `body`), and
    all of that body's entries: the article never says which of them it means."""
    known = [sources[sid] for sid in ids if sid in sources]
    for j, sid in enumerate(ids):
        if sid not in sources:
            problems.append(f"knowledge/topics.yml: {label} -> {j}: unknown source id '{sid}'")
    bodies = {s.body for s in known}
    if "" in bodies:
        names = ", ".join(s.id for s in known if not s.body)
        problems.append(f"knowledge/topics.yml: {label}: {names} has no `body`: only the bodies "
                        "the article's text names (sources.yml `body`) can be credited with a fact")
    elif len(bodies) > 1:
        problems.append(f"knowledge/topics.yml: {label}: mixes bodies {sorted(bodies)}; "
                        "credit one body per fact")
    elif bodies:
        body = bodies.pop()
        every = {s.id for s in sources.values() if s.body == body}
        missing = sorted(every - set(ids))
        if missing:
            problems.append(f"knowledge/topics.yml: {label}: lists only some entries of {body}; "
                            f"the article doesn't say which one it means, so add {missing}")


def _cross_check(kb: dict[str, Any], problems: list[str]) -> None:
    """Dangling source ids, attributions, sections, related topics, disclaimers and bad regexes."""
    source_ids = {s.id for s in kb["sources"]}
    sources = {s.id: s for s in kb["sources"]}
    topic_ids = {t.id for t in kb["topics"]}
    disclaimer_ids = {d.id for d in kb["disclaimers"]}
    sections = set(kb["article"].sections)

    def check_sources(fname: str, label: str, ids: list[str]) -> None:
        for j, sid in enumerate(ids):
            if sid not in source_ids:
                problems.append(f"knowledge/{fname}: {label} -> {j}: unknown source id '{sid}'")

    def check_section(fname: str, label: str, section: str, opening: bool = False) -> None:
        if section not in sections and not (opening and section == OPENING):
            problems.append(f"knowledge/{fname}: {label}: unknown article section '{section}' "
                            f"(article.yml sections{' or ' + repr(OPENING) if opening else ''})")

    for t in kb["topics"]:
        check_sources("topics.yml", f"{t.id} -> sources", t.sources)
        check_section("topics.yml", f"{t.id} -> section", t.section)
        for group in ("facts", "more"):
            for i, fact in enumerate(getattr(t, group)):
                label = f"{t.id} -> {group} -> {i}"
                if fact.section:
                    check_section("topics.yml", f"{label} -> section", fact.section, opening=True)
                if fact.attributed_to:
                    _check_attribution(f"{label} -> attributed_to", fact.attributed_to, sources,
                                       problems)
        fact_ids_here = {f.id for f in (*t.facts, *t.more)}
        for j, item in enumerate(t.items):
            if item.fact not in fact_ids_here:
                problems.append(f"knowledge/topics.yml: {t.id} -> items -> {j}: unknown fact "
                                f"'{item.fact}'")
        for j, rel in enumerate(t.related):
            if rel not in topic_ids:
                problems.append(f"knowledge/topics.yml: {t.id} -> related -> {j}: unknown topic '{rel}'")
        if t.disclaimer not in disclaimer_ids and t.disclaimer != "none":
            problems.append(f"knowledge/topics.yml: {t.id} -> disclaimer: unknown '{t.disclaimer}'")
    fact_ids = Counter(f.id for t in kb["topics"] for f in (*t.facts, *t.more))
    for fid, n in fact_ids.items():
        if n > 1:
            problems.append(f"knowledge/topics.yml: fact {fid}: duplicate id ({n} entries)")
    for e in kb["exercises"]:
        check_sources("exercises.yml", f"{e.id} -> sources", e.sources)
        check_section("exercises.yml", f"{e.id} -> section", e.section)
        if e.disclaimer not in disclaimer_ids and e.disclaimer != "none":
            problems.append(f"knowledge/exercises.yml: {e.id} -> disclaimer: unknown '{e.disclaimer}'")
    check_sources("program.yml", "program -> sources", kb["program"].sources)
    _check_subjects(kb, problems)
    flag_ids = {flag.id for flag in kb["red_flags"]}
    for flag in kb["red_flags"]:
        for field in ("patterns", "after_patterns"):
            for j, pattern in enumerate(getattr(flag, field)):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    problems.append(f"knowledge/safety.yml: {flag.id} -> {field} -> {j}: bad regex: {exc}")
        for j, before in enumerate(flag.after):
            if before not in flag_ids or before == flag.id:
                problems.append(f"knowledge/safety.yml: {flag.id} -> after -> {j}: unknown flag '{before}'")
        if bool(flag.after) != bool(flag.after_patterns):
            problems.append(f"knowledge/safety.yml: {flag.id}: 'after' and 'after_patterns' go together")


def _check_subjects(kb: dict[str, Any], problems: list[str]) -> None:
    """An uncovered subject offers covered topics, and no fact may use its words (else the
    article covers it after all and the bot must not say it doesn't)."""
    offered = {i for t in kb["topics"] for i in t.intents} | {"ask_exercise_steps", "request_program"}
    facts = " ".join(f.text.lower() for t in kb["topics"] for f in (*t.facts, *t.more))
    fact_ids = {f.id for t in kb["topics"] for f in (*t.facts, *t.more)}
    for subject in kb["vocabulary"].subject:
        label = f"knowledge/vocabulary.yml: subject -> {subject.id}"
        for j, intent in enumerate(subject.related):
            if intent not in offered:
                problems.append(f"{label} -> related -> {j}: '{intent}' is no topic's intent")
        if subject.says and subject.says not in fact_ids:
            problems.append(f"{label} -> says: unknown fact '{subject.says}'")
        for alias in (subject.name, *subject.aliases):
            if re.search(rf"\b{re.escape(alias.lower())}\b", facts):
                problems.append(f"{label}: '{alias}' appears in a fact: the article covers it")


def load_knowledge(data_dir: Path | str = DATA_DIR) -> KnowledgeBase:
    """Load and validate the knowledge base; raise KnowledgeError listing every problem."""
    data_dir = Path(data_dir)
    problems: list[str] = []
    parts = {FILES[f][0]: _load_file(data_dir, f, problems) for f in FILES}
    if problems or any(v is None for v in parts.values()):
        raise KnowledgeError(problems or ["knowledge: incomplete data"])
    _cross_check(parts, problems)
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(**parts)


@lru_cache(maxsize=1)
def default_knowledge() -> KnowledgeBase:
    """knowledge/data/ loaded and validated once per process (actions and retrieval share it)."""
    return load_knowledge()


def data_files(data_dir: Path | str = DATA_DIR) -> list[Path]:
    """The YAML files the knowledge base is made of (for fingerprints)."""
    return [Path(data_dir) / f for f in FILES]
