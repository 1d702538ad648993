"""Every registration in one screen: NLU components, dialogue policies and the actions package.

Importing this module registers the spaCy factories named in config.yml; the policy table maps the
names config.yml uses to their classes. Adding a part is one line here and one line of config.
"""

from __future__ import annotations

# NLU components (spaCy factories, by the names config.yml lists)
from bot.nlu import entities, fallback, normalizer  # noqa: F401

COMPONENTS = {
    "coach_normalizer": normalizer.Normalizer,
    "coach_entity_ruler": entities.KnowledgeEntityRuler,
    "coach_numbers": entities.NumberEntities,
    "coach_symptoms": entities.SymptomMatcher,
    "coach_intent_fallback": fallback.IntentFallback,
}
