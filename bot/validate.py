"""`coach validate`: the checks across files (config, knowledge base, NLU data, domain, rules).

Each problem names its file and field. The planner's answers (bot.core.messages) are the single
source of the domain's categorical slot values; a slot that lists other values is reported.
"""

from __future__ import annotations

from typing import get_args

from bot.core.config import load_config
from bot.core.domain import Domain, load_domain, load_rules
from bot.core.errors import CoachError
from bot.core.messages import Equipment, Experience, Goal
from bot.nlu.data import NluData, load_nlu
from bot.nlu.model import NLU_DATA
from knowledge.loader import KnowledgeError, load_knowledge
from knowledge.models import KnowledgeBase

# domain slot -> the Literal of the planner's answers that lists its values
PLANNER_SLOTS = {"experience": Experience, "equipment": Equipment, "goal": Goal}


def problems() -> list[str]:
    """Every problem found; empty when all is valid."""
    found: list[str] = []
    try:
        load_config()
    except CoachError as exc:
        found.append(str(exc))
    kb: KnowledgeBase | None
    try:
        kb = load_knowledge()
    except KnowledgeError as exc:
        found += exc.problems
        kb = None
    try:
        domain = load_domain()
        load_rules(domain)
        found += _nlu_vs_domain(load_nlu(NLU_DATA), domain)
        found += _slots_vs_planner(domain)
        if kb is not None:
            found += _knowledge_vs_domain(kb, domain)
    except CoachError as exc:
        found.append(str(exc))
    return found


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
