"""POST /plan.ics: a plan's training days as a valid iCalendar file; a bad body is a 4xx."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from bot.channels.server import create_app
from bot.dialogue.engine import Engine
from knowledge.loader import default_knowledge
from knowledge.planner import build_plan


@pytest.fixture(scope="module")
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine))


@pytest.mark.parametrize("days", [2, 4, 6])
def test_a_plan_becomes_weekly_events_one_per_training_day(client: TestClient, days: int) -> None:
    plan = build_plan(default_knowledge(), days=days, minutes=45)
    res = client.post("/plan.ics", json={"plan": plan.model_dump(), "start": "2026-12-02"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/calendar")
    events = list(Calendar.from_ical(res.content).walk("VEVENT"))
    assert len(events) == days
    starts = sorted(e.decoded("dtstart").date() for e in events)
    assert starts[0].isoformat() >= "2026-12-02"  # nothing before the start day
    for event, day in zip(sorted(events, key=lambda e: str(e.get("summary"))), plan.days,
                          strict=True):
        assert str(event.get("summary")).startswith(day.name)
        assert event.get("rrule")["FREQ"] == ["WEEKLY"]
        assert day.exercises[0].name in str(event.get("description"))
        minutes = (event.decoded("dtend") - event.decoded("dtstart")).seconds // 60
        assert minutes == plan.minutes_per_session


@pytest.mark.parametrize("body", [{}, {"plan": {"title": 1}}, {"plan": "x"}, []])
def test_a_bad_body_is_a_4xx(client: TestClient, body: object) -> None:
    res = client.post("/plan.ics", json=body)
    assert 400 <= res.status_code < 500
