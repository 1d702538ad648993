"""A client's message_id: the same message sent again (a retry after a lost answer) gets the
first answer again and is not a second turn; a new id is a new turn; a malformed id is a 400."""

from __future__ import annotations

from bot.stores import MemoryTrackerStore
from tests.api.conftest import MakeClient

WEBHOOK = "/webhooks/rest/webhook"


def _users(store: MemoryTrackerStore, sender: str) -> list[str]:
    tracker = store.load(sender, full=True)
    assert tracker is not None
    return [e["text"] for e in tracker.events if e["event"] == "user"]


def test_a_retried_message_is_answered_once(make_client: MakeClient) -> None:
    store = MemoryTrackerStore()
    client = make_client(store=store)
    body = {"sender": "retry-1", "message": "make me a plan", "message_id": "m-1"}
    first = client.post(WEBHOOK, json=body)
    again = client.post(WEBHOOK, json=body)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert _users(store, "retry-1") == ["make me a plan"]
    # the interview did not move on: the next answer is taken for the first question
    nxt = client.post(WEBHOOK, json={"sender": "retry-1", "message": "beginner", "message_id": "m-2"})
    assert "days" in nxt.text.lower()
    assert _users(store, "retry-1") == ["make me a plan", "beginner"]
    events = store.load("retry-1", full=True).events  # type: ignore[union-attr]
    assert [e.get("message_id") for e in events if e["event"] == "user"] == ["m-1", "m-2"]


def test_without_an_id_every_message_is_a_turn(make_client: MakeClient) -> None:
    store = MemoryTrackerStore()
    client = make_client(store=store)
    for _ in range(2):
        assert client.post(WEBHOOK, json={"sender": "no-id", "message": "hi"}).status_code == 200
    assert _users(store, "no-id") == ["hi", "hi"]


def test_a_malformed_message_id_is_a_400(make_client: MakeClient) -> None:
    client = make_client()
    for bad in ["", "../etc", "x" * 65, "a b"]:
        res = client.post(WEBHOOK, json={"sender": "bad-id", "message": "hi", "message_id": bad})
        assert res.status_code == 400 and res.json()["field"] == "message_id", bad
