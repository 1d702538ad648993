"""The `coach report` page in a real browser: opened from disk, with no network, no console errors,
and its chart drawn."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogue.engine import Engine
from bot.report import build_report, read_sqlite, write_html
from bot.stores import SQLiteTrackerStore
from tests.report.scripted import fill

pytestmark = pytest.mark.browser


def test_report_opens_from_disk_with_its_chart_drawn(engine: Engine, new_context, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     artifacts_dir: Path) -> None:
    fill(engine, SQLiteTrackerStore(tmp_path / "trackers.db"), monkeypatch)
    report = build_report(read_sqlite(tmp_path / "trackers.db"))
    html, _ = write_html(report, tmp_path / "out")

    context = new_context()
    requests: list[str] = []
    context.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()))
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.goto(html.as_uri())
    page.wait_for_load_state("load")

    assert problems == []
    assert requests == [html.as_uri()]  # nothing but the file itself
    bars = page.eval_on_selector_all(
        "#chart rect.bar", "els => els.map(e => { const b = e.getBBox(); "
        "return {cls: e.getAttribute('class'), h: b.height, w: b.width}; })")
    assert len(bars) == 2 * len(report.days) == 4
    assert all(b["h"] > 0 and b["w"] > 0 for b in bars)
    tallest = max(bars, key=lambda b: b["h"])
    assert "bar-messages" in tallest["cls"]
    box = page.locator("#chart").bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    assert page.locator("#n-conversations").inner_text() == str(report.conversations)
    assert page.locator("#fallback-groups details").count() == len(report.fallback_groups)
    assert page.locator("#drop-off tbody tr").count() == len(report.interviews.dropped)
    page.screenshot(path=str(artifacts_dir / "usage-report.png"), full_page=True)
