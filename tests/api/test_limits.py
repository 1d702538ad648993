"""Limits: per-sender and per-address rate limits (429 with Retry-After; shared through Redis with
a Redis store), body size (413), JSON nesting depth (400), message length (413) and the cap on
events per conversation (the oldest are trimmed)."""

from __future__ import annotations

import json
import uuid

import pytest

from bot.channels.guards import json_too_deep, limits_storage_uri
from bot.core.config import RateLimitConfig
from bot.stores import MemoryTrackerStore, RedisTrackerStore
from tests.api.conftest import LOCAL, REMOTE, TOKEN, MakeClient

WEBHOOK = "/webhooks/rest/webhook"
JSON = {"content-type": "application/json"}


def _say(client, sender: str, text: str = "hi"):  # noqa: ANN001, ANN202
    return client.post(WEBHOOK, json={"sender": sender, "message": text})


def test_the_per_sender_limit_answers_429_with_retry_after(make_client: MakeClient) -> None:
    client = make_client(rate={"per_sender": "3/minute", "per_address": None})
    assert [_say(client, "chatty").status_code for _ in range(3)] == [200, 200, 200]
    refused = _say(client, "chatty")
    assert refused.status_code == 429
    assert refused.json()["field"] == "rate_limit" and "this conversation" in refused.json()["error"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # another conversation from the same address carries on
    assert _say(client, "quiet").status_code == 200


def test_the_per_address_limit_covers_every_api_route(make_client: MakeClient) -> None:
    client = make_client(rate={"per_sender": None, "per_address": "4/minute"})
    assert _say(client, "a").status_code == 200
    assert client.post("/model/parse", json={"text": "hi"}).status_code == 200
    assert client.get("/schemas/custom.json").status_code == 200
    assert _say(client, "b").status_code == 200
    for res in (_say(client, "c"), client.post("/model/parse", json={"text": "hi"}),
                client.get("/conversations/a/tracker"), client.get("/no-such-route")):
        assert res.status_code == 429 and int(res.headers["retry-after"]) >= 1
        assert "this address" in res.json()["error"]
    # liveness, metrics and the widget's files are never limited
    for path in ("/health", "/metrics", "/", "/widget.js", "/widget.css"):
        assert client.get(path).status_code == 200
    # another address is counted apart
    other = make_client(rate={"per_sender": None, "per_address": "4/minute"}, address=("198.51.100.9", 1))
    assert _say(other, "d").status_code == 200


def test_exempt_addresses_are_never_limited(make_client: MakeClient) -> None:
    client = make_client(rate={"per_sender": "1/minute", "per_address": "1/minute"}, address=LOCAL)
    assert all(_say(client, "bench").status_code == 200 for _ in range(5))
    nets = make_client(rate={"per_sender": "1/minute", "per_address": "1/minute",
                             "exempt": ["203.0.113.0/24"]}, address=REMOTE)
    assert all(_say(nets, "lan").status_code == 200 for _ in range(3))


def test_refusals_are_counted_in_the_metrics(make_client: MakeClient) -> None:
    client = make_client(rate={"per_sender": "1/minute", "per_address": None})
    _say(client, "m")
    _say(client, "m")
    text = client.get("/metrics").text
    assert 'coach_rate_limited_total{limit="/webhooks/rest/webhook"} 1.0' in text
    assert 'route="/webhooks/rest/webhook",status="429"' in text


def test_limits_are_shared_through_redis(make_client: MakeClient, redis_url: str) -> None:
    """Two servers (as two workers or machines) on one Redis store share the counts."""
    rate = {"per_sender": "2/minute", "per_address": None}
    sender = f"shared-{uuid.uuid4().hex[:8]}"
    first, second = (make_client(rate=rate, store=RedisTrackerStore(redis_url),
                                 stores={"tracker": redis_url}) for _ in range(2))
    assert _say(first, sender).status_code == 200
    assert _say(second, sender).status_code == 200
    refused = _say(first, sender)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert _say(second, sender).status_code == 429


def test_limits_storage_follows_the_store() -> None:
    assert limits_storage_uri("sqlite") == "async+memory://"
    assert limits_storage_uri("memory") == "async+memory://"
    assert limits_storage_uri("redis://h:1/0") == "async+redis://h:1/0"
    assert limits_storage_uri("unix:///run/redis.sock") == "async+redis+unix:///run/redis.sock"


@pytest.mark.parametrize("bad", ["lots", "30 per fortnight", "-1/minute"])
def test_a_bad_rate_is_a_config_error(bad: str) -> None:
    with pytest.raises(ValueError, match="per_sender"):
        RateLimitConfig(per_sender=bad)


def test_a_bad_exempt_network_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="exempt"):
        RateLimitConfig(exempt=["not-an-address"])


# ---- bodies ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [WEBHOOK, "/model/parse", "/plan.ics"])
def test_a_huge_body_is_413(make_client: MakeClient, path: str) -> None:
    client = make_client(max_body_bytes=4096)
    huge = json.dumps({"sender": "x", "message": "a" * 10_000, "text": "a" * 10_000}).encode()
    res = client.post(path, content=huge, headers=JSON)
    assert res.status_code == 413 and res.json()["field"] == "body"

    def chunks():  # noqa: ANN202 (no Content-Length: the body is counted as it arrives)
        for _ in range(10):
            yield b"a" * 1000

    streamed = client.post(path, content=chunks(), headers=JSON)
    assert streamed.status_code == 413
    assert client.get("/health").status_code == 200


@pytest.mark.parametrize("path", [WEBHOOK, "/model/parse", "/plan.ics"])
@pytest.mark.parametrize("depth", [33, 5000, 100_000])
def test_deep_nesting_is_a_400_naming_the_problem(make_client: MakeClient, path: str,
                                                  depth: int) -> None:
    client = make_client(max_body_bytes=1_000_000)
    for body in (b"[" * depth + b"]" * depth,
                 b'{"sender": "x", "message": "hi", "metadata": ' + b'{"a": ' * depth + b"1"
                 + b"}" * depth + b"}",
                 b"[" * depth):  # and truncated
        res = client.post(path, content=body, headers=JSON)
        assert res.status_code == 400, res.text
        assert "nests deeper than 32 levels" in res.json()["error"]


def test_nesting_within_the_limit_is_parsed(make_client: MakeClient) -> None:
    client = make_client()
    metadata: dict = {}
    inner = metadata
    for _ in range(30):
        inner["a"] = {}
        inner = inner["a"]
    res = client.post(WEBHOOK, json={"sender": "nest", "message": "hi", "metadata": metadata})
    assert res.status_code == 200
    # brackets inside strings do not count
    res = client.post(WEBHOOK, json={"sender": "brackets", "message": "[[[[" * 200 + "{{{{" * 200})
    assert res.status_code == 200


@pytest.mark.parametrize("raw,deep", [
    (b"[]", False), (b"[" * 32 + b"]" * 32, False), (b"[" * 33 + b"]" * 33, True),
    (b'["' + b"[" * 100 + b'"]', False), (b'["\\"' + b"[" * 100 + b'"]', False),
    (b'["\\\\"' + b"[" * 40 + b"]", True), (b"{" * 40, True),
])
def test_json_too_deep(raw: bytes, deep: bool) -> None:
    assert json_too_deep(raw, 32) is deep


def test_message_length_is_413(make_client: MakeClient) -> None:
    client = make_client()
    res = _say(client, "long", "a" * 10_000)
    assert res.status_code == 413 and res.json()["field"] == "message"


# ---- events per conversation ----------------------------------------------------------------------
def test_a_long_conversation_keeps_its_newest_events(make_client: MakeClient) -> None:
    store = MemoryTrackerStore()
    client = make_client(token=TOKEN, store=store, stores={"max_events": 100})
    assert store.max_events == 100
    for _ in range(40):
        assert _say(client, "marathon", "how long should i rest for size").status_code == 200
    tracker = client.get("/conversations/marathon/tracker",
                         headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert len(tracker["events"]) == 100
    assert tracker["events"][-1]["event"] == "bot"  # the newest turn is all there
    # the conversation still works normally
    reply = _say(client, "marathon", "and for strength?").json()
    assert "3-5 minutes" in " ".join(m.get("text") or "" for m in reply)
