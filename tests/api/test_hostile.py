"""Hostile input through HTTP: each request gets a 4xx or a normal reply, /health still answers,
no other conversation changes, and user text is never evaluated as a template. Through the test
client, and once against a real `coach serve` on a free port."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.core.config import ROOT, CoachConfig
from bot.dialogue.engine import Engine
from bot.nlu.model import model_dir
from tests.api.conftest import TOKEN
from tests.conftest import free_port, wait_for_port

WEBHOOK = "/webhooks/rest/webhook"
JSON = "application/json"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def _body(sender: object = "hostile", message: object = "hi", **extra: object) -> bytes:
    return json.dumps({"sender": sender, "message": message, **extra}).encode()


# (id, raw body, expected status: 200 means a normal reply)
HOSTILE: list[tuple[str, bytes, int]] = [
    ("empty", b"", 400),
    ("open brace", b"{", 400),
    ("truncated", b'{"sender": "hostile", "message": "hi', 400),
    ("truncated after key", b'{"sender": "hostile", "message": ', 400),
    ("trailing garbage", _body() + b"}}garbage", 400),
    ("trailing comma", b'{"sender": "hostile", "message": "hi",}', 400),
    ("single quotes", b"{'sender': 'hostile', 'message': 'hi'}", 400),
    ("null", b"null", 400),
    ("a string", b'"hello"', 400),
    ("a number", b"12345", 400),
    ("an array", b'["hostile", "hi"]', 400),
    ("NaN message", b'{"sender": "hostile", "message": NaN}', 400),
    ("huge number", b'{"sender": "hostile", "message": 1e999999}', 400),
    ("bool sender", b'{"sender": true, "message": "hi"}', 400),
    ("object message", b'{"sender": "hostile", "message": {"text": "hi"}}', 400),
    ("deep nesting", b"[" * 5000 + b"]" * 5000, 400),
    ("deep metadata", b'{"sender": "hostile", "message": "hi", "metadata": '
     + b'{"a": ' * 3000 + b"1" + b"}" * 3000 + b"}", 400),
    ("deep and truncated", b'{"a": [' * 5000, 400),
    ("huge body", _body(message="a" * 2_000_000), 413),
    ("10,000-character message", _body(message="a" * 10_000), 413),
    ("10,000 words", _body(message="rest " * 2_000), 413),
    ("NUL bytes in message", _body(message="hi\x00there\x00"), 200),
    ("only NUL bytes", _body(message="\x00\x00\x00"), 200),
    ("NUL byte in sender", _body(sender="host\x00ile"), 400),
    ("escape in sender", _body(sender="host\x1bile"), 400),
    ("newline in sender", _body(sender="host\nile"), 400),
    ("invalid UTF-8", b'{"sender": "hostile", "message": "\xff\xfe\xc3\x28"}', 400),
    ("overlong UTF-8", b'{"sender": "hostile", "message": "\xc0\xaf"}', 400),
    ("lone high surrogate", b'{"sender": "hostile", "message": "\\ud800 hi"}', 400),
    ("lone low surrogate", b'{"sender": "hostile", "message": "hi \\udfff"}', 400),
    ("lone surrogate in sender", b'{"sender": "\\udbff", "message": "hi"}', 400),
    ("a real surrogate pair", b'{"sender": "hostile", "message": "hi \\ud83d\\udcaa"}', 200),
    ("UTF-16 body", _body().decode().encode("utf-16"), 200),  # json detects UTF-16 and -32
    ("BOM", b"\xef\xbb\xbf" + _body(), 200),
    ("UTF-16 with a lone surrogate", '{"sender": "hostile", "message": "\\ud800"}'.encode("utf-16"), 400),
    ("lone surrogate in a key", b'{"sender": "hostile", "message": "hi", "\\udc00": 1}', 400),
    ("escaped backslash, no surrogate", b'{"sender": "hostile", "message": "a \\\\ud800"}', 200),
    ("control characters", _body(message="\x1b[31mrest\x07 time\x7f\x9b?"), 200),
    ("bidi and zero-width", _body(message="\u202eezis rof tser\u200b\ufeff"), 200),
    ("unknown fields", _body(evil={"$where": "1"}, __proto__={"admin": True}, token=TOKEN), 200),
    ("duplicate keys", b'{"sender": "other-victim", "sender": "hostile", "message": "hi"}', 200),
    ("10,000-character sender", _body(sender="s" * 10_000), 400),
    ("blank sender", _body(sender=" \t "), 400),
    ("path sender ../x", _body(sender="../x"), 200),
    ("path sender a/b", _body(sender="a/b"), 200),
    ("path sender %2e%2e", _body(sender="%2e%2e"), 200),
    ("glob sender", _body(sender="*"), 200),
    ("SQL in sender", _body(sender="x'; DROP TABLE trackers; --"), 200),
    ("metadata a list", _body(metadata=[1, 2]), 400),
]

JINJA = ["{{ 7*7 }}", "{% for %}", "{{ 7*'7' }}", "{% raw %}{{ 7*7 }}{% endraw %}",
         "{{ config }}", "{{ ''.__class__.__mro__ }}", "${7*7} #{7*7} <%= 7*7 %>",
         "how long should i rest for {{ 7*7 }} seconds", "{{", "{%", "}}{{"]


@pytest.fixture(scope="module")
def witness_client(config: CoachConfig, engine: Engine) -> Iterator[tuple[TestClient, dict]]:
    """A client whose store holds a witness conversation; returns it with its tracker then."""
    import copy

    from bot.channels.server import create_app
    from bot.core.config import RateLimitConfig
    from bot.stores import MemoryTrackerStore

    cfg = config.model_copy(deep=True)
    cfg.server.auth_token = TOKEN
    cfg.server.rate_limit = RateLimitConfig(per_sender=None, per_address=None)
    cfg.server.max_body_bytes = 4_000_000  # the huge bodies reach the message-length check too
    bot = copy.copy(engine)
    bot.store = MemoryTrackerStore()
    client = TestClient(create_app(bot, cfg), client=("203.0.113.7", 1))
    for text in ("make me a workout plan", "beginner"):
        assert client.post(WEBHOOK, json={"sender": "witness", "message": text}).status_code == 200
    before = client.get("/conversations/witness/tracker", headers=BEARER).json()
    yield client, before
    assert client.get("/conversations/witness/tracker", headers=BEARER).json() == before


@pytest.mark.parametrize("raw,status", [(raw, status) for _, raw, status in HOSTILE],
                         ids=[name for name, _, _ in HOSTILE])
def test_hostile_webhook_bodies(witness_client: tuple[TestClient, dict], raw: bytes,
                                status: int) -> None:
    client, _ = witness_client
    res = client.post(WEBHOOK, content=raw, headers={"content-type": JSON})
    assert res.status_code == status, res.text[:300]
    body = res.json()
    if status == 200:
        assert isinstance(body, list) and body and all(m.get("text") or m.get("custom") for m in body)
    else:
        assert body["error"] and body["field"]
    assert client.get("/health").json()["status"] == "ok"


@pytest.mark.parametrize("raw,status", [(raw, status) for _, raw, status in HOSTILE],
                         ids=[name for name, _, _ in HOSTILE])
def test_hostile_parse_and_calendar_bodies(witness_client: tuple[TestClient, dict], raw: bytes,
                                           status: int) -> None:
    client, _ = witness_client
    parse_raw = raw.replace(b'"message"', b'"text"')
    parsed = client.post("/model/parse", content=parse_raw, headers={"content-type": JSON})
    assert parsed.status_code < 500 and (parsed.status_code == 200 or parsed.json()["error"])
    ics = client.post("/plan.ics", content=raw, headers={"content-type": JSON})
    assert 400 <= ics.status_code < 500 and ics.json()["error"]


@pytest.mark.parametrize("text", JINJA)
def test_template_syntax_in_user_text_is_never_evaluated(witness_client: tuple[TestClient, dict],
                                                         text: str) -> None:
    client, _ = witness_client
    res = client.post(WEBHOOK, json={"sender": "jinja", "message": text})
    assert res.status_code == 200
    reply = json.dumps(res.json())
    assert "49" not in reply and "7777777" not in reply
    assert "__mro__" not in reply and "<class" not in reply and "CoachConfig" not in reply
    parsed = client.post("/model/parse", json={"text": text}).json()
    assert parsed["text"] == text  # the text comes back as sent, not rendered


@pytest.mark.parametrize("path,status", [
    ("/conversations/%2e%2e/tracker", 200),
    ("/conversations/..%2Fx/tracker", 404),  # %2F is a slash before routing: no such route
    ("/conversations/a/b/tracker", 404),
    ("/conversations/" + "s" * 10_000 + "/tracker", 400),
    ("/conversations/%00/tracker", 400),
    ("/conversations/%ED%A0%80/tracker", 200),  # an invalid UTF-8 escape becomes U+FFFD
    ("/conversations/witness/../witness/tracker", 200),
])
def test_hostile_tracker_paths(witness_client: tuple[TestClient, dict], path: str,
                               status: int) -> None:
    client, _ = witness_client
    res = client.get(path, headers=BEARER)
    assert res.status_code == status, res.text[:200]
    assert res.headers["content-type"].startswith("application/json")


def test_hostile_deletes_erase_nothing_else(witness_client: tuple[TestClient, dict]) -> None:
    client, _ = witness_client
    for path in ("/conversations/*", "/conversations/%2e%2e", "/conversations/" + "w" * 10_000,
                 "/conversations/witness%00", "/conversations/witnes%3F"):
        assert client.delete(path, headers=BEARER).status_code in (400, 404, 200)


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", ""])
def test_other_content_types_are_415(witness_client: tuple[TestClient, dict], ctype: str) -> None:
    client, _ = witness_client
    res = client.post(WEBHOOK, content=_body(), headers={"content-type": ctype})
    assert res.status_code == 415


# ---- a real server ---------------------------------------------------------------------------------
def _raw(port: int, data: bytes, read: bool = True) -> bytes:
    """Send raw bytes on a fresh connection; the server's answer (until it closes or 5 s)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        if not read:
            return b""
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
        return b"".join(chunks)


def _request(port: int, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": JSON, **(headers or {})})
        res = conn.getresponse()
        return res.status, res.read(), {k.lower(): v for k, v in res.getheaders()}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def real_server(config: CoachConfig, engine: Engine,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """`coach serve` on a free port with a token, the session's model and a fresh SQLite store."""
    data_dir = tmp_path_factory.mktemp("hostile-data")
    fp = engine.interpreter.fingerprint
    (data_dir / "models").mkdir()
    (data_dir / "models" / fp).symlink_to(model_dir(config, fp), target_is_directory=True)
    log_path = data_dir / "server.log"
    port = free_port()
    env = {**os.environ, "COACH_DATA_DIR": str(data_dir), "COACH_TRACKER_STORE": "sqlite",
           "COACH_AUTH_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1",
                                 "--port", str(port)], cwd=str(ROOT), env=env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        wait_for_port(port, timeout=120)
        yield port, log_path
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def test_a_real_server_survives_hostile_input(real_server: tuple[int, Path]) -> None:
    port, log_path = real_server
    status, _, _ = _request(port, "POST", WEBHOOK, _body(sender="witness", message="hi"))
    assert status == 200
    status, before, _ = _request(port, "GET", "/conversations/witness/tracker", headers=BEARER)
    assert status == 200

    for name, raw, expected in HOSTILE:
        status, answer, _ = _request(port, "POST", WEBHOOK, raw)
        assert status == expected, (name, answer[:300])
        assert json.loads(answer)  # always JSON
    for text in JINJA:
        status, answer, _ = _request(port, "POST", WEBHOOK, _body(sender="jinja", message=text))
        assert status == 200 and b"49" not in answer

    # a body announced larger than the cap is refused before it is sent
    head = (f"POST {WEBHOOK} HTTP/1.1\r\nHost: x\r\nContent-Type: {JSON}\r\n"
            f"Content-Length: 50000000\r\n\r\n").encode()
    assert _raw(port, head + b'{"sender": "x"').startswith(b"HTTP/1.1 413")
    # a body cut short (the client goes away mid-body), a torn request line, binary garbage
    _raw(port, (f"POST {WEBHOOK} HTTP/1.1\r\nHost: x\r\nContent-Type: {JSON}\r\n"
                f"Content-Length: 500\r\n\r\n").encode() + b'{"sender": "torn", "mess', read=False)
    torn = _raw(port, b"GARBAGE\r\n\r\n")
    assert torn == b"" or torn.startswith(b"HTTP/1.1 400")  # uvicorn answers 400 or just closes
    _raw(port, bytes(range(256)) * 4)
    _raw(port, b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Long: " + b"a" * 100_000 + b"\r\n\r\n")

    # the tracker needs the token; hostile senders in the path are 4xx or normal
    assert _request(port, "GET", "/conversations/witness/tracker")[0] == 401
    assert _request(port, "GET", "/conversations/witness/tracker?token=nope")[0] == 403
    assert _request(port, "GET", "/conversations/%2e%2e/tracker", headers=BEARER)[0] == 200
    assert _request(port, "GET", "/conversations/a/b/tracker", headers=BEARER)[0] == 404
    assert _request(port, "GET", "/conversations/" + "s" * 10_000 + "/tracker",
                    headers=BEARER)[0] in (400, 414, 431)

    # the server is alive, the witness unchanged, nothing crashed
    status, health, _ = _request(port, "GET", "/health")
    assert status == 200 and json.loads(health)["status"] == "ok"
    assert _request(port, "GET", "/conversations/witness/tracker", headers=BEARER)[1] == before
    status, metrics, _ = _request(port, "GET", "/metrics", headers=BEARER)
    assert status == 200 and b'status="500"' not in metrics
    time.sleep(0.2)
    log = log_path.read_text(errors="replace")
    assert "Traceback" not in log and "unexpected error" not in log, log[-3000:]


@pytest.mark.parametrize("change", [
    {"start": "9999-12-31"}, {"start": "0001-01-01"},
    {"plan.days": 8}, {"plan.days": 0}, {"plan.minutes_per_session": 10**9},
    {"plan.minutes_per_session": -5},
])
def test_a_plan_no_calendar_can_hold_is_a_400(witness_client: tuple[TestClient, dict],
                                              change: dict) -> None:
    from actions.common import knowledge
    from knowledge.planner import build_plan

    client, _ = witness_client
    plan = build_plan(knowledge(), goal="size", experience="beginner", days=3,
                      equipment="dumbbells").model_dump()
    body: dict = {"plan": plan, "start": "2026-12-02"}
    for key, value in change.items():
        if key == "plan.days":
            plan["days"] = (plan["days"] * 3)[:value]
        elif key.startswith("plan."):
            plan[key.removeprefix("plan.")] = value
        else:
            body[key] = value
    res = client.post("/plan.ics", json=body)
    assert res.status_code == 400, res.text[:300]
    assert res.json()["error"] and res.json()["field"]
