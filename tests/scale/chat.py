"""Clients of the scale tests: scripted conversations sent from a pool of threads through the
proxy, and what the tracker recorded of them, read back through the proxy."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from bot.core.config import ROOT
from bot.nlu.data import load_nlu

WEBHOOK = "/webhooks/rest/webhook"
TOKEN = secrets.token_urlsafe(24)  # the workers' COACH_AUTH_TOKEN (conftest imports it from here)


def script(conversations: int, turns: int, prefix: str) -> dict[str, list[str]]:
    """`conversations` senders with `turns` messages each: consecutive held-out NLU examples (real
    questions of every kind, different from one another within a conversation)."""
    texts = [e.text for e in load_nlu(ROOT / "tests" / "data" / "nlu_test.yml").examples]
    assert len(texts) >= turns
    return {f"{prefix}-{c:03d}": [texts[(c * turns + t) % len(texts)] for t in range(turns)]
            for c in range(conversations)}


@dataclass
class Outcome:
    """One conversation as its client saw it."""

    sender: str
    answered: list[str] = field(default_factory=list)  # the messages answered with a reply list
    problems: list[str] = field(default_factory=list)  # the others: status and body


def send(client: httpx.Client, sender: str, text: str, outcome: Outcome) -> httpx.Response:
    """Send one message; record it as answered (200, a non-empty list of replies to this sender)
    or as a problem."""
    response = client.post(WEBHOOK, json={"sender": sender, "message": text})
    replies = response.json() if response.headers.get("content-type", "").startswith(
        "application/json") else None
    if (response.status_code == 200 and isinstance(replies, list) and replies
            and all(r.get("recipient_id") == sender for r in replies)):
        outcome.answered.append(text)
    else:
        outcome.problems.append(f"{sender} {text!r}: HTTP {response.status_code} {response.text[:200]}")
    return response


def run_concurrently(url: str, conversations: dict[str, list[str]], threads: int) -> list[Outcome]:
    """Each conversation's messages in order, `threads` conversations at a time, one keep-alive
    client per thread."""
    local = threading.local()

    def converse(sender: str) -> Outcome:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=url, timeout=60)
        outcome = Outcome(sender)
        for text in conversations[sender]:
            send(local.client, sender, text, outcome)
        return outcome

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(converse, conversations))


def tracker(client: httpx.Client, sender: str, token: str) -> dict:
    """GET /conversations/{sender}/tracker with the token."""
    response = client.get(f"/conversations/{sender}/tracker",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def user_texts(client: httpx.Client, sender: str, token: str) -> list[str]:
    """The texts of the conversation's `user` events, in the order the tracker holds them."""
    return [e["text"] for e in tracker(client, sender, token)["events"] if e["event"] == "user"]
