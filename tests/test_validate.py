"""`coach validate`: rules the rules policy would not honour are rejected; responses nothing uses
and intents nothing handles are reported, with policy-handled intents as warnings."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import bot.cli
from bot.core.domain import RULES_FILE, ResponseVariation, load_domain, load_rules
from bot.core.errors import DataError
from bot.validate import POLICY_HANDLED, _intents_handled, check, unused_responses

DOMAIN = load_domain()


def test_the_project_is_valid() -> None:
    found = check()
    assert found.errors == []


def test_validate_prints_warnings_and_passes() -> None:
    result = CliRunner().invoke(bot.cli.app, ["validate"])
    assert result.exit_code == 0, result.output
    assert "handled by design by the policies" in result.output


def _rules(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "rules.yml"
    path.write_text(RULES_FILE.read_text() + extra)
    return path


@pytest.mark.parametrize("extra,ignored", [
    ("  - rule: greet in a form\n    condition:\n      - active_loop: program_form\n"
     "    steps:\n      - intent: greet\n      - action: action_smalltalk\n",
     "rule 'greet in a form': its `condition`"),
    ("  - rule: two turns\n    steps:\n      - intent: greet\n      - action: action_smalltalk\n"
     "      - intent: thank\n      - action: action_smalltalk\n",
     "rule 'two turns': steps -> 2: {'intent': 'thank'} would be ignored"),
    ("  - rule: at the start\n    conversation_start: true\n    steps:\n      - intent: greet\n"
     "      - action: action_smalltalk\n", "rule 'at the start': `conversation_start`"),
    ("  - rule: with entities\n    steps:\n      - intent: ask_rest\n        entities:\n"
     "          - goal: size\n      - action: action_answer_topic\n",
     "rule 'with entities': steps -> 0: entities would be ignored"),
    ("  - rule: slot first\n    steps:\n      - slot_was_set:\n          - goal: size\n"
     "      - action: action_answer_topic\n", "rule 'slot first': steps -> 0: the first step"),
    ("  - rule: unknown intent\n    steps:\n      - intent: ask_taxes\n      - action: action_smalltalk\n",
     "rule 'unknown intent': unknown intent 'ask_taxes'"),
], ids=["condition", "multi-step", "conversation_start", "entities", "slot-first", "unknown-intent"])
def test_rules_the_policy_would_ignore_are_rejected(tmp_path: Path, extra: str, ignored: str) -> None:
    with pytest.raises(DataError) as exc:
        load_rules(DOMAIN, _rules(tmp_path, extra))
    assert f"rules.yml: {ignored}" in str(exc.value)


def test_a_form_rule_may_activate_its_form() -> None:
    rules = {r.name: r for r in load_rules(DOMAIN)}
    assert rules["start the program form"].action == "program_form"


def test_responses_used_through_f_strings_count_and_unused_ones_are_found() -> None:
    domain = DOMAIN.model_copy(deep=True)
    domain.responses["utter_never_said"] = [ResponseVariation(text="nobody says this")]
    unused = unused_responses(domain)
    assert "utter_never_said" in unused
    for used in ("utter_ask_experience", "utter_program_form_start", "utter_greet",
                 "utter_label_ask_rest", "utter_invalid_days", "utter_error"):
        assert used not in unused  # f"utter_ask_{slot}", f"utter_{form}_start", f"utter_{intent}", ...


def test_unused_responses_are_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.validate.unused_responses", lambda domain: ["utter_never_said"])
    found = check()
    assert any("utter_never_said: never used" in w for w in found.warnings)
    assert not any("utter_never_said" in e for e in found.errors)


def test_intents_without_rules_error_unless_a_policy_handles_them_by_design() -> None:
    by_rules = {i for r in load_rules(DOMAIN) for i in r.intents} - {"greet"}
    policies = ["safety_triage", "active_form", "plan_change", "rules", "follow_up", "fallback"]
    errors, warnings = _intents_handled(DOMAIN, by_rules, policies)
    assert [e for e in errors if "'greet'" in e] and len(errors) == 1
    assert len(warnings) == len(POLICY_HANDLED) and "'inform'" in warnings[0]
    errors, _ = _intents_handled(DOMAIN, by_rules | {"greet"}, ["rules"])
    assert any("follow_up" in e and "'inform'" in e for e in errors)  # the policy it relies on is gone
