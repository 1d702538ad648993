"""Who may read and erase conversations: the admin token (header or ?token=), the loopback rule
without one, `coach serve`'s refusal of a public host without a token, and the person's data
through HTTP (DELETE) and the CLI (export, delete, purge)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import cli
from bot.core.config import CoachConfig, load_config
from bot.core.errors import ConfigError
from bot.core.tracker import Tracker
from bot.dialogue.engine import Engine
from bot.stores import SQLiteTrackerStore
from tests.api.conftest import LOCAL, REMOTE, TOKEN, MakeClient

WEBHOOK = "/webhooks/rest/webhook"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
ADMIN_ROUTES = [("GET", "/conversations/someone/tracker"), ("DELETE", "/conversations/someone"),
                ("GET", "/metrics")]


@pytest.mark.parametrize("method,path", ADMIN_ROUTES)
def test_admin_routes_need_the_token(make_client: MakeClient, method: str, path: str) -> None:
    client = make_client(token=TOKEN)
    client.post(WEBHOOK, json={"sender": "someone", "message": "hi"})
    missing = client.request(method, path)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["field"] == "authorization" and missing.json()["error"]
    for wrong in ({"Authorization": "Bearer nope"}, {"Authorization": f"Bearer {TOKEN}x"},
                  {"Authorization": f"Bearer {TOKEN[:-1]}"}, {"Authorization": "Bearer ünïcødé".encode()}):
        res = client.request(method, path, headers=wrong)
        assert res.status_code == 403 and res.json()["error"] == "the token is not valid"
    assert client.request(method, path, params={"token": "wrong"}).status_code == 403
    assert client.request(method, path, headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    assert client.request(method, path, headers=BEARER).status_code == 200


def test_the_token_also_works_as_a_query_parameter(make_client: MakeClient) -> None:
    client = make_client(token=TOKEN)
    client.post(WEBHOOK, json={"sender": "q1", "message": "hi"})
    res = client.get("/conversations/q1/tracker", params={"token": TOKEN})
    assert res.status_code == 200 and res.json()["sender_id"] == "q1"
    lower = client.get("/conversations/q1/tracker", headers={"authorization": f"bearer {TOKEN}"})
    assert lower.status_code == 200


@pytest.mark.parametrize("method,path,body", [
    ("POST", WEBHOOK, {"sender": "open-1", "message": "hi"}),
    ("POST", "/model/parse", {"text": "how long should i rest"}),
    ("GET", "/health", None),
    ("GET", "/schemas/custom.json", None),
    ("GET", "/openapi.json", None),
    ("GET", "/", None),
    ("GET", "/widget.js", None),
])
def test_chat_routes_stay_open_with_a_token(make_client: MakeClient, method: str, path: str,
                                            body: dict | None) -> None:
    res = make_client(token=TOKEN).request(method, path, json=body)
    assert res.status_code == 200


def test_without_a_token_the_tracker_is_open_on_a_loopback_host_only(make_client: MakeClient) -> None:
    for address in (LOCAL, ("testclient", 1), ("::1", 2)):
        assert make_client(address=address).get("/conversations/x/tracker").status_code == 200
    # a remote peer (e.g. through a proxy that passes the client's address) is refused
    remote = make_client(address=REMOTE).get("/conversations/x/tracker")
    assert remote.status_code == 403 and "COACH_AUTH_TOKEN" in remote.json()["error"]
    # a server on a public host refuses even the local machine, and any token given
    public = make_client(host="0.0.0.0", address=LOCAL)
    assert public.get("/conversations/x/tracker").status_code == 403
    assert public.get("/conversations/x/tracker", headers=BEARER).status_code == 403
    assert public.delete("/conversations/x").status_code == 403
    # metrics are an admin route only when a token is set
    assert public.get("/metrics").status_code == 200


def test_delete_erases_the_conversation_and_no_other(make_client: MakeClient) -> None:
    client = make_client(token=TOKEN)
    for sender in ("erase-me", "keep-me"):
        client.post(WEBHOOK, json={"sender": sender, "message": "how long should i rest for size"})
    kept_before = client.get("/conversations/keep-me/tracker", headers=BEARER).json()
    res = client.delete("/conversations/erase-me", headers=BEARER)
    assert res.status_code == 200 and res.json() == {"deleted": "erase-me"}
    assert client.get("/conversations/erase-me/tracker", headers=BEARER).json()["events"] == []
    assert client.get("/conversations/keep-me/tracker", headers=BEARER).json() == kept_before
    again = client.delete("/conversations/erase-me", headers=BEARER)
    assert again.status_code == 404 and again.json()["field"] == "sender"
    # the erased sender may start a fresh conversation
    fresh = client.post(WEBHOOK, json={"sender": "erase-me", "message": "hi"})
    assert fresh.status_code == 200
    events = client.get("/conversations/erase-me/tracker", headers=BEARER).json()["events"]
    assert sum(e["event"] == "user" for e in events) == 1


def test_delete_on_sqlite_empties_both_tables(make_client: MakeClient, tmp_path: Path) -> None:
    store = SQLiteTrackerStore(tmp_path / "t.db")
    client = make_client(token=TOKEN, store=store)
    client.post(WEBHOOK, json={"sender": "sq", "message": "hi"})
    assert client.delete("/conversations/sq", headers=BEARER).status_code == 200
    conn = store._conn()
    assert conn.execute("SELECT COUNT(*) FROM trackers").fetchone() == (0,)
    assert conn.execute("SELECT COUNT(*) FROM events").fetchone() == (0,)


def test_the_token_comes_from_the_environment(tmp_path: Path) -> None:
    assert load_config(env={"COACH_AUTH_TOKEN": TOKEN}).server.auth_token == TOKEN
    assert load_config(env={}).server.auth_token is None
    with pytest.raises(ConfigError, match="at least 16"):
        load_config(env={"COACH_AUTH_TOKEN": "short"})


# ---- coach serve ------------------------------------------------------------------------------------
@pytest.fixture()
def fake_uvicorn(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> dict:
    """`coach serve` without a real server: the app it would serve is captured."""
    import uvicorn

    from bot.channels import observability

    served: dict = {}
    monkeypatch.setenv("COACH_HOST", "127.0.0.1")  # serve sets it; restored afterwards
    monkeypatch.delenv("COACH_AUTH_TOKEN", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    monkeypatch.setattr(cli, "_engine", lambda store_kind=None: engine)
    monkeypatch.setattr(observability, "configure_logging", lambda level=0: None)
    return served


def test_serve_refuses_a_public_host_without_a_token(fake_uvicorn: dict) -> None:
    res = CliRunner().invoke(cli.app, ["serve", "--host", "0.0.0.0", "--port", "5999"])
    assert res.exit_code == 1 and "COACH_AUTH_TOKEN" in res.output and "--insecure" in res.output
    assert not fake_uvicorn


def test_serve_on_a_public_host_with_insecure_keeps_the_tracker_closed(fake_uvicorn: dict) -> None:
    from fastapi.testclient import TestClient

    res = CliRunner().invoke(cli.app, ["serve", "--host", "0.0.0.0", "--port", "5999", "--insecure"])
    assert res.exit_code == 0, res.output
    assert fake_uvicorn["host"] == "0.0.0.0"
    client = TestClient(fake_uvicorn["app"], client=LOCAL)
    assert client.get("/conversations/x/tracker").status_code == 403
    assert client.get("/health").status_code == 200


def test_serve_on_a_public_host_with_a_token(fake_uvicorn: dict,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    monkeypatch.setenv("COACH_AUTH_TOKEN", TOKEN)
    res = CliRunner().invoke(cli.app, ["serve", "--host", "0.0.0.0", "--port", "5999"])
    assert res.exit_code == 0, res.output
    client = TestClient(fake_uvicorn["app"], client=REMOTE)
    assert client.get("/conversations/x/tracker").status_code == 401
    assert client.get("/conversations/x/tracker", headers=BEARER).status_code == 200


# ---- coach export / delete / purge ------------------------------------------------------------------
@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite store with two conversations, and COACH_* pointing at it."""
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COACH_TRACKER_STORE", "sqlite")
    store = SQLiteTrackerStore(tmp_path / "trackers.db")
    for sender, goal in (("cli-a", "size"), ("cli-b", "strength")):
        tracker = Tracker.new(sender, ["goal"])
        tracker.set_slot("goal", goal)
        store.save(tracker)
    store.close()
    return tmp_path


def test_export_prints_the_tracker_json(data_dir: Path) -> None:
    res = CliRunner().invoke(cli.app, ["export", "cli-a"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert body["sender_id"] == "cli-a" and body["slots"]["goal"] == "size"
    assert {"events", "latest_message", "active_loop"} <= set(body)
    missing = CliRunner().invoke(cli.app, ["export", "nobody"])
    assert missing.exit_code == 1 and "no conversation" in missing.output


def test_delete_erases_one_conversation(data_dir: Path) -> None:
    res = CliRunner().invoke(cli.app, ["delete", "cli-a"])
    assert res.exit_code == 0 and "erased" in res.output
    assert CliRunner().invoke(cli.app, ["export", "cli-a"]).exit_code == 1
    assert CliRunner().invoke(cli.app, ["export", "cli-b"]).exit_code == 0
    assert CliRunner().invoke(cli.app, ["delete", "cli-a"]).exit_code == 1


def test_purge_needs_a_retention(data_dir: Path) -> None:
    res = CliRunner().invoke(cli.app, ["purge"])
    assert res.exit_code == 1 and "retention_days" in res.output


def test_purge_erases_old_conversations(data_dir: Path, config: CoachConfig,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    store = SQLiteTrackerStore(data_dir / "trackers.db")
    store._conn().execute("UPDATE trackers SET updated = ? WHERE sender_id = 'cli-a'",
                          (time.time() - 40 * 86400,))
    store.close()
    real_load = cli.load_config

    def with_retention():  # noqa: ANN202
        loaded = real_load()
        loaded.stores.retention_days = 30
        return loaded

    monkeypatch.setattr(cli, "load_config", with_retention)
    res = CliRunner().invoke(cli.app, ["purge"])
    assert res.exit_code == 0 and "erased 1 conversations" in res.output
    assert SQLiteTrackerStore(data_dir / "trackers.db").senders() == ["cli-b"]


def test_the_server_purges_at_start_up(make_client: MakeClient, tmp_path: Path) -> None:
    store = SQLiteTrackerStore(tmp_path / "t.db")
    for sender in ("stale", "fresh"):
        store.save(Tracker.new(sender, ["goal"]))
    store._conn().execute("UPDATE trackers SET updated = ? WHERE sender_id = 'stale'",
                          (time.time() - 8 * 86400,))
    with make_client(token=TOKEN, store=store, stores={"retention_days": 7}):
        assert store.senders() == ["fresh"]
