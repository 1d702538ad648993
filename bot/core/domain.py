"""domain.yml and rules.yml (Rasa 3.x format) loaded into pydantic models."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core.config import project_file
from bot.core.errors import DataError

DOMAIN_FILE = project_file("bot/domain.yml")
RULES_FILE = project_file("bot/data/rules.yml")
INTENTS_FILE = project_file("bot/data/intents.yml")
FALLBACK_INTENT = "nlu_fallback"


class IntentProperties(BaseModel):
    """bot/data/intents.yml: which intents interrupt a form, state no fact, and so on."""

    model_config = ConfigDict(extra="forbid")
    interrupts_form: list[str]
    states_no_fact: list[str]
    harmless_guess: list[str]
    offered_when_unsure: list[str]
    soreness_report: list[str]
    exercise_dose: list[str]
    follow_up: list[str]
    exercise_follow_up: list[str]
    topic_follow_up: list[str]
    shows_help_menu: list[str]
    help_menu: list[str]

    def unknown(self, intents: list[str]) -> list[str]:
        """'property -> name' for every name that is not one of these intents."""
        known = {*intents, FALLBACK_INTENT}
        return [f"{prop} -> {name}" for prop, names in self.model_dump().items()
                for name in names if name not in known]


class SlotMapping(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    entity: str | None = None
    conditions: list[dict[str, Any]] = Field(default_factory=list)


class Slot(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    values: list[str] | None = None
    mappings: list[SlotMapping] = Field(default_factory=list)


class Form(BaseModel):
    required_slots: list[str]


class ResponseCondition(BaseModel):
    """Rasa's conditional response variation: used when this slot has this value."""

    type: Literal["slot"]
    name: str
    value: Any


class ResponseVariation(BaseModel):
    model_config = ConfigDict(extra="allow")
    text: str
    buttons: list[dict[str, str]] = Field(default_factory=list)
    condition: list[ResponseCondition] = Field(default_factory=list)


class Domain(BaseModel):
    """The bot's domain: intents, entities, slots with their mappings, forms, actions, responses."""

    model_config = ConfigDict(extra="allow")
    version: str
    intents: list[str]
    entities: list[str]
    slots: dict[str, Slot]
    forms: dict[str, Form] = Field(default_factory=dict)
    actions: list[str]
    responses: dict[str, list[ResponseVariation]]
    intent_properties: IntentProperties | None = None  # from bot/data/intents.yml

    @property
    def props(self) -> IntentProperties:
        """The intent properties (loaded with the domain)."""
        if self.intent_properties is None:
            raise DataError("domain: intent properties were not loaded (bot/data/intents.yml)")
        return self.intent_properties

    def as_sdk_dict(self) -> dict[str, Any]:
        """The domain as rasa_sdk actions receive it."""
        return self.model_dump(mode="json")

    def entity_slots(self) -> dict[str, str]:
        """entity -> slot for global from_entity mappings (filled on every message)."""
        out: dict[str, str] = {}
        for name, slot in self.slots.items():
            for mapping in slot.mappings:
                if mapping.type == "from_entity" and mapping.entity and not mapping.conditions:
                    out.setdefault(mapping.entity, name)
        return out

    def entity_slots_in_form(self, form: str, entity: str) -> list[str]:
        """Slots a from_entity mapping fills from this entity while the form is active."""
        return [name for name, slot in self.slots.items() if any(
            m.type == "from_entity" and m.entity == entity
            and all(c.get("active_loop") in (None, form) for c in m.conditions)
            for m in slot.mappings)]

    def text_slot(self, form: str, requested: str) -> bool:
        """Whether the requested slot takes the whole text while this form is active."""
        slot = self.slots.get(requested)
        return slot is not None and any(
            m.type == "from_text" and any(c.get("active_loop") == form and
                                          c.get("requested_slot") == requested for c in m.conditions)
            for m in slot.mappings)


class Rule(BaseModel):
    """One rule reduced to what the rules policy needs: which intents lead to which action."""

    name: str
    intents: list[str]
    action: str


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path.name}: cannot read: {exc}") from exc


def load_domain(path: Path = DOMAIN_FILE, intents_path: Path = INTENTS_FILE) -> Domain:
    """Load and validate domain.yml with the intent properties beside it (bot/data/intents.yml)."""
    try:
        domain = Domain.model_validate(_read(path))
    except ValidationError as exc:
        msgs = [f"{path.name}: {' -> '.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise DataError("\n".join(msgs)) from exc
    raw = _read(intents_path) or {}
    try:
        props = IntentProperties.model_validate({**raw.get("properties", {}),
                                                 "help_menu": raw.get("help_menu", [])})
    except ValidationError as exc:
        msgs = [f"{intents_path.name}: {' -> '.join(map(str, e['loc']))}: {e['msg']}"
                for e in exc.errors()]
        raise DataError("\n".join(msgs)) from exc
    unknown = props.unknown(domain.intents)
    if unknown:
        raise DataError("\n".join(f"{intents_path.name}: {u}: not an intent of domain.yml"
                                   for u in unknown))
    domain.intent_properties = props
    return domain


# what the rules policy honours: a rule maps its first step's intent(s) to its second step's action;
# a form's rule may go on with `active_loop: <that form>` (the engine activates the form itself).
# Anything else Rasa allows in a rule would be silently ignored, so it is rejected instead.
_RULE_KEYS = {"rule", "steps"}
_IGNORED_RULE_KEYS = {
    "condition": "its `condition` (the rules policy matches the intent alone)",
    "conversation_start": "`conversation_start` (a rule applies at any point)",
    "wait_for_user_input": "`wait_for_user_input` (every rule ends the turn)",
}


def _rule_problems(raw: Any, domain: Domain, where: str) -> tuple[list[str], list[str], str]:
    """The problems of one rule, and its intents and action when it has none."""
    if not isinstance(raw, dict):
        return [f"{where}: a rule must be a mapping with `rule` and `steps`"], [], ""
    found = [f"{where}: {why} would be ignored: remove it, or write a policy that honours it"
             for key, why in _IGNORED_RULE_KEYS.items() if key in raw]
    found += [f"{where}: unknown key {key!r} would be ignored" for key in raw
              if key not in _RULE_KEYS and key not in _IGNORED_RULE_KEYS]
    steps = raw.get("steps") or []
    if not isinstance(steps, list) or len(steps) < 2 or not all(isinstance(s, dict) for s in steps):
        return [*found, f"{where}: a rule needs an intent step and an action step"], [], ""
    first, second = steps[0], steps[1]
    if "or" in first:
        alternatives = first["or"] if isinstance(first["or"], list) else []
        bad = [a for a in alternatives if not isinstance(a, dict) or set(a) != {"intent"}]
        if bad or not alternatives:
            found.append(f"{where}: steps -> 0: an `or` may only list intents ({bad or 'empty'} "
                         "would be ignored)")
        intents = [str(a["intent"]) for a in alternatives if isinstance(a, dict) and "intent" in a]
    elif "intent" in first:
        intents = [str(first["intent"])]
        extra = sorted(set(first) - {"intent"})
        if extra:
            found.append(f"{where}: steps -> 0: {', '.join(extra)} would be ignored (the rules "
                         "policy matches the intent alone)")
    else:
        found.append(f"{where}: steps -> 0: the first step must be an intent or an `or` of intents "
                     f"(a rule starting with {sorted(first)} would never apply)")
        intents = []
    found += [f"{where}: unknown intent {intent!r}" for intent in intents
              if intent not in domain.intents]
    action = str(second.get("action") or "")
    if set(second) != {"action"}:
        found.append(f"{where}: steps -> 1: the second step must be an action (got {sorted(second)})")
    elif action not in domain.actions and action not in domain.forms:
        found.append(f"{where}: unknown action {action!r}")
    for n, step in enumerate(steps[2:], start=2):
        if n == 2 and action in domain.forms and step == {"active_loop": action}:
            continue  # the form's activation: what the engine does when it runs the form
        found.append(f"{where}: steps -> {n}: {step} would be ignored (a rule is one intent and "
                     "one action; only `active_loop: <form>` may follow a form)")
    return found, intents, action


def load_rules(domain: Domain, path: Path = RULES_FILE) -> list[Rule]:
    """Load rules.yml: each rule's first step (an intent or an `or` of intents) and its action.

    What the rules policy would not honour (a `condition`, more steps, entities or slots on the
    intent step, `conversation_start`, `wait_for_user_input`) is a DataError naming the file, the
    rule and what would be ignored, one line per problem.
    """
    doc = _read(path)
    rules: list[Rule] = []
    found: list[str] = []
    raw_rules = (doc or {}).get("rules", []) if isinstance(doc, dict) else None
    if not isinstance(raw_rules, list):
        raise DataError(f"{path.name}: rules: expected a list of rules")
    for i, raw in enumerate(raw_rules):
        name = str(raw.get("rule", i)) if isinstance(raw, dict) else str(i)
        problems, intents, action = _rule_problems(raw, domain, f"{path.name}: rule {name!r}")
        found += problems
        if not problems:
            rules.append(Rule(name=name, intents=intents, action=action))
    if found:
        raise DataError("\n".join(found))
    return rules
