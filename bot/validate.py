"""`coach validate`: the checks across files (config, knowledge base, NLU data, domain, rules,
test stories), and an exported NLU file (`coach validate --nlu FILE`).

Each problem names its file and field. The planner's answers (bot.core.messages) are the single
source of the domain's categorical slot values; a slot that lists other values is reported.

Errors fail `coach validate`; warnings are printed and do not:
- a response no action, template, the engine or the domain refers to is a warning (dead text);
- an intent that no rule maps to an action is an error, unless a policy handles it by design
  (POLICY_HANDLED below, checked against config.yml's policies): that is a warning naming them.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import get_args

import yaml

from bot.core.config import PACKAGE_ROOT, ROOT, CoachConfig, load_config
from bot.core.domain import FALLBACK_INTENT, Domain, load_domain, load_rules
from bot.core.errors import CoachError
from bot.core.messages import Equipment, Experience, Goal
from bot.nlu.crisis import load_crisis
from bot.nlu.data import NluData, load_nlu
from bot.nlu.model import CRISIS_FILES, NLU_FILES
from knowledge.loader import KnowledgeError, load_knowledge
from knowledge.models import KnowledgeBase

# domain slot -> the Literal of the planner's answers that lists its values
PLANNER_SLOTS = {"experience": Experience, "equipment": Equipment, "goal": Goal}

# intents that no rule maps to an action because policies handle them by design:
# intent -> (the policies of config.yml that handle it, how)
POLICY_HANDLED: dict[str, tuple[tuple[str, ...], str]] = {
    "inform": (("active_form", "plan_change", "follow_up"),
               "an answer in the plan interview, a changed answer after a plan, a follow-up on the "
               "last topic or program details before any plan was asked for"),
}

# where responses are referred to: the code (actions, engine, renderer), templates and the widget
REFERENCE_ROOTS = ("bot", "actions", "knowledge")
TEXT_SUFFIXES = (".j2", ".html", ".js")
RESPONSE_PREFIX = "utter_"


@dataclass
class Findings:
    """What `coach validate` found: errors fail it, warnings are printed."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def problems() -> list[str]:
    """Every error found; empty when all is valid."""
    return check().errors


def check(nlu_files: Sequence[Path] = ()) -> Findings:
    """All the checks; `nlu_files` are extra NLU files to check (an export of `coach report`)."""
    out = Findings()
    config: CoachConfig | None = None
    try:
        config = load_config()
    except CoachError as exc:
        out.errors.append(str(exc))
    kb: KnowledgeBase | None
    try:
        kb = load_knowledge()
    except KnowledgeError as exc:
        out.errors += exc.problems
        kb = None
    try:
        domain = load_domain()
    except CoachError as exc:
        out.errors += str(exc).splitlines()
        return out
    try:
        rules = load_rules(domain)
    except CoachError as exc:
        out.errors += str(exc).splitlines()
        rules = None
    try:
        training = load_nlu(*NLU_FILES)
        out.errors += _nlu_vs_domain(training, domain)
    except CoachError as exc:
        out.errors.append(str(exc))
        training = None
    try:  # the crisis classifier's data: both lists present, no empty message
        crisis = load_crisis(*CRISIS_FILES)
        both = set(crisis.crisis) & set(crisis.not_crisis + crisis.everyday)
        out.errors += [f"crisis data: {t!r} is both a crisis and not one" for t in sorted(both)]
    except CoachError as exc:
        out.errors.append(str(exc))
    out.errors += _slots_vs_planner(domain)
    if kb is not None:
        out.errors += _knowledge_vs_domain(kb, domain)
    if rules is not None:
        handled = {intent for rule in rules for intent in rule.intents}
        policies = config.dialogue.policies if config else []
        errors, warnings = _intents_handled(domain, handled, policies)
        out.errors += errors
        out.warnings += warnings
    out.warnings += [f"domain.yml: responses -> {name}: never used (no action, template, the engine "
                     "or the domain refers to it)" for name in unused_responses(domain)]
    out.errors += _stories(domain)
    for path in nlu_files:
        errors, warnings = check_nlu_file(Path(path), domain, training)
        out.errors += errors
        out.warnings += warnings
    return out


def _nlu_vs_domain(data: NluData, domain: Domain) -> list[str]:
    found = [f"nlu.yml: intent {i!r} is not in domain.yml" for i in data.intents
             if i not in domain.intents]
    found += [f"domain.yml: intent {i!r} has no examples in nlu.yml" for i in domain.intents
              if i not in data.intents]
    found += [f"nlu.yml: {ex.text!r}: unknown entity {ent.entity!r}" for ex in data.examples
              for ent in ex.entities if ent.entity not in domain.entities]
    return found


def _slots_vs_planner(domain: Domain) -> list[str]:
    found = []
    for slot, literal in PLANNER_SLOTS.items():
        values = domain.slots[slot].values if slot in domain.slots else None
        if sorted(values or []) != sorted(get_args(literal)):
            found.append(f"domain.yml: slots -> {slot} -> values: {values} differ from the "
                         f"planner's {list(get_args(literal))} (bot/core/messages.py)")
    return found


def _knowledge_vs_domain(kb: KnowledgeBase, domain: Domain) -> list[str]:
    return [f"knowledge/topics.yml: {topic.id} -> intents: unknown intent {intent!r}"
            for topic in kb.topics for intent in topic.intents if intent not in domain.intents]


# ---- intents no rule handles ----------------------------------------------------------------------
def _intents_handled(domain: Domain, by_rules: set[str],
                     policies: Sequence[str]) -> tuple[list[str], list[str]]:
    """Errors for intents nothing handles; warnings for those policies handle by design."""
    errors: list[str] = []
    warnings: list[str] = []
    for intent, (names, _how) in POLICY_HANDLED.items():
        if intent not in domain.intents:
            errors.append(f"bot/validate.py: POLICY_HANDLED -> {intent}: not an intent of domain.yml")
        missing = [n for n in names if n not in policies]
        if missing:
            errors.append(f"config.yml: dialogue -> policies: {', '.join(missing)} missing, but "
                          f"intent {intent!r} has no rule and relies on them")
    for intent in domain.intents:
        if intent in by_rules:
            continue
        if intent in POLICY_HANDLED:
            names, how = POLICY_HANDLED[intent]
            warnings.append(f"rules.yml: intent {intent!r} has no rule; handled by design by the "
                            f"policies {', '.join(names)} ({how})")
        else:
            errors.append(f"rules.yml: intent {intent!r}: no rule maps it to an action and no policy "
                          "handles it by design (add a rule, or a policy and an entry in "
                          "bot/validate.py POLICY_HANDLED)")
    return errors, warnings


# ---- responses never used -------------------------------------------------------------------------
def _identifiers(text: str) -> Iterator[str]:
    """The identifier-like words of a text (letters, digits, underscores)."""
    word: list[str] = []
    for ch in text + " ":
        if ch.isalnum() or ch == "_":
            word.append(ch)
        elif word:
            yield "".join(word)
            word = []


def _placeholder_names(expr: str, domain: Domain) -> list[str]:
    """What an f-string placeholder may stand for, judged by its expression's name."""
    if "slot" in expr:
        return list(domain.slots)
    if "form" in expr:
        return list(domain.forms)
    if "intent" in expr or "guess" in expr:
        return [*domain.intents, FALLBACK_INTENT]
    return ["*"]  # unknown: any name with this prefix and suffix counts as used


def _fstring_patterns(node: ast.JoinedStr, domain: Domain) -> list[str]:
    """The glob patterns of the response names an f-string can build ('utter_ask_experience', ...)."""
    parts: list[list[str]] = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append([str(value.value)])
        elif isinstance(value, ast.FormattedValue):
            parts.append(_placeholder_names(ast.unparse(value.value), domain))
    patterns = ["".join(choice) for choice in itertools.product(*parts)]
    return [p for p in patterns if p.startswith(RESPONSE_PREFIX)]


def response_references(domain: Domain, roots: Sequence[Path] | None = None) -> list[str]:
    """Names and glob patterns of every response the code, the templates and the domain refer to."""
    refs: set[str] = set()
    this_file = Path(__file__).resolve()
    # the code that runs (installed or checked out) and the project's own copies of it, if any
    for root in roots or sorted({base / r for base in (PACKAGE_ROOT, ROOT) for r in REFERENCE_ROOTS
                                 if (base / r).is_dir()}):
        for path in sorted(root.rglob("*")):
            if path.suffix == ".py" and path.resolve() != this_file:
                tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
                for node in ast.walk(tree):
                    if isinstance(node, ast.JoinedStr):
                        refs.update(_fstring_patterns(node, domain))
                    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                        refs.update(w for w in _identifiers(node.value)
                                    if w.startswith(RESPONSE_PREFIX))
            elif path.suffix in TEXT_SUFFIXES:
                refs.update(w for w in _identifiers(path.read_text(encoding="utf-8"))
                            if w.startswith(RESPONSE_PREFIX))
    # the domain itself: an utter_ action, or a response text naming another response
    refs.update(a for a in domain.actions if a.startswith(RESPONSE_PREFIX))
    for variations in domain.responses.values():
        for v in variations:
            refs.update(w for w in _identifiers(v.text) if w.startswith(RESPONSE_PREFIX))
    return sorted(refs)


def unused_responses(domain: Domain, roots: Sequence[Path] | None = None) -> list[str]:
    """The domain's responses that nothing refers to."""
    refs = response_references(domain, roots)
    exact = {r for r in refs if "*" not in r}
    globs = [r for r in refs if "*" in r]
    return [name for name in domain.responses
            if name not in exact and not any(fnmatchcase(name, g) for g in globs)]


# ---- test stories ---------------------------------------------------------------------------------
def _stories(domain: Domain) -> list[str]:
    """bot/data/stories.yml: the test stories `coach test stories` runs name real intents and actions."""
    from bot.testing import STORIES_FILE, load_stories

    try:
        stories = load_stories(STORIES_FILE)
    except CoachError as exc:
        return [str(exc)]
    found = []
    for story in stories:
        where = f"{STORIES_FILE.name}: story {story.name!r}"
        for turn in story.turns:
            if turn.intent not in domain.intents and turn.intent != FALLBACK_INTENT:
                found.append(f"{where}: unknown intent {turn.intent!r}")
            found += [f"{where}: unknown action {a!r}" for a in turn.actions
                      if a not in domain.actions and a not in domain.forms]
            found += [f"{where}: unknown slot {s!r}" for s in turn.slots if s not in domain.slots]
    return found


# ---- an exported NLU file -------------------------------------------------------------------------
def check_nlu_file(path: Path, domain: Domain,
                   training: NluData | None) -> tuple[list[str], list[str]]:
    """An extra NLU file (e.g. `coach report --export-nlu`): Rasa 3.1, loads, real intents and
    entities, no example that nlu.yml already files under another intent."""
    name = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return [f"{name}: cannot read: {exc}"], []
    errors: list[str] = []
    warnings: list[str] = []
    if not isinstance(raw, dict) or str(raw.get("version")) != "3.1":
        errors.append(f"{name}: version: expected \"3.1\"")
    try:
        data = load_nlu(path)
    except CoachError as exc:
        return [*errors, str(exc)], warnings
    errors += [f"{name}: intent {i!r} is not in domain.yml" for i in data.intents
               if i not in domain.intents]
    errors += [f"{name}: {ex.text!r}: unknown entity {ent.entity!r}" for ex in data.examples
               for ent in ex.entities if ent.entity not in domain.entities]
    known = {e.text.lower(): e.intent for e in training.examples} if training else {}
    for ex in data.examples:
        filed = known.get(ex.text.lower())
        if filed and filed != ex.intent:
            errors.append(f"{name}: {ex.text!r} (intent {ex.intent}) is in nlu.yml as {filed}")
        elif filed:
            warnings.append(f"{name}: {ex.text!r} is already in nlu.yml ({filed})")
    if not data.examples:
        warnings.append(f"{name}: no examples")
    return errors, warnings
