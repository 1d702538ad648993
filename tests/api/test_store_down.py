"""Redis unreachable: the chat answers 503 with Retry-After and a JSON error (nothing processed,
nothing half-saved), and recovers by itself once Redis is back on its address."""

from __future__ import annotations

import subprocess

from bot.stores import RedisTrackerStore
from tests.api.conftest import MakeClient
from tests.conftest import free_port, need_program, wait_for_port

WEBHOOK = "/webhooks/rest/webhook"


def test_redis_down_is_a_503_and_it_recovers(make_client: MakeClient) -> None:
    server = need_program("redis-server")
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    client = make_client(store=RedisTrackerStore(url, lock_timeout_s=2), stores={"tracker": url},
                         rate={"per_sender": "100/minute", "per_address": None})
    body = {"sender": "down-1", "message": "how long should i rest for size"}
    refused = client.post(WEBHOOK, json=body)
    assert refused.status_code == 503
    assert int(refused.headers["retry-after"]) >= 1
    assert "store is unreachable" in refused.json()["error"]
    assert client.get("/health").status_code == 200  # the server itself is alive
    proc = subprocess.Popen([server, "--port", str(port), "--save", "", "--appendonly", "no",
                             "--bind", "127.0.0.1"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        answered = client.post(WEBHOOK, json=body)
        assert answered.status_code == 200 and "60-90" in answered.text
        events = RedisTrackerStore(url).load("down-1", full=True).events
        assert [e["text"] for e in events if e["event"] == "user"] == [body["message"]]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
