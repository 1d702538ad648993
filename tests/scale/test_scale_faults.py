"""Faults between messages on two workers sharing Redis behind nginx: a worker killed, Redis
killed and started again from its append-only file, Redis down. Nothing answered is lost or
duplicated, and the conversation carries on where it was."""

from __future__ import annotations

import uuid

import httpx
import pytest

from bot.cluster import Cluster
from tests.scale.chat import TOKEN, WEBHOOK, Outcome, send, tracker, user_texts

pytestmark = pytest.mark.scale

QUESTIONS = ["what is hypertrophy?", "how many sets a week?", "how long should I rest between sets?",
             "how do I do a goblet squat?", "is soreness normal?", "what rep range builds muscle?"]


def _sender(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def _say_all(client: httpx.Client, sender: str, texts: list[str], outcome: Outcome) -> None:
    for text in texts:
        send(client, sender, text, outcome)


def test_a_worker_killed_between_messages_loses_nothing(redis_cluster: Cluster) -> None:
    sender = _sender("kill-worker")
    sent: list[str] = []
    outcome = Outcome(sender)
    with httpx.Client(base_url=redis_cluster.url, timeout=60) as client:
        _say_all(client, sender, QUESTIONS, outcome)  # round robin: both workers had turns
        sent += QUESTIONS
        for victim in (0, 1):  # each worker in turn, the other one alone meanwhile
            redis_cluster.kill_worker(victim)
            _say_all(client, sender, QUESTIONS, outcome)
            sent += QUESTIONS
            redis_cluster.start_worker(victim)
        _say_all(client, sender, QUESTIONS, outcome)  # both again
        sent += QUESTIONS
        assert not outcome.problems, outcome.problems
        assert user_texts(client, sender, TOKEN) == sent


def test_a_plan_interview_survives_a_worker_killed_in_the_middle(redis_cluster: Cluster) -> None:
    sender = _sender("kill-interview")
    outcome = Outcome(sender)
    with httpx.Client(base_url=redis_cluster.url, timeout=60) as client:
        _say_all(client, sender, ["make me a plan", "beginner"], outcome)
        redis_cluster.kill_worker(0)
        _say_all(client, sender, ["3 days"], outcome)
        redis_cluster.start_worker(0)
        redis_cluster.kill_worker(1)
        _say_all(client, sender, ["dumbbells"], outcome)
        assert not outcome.problems, outcome.problems
        state = tracker(client, sender, TOKEN)
    assert state["slots"]["experience"] == "beginner"
    assert str(state["slots"]["days"]) == "3"
    assert state["active_loop"] == {"name": "program_form"}
    assert [e["text"] for e in state["events"] if e["event"] == "user"] == \
        ["make me a plan", "beginner", "3 days", "dumbbells"]


def test_redis_killed_and_started_again_keeps_the_conversation(redis_cluster: Cluster) -> None:
    sender = _sender("redis-restart")
    outcome = Outcome(sender)
    with httpx.Client(base_url=redis_cluster.url, timeout=60) as client:
        _say_all(client, sender, ["make me a plan", "beginner"], outcome)
        before = tracker(client, sender, TOKEN)
        assert before["slots"]["requested_slot"] == "days"

        redis_cluster.restart_redis()  # kill -9, then start on the same port from the AOF

        days = send(client, sender, "3 days", outcome)
        assert not outcome.problems, outcome.problems
        after = tracker(client, sender, TOKEN)
    # the interview went on to its next question instead of starting again
    assert after["slots"]["experience"] == "beginner"
    assert str(after["slots"]["days"]) == "3"
    assert after["slots"]["requested_slot"] not in (None, "experience", "days")
    assert after["active_loop"] == {"name": "program_form"}
    assert "Let's build your plan" not in days.text
    # every event from before the restart is still there, first and unchanged
    assert after["events"][:len(before["events"])] == before["events"]
    assert [e["text"] for e in after["events"] if e["event"] == "user"] == \
        ["make me a plan", "beginner", "3 days"]


def test_redis_down_answers_503_with_retry_after_and_recovers_by_itself(redis_cluster: Cluster) -> None:
    sender = _sender("redis-down")
    outcome = Outcome(sender)
    with httpx.Client(base_url=redis_cluster.url, timeout=60) as client:
        _say_all(client, sender, ["make me a plan", "beginner"], outcome)
        redis_cluster.stop_redis()
        try:
            for _ in range(3):  # whichever worker nginx picks
                down = client.post(WEBHOOK, json={"sender": sender, "message": "3 days"})
                assert down.status_code == 503, down.text
                assert down.headers["content-type"].startswith("application/json")
                assert isinstance(down.json().get("error"), str) and down.json()["error"]
                assert int(down.headers["retry-after"]) >= 1
        finally:
            redis_cluster.start_redis()  # the same port and files: the workers reconnect
        back = send(client, sender, "3 days", outcome)
        assert back.status_code == 200, back.text
        assert not outcome.problems, outcome.problems
        state = tracker(client, sender, TOKEN)
    # the refused messages were not half-saved: the tracker has what was answered, once each
    assert [e["text"] for e in state["events"] if e["event"] == "user"] == \
        ["make me a plan", "beginner", "3 days"]
    assert str(state["slots"]["days"]) == "3"


def test_a_worker_killed_mid_turn_with_clients_retrying_by_message_id(redis_cluster: Cluster) -> None:
    """Kill a worker while messages are in flight: a client that got no answer (a 502, a reset)
    sends the same message again with the same message_id, as the widget does. Every message
    ends up answered and in its conversation exactly once, even when the killed worker had
    already saved the turn."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from tests.scale.chat import script

    conversations = script(16, 12, f"midturn-{uuid.uuid4().hex[:6]}")
    retried = 0
    lock = threading.Lock()

    def converse(sender: str) -> list[str]:
        nonlocal retried
        problems: list[str] = []
        with httpx.Client(base_url=redis_cluster.url, timeout=30) as client:
            for n, text in enumerate(conversations[sender]):
                body = {"sender": sender, "message": text, "message_id": f"{sender}-{n}"}
                for _attempt in range(20):
                    try:
                        response = client.post(WEBHOOK, json=body)
                    except httpx.TransportError:
                        response = None
                    if response is not None and response.status_code == 200 and response.json():
                        break
                    with lock:
                        retried += 1
                    time.sleep(0.2)
                else:
                    problems.append(f"{sender} {text!r}: never answered")
        return problems

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(converse, s) for s in conversations]
        time.sleep(1.0)
        redis_cluster.kill_worker(0)  # mid-flight: some turns are running on it
        problems = [p for f in futures for p in f.result()]
    try:
        assert not problems
        with httpx.Client(base_url=redis_cluster.url, timeout=30) as client:
            for sender, texts in conversations.items():
                assert user_texts(client, sender, TOKEN) == texts, sender
    finally:
        redis_cluster.start_worker(0)
