"""The NLU layer's registrations: spaCy factory name -> the component class it builds.

config.yml's nlu.pipeline lists components by these names; importing the modules here registers
their factories with spaCy. Adding a component is one class, one line here, one line of config.
"""

from __future__ import annotations

from bot.nlu import crisis, cues, discourse, entities, fallback, form_values, normalizer, plan_edits

COMPONENTS: dict[str, type] = {
    "coach_normalizer": normalizer.Normalizer,
    "coach_lemma_view": normalizer.LemmaView,
    "coach_entity_ruler": entities.KnowledgeEntityRuler,
    "coach_numbers": entities.NumberEntities,
    "coach_form_values": form_values.FormValues,
    "coach_plan_edits": plan_edits.PlanEdits,
    "coach_symptoms": entities.SymptomMatcher,
    "coach_safety_cues": cues.SafetyCues,
    "coach_discourse_cues": discourse.DiscourseCues,
    "coach_crisis_gate": crisis.CrisisGate,
    "coach_intent_fallback": fallback.IntentFallback,
}
