"""The plan card as people use it: edited by talking, printed (or saved as PDF), and added to a
calendar as a valid iCalendar file."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from tests.browser.test_widget import chat  # noqa: F401  (the fixture: a fresh widget)

pytestmark = pytest.mark.browser

PLAN = "beginner, 3 days a week, dumbbells, 45 minutes, no injuries, make me a plan"


def test_an_edited_plan_card_shows_the_change(chat):  # noqa: F811
    chat.send(PLAN)
    first = chat.page.locator(".hc-kind-plan").last.inner_text().lower()
    assert "squat" in first
    chat.send("can you take the squats out")
    card = chat.page.locator(".hc-kind-plan").last
    days = " ".join(card.locator("h4").all_inner_texts()).lower()
    assert "squat" not in days
    assert "left out as you asked" in card.inner_text().lower()
    chat.send("put the squat back")
    days = " ".join(chat.page.locator(".hc-kind-plan").last.locator("h4").all_inner_texts()).lower()
    assert "squat" in days


def test_print_view_shows_only_the_plan(chat):  # noqa: F811
    chat.send(PLAN)
    page = chat.page
    page.evaluate("window.print = () => {}")  # headless Chromium has no print dialog
    card = page.locator(".hc-kind-plan").last
    card.locator(".hc-print").click()
    page.emulate_media(media="print")
    plan = card.locator(".hc-plan")
    assert plan.evaluate("el => getComputedStyle(el).visibility") == "visible"
    header = page.locator(".hc-root .hc-header, .hc-header").first
    assert header.evaluate("el => getComputedStyle(el).visibility") == "hidden"
    actions = card.locator(".hc-plan-actions")
    assert actions.evaluate("el => getComputedStyle(el).display") == "none"
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")
    assert not page.locator(".hc-print-target").count()


def test_calendar_download_is_valid_icalendar(chat, tmp_path):  # noqa: F811
    chat.send(PLAN)
    card = chat.page.locator(".hc-kind-plan").last
    with chat.page.expect_download() as info:
        card.locator(".hc-ics").click()
    path = tmp_path / "plan.ics"
    info.value.save_as(path)
    assert info.value.suggested_filename.endswith(".ics")
    cal = Calendar.from_ical(path.read_bytes())
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 3
    assert all(str(e.get("rrule").to_ical(), "ascii").startswith("FREQ=WEEKLY") for e in events)
    assert all(str(e.get("summary")).startswith("Day ") for e in events)
