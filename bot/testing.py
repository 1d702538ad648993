"""Conversation tests, test stories and JUnit XML.

- Conversation tests (tests/conversations/*.yml): user turns and what each reply must or must not
  contain, plus what happened: the parsed `intent`, an `action` the engine ran this turn (tracker
  events of kind "action"; a form counts as run when its `validate_<form>` ran), and `slots` that
  must hold after the turn.
- Test stories (bot/data/stories.yml, Rasa 3.1 stories): each `intent` step is a user turn (its
  `user` text, or else the button payload `/intent{"entity": "value"}`), followed by the `action`s
  that must run that turn (in order, among others), the `active_loop` events it must record and
  the `slot_was_set` values that must hold after it.
- `junit_xml` writes any of these (and the held-out NLU examples) as JUnit XML.
"""

from __future__ import annotations

import json
import re
import time
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, field_validator

from bot.core.config import project_file
from bot.core.errors import DataError
from bot.core.schemas import BotMessage
from bot.core.tracker import Tracker
from bot.dialogue.engine import Engine
from bot.nlu.data import NluData
from bot.nlu.interpreter import Interpreter

STORIES_FILE = project_file("bot/data/stories.yml")


class Turn(BaseModel):
    """One user turn and the regexes (case-insensitive) its whole reply must / must not match."""

    user: str
    contains: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    custom: str | None = None  # a `custom.kind` some message of the reply must carry
    tier: str | None = None  # the safety tier (`custom.tier`) some message must carry
    intent: str | None = None  # the intent the NLU parsed the message as
    action: list[str] = Field(default_factory=list)  # actions that must have run this turn
    slots: dict[str, Any] = Field(default_factory=dict)  # slot values that must hold after it

    @field_validator("action", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Conversation(BaseModel):
    name: str
    turns: list[Turn] = Field(min_length=1)


class TurnResult(BaseModel):
    user: str
    reply: str
    failures: list[str]


class ConversationResult(BaseModel):
    name: str
    file: str
    passed: bool
    turns: list[TurnResult]
    seconds: float = 0.0

    def failure_text(self) -> str:
        """The failing turns, as a person reads them."""
        return "\n\n".join(f"user: {t.user!r}\nreply: {t.reply!r}\n{'; '.join(t.failures)}"
                           for t in self.turns if t.failures)


def load_conversations(path: Path) -> list[Conversation]:
    """The conversations of one YAML file (a `conversations:` list)."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return [Conversation.model_validate(c) for c in doc["conversations"]]
    except Exception as exc:  # any shape problem is reported with the file's name
        raise DataError(f"{path}: {exc}") from exc


def reply_text(messages: list[BotMessage]) -> str:
    """Every message's text and button titles, one per line (what a person sees)."""
    lines = []
    for m in messages:
        if m.text:
            lines.append(m.text)
        lines += [b.title for b in m.buttons or []]
    return "\n".join(lines)


# ---- what happened in a turn ----------------------------------------------------------------------
class TurnRecord(BaseModel):
    """What the tracker recorded for one user message."""

    intent: str = ""
    entities: list[tuple[str, str]] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)  # in the order they ran
    loops: list[str | None] = Field(default_factory=list)  # active_loop events, in order
    slots: dict[str, Any] = Field(default_factory=dict)  # after the turn


def turn_record(tracker: Tracker, forms: list[str] | tuple[str, ...] = ()) -> TurnRecord:
    """The latest turn of a tracker loaded with all its events (`Engine.tracker`)."""
    start = max((i for i, e in enumerate(tracker.events) if e.get("event") == "user"), default=-1)
    record = TurnRecord(slots=dict(tracker.slots))
    if start >= 0:
        parse = tracker.events[start].get("parse_data") or {}
        record.intent = str((parse.get("intent") or {}).get("name") or "")
        record.entities = [(str(e.get("entity")), str(e.get("value")))
                           for e in parse.get("entities") or []]
    for event in tracker.events[start + 1:]:
        kind = event.get("event")
        if kind == "action":
            name = str(event.get("name"))
            record.actions.append(name)
            form = name.removeprefix("validate_")
            if name.startswith("validate_") and form in forms:
                record.actions.append(form)  # the form ran a step
        elif kind == "active_loop":
            record.loops.append(event.get("name"))
    return record


def _holds(expected: Any, actual: Any) -> bool:
    """Whether a slot value holds: equal, or for a mapping, each of its keys holds."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return all(k in actual and _holds(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(actual, str):
        return str(expected) == actual  # `days: 3` in YAML for the slot's "3"
    return bool(expected == actual)


def _in_order(expected: list[str], ran: list[str]) -> bool:
    """Whether `expected` appears in `ran` in this order (other actions may run between)."""
    rest = iter(ran)
    return all(any(name == r for r in rest) for name in expected)


def check_slots(expected: dict[str, Any], slots: dict[str, Any]) -> list[str]:
    return [f"slot {name} is {slots.get(name)!r}, expected {value!r}"
            for name, value in expected.items() if not _holds(value, slots.get(name))]


def check_turn(turn: Turn, messages: list[BotMessage], record: TurnRecord | None = None) -> list[str]:
    """What is wrong with the reply to one turn (empty when it is right); `record` is what the
    tracker holds of the turn (needed for `intent`, `action` and `slots`)."""
    text = reply_text(messages)
    failures = [f"missing /{p}/" for p in turn.contains if not re.search(p, text, re.I)]
    failures += [f"forbidden /{p}/" for p in turn.not_contains if re.search(p, text, re.I)]
    if turn.custom and not any(m.custom and m.custom.kind == turn.custom for m in messages):
        failures.append(f"no message with custom kind {turn.custom!r}")
    tiers = [getattr(m.custom, "tier", None) for m in messages]
    if turn.tier and turn.tier not in tiers:
        failures.append(f"no message with safety tier {turn.tier!r} (got {tiers})")
    if record is None:
        if turn.intent or turn.action or turn.slots:
            failures.append("intent, action and slots need the turn's tracker events")
        return failures
    if turn.intent and record.intent != turn.intent:
        failures.append(f"intent {record.intent!r}, expected {turn.intent!r}")
    if turn.action and not _in_order(turn.action, record.actions):
        failures.append(f"actions run {record.actions}, expected {turn.action} among them")
    failures += check_slots(turn.slots, record.slots)
    return failures


def play_turn(engine: Engine, sender: str, text: str) -> tuple[list[BotMessage], TurnRecord]:
    """Send one message; the reply and what the tracker recorded of the turn."""
    messages = engine.handle_sync(sender, text)
    tracker = engine.tracker(sender)
    record = turn_record(tracker, tuple(engine.domain.forms)) if tracker else TurnRecord()
    return messages, record


def run_conversation(engine: Engine, conv: Conversation, file: str = "") -> ConversationResult:
    """Play a conversation with a fresh sender id."""
    sender = f"test-{uuid.uuid4().hex[:10]}"
    results = []
    started = time.perf_counter()
    for turn in conv.turns:
        messages, record = play_turn(engine, sender, turn.user)
        results.append(TurnResult(user=turn.user, reply=reply_text(messages),
                                  failures=check_turn(turn, messages, record)))
    return ConversationResult(name=conv.name, file=file, turns=results,
                              passed=all(not t.failures for t in results),
                              seconds=time.perf_counter() - started)


def conversation_files(folder: Path) -> list[Path]:
    """The conversation test files under a folder."""
    return sorted(Path(folder).glob("*.yml"))


# ---- test stories (Rasa 3.1 story format) ---------------------------------------------------------
class StoryTurn(BaseModel):
    """A user step of a story and the steps after it, up to the next user step."""

    intent: str
    user: str | None = None
    entities: list[tuple[str, str]] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)
    loops: list[str | None] = Field(default_factory=list)
    slots: dict[str, Any] = Field(default_factory=dict)

    def message(self) -> str:
        """The user text, or else the button payload that stands for the intent and entities."""
        if self.user:
            return self.user.strip()
        return f"/{self.intent}{json.dumps(dict(self.entities))}" if self.entities else f"/{self.intent}"


class Story(BaseModel):
    name: str
    turns: list[StoryTurn] = Field(min_length=1)


def _entities(raw: Any, where: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in raw or []:
        if isinstance(item, dict) and "entity" in item:  # {entity: goal, value: size}
            out.append((str(item["entity"]), str(item.get("value"))))
        elif isinstance(item, dict) and len(item) == 1:  # {goal: size}
            ((name, value),) = item.items()
            out.append((str(name), str(value)))
        else:
            raise DataError(f"{where}: entities: {item!r} is not `- name: value`")
    return out


def load_stories(path: Path = STORIES_FILE) -> list[Story]:
    """Rasa 3.1 stories as test stories; a step this runner cannot check (a checkpoint, an `or`,
    a story starting with an action) is an error that names the story and the step."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{Path(path).name}: cannot read: {exc}") from exc
    stories = []
    for i, raw in enumerate(doc.get("stories") or []):
        name = str(raw.get("story", i)) if isinstance(raw, dict) else str(i)
        where = f"{Path(path).name}: story {name!r}"
        turns: list[StoryTurn] = []
        for n, step in enumerate((raw or {}).get("steps") or []):
            at = f"{where}: steps -> {n}"
            if not isinstance(step, dict):
                raise DataError(f"{at}: a step must be a mapping")
            if "intent" in step:
                extra = set(step) - {"intent", "user", "entities"}
                if extra:
                    raise DataError(f"{at}: {sorted(extra)} cannot be checked")
                turns.append(StoryTurn(intent=str(step["intent"]), user=step.get("user"),
                                       entities=_entities(step.get("entities"), at)))
            elif not turns:
                raise DataError(f"{at}: a story starts with a user step (`intent`)")
            elif set(step) == {"action"}:
                turns[-1].actions.append(str(step["action"]))
            elif set(step) == {"active_loop"}:
                turns[-1].loops.append(step["active_loop"])
            elif set(step) == {"slot_was_set"}:
                for item in step["slot_was_set"] or []:
                    turns[-1].slots.update(item if isinstance(item, dict) else {str(item): None})
            else:
                raise DataError(f"{at}: {sorted(step)} cannot be checked (intent, action, "
                                "active_loop and slot_was_set steps can)")
        if not turns:
            raise DataError(f"{where}: no steps")
        stories.append(Story(name=name, turns=turns))
    return stories


def check_story_turn(turn: StoryTurn, record: TurnRecord) -> list[str]:
    """What differs between a story's turn and what the engine did."""
    failures = []
    if record.intent != turn.intent:
        failures.append(f"intent {record.intent!r}, expected {turn.intent!r}")
    missing = [e for e in turn.entities if e not in record.entities]
    if missing:
        failures.append(f"entities {record.entities}, expected {missing} among them")
    if not _in_order(turn.actions, record.actions):
        failures.append(f"actions run {record.actions}, expected {turn.actions} in this order")
    missing_loops = [loop for loop in turn.loops if loop not in record.loops]
    if missing_loops:
        failures.append(f"active_loop events {record.loops}, expected {missing_loops} among them")
    failures += check_slots(turn.slots, record.slots)
    return failures


def run_story(engine: Engine, story: Story) -> ConversationResult:
    """Play a story with a fresh sender id."""
    sender = f"story-{uuid.uuid4().hex[:10]}"
    started = time.perf_counter()
    results = []
    for turn in story.turns:
        messages, record = play_turn(engine, sender, turn.message())
        results.append(TurnResult(user=turn.message(), reply=reply_text(messages),
                                  failures=check_story_turn(turn, record)))
    return ConversationResult(name=story.name, file=STORIES_FILE.name, turns=results,
                              passed=all(not t.failures for t in results),
                              seconds=time.perf_counter() - started)


# ---- held-out NLU examples, one case each ---------------------------------------------------------
class Case(BaseModel):
    """One JUnit test case."""

    classname: str
    name: str
    seconds: float = 0.0
    failure: str | None = None  # the details when it failed
    message: str = ""  # one line: what failed


class Suite(BaseModel):
    name: str
    cases: list[Case] = Field(default_factory=list)

    @property
    def failures(self) -> int:
        return sum(c.failure is not None for c in self.cases)


def nlu_cases(interpreter: Interpreter, data: NluData) -> list[Case]:
    """One case per held-out example: it fails when the intent (a fallback counts as wrong) or the
    entities differ, as `bot.nlu.evaluate` scores them."""
    cases = []
    for ex in data.examples:
        started = time.perf_counter()
        parse = interpreter.parse(ex.text)
        seconds = time.perf_counter() - started
        gold = Counter((e.entity, e.value) for e in ex.entities)
        pred = Counter((e.entity, e.value) for e in parse.entities)
        problems = []
        if parse.intent.name != ex.intent:
            problems.append(f"intent {parse.intent.name!r} ({parse.intent.confidence:.2f}), "
                            f"expected {ex.intent!r}")
        if gold != pred:
            problems.append(f"entities {sorted(pred.elements())}, expected {sorted(gold.elements())}")
        cases.append(Case(classname=f"nlu.{ex.intent}", name=ex.text, seconds=seconds,
                          failure="; ".join(problems) or None))
    return cases


def conversation_case(result: ConversationResult, prefix: str) -> Case:
    """A conversation or story result as a JUnit case."""
    first = next((t for t in result.turns if t.failures), None)
    return Case(classname=f"{prefix}.{Path(result.file).stem}", name=result.name,
                seconds=result.seconds, failure=None if result.passed else result.failure_text(),
                message=f"{first.user!r}: {'; '.join(first.failures)}" if first else "")


def _xml_text(text: str) -> str:
    """The text without the characters XML 1.0 cannot hold (control characters, lone surrogates)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or (
        " " <= ch <= "\ud7ff" or "\ue000" <= ch <= "\ufffd" or ch >= "\U00010000"))


def junit_xml(suites: list[Suite]) -> ET.ElementTree:
    """JUnit XML: <testsuites> of <testsuite> with tests/failures/errors/skipped counts, each with
    its <testcase>s; a failing case holds a <failure message=...> with the details."""
    root = ET.Element("testsuites", name="coach test")
    total = failures = 0
    seconds = 0.0
    for suite in suites:
        suite_seconds = sum(c.seconds for c in suite.cases)
        node = ET.SubElement(root, "testsuite", name=suite.name, tests=str(len(suite.cases)),
                             failures=str(suite.failures), errors="0", skipped="0",
                             time=f"{suite_seconds:.3f}")
        for case in suite.cases:
            tc = ET.SubElement(node, "testcase", classname=_xml_text(case.classname),
                               name=_xml_text(case.name), time=f"{case.seconds:.3f}")
            if case.failure is not None:
                message = case.message or case.failure.split("\n", 1)[0] or "failed"
                failure = ET.SubElement(tc, "failure", message=_xml_text(message[:500]),
                                        type="AssertionError")
                failure.text = _xml_text(case.failure)
        total += len(suite.cases)
        failures += suite.failures
        seconds += suite_seconds
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", "0")
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(suites: list[Suite], path: Path) -> Path:
    """Write the JUnit XML file (creating its folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    junit_xml(suites).write(path, encoding="utf-8", xml_declaration=True)
    return path
