"""GET /metrics in Prometheus text (requests and latency by route, intents, fallbacks, safety stops
by tier, plans, action errors) and logs that name the conversation."""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bot.channels.observability import LOG_FORMAT, ConversationFilter
from bot.channels.server import create_app
from bot.core.config import CoachConfig
from bot.core.errors import ActionFailed
from bot.dialogue.engine import Engine
from bot.stores import MemoryTrackerStore, SQLiteTrackerStore
from tests.api.conftest import TOKEN, MakeClient

WEBHOOK = "/webhooks/rest/webhook"
PLAN = "intermediate, 4 days, full gym, 60 min, no injuries, plan please"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) -> value, from the Prometheus text."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_requests_turns_safety_and_plans(make_client: MakeClient) -> None:
    client = make_client()
    say = lambda sender, text: client.post(WEBHOOK, json={"sender": sender, "message": text})  # noqa: E731
    say("m-1", "hi")
    say("m-1", "how long should i rest for size")
    say("m-2", "i get chest pain when i bench, should i just push through")
    say("m-3", "got super lightheaded on leg day lol")
    say("m-4", PLAN)
    say("m-5", "purple monkey dishwasher")
    say("m-6", "/no_such_intent_anywhere")  # a payload naming anything: no label of its own
    client.post(WEBHOOK, json={"sender": "m-7"})  # a 400
    res = client.get("/metrics")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/plain")
    samples = _samples(res.text)
    route = "/webhooks/rest/webhook"
    assert _value(samples, "coach_http_requests_total", route=route, method="POST", status="200") == 7
    assert _value(samples, "coach_http_requests_total", route=route, method="POST", status="400") == 1
    assert _value(samples, "coach_http_request_duration_seconds_count", route=route, method="POST") == 8
    assert _value(samples, "coach_intents_total", intent="greet") >= 1
    assert _value(samples, "coach_intents_total", intent="nlu_fallback") >= 1
    tiers = {dict(labels)["tier"]: v for (name, labels), v in samples.items()
             if name == "coach_safety_stops_total"}
    assert tiers.get("emergency", 0) >= 1 and sum(tiers.values()) == 2, tiers
    assert _value(samples, "coach_plans_built_total") == 1
    assert _value(samples, "coach_fallbacks_total") >= 1
    intents = {dict(labels)["intent"] for (name, labels) in samples if name == "coach_intents_total"}
    assert "no_such_intent_anywhere" not in intents
    # a path that matches no route is one label, whatever was asked
    client.get("/../../etc/passwd")
    client.get("/random-path-12345")
    later = _samples(client.get("/metrics").text)
    routes = {dict(labels).get("route") for (name, labels) in later
              if name == "coach_http_requests_total"}
    assert "unmatched" in routes and not any("random" in (r or "") for r in routes)


class FailingActions:
    """An action runner whose every action fails (as a crashed action server would)."""

    remote = False

    async def run(self, payload: dict[str, Any]) -> dict[str, Any]:
        raise ActionFailed(payload["next_action"], "boom")


@pytest.fixture()
def failing_client(engine: Engine, config: CoachConfig, request: pytest.FixtureRequest,
                   tmp_path: Path) -> TestClient:
    bot = copy.copy(engine)
    bot.actions = FailingActions()
    # memory runs the whole turn on the event loop; SQLite awaits its worker thread in between
    bot.store = SQLiteTrackerStore(tmp_path / "t.db") if getattr(request, "param", False) \
        else MemoryTrackerStore()
    return TestClient(create_app(bot, config))


@pytest.mark.parametrize("failing_client", [False, True], indirect=True,
                         ids=["memory", "sqlite-thread"])
def test_action_errors_are_counted_and_logged_with_the_conversation(
        failing_client: TestClient) -> None:
    seen: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(self.format(record))

    handler = Capture(logging.ERROR)
    handler.addFilter(ConversationFilter())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    engine_log = logging.getLogger("bot.dialogue.engine")
    engine_log.addHandler(handler)
    try:
        res = failing_client.post(WEBHOOK, json={"sender": "log-me-42",
                                                 "message": "how long should i rest for size"})
    finally:
        engine_log.removeHandler(handler)
    assert res.status_code == 200  # a polite reply, not a dead conversation
    assert seen and all("[conversation log-me-42]" in line for line in seen)
    samples = _samples(failing_client.get("/metrics").text)
    errors = {dict(labels)["action"]: v for (name, labels), v in samples.items()
              if name == "coach_action_errors_total"}
    assert sum(errors.values()) >= 1 and "action_answer_topic" in errors


def test_log_records_outside_a_request_say_so() -> None:
    record = logging.LogRecord("bot.x", logging.INFO, __file__, 1, "hello", None, None)
    assert ConversationFilter().filter(record) and record.conversation_id == "-"


def test_metrics_are_an_admin_route_with_a_token(make_client: MakeClient) -> None:
    client = make_client(token=TOKEN)
    assert client.get("/metrics").status_code == 401
    res = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert res.status_code == 200 and "coach_http_requests_total" in res.text


def test_each_app_counts_its_own_requests(make_client: MakeClient) -> None:
    first, second = make_client(), make_client()
    first.post(WEBHOOK, json={"sender": "own-1", "message": "hi"})
    first_count = _value(_samples(first.get("/metrics").text), "coach_intents_total", intent="greet")
    second_count = _value(_samples(second.get("/metrics").text), "coach_intents_total", intent="greet")
    assert first_count == 1 and second_count == 0
