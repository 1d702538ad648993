"""Real-browser tests of the embeddable chat widget against the real coach server.

Each test uses a fresh browser context (so fresh localStorage and a new sender id).
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPLY_TIMEOUT_MS = 45_000
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
MOBILE_VIEWPORT = {"width": 375, "height": 740}
XSS = "<img src=x onerror=alert(1)>"
WEBHOOK_GLOB = "**/webhooks/rest/webhook"


# --------------------------------------------------------------------------- helpers
class Chat:
    """Small page object around the widget."""

    def __init__(self, page):
        self.page = page

    # navigation --------------------------------------------------------------
    def open(self, url: str) -> "Chat":
        self.page.goto(url)
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        self.page.wait_for_selector(".hc-root[data-restored='true']", state="attached", timeout=REPLY_TIMEOUT_MS)

    # locators ----------------------------------------------------------------
    @property
    def log(self):
        return self.page.locator(".hc-log")

    @property
    def input(self):
        return self.page.locator(".hc-input")

    def bot_messages(self):
        return self.page.locator(".hc-log .hc-msg--bot:not(.hc-msg--welcome)")

    def user_messages(self):
        return self.page.locator(".hc-log .hc-msg--user")

    def enabled_quick_replies(self):
        return self.page.locator(".hc-log .hc-quick-reply:enabled")

    # actions -----------------------------------------------------------------
    def bot_count(self) -> int:
        return self.bot_messages().count()

    def wait_for_reply(self, before: int) -> list[str]:
        """Wait until the widget is idle with more bot messages than ``before`` (or an error)."""
        self.page.wait_for_function(
            """(before) => {
                const root = document.querySelector('.hc-root');
                if (!root || root.dataset.busy !== 'false') return false;
                const n = document.querySelectorAll('.hc-log .hc-msg--bot:not(.hc-msg--welcome)').length;
                const err = document.querySelector('.hc-error');
                return n > before || (err && !err.hidden);
            }""",
            arg=before,
            timeout=REPLY_TIMEOUT_MS,
        )
        error = self.page.locator(".hc-error")
        assert error.is_hidden(), f"widget showed an error: {error.inner_text()}"
        return [self.bot_messages().nth(i).inner_text() for i in range(before, self.bot_count())]

    def send(self, text: str) -> list[str]:
        """Type ``text``, press Enter, and return the text of the new bot messages."""
        before = self.bot_count()
        self.input.fill(text)
        self.input.press("Enter")
        return self.wait_for_reply(before)

    def click_quick_reply(self, button) -> list[str]:
        before = self.bot_count()
        button.click()
        return self.wait_for_reply(before)

    def sender_id(self) -> str:
        return self.page.evaluate("() => window.HypertrophyCoachWidget.senderId()")


def fetch_tracker(base: str, sender: str) -> dict:
    url = f"{base}/conversations/{urllib.parse.quote(sender, safe='')}/tracker"
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read().decode("utf-8"))


def user_texts(tracker: dict) -> list[str]:
    return [e.get("text") for e in tracker.get("events", []) if e.get("event") == "user"]


@pytest.fixture
def chat(page, coach_server):
    return Chat(page).open(coach_server + "/")


# --------------------------------------------------------------------------- 1. knowledge answer
def test_rest_question_gets_60_to_90_seconds(chat):
    replies = chat.send("how long should I rest for size?")
    assert any("60" in r and "90" in r for r in replies), replies
    assert chat.user_messages().last.inner_text().strip() == "how long should I rest for size?"


# --------------------------------------------------------------------------- 2. exercise steps
def test_exercise_steps_render_as_ordered_list(chat):
    chat.send("how do i do a dumbbell squat")
    steps = chat.log.locator("ol").last
    steps.wait_for()
    items = steps.locator("li")
    assert items.count() >= 3
    assert all(items.nth(i).inner_text().strip() for i in range(items.count()))
    # rendered from custom.steps: the numbered lines are list items, not repeated as plain text
    bubble_text = chat.log.locator(".hc-kind-steps").last.inner_text()
    assert not re.search(r"^\s*1\.\s", bubble_text, re.M), bubble_text


# --------------------------------------------------------------------------- 3. quick replies
def test_quick_reply_sends_payload_and_shows_title(chat, coach_server):
    chat.send("help")
    buttons = chat.enabled_quick_replies()
    assert buttons.count() >= 1, "'help' should offer quick replies"
    first = buttons.first.element_handle()  # a handle: it stays the same element once disabled
    title = first.inner_text().strip()
    assert first.evaluate("el => el.tagName") == "BUTTON"

    replies = chat.click_quick_reply(first)
    assert replies and any(r.strip() for r in replies)
    assert chat.user_messages().last.inner_text().strip() == title
    # the buttons of the answered message are no longer usable
    assert first.is_disabled()
    # the server received the payload (the tracker has a user turn after "help")
    texts = user_texts(fetch_tracker(coach_server, chat.sender_id()))
    assert len(texts) == 2 and texts[0] == "help", texts
    # restored from the server after a reload, the bubble still shows the title, not the payload
    chat.page.reload()
    chat.wait_ready()
    assert [t.strip() for t in chat.user_messages().all_inner_texts()] == ["help", title]


# --------------------------------------------------------------------------- 4. plan building
AVOID_BUTTON = re.compile(r"cancel|stop|start over|restart|never ?mind|no thanks|quit", re.I)


def _answer_for(question: str) -> str:
    q = question.lower()
    if "injur" in q or "pain" in q or "limitation" in q:
        return "no injuries"
    if "day" in q:
        return "3"
    if "equipment" in q or "dumbbell" in q or "gym" in q:
        return "dumbbells"
    if "experience" in q or "beginner" in q or "how long have you" in q:
        return "beginner"
    if "minute" in q or "session" in q or "time" in q:
        return "60 minutes"
    if "goal" in q:
        return "build muscle"
    return "3"


def test_plan_built_by_clicking_and_typing_and_downloaded(chat, tmp_path):
    replies = chat.send("make me a workout plan")
    plan = chat.log.locator(".hc-plan")
    for _ in range(10):
        if plan.count():
            break
        buttons = chat.enabled_quick_replies()
        choices = [buttons.nth(i) for i in range(buttons.count())]
        preferred = [b for b in choices if not AVOID_BUTTON.search(b.inner_text())]
        if preferred or choices:
            replies = chat.click_quick_reply((preferred or choices)[0])
        else:
            replies = chat.send(_answer_for(replies[-1] if replies else ""))
    assert plan.count(), f"no plan after 10 turns; last replies: {replies}"

    plan = plan.last
    days = plan.locator(".hc-plan-day")
    assert days.count() >= 1
    assert days.first.locator("h4").inner_text().strip()
    lines = plan.locator(".hc-ex-line")
    assert lines.count() >= 1
    assert re.search(r".+: \d+ sets of .+ reps", lines.first.inner_text()), lines.first.inner_text()

    download_button = plan.get_by_role("button", name="Download plan (Markdown)")
    with chat.page.expect_download() as info:
        download_button.click()
    download = info.value
    assert download.suggested_filename.endswith(".md")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    markdown = target.read_text(encoding="utf-8")
    assert "Day 1" in markdown
    assert markdown.startswith("# ")
    assert re.search(r"^- .+: \d+ sets of", markdown, re.M), markdown


# --------------------------------------------------------------------------- 5. reload
def test_reload_restores_transcript_and_continues(chat, coach_server):
    first = "how long should I rest for size?"
    chat.send(first)
    sender = chat.sender_id()
    bots_before_reload = chat.bot_count()

    chat.page.reload()
    chat.wait_ready()
    assert chat.sender_id() == sender
    assert [t.strip() for t in chat.user_messages().all_inner_texts()] == [first]
    assert chat.bot_count() == bots_before_reload

    second = "how do i do a dumbbell squat"
    chat.send(second)
    assert [t.strip() for t in chat.user_messages().all_inner_texts()] == [first, second]
    assert user_texts(fetch_tracker(coach_server, sender)) == [first, second]


def test_new_conversation_starts_over(chat):
    chat.send("how long should I rest for size?")
    old_sender = chat.sender_id()
    chat.page.get_by_role("button", name="New conversation").click()
    assert chat.sender_id() != old_sender
    assert chat.user_messages().count() == 0
    assert chat.bot_count() == 0
    assert chat.page.evaluate("() => document.activeElement.classList.contains('hc-input')")
    # and it stays that way after a reload
    chat.page.reload()
    chat.wait_ready()
    assert chat.user_messages().count() == 0


# --------------------------------------------------------------------------- 6. XSS
def test_markup_is_shown_literally_and_never_executed(chat):
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    chat.page.on("dialog", on_dialog)
    chat.send(XSS)
    chat.page.wait_for_timeout(500)  # give a would-be onerror handler time to fire

    assert chat.user_messages().last.inner_text().strip() == XSS
    assert chat.log.locator("img").count() == 0
    assert chat.page.locator(".hc-root img").count() == 0
    assert dialogs == []

    # after a reload the transcript is restored from the server, still as text
    chat.page.reload()
    chat.wait_ready()
    chat.page.wait_for_timeout(300)
    assert chat.user_messages().last.inner_text().strip() == XSS
    assert chat.page.locator(".hc-root img").count() == 0
    assert dialogs == []


# --------------------------------------------------------------------------- 7. embed on another origin
@pytest.fixture
def embed_site(coach_server, embed_port, tmp_path):
    """A third-party page on another port that embeds the widget with a script tag."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Some gym blog</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: Georgia, serif"><h1>Some gym blog</h1><p>Article text.</p>
<script src="{coach_server}/widget.js" data-server="{coach_server}"></script>
</body></html>
""",
        encoding="utf-8",
    )

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", embed_port), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{embed_port}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_widget_embedded_on_another_origin(page, embed_site, coach_server):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    chat = Chat(page).open(embed_site)

    # stylesheet loaded from the coach server, panel closed until the launcher is used
    assert page.locator(".hc-root").evaluate("el => getComputedStyle(el).position") == "fixed"
    assert any(u == f"{coach_server}/widget.css" for u in requests), requests
    assert page.locator(".hc-panel").is_hidden()
    launcher = page.locator(".hc-launcher")
    assert launcher.get_attribute("aria-expanded") == "false"
    launcher.click()
    assert page.locator(".hc-panel").is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('hc-input')")

    replies = chat.send("how long should I rest for size?")
    assert any("60" in r and "90" in r for r in replies), replies
    assert any(u.startswith(f"{coach_server}/webhooks/rest/webhook") for u in requests)


# --------------------------------------------------------------------------- 8. screenshots
def test_screenshots_desktop_and_mobile(new_context, track_page, coach_server, artifacts_dir):
    shots = {}
    for name, viewport in (("widget-desktop.png", DESKTOP_VIEWPORT), ("widget-mobile.png", MOBILE_VIEWPORT)):
        page = track_page(new_context(viewport=viewport).new_page())
        chat = Chat(page).open(coach_server + "/")
        chat.send("how long should I rest for size?")
        chat.send("help")
        panel = page.locator(".hc-panel")
        assert panel.is_visible()
        box = panel.bounding_box()
        if viewport is MOBILE_VIEWPORT:
            # full width (and full height) on a phone, no horizontal scrolling inside
            assert box["x"] == 0 and box["width"] == viewport["width"], box
            assert box["height"] == viewport["height"], box
            assert panel.evaluate("el => el.scrollWidth <= el.clientWidth")
        else:
            assert 320 <= box["width"] <= 480, box
            assert box["x"] + box["width"] <= viewport["width"]
        path = artifacts_dir / name
        page.screenshot(path=str(path), animations="disabled")
        shots[name] = path
    for path in shots.values():
        assert path.exists() and path.stat().st_size > 10_000


# --------------------------------------------------------------------------- 9. accessibility
CONTRAST_JS = """
() => {
  const parse = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c || '');
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1,
  });
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el) => {
    const layers = [];
    for (let n = el; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let out = {r: 255, g: 255, b: 255, a: 1};
    for (let i = layers.length - 1; i >= 0; i--) out = over(layers[i], out);
    return out;
  };
  const root = document.querySelector('.hc-root');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const results = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || el.closest('.hc-sr-only, [hidden]')) continue;
    if (!el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    const bg = background(el);
    const fg = over(parse(style.color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    results.push({text: node.textContent.trim().slice(0, 40), cls: String(el.className),
                  ratio: (hi + 0.05) / (lo + 0.05)});
  }
  return results;
}
"""


def test_accessibility_basics(chat):
    page = chat.page
    log = page.locator(".hc-log")
    assert log.get_attribute("role") == "log"
    assert log.get_attribute("aria-live") == "polite"
    assert page.get_by_role("log").count() == 1

    # the input has an accessible name and is focused when the widget opens
    textbox = page.get_by_role("textbox", name=re.compile(r"message", re.I))
    assert textbox.count() == 1
    assert page.evaluate("() => document.activeElement.classList.contains('hc-input')")
    page.keyboard.press("Escape")
    assert page.locator(".hc-panel").is_hidden()
    assert page.evaluate("() => document.activeElement.classList.contains('hc-launcher')")
    page.keyboard.press("Enter")  # the launcher is a real button
    assert page.locator(".hc-panel").is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('hc-input')")

    # Enter sends; quick replies are real buttons reachable and usable by keyboard
    chat.send("help")
    groups = page.locator(".hc-quick-replies")
    assert groups.count() >= 1
    tags = page.locator(".hc-quick-replies > *").evaluate_all("els => els.map(e => e.tagName)")
    assert tags and set(tags) == {"BUTTON"}, tags
    enabled = chat.enabled_quick_replies()
    assert enabled.count() >= 1
    chat.input.focus()
    page.keyboard.press("Shift+Tab")  # back from the input to the latest quick reply
    focused = page.evaluate("() => document.activeElement.className")
    assert "hc-quick-reply" in focused, focused
    title = page.evaluate("() => document.activeElement.textContent")
    before = chat.bot_count()
    page.keyboard.press("Enter")
    chat.wait_for_reply(before)
    assert chat.user_messages().last.inner_text().strip() == title.strip()

    # visible focus indicator on the quick replies / buttons
    page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), outline

    # WCAG AA colour contrast for all visible widget text
    measured = page.evaluate(CONTRAST_JS)
    assert len(measured) >= 5, measured
    low = [r for r in measured if r["ratio"] < 4.5]
    assert not low, low


# --------------------------------------------------------------------------- rendering of custom kinds
FIXTURE_REPLY = [
    {"text": "Heads up: this is general information.", "custom": {"kind": "disclaimer", "category": "medical"}},
    {
        "text": "Dumbbell row\n1. Brace on a bench.\n2. Pull the dumbbell to your hip.\n3. Lower with control.",
        "custom": {
            "kind": "steps",
            "exercise": "dumbbell_row",
            "name": "Dumbbell row",
            "steps": ["Brace on a bench.", "Pull the dumbbell to your hip.", "Lower with control."],
            "sets": "3",
            "reps": "6-12",
            "rest": "0-60 s",
            "cautions": ["Keep your back flat."],
        },
    },
    {
        "text": "Your plan",
        "custom": {
            "kind": "plan",
            "plan": {
                "title": "Two-day <b>plan</b>",
                "days": [
                    {
                        "name": "Day 1: Full body",
                        "exercises": [
                            {"name": "Dumbbell squat", "sets": 3, "reps": "8-12", "rest": "60-90 s", "note": "Slow down"}
                        ],
                    },
                    {"name": "Day 2: Full body", "exercises": [{"name": "Push-up", "sets": 3, "reps": "6-15", "rest": "60 s"}]},
                ],
                "notes": ["Progress gradually."],
                "sources": ["Schoenfeld 2017"],
            },
        },
    },
    {"text": "Stop if you feel sharp pain.", "custom": {"kind": "safety"}},
    {"text": "Unknown kind\nsecond line <script>alert(2)</script>", "custom": {"kind": "mystery"}},
    {"text": "Pick one", "buttons": [{"title": "Yes <i>please</i>", "payload": "/affirm"}]},
]


def test_custom_kinds_render_specially(chat, tmp_path):
    page = chat.page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    def fulfil(route):
        body = json.loads(route.request.post_data or "{}")
        reply = [dict(m, recipient_id=body.get("sender")) for m in FIXTURE_REPLY]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(reply))

    page.route(WEBHOOK_GLOB, fulfil)
    chat.send("show me everything")

    note = page.locator(".hc-kind-disclaimer")
    assert note.count() == 1 and "Note" in note.text_content()
    steps = page.locator(".hc-kind-steps")
    assert steps.locator("ol > li").all_inner_texts() == FIXTURE_REPLY[1]["custom"]["steps"]
    assert "Keep your back flat." in steps.inner_text()
    plan = page.locator(".hc-kind-plan")
    assert plan.locator("h4").all_inner_texts() == ["Day 1: Full body", "Day 2: Full body"]
    assert "Dumbbell squat: 3 sets of 8-12 reps, rest 60-90 s" in plan.locator(".hc-ex-line").all_inner_texts()
    assert "Two-day <b>plan</b>" in plan.inner_text() and plan.locator("b").count() == 0
    assert page.locator(".hc-kind-safety").count() == 1
    mystery = chat.bot_messages().nth(4)
    assert mystery.inner_text().strip() == FIXTURE_REPLY[4]["text"]  # pre-wrap keeps the line break
    assert mystery.locator(".hc-text").evaluate("el => getComputedStyle(el).whiteSpace") == "pre-wrap"
    assert page.locator(".hc-log script, .hc-log i, .hc-log img").count() == 0
    assert chat.enabled_quick_replies().all_inner_texts() == ["Yes <i>please</i>"]

    # distinct styles: disclaimer and safety do not look like a plain bot bubble
    plain = chat.bot_messages().nth(4).locator(".hc-bubble")
    for kind in (".hc-kind-disclaimer", ".hc-kind-safety"):
        styled = page.locator(f"{kind} .hc-bubble")
        assert styled.evaluate("el => getComputedStyle(el).backgroundColor") != plain.evaluate(
            "el => getComputedStyle(el).backgroundColor"
        )

    with page.expect_download() as info:
        plan.get_by_role("button", name="Download plan (Markdown)").click()
    target = tmp_path / "plan.md"
    info.value.save_as(target)
    md = target.read_text(encoding="utf-8")
    assert "## Day 1: Full body" in md
    assert "- Dumbbell squat: 3 sets of 8-12 reps, rest 60-90 s" in md
    assert "Progress gradually." in md and "Schoenfeld 2017" in md
    low = [r for r in page.evaluate(CONTRAST_JS) if r["ratio"] < 4.5]
    assert not low, low
    assert dialogs == []


# --------------------------------------------------------------------------- failures and retry
def test_failed_request_shows_retry_and_keeps_message(chat, coach_server):
    page = chat.page
    calls = {"n": 0}

    def flaky(route):
        calls["n"] += 1
        if calls["n"] == 1:
            route.abort("connectionrefused")  # network error
        elif calls["n"] == 2:
            route.fulfill(status=503, content_type="application/json", body='{"error": "busy"}')
        else:
            route.continue_()

    page.route(WEBHOOK_GLOB, flaky)
    text = "how long should I rest for size?"
    before = chat.bot_count()
    chat.input.fill(text)
    chat.input.press("Enter")

    error = page.locator(".hc-error")
    retry = error.get_by_role("button", name="Retry")
    retry.wait_for()
    assert error.get_attribute("role") == "alert"
    assert chat.user_messages().all_inner_texts()[-1].startswith(text)

    retry.click()  # second attempt: 503
    page.wait_for_function("() => document.querySelector('.hc-root').dataset.busy === 'false'")
    retry.wait_for()
    retry.click()  # third attempt reaches the real server
    replies = chat.wait_for_reply(before)
    assert any("60" in r and "90" in r for r in replies), replies
    assert error.is_hidden()
    assert [t.strip() for t in chat.user_messages().all_inner_texts()] == [text]  # not duplicated
    assert calls["n"] == 3
    assert user_texts(fetch_tracker(coach_server, chat.sender_id())) == [text]


def test_rejected_message_is_returned_to_the_input(chat):
    page = chat.page
    page.route(
        WEBHOOK_GLOB,
        lambda route: route.fulfill(
            status=422, content_type="application/json", body='{"error": "message is too long", "field": "message"}'
        ),
    )
    chat.input.fill("a message the server rejects")
    chat.input.press("Enter")
    error = page.locator(".hc-error")
    error.wait_for()
    assert "too long" in error.inner_text()
    assert chat.input.input_value() == "a message the server rejects"
    assert chat.user_messages().count() == 0  # the words went back to the input, not a dead bubble
    page.unroute(WEBHOOK_GLOB)
    # fixing it and sending again works
    replies = chat.send("how long should I rest for size?")
    assert replies
