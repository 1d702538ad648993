"""The HTTP API through FastAPI's test client: every route, every kind of bad request, restarts."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app import build_engine
from bot.channels.server import create_app
from bot.core.config import CoachConfig
from bot.dialogue.engine import Engine
from bot.stores import SQLiteTrackerStore

WEBHOOK = "/webhooks/rest/webhook"


@pytest.fixture(scope="module")
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine))


def test_webhook_answers_in_rasa_shape(client: TestClient) -> None:
    res = client.post(WEBHOOK, json={"sender": "api-1", "message": "how long should i rest for size?",
                                     "metadata": {}})
    assert res.status_code == 200
    body = res.json()
    assert isinstance(body, list) and body
    assert all(m["recipient_id"] == "api-1" for m in body)
    assert "60-90" in body[0]["text"]
    assert {"title", "payload"} <= set(body[0]["buttons"][0])
    assert all("custom" not in m or isinstance(m["custom"], dict) for m in body)


def test_button_payload_is_a_message(client: TestClient) -> None:
    res = client.post(WEBHOOK, json={"sender": "api-2",
                                     "message": '/ask_exercise_steps{"exercise": "dumbbell_squat"}'})
    steps = [m for m in res.json() if (m.get("custom") or {}).get("kind") == "steps"]
    assert steps and "heels" in " ".join(steps[0]["custom"]["steps"])


def test_model_parse(client: TestClient) -> None:
    body = client.post("/model/parse", json={"text": "how do i do dumbell rows"}).json()
    assert body["intent"]["name"] == "ask_exercise_steps"
    ent = body["entities"][0]
    assert ent["entity"] == "exercise" and ent["value"] == "dumbbell_row"
    assert {"start", "end", "extractor"} <= set(ent)
    ranking = [r["confidence"] for r in body["intent_ranking"]]
    assert ranking == sorted(ranking, reverse=True)


def test_tracker_route(client: TestClient) -> None:
    client.post(WEBHOOK, json={"sender": "api-3", "message": "hi"})
    body = client.get("/conversations/api-3/tracker").json()
    assert body["sender_id"] == "api-3"
    assert {"slots", "latest_message", "events", "active_loop"} <= set(body)
    assert [e["event"] for e in body["events"]][:1] == ["user"]
    assert any(e["event"] == "bot" for e in body["events"])
    empty = client.get("/conversations/nobody-here/tracker")
    assert empty.status_code == 200 and empty.json()["events"] == []


def test_health_and_openapi(client: TestClient) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["model"] and health["store"] == "memory"
    spec = client.get("/openapi.json").json()
    assert {"/webhooks/rest/webhook", "/model/parse", "/conversations/{sender}/tracker",
            "/health"} <= set(spec["paths"])
    assert "requestBody" in spec["paths"]["/webhooks/rest/webhook"]["post"]


def test_widget_is_served(client: TestClient) -> None:
    assert "text/html" in client.get("/").headers["content-type"]
    assert "javascript" in client.get("/widget.js").headers["content-type"]
    assert "css" in client.get("/widget.css").headers["content-type"]


@pytest.mark.parametrize("kwargs,status,field", [
    ({"content": b'{"sender": "x", "message": ', "headers": {"content-type": "application/json"}},
     400, "body"),
    ({"json": {"message": "hi"}}, 400, "sender"),
    ({"json": {"sender": "x"}}, 400, "message"),
    ({"json": {"sender": "", "message": "hi"}}, 400, "sender"),
    ({"json": {"sender": "   ", "message": "hi"}}, 400, "sender"),
    ({"json": {"sender": "x", "message": "   "}}, 400, "message"),
    ({"json": {"sender": 42, "message": "hi"}}, 400, "sender"),
    ({"json": {"sender": "x", "message": ["hi"]}}, 400, "message"),
    ({"json": {"sender": "x", "message": "hi", "metadata": "nope"}}, 400, "metadata"),
    ({"json": ["not", "an", "object"]}, 400, "body"),
    ({"json": {"sender": "x", "message": "a" * 2001}}, 413, "message"),
    ({"content": b"sender=x&message=hi",
      "headers": {"content-type": "application/x-www-form-urlencoded"}}, 415, "content-type"),
])
def test_bad_requests_get_a_json_error_naming_the_field(client: TestClient, kwargs: dict,
                                                       status: int, field: str) -> None:
    res = client.post(WEBHOOK, **kwargs)
    assert res.status_code == status, res.text
    assert res.json()["field"] == field and res.json()["error"]
    # the server and other conversations carry on
    ok = client.post(WEBHOOK, json={"sender": "still-fine", "message": "hi"})
    assert ok.status_code == 200


def test_bad_parse_requests(client: TestClient) -> None:
    assert client.post("/model/parse", json={"txt": "hi"}).status_code == 400
    assert client.post("/model/parse", json={"text": "a" * 5000}).status_code == 413


def test_a_bad_request_does_not_harm_a_conversation(client: TestClient) -> None:
    client.post(WEBHOOK, json={"sender": "api-4", "message": "how long should i rest for size"})
    client.post(WEBHOOK, content=b"{broken", headers={"content-type": "application/json"})
    reply = client.post(WEBHOOK, json={"sender": "api-4", "message": "and for strength?"}).json()
    assert "3-5 minutes" in " ".join(m.get("text") or "" for m in reply)


def test_cors_allows_only_configured_origins(config: CoachConfig, engine: Engine) -> None:
    allowed = config.model_copy(deep=True)
    allowed.server.cors_origins = ["http://good.example"]
    client = TestClient(create_app(engine, allowed))
    pre = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = client.options(WEBHOOK, headers={"Origin": "http://good.example", **pre})
    assert ok.headers.get("access-control-allow-origin") == "http://good.example"
    bad = client.options(WEBHOOK, headers={"Origin": "http://evil.example", **pre})
    assert bad.headers.get("access-control-allow-origin") is None


def test_a_restarted_server_continues_the_conversation(config: CoachConfig, tmp_path: Path) -> None:
    db = tmp_path / "trackers.db"
    first = TestClient(create_app(build_engine(config, store=SQLiteTrackerStore(db))))
    first.post(WEBHOOK, json={"sender": "restart-1", "message": "make me a workout plan"})
    first.post(WEBHOOK, json={"sender": "restart-1", "message": "beginner"})
    # a new engine and app on the same file: as after a restart
    second = TestClient(create_app(build_engine(config, store=SQLiteTrackerStore(db))))
    reply = second.post(WEBHOOK, json={"sender": "restart-1", "message": "3"}).json()
    text = " ".join(m.get("text") or "" for m in reply)
    assert "equipment" in text
    tracker = second.get("/conversations/restart-1/tracker").json()
    assert tracker["slots"]["experience"] == "beginner" and tracker["slots"]["days"] == "3"
