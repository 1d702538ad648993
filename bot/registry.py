"""Every registration in one screen: NLU components, dialogue policies and the actions package.

config.yml names the components (spaCy factories, registered by importing their modules here) and
the policies (this table); the engine runs every rasa_sdk Action found in ACTIONS_PACKAGE. Adding a
part is one class, one line here and one line of config.
"""

from __future__ import annotations

from bot.dialogue import policies
from bot.nlu import cues, entities, fallback, normalizer

# spaCy factory name -> the class it builds (importing the modules registers the factories)
COMPONENTS = {
    "coach_normalizer": normalizer.Normalizer,
    "coach_lemma_view": normalizer.LemmaView,
    "coach_entity_ruler": entities.KnowledgeEntityRuler,
    "coach_numbers": entities.NumberEntities,
    "coach_symptoms": entities.SymptomMatcher,
    "coach_safety_cues": cues.SafetyCues,
    "coach_intent_fallback": fallback.IntentFallback,
}

# config.yml dialogue.policies name -> policy class
POLICIES: dict[str, type[policies.Policy]] = {
    "safety_triage": policies.SafetyTriagePolicy,
    "active_form": policies.ActiveFormPolicy,
    "retrieval": policies.RetrievalPolicy,
    "plan_change": policies.PlanChangePolicy,
    "rules": policies.RulePolicy,
    "follow_up": policies.FollowUpPolicy,
    "fallback": policies.FallbackPolicy,
}

# the rasa_sdk actions (run in-process, or by `coach actions` / `python -m rasa_sdk --actions`)
ACTIONS_PACKAGE = "actions"
