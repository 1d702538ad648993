"""The dialogue layer's registrations: config.yml's policy names, and the actions package.

Adding a policy is one class in policies.py, one line here and one line of config.
"""

from __future__ import annotations

from bot.dialogue import policies

POLICIES: dict[str, type[policies.Policy]] = {
    "safety_triage": policies.SafetyTriagePolicy,
    "scope": policies.ScopePolicy,
    "active_form": policies.ActiveFormPolicy,
    "uncovered": policies.UncoveredPolicy,
    "plan_request": policies.PlanRequestPolicy,
    "retrieval": policies.RetrievalPolicy,
    "plan_change": policies.PlanChangePolicy,
    "reference": policies.ReferencePolicy,
    "rules": policies.RulePolicy,
    "follow_up": policies.FollowUpPolicy,
    "fallback": policies.FallbackPolicy,
}

# the rasa_sdk actions (run in-process, or by `coach actions` / `python -m rasa_sdk --actions`)
ACTIONS_PACKAGE = "actions"
