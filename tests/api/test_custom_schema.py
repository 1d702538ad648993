"""The typed contract of rich messages: /schemas/custom.json describes every `custom` payload, and
real replies of every kind validate against it (with an independent JSON Schema validator)."""

from __future__ import annotations

import jsonschema
import pytest
from fastapi.testclient import TestClient

from bot.channels.server import create_app
from bot.dialogue.engine import Engine

WEBHOOK = "/webhooks/rest/webhook"
# (messages of one conversation, the custom kinds its replies must include)
CONVERSATIONS = [
    (["how long should i rest for size?"], {"answer"}),
    (["how do i do a dumbbell row"], {"steps", "disclaimer"}),
    (["how do i do squats"], {"steps"}),
    (["beginner, 3 days a week, dumbbells, 45 minutes, no injuries, make me a plan"],
     {"plan", "disclaimer"}),
    (["my chest hurts when i lift"], {"safety"}),
    (["i want to end my life"], {"safety"}),
    (["legs sore from yesterday's squats, normal?"], {"safety"}),
    (["how many sets a week?", "where is that from?"], {"answer", "sources"}),
]


@pytest.fixture(scope="module")
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine))


@pytest.fixture(scope="module")
def schema(client: TestClient) -> dict:
    res = client.get("/schemas/custom.json")
    assert res.status_code == 200
    return res.json()


def test_the_schema_names_every_kind(schema: dict) -> None:
    kinds = {d["properties"]["kind"]["const"] for d in schema["$defs"].values()
             if "kind" in d.get("properties", {})}
    assert kinds == {"answer", "steps", "plan", "disclaimer", "safety", "sources"}


@pytest.mark.parametrize("messages,kinds", CONVERSATIONS)
def test_real_replies_validate_against_the_schema(client: TestClient, schema: dict,
                                                   messages: list[str], kinds: set[str]) -> None:
    seen = set()
    for text in messages:
        res = client.post(WEBHOOK, json={"sender": f"schema-{abs(hash(tuple(messages)))}",
                                         "message": text})
        assert res.status_code == 200
        for message in res.json():
            if "custom" in message:
                jsonschema.validate(message["custom"], schema)
                seen.add(message["custom"]["kind"])
    assert kinds <= seen


def test_a_payload_of_the_wrong_shape_fails_the_schema(schema: dict) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"kind": "steps", "name": "Row"}, schema)  # no steps, no exercise


def test_steps_and_plan_carry_their_sentences_as_fields(client: TestClient) -> None:
    body = client.post(WEBHOOK, json={"sender": "schema-fields",
                                      "message": "how do i do squats"}).json()
    steps = next(m["custom"] for m in body if m.get("custom", {}).get("kind") == "steps")
    assert "no step-by-step" in steps["intro"] or "doesn't give" in steps["intro"]
    request = "intermediate, 4 days, full gym, 60 min, no injuries, plan please"
    body = client.post(WEBHOOK, json={"sender": "schema-plan", "message": request}).json()
    plan = next(m["custom"] for m in body if m.get("custom", {}).get("kind") == "plan")
    assert plan["intro"].startswith("Here's your suggested plan")
    assert "how do I do the" in plan["closing"]
