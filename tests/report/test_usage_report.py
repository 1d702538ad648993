"""`coach report`: a report built from a store filled by scripted conversations has the right
counts, groups and drop-off step; its NLU export loads and validates; the CLI writes both."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import bot.cli
from bot.core.domain import load_domain
from bot.dialogue.engine import Engine
from bot.nlu.data import load_nlu
from bot.nlu.model import NLU_DATA
from bot.report import (
    UsageReport,
    build_report,
    export_nlu,
    group_messages,
    read_redis,
    read_sqlite,
    render_html,
    turns_of,
)
from bot.stores import RedisTrackerStore, SQLiteTrackerStore
from bot.validate import check_nlu_file
from tests.report.scripted import CONFIDENT, DAY1, DAY2, SCRIPT, SLOW, fill


@pytest.fixture()
def store_path(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for text in CONFIDENT:  # the scripted counts assume the model reads these plainly
        parse = engine.parse(text)
        top = parse.intent_ranking[0].confidence
        gap = top - parse.intent_ranking[1].confidence
        assert parse.intent.name != "nlu_fallback" and top >= 0.5 and gap >= 0.15, (text, parse.intent)
    path = tmp_path / "trackers.db"
    fill(engine, SQLiteTrackerStore(path), monkeypatch)
    return path


@pytest.fixture()
def report(store_path: Path) -> UsageReport:
    return build_report(read_sqlite(store_path), store=str(store_path))


def test_conversations_and_messages_per_day(report: UsageReport) -> None:
    day1 = [m for d, m in SCRIPT if d == DAY1]
    day2 = [m for d, m in SCRIPT if d == DAY2]
    assert report.conversations == len(SCRIPT) == 10
    assert report.messages == sum(len(m) for _, m in SCRIPT) == 23
    assert [(d.day, d.conversations, d.messages) for d in report.days] == [
        ("2024-03-01", len(day1), sum(map(len, day1))), ("2024-03-02", len(day2), sum(map(len, day2)))]


def test_intent_counts(report: UsageReport) -> None:
    assert report.intents["nlu_fallback"] == 4
    assert report.intents["request_program"] == 3
    assert report.intents["out_of_scope"] == 1
    assert sum(report.intents.values()) == report.messages


def test_fallbacks_are_grouped_by_similarity(report: UsageReport) -> None:
    assert report.fallbacks == 4
    assert [(g.size, g.label) for g in report.fallback_groups] == [
        (3, "zorblax quump"), (1, "frobnicate the wibble")]
    zorblax = report.fallback_groups[0]
    assert {e.text for e in zorblax.examples} == {"zorblax quump", "zorblax quump!!",
                                                   "Zorblax quump please"}
    assert zorblax.guess == "ask_rest" and zorblax.guesses == {"ask_rest": 2, "affirm": 1}


def test_did_you_mean_choices(report: UsageReport) -> None:
    dym = report.did_you_mean
    assert (dym.offered, dym.chosen, dym.other, dym.left) == (2, 1, 0, 1)
    assert dym.choices == {"ask_rest": 1}


def test_low_confidence_out_of_scope_and_safety(report: UsageReport) -> None:
    assert (report.low_confidence, report.near_ties) == (1, 0)
    assert [g.label for g in report.uncertain_groups] == ["rest or reps maybe"]
    assert report.out_of_scope == 1
    assert [g.label for g in report.out_of_scope_groups] == ["can you do my taxes"]
    assert report.safety == {"emergency": 1}


def test_plan_interviews_and_where_people_dropped_out(report: UsageReport) -> None:
    iv = report.interviews
    assert (iv.started, iv.finished) == (3, 1)
    assert iv.dropped == {"days": 1, "equipment": 1}
    assert iv.ended_without_plan == {"equipment": 1}  # cancelled; the other one was left


def test_the_slowest_turn_comes_first(report: UsageReport) -> None:
    assert report.slowest[0].text == SLOW and report.slowest[0].seconds >= 1.0
    assert all(t.seconds < 1.0 for t in report.slowest[1:])
    seconds = [t.seconds for t in report.slowest]
    assert seconds == sorted(seconds, reverse=True)


def test_since_keeps_only_the_later_day(store_path: Path) -> None:
    later = build_report(read_sqlite(store_path, DAY2), since=DAY2)
    assert (later.conversations, later.messages) == (4, 9)
    assert [d.day for d in later.days] == ["2024-03-02"]
    assert (later.interviews.started, later.interviews.finished) == (1, 0)
    assert [(g.size, g.label) for g in later.fallback_groups] == [
        (1, "Zorblax quump please"), (1, "frobnicate the wibble")]


def test_the_html_is_self_contained(report: UsageReport) -> None:
    html = render_html(report)
    assert "<svg" in html and "<style>" in html
    for remote in ("http://", "https://", "<script", "<link", "@import", "src="):
        assert remote not in html, remote
    assert html.count('class="bar bar-') == 2 * len(report.days)


def test_user_text_is_escaped_in_the_html() -> None:
    events = [{"event": "user", "timestamp": 1.0, "text": "<script>alert(1)</script>",
               "parse_data": {"intent": {"name": "nlu_fallback", "confidence": 0.3},
                              "intent_ranking": [{"name": "greet", "confidence": 0.2}]}}]
    html = render_html(build_report([("x", events)]))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_exported_misses_load_and_validate(report: UsageReport, tmp_path: Path) -> None:
    path = tmp_path / "misses.yml"
    assert export_nlu(report, path) == 5  # 3 + 1 fallback texts, 1 low-confidence
    doc = yaml.safe_load(path.read_text())
    assert doc["version"] == "3.1"
    assert [b["intent"] for b in doc["nlu"]] == ["ask_rest", "ask_more", "ask_rest"]
    text = path.read_text()
    assert (text.count("# REVIEW fallback group"), text.count("# REVIEW low confidence group")) == (2, 1)
    data = load_nlu(path)
    assert {e.text for e in data.examples} == {"zorblax quump", "zorblax quump!!",
                                               "Zorblax quump please", "frobnicate the wibble",
                                               "rest or reps maybe"}
    errors, warnings = check_nlu_file(path, load_domain(), load_nlu(NLU_DATA))
    assert errors == [] and warnings == []
    result = CliRunner().invoke(bot.cli.app, ["validate", "--nlu", str(path)])
    assert result.exit_code == 0, result.output


def test_validate_rejects_a_bad_export(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text('nlu:\n- intent: ask_taxes\n  examples: |\n    - do my taxes\n'
                    '- intent: greet\n  examples: |\n    - what is hypertrophy\n')
    errors, _ = check_nlu_file(path, load_domain(), load_nlu(NLU_DATA))
    assert any('version: expected "3.1"' in e for e in errors)
    assert any("intent 'ask_taxes' is not in domain.yml" in e for e in errors)
    result = CliRunner().invoke(bot.cli.app, ["validate", "--nlu", str(path)])
    assert result.exit_code == 1


def test_export_leaves_out_training_examples_payloads_and_brackets(tmp_path: Path) -> None:
    def user(text: str) -> dict:
        return {"event": "user", "timestamp": 1.0, "text": text,
                "parse_data": {"intent": {"name": "nlu_fallback", "confidence": 0.3},
                               "intent_ranking": [{"name": "ask_rest", "confidence": 0.25}]}}
    texts = ["what is hypertrophy", "/ask_rest", "rest [between](goal) sets??", "🙂🙂"]
    report = build_report([(f"s{i}", [user(t)]) for i, t in enumerate(texts)], threshold=101)
    path = tmp_path / "x.yml"
    assert export_nlu(report, path, known={"what is hypertrophy"}) == 1
    assert [e.text for e in load_nlu(path).examples] == ["rest (between)(goal) sets??"]


def test_grouping_keeps_different_asks_apart() -> None:
    def turn(text: str) -> list:
        return turns_of("s", [{"event": "user", "timestamp": 1.0, "text": text, "parse_data": {}}])
    texts = ["how long to rest between sets", "how long should I rest between sets?",
             "rest between sets how long", "what protein powder is best", "best protein powder",
             "60", "45"]
    groups = group_messages([t for text in texts for t in turn(text)])
    assert sorted(g.size for g in groups) == [2, 2, 3]


def test_cli_report_writes_html_json_and_export(store_path: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "trackers.db").symlink_to(store_path)
    monkeypatch.setenv("COACH_DATA_DIR", str(data_dir))
    monkeypatch.delenv("COACH_TRACKER_STORE", raising=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(bot.cli.app, ["report", "--since", "2024-03-02", "--out", str(out),
                                              "--export-nlu", str(out / "misses.yml")])
    assert result.exit_code == 0, result.output
    assert "conversations: 4   messages: 9" in result.output
    assert "plan interviews: 1 started, 0 finished" in result.output
    assert (out / "report.html").exists() and (out / "misses.yml").exists()
    assert UsageReport.model_validate_json((out / "report.json").read_text()).since == "2024-03-02"
    bad = CliRunner().invoke(bot.cli.app, ["report", "--since", "yesterday"])
    assert bad.exit_code == 1


def test_cli_report_on_the_memory_store_says_why_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_TRACKER_STORE", "memory")
    result = CliRunner().invoke(bot.cli.app, ["report"])
    assert result.exit_code != 0
    assert "memory store" in str(result.exception) + result.output


@pytest.mark.redis
def test_a_redis_store_gives_the_same_report(engine: Engine, redis_url: str, store_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = f"report-{uuid.uuid4().hex[:8]}:"  # this test's keys only
    store = RedisTrackerStore(redis_url, prefix=prefix)
    try:
        fill(engine, store, monkeypatch)
        from_redis = build_report(read_redis(redis_url, prefix=prefix))
    finally:
        keys = list(store.client.scan_iter(match=prefix + "*"))
        if keys:
            store.client.delete(*keys)
        store.close()
    from_sqlite = build_report(read_sqlite(store_path))
    assert from_redis.conversations == 10
    assert from_redis.model_dump(exclude={"generated", "slowest"}) == \
        from_sqlite.model_dump(exclude={"generated", "slowest"})


def test_a_store_url_is_printed_without_its_password() -> None:
    from bot.report import _without_password

    assert _without_password("redis://:secret@cache:6379/0") == "redis://cache:6379/0"
    assert _without_password("redis://cache:6379/0") == "redis://cache:6379/0"
