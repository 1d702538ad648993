"""Real-browser tests of the embeddable chat widget against the real coach server.

Each test uses a fresh browser context (so fresh localStorage and a new sender id).
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
import urllib.parse
import urllib.request

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
    def open(self, url: str) -> Chat:
        self.page.goto(url)
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        self.page.wait_for_selector(
            ".hc-root[data-restored='true']", state="attached", timeout=REPLY_TIMEOUT_MS
        )

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
    chat.page.get_by_role("button", name="Clear chat").click()  # it asks first
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

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", embed_port), functools.partial(Quiet, directory=str(site))
    )
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
    {
        "text": "Heads up: this is general information.",
        "custom": {"kind": "disclaimer", "category": "medical"},
    },
    {
        "text": "Dumbbell row\n1. Brace on a bench.\n2. Pull the dumbbell to your hip.\n"
        "3. Lower with control.",
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
                            {
                                "name": "Dumbbell squat",
                                "sets": 3,
                                "reps": "8-12",
                                "rest": "60-90 s",
                                "note": "Slow down",
                            }
                        ],
                    },
                    {
                        "name": "Day 2: Full body",
                        "exercises": [{"name": "Push-up", "sets": 3, "reps": "6-15", "rest": "60 s"}],
                    },
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
    assert note.count() == 1 and note.inner_text().strip() == FIXTURE_REPLY[0]["text"]
    steps = page.locator(".hc-kind-steps")
    assert steps.locator("ol > li").all_inner_texts() == FIXTURE_REPLY[1]["custom"]["steps"]
    assert "Keep your back flat." in steps.inner_text()
    plan = page.locator(".hc-kind-plan")
    assert plan.locator("h4").all_inner_texts() == ["Day 1: Full body", "Day 2: Full body"]
    assert (
        "Dumbbell squat: 3 sets of 8-12 reps, rest 60-90 s" in plan.locator(".hc-ex-line").all_inner_texts()
    )
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
    ids: list[str] = []

    def flaky(route):
        calls["n"] += 1
        ids.append(json.loads(route.request.post_data or "{}").get("message_id"))
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
    # every attempt carried the same message id, so a lost answer is never a second turn
    assert len(ids) == 3 and ids[0] and len(set(ids)) == 1


def test_a_retry_after_a_lost_answer_is_not_a_second_turn(chat, coach_server):
    """The server saved the turn but its answer was lost (a proxy's 502): the retry carries the
    same message id and gets the same answer; the conversation holds the message once."""
    page = chat.page
    calls = {"n": 0}
    saved: list[str] = []

    def lose_first_answer(route):
        calls["n"] += 1
        if calls["n"] == 1:
            route.fetch()  # the server answers, and saves the turn ...
            saved.extend(user_texts(fetch_tracker(coach_server, chat.sender_id())))
            route.fulfill(status=502, content_type="text/html", body="<h1>502</h1>")  # ... lost
        else:
            route.continue_()

    page.route(WEBHOOK_GLOB, lose_first_answer)
    before = chat.bot_count()
    chat.input.fill("make me a plan")
    chat.input.press("Enter")
    retry = page.locator(".hc-error").get_by_role("button", name="Retry")
    retry.wait_for()
    retry.click()
    replies = chat.wait_for_reply(before)
    assert any("experience" in r.lower() for r in replies), replies
    assert saved == ["make me a plan"]  # the first attempt was a turn
    assert user_texts(fetch_tracker(coach_server, chat.sender_id())) == ["make me a plan"]


def test_rejected_message_is_returned_to_the_input(chat):
    page = chat.page
    page.route(
        WEBHOOK_GLOB,
        lambda route: route.fulfill(
            status=422,
            content_type="application/json",
            body='{"error": "message is too long", "field": "message"}',
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


# --------------------------------------------------------------------------- helpers for the tests below
def stub_webhook(page, reply, seen=None):
    """Answer every webhook call with ``reply`` (a list of messages); ``seen`` collects the requests."""

    def fulfil(route):
        body = json.loads(route.request.post_data or "{}")
        if seen is not None:
            seen.append(body)
        messages = [dict(m, recipient_id=body.get("sender")) for m in reply]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(messages))

    page.route(WEBHOOK_GLOB, fulfil)


def in_view(page, locator) -> dict:
    """Where ``locator``'s top and bottom are relative to the visible part of the transcript."""
    return locator.evaluate(
        """el => {
            const body = document.querySelector('.hc-body').getBoundingClientRect();
            const box = el.getBoundingClientRect();
            return {top: box.top - body.top, bottom: box.bottom - body.top, height: body.height};
        }"""
    )


def top_visible(page, locator) -> bool:
    pos = in_view(page, locator)
    return 0 <= pos["top"] < pos["height"]


# --------------------------------------------------------------------------- cards come from custom data only
CUSTOM_STEPS = {
    "kind": "steps",
    "exercise": "dumbbell_row",
    "name": "Custom row name",
    "steps": ["Custom step one.", "Custom step two.", "Custom step three."],
    "sets": "4",
    "reps": "8-10",
    "rest": "75 s",
    "cautions": ["Custom caution."],
    "intro": "Custom intro before the steps.",
}
CUSTOM_PLAN = {
    "kind": "plan",
    "intro": "Custom plan intro.",
    "closing": "Custom closing tip.",
    "plan": {
        "title": "Custom plan title",
        "goal": "size",
        "experience": "beginner",
        "days_per_week": 2,
        "equipment": "dumbbells",
        "minutes_per_session": 45,
        "weekly_sets": 12,
        "days": [
            {
                "name": "Custom day A",
                "focus": "a",
                "exercises": [
                    {
                        "id": "dumbbell_row",
                        "name": "Custom row",
                        "sets": 3,
                        "reps": "6-12",
                        "rest": "60-90 s",
                        "rest_seconds_min": 60,
                        "rest_seconds_max": 90,
                        "reps_min": 6,
                        "reps_max": 12,
                        "multi_joint": True,
                        "has_steps": True,
                        "note": "",
                    }
                ],
            },
            {
                "name": "Custom day B",
                "focus": "b",
                "exercises": [
                    {
                        "id": "deadlift",
                        "name": "Custom deadlift",
                        "sets": 3,
                        "reps": "6-12",
                        "rest": "60-90 s",
                        "rest_seconds_min": 60,
                        "rest_seconds_max": 90,
                        "reps_min": 6,
                        "reps_max": 12,
                        "multi_joint": True,
                        "has_steps": False,
                        "note": "Custom exercise note.",
                    }
                ],
            },
        ],
        "notes": ["Custom note."],
        "sources": ["Custom source."],
    },
}
# the sentences differ from the custom fields on purpose: the cards must show only the latter
TEXT_STEPS = (
    "SENTENCE intro of the text.\nHow to do the text row:\n1. TEXT step.\n2. TEXT step two.\nDo 9 sets."
)
TEXT_PLAN = "SENTENCE plan intro.\n\nDay 9: TEXT day\n- TEXT exercise: 9 sets\n\nSENTENCE closing paragraph."


def test_steps_and_plan_cards_render_from_custom_fields_not_text(chat, tmp_path):
    page = chat.page
    stub_webhook(
        page, [{"text": TEXT_STEPS, "custom": CUSTOM_STEPS}, {"text": TEXT_PLAN, "custom": CUSTOM_PLAN}]
    )
    chat.send("show me the cards")

    steps = page.locator(".hc-kind-steps")
    assert steps.locator(".hc-steps-intro").inner_text().strip() == CUSTOM_STEPS["intro"]
    assert steps.locator(".hc-steps-title").inner_text().strip() == CUSTOM_STEPS["name"]
    assert steps.locator("ol > li").all_inner_texts() == CUSTOM_STEPS["steps"]
    meta = [t.replace("\n", " ").strip() for t in steps.locator(".hc-meta-item").all_inner_texts()]
    assert meta == ["Sets 4", "Reps 8-10", "Rest 75 s"], meta
    assert "Custom caution." in steps.locator(".hc-cautions").inner_text()
    # the intro comes before the list
    assert steps.locator(".hc-steps-intro").evaluate(
        "(el) => !!(el.compareDocumentPosition(el.parentNode.querySelector('ol'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING)"
    )

    plan = page.locator(".hc-kind-plan")
    plan_text = plan.inner_text()
    assert "SENTENCE" not in plan_text and "TEXT" not in plan_text and "SENTENCE" not in steps.inner_text()
    assert "TEXT" not in steps.inner_text()
    assert plan.locator("h4").all_inner_texts() == ["Custom day A", "Custom day B"]
    assert plan.locator(".hc-ex-line").all_inner_texts() == [
        "Custom row: 3 sets of 6-12 reps, rest 60-90 s",
        "Custom deadlift: 3 sets of 6-12 reps, rest 60-90 s",
    ]
    # intro, title, days, notes, sources, closing: in that order
    order = [
        "Custom plan intro.",
        "Custom plan title",
        "Custom day A",
        "Custom day B",
        "Custom exercise note.",
        "Custom note.",
        "Custom source.",
        "Custom closing tip.",
    ]
    positions = [plan_text.find(part) for part in order]
    pairs = list(zip(order, positions, strict=True))
    assert all(p >= 0 for p in positions) and positions == sorted(positions), pairs

    # the download is built from the same payload, by the same function
    with page.expect_download() as info:
        plan.get_by_role("button", name="Download plan (Markdown)").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    markdown = target.read_text(encoding="utf-8")
    assert info.value.suggested_filename == "custom-plan-title.md"
    assert markdown == page.evaluate("(c) => window.HypertrophyCoachWidget.planToMarkdown(c)", CUSTOM_PLAN)
    assert markdown.startswith("# Custom plan title\n\nCustom plan intro.\n")
    for part in (
        "## Custom day A",
        "- Custom row: 3 sets of 6-12 reps, rest 60-90 s",
        "- Custom deadlift: 3 sets of 6-12 reps, rest 60-90 s \u2014 Custom exercise note.",
        "## Notes\n\n- Custom note.",
        "## Sources\n\n- Custom source.",
        "Custom closing tip.",
    ):
        assert part in markdown, (part, markdown)
    assert markdown.index("Custom source.") < markdown.index("Custom closing tip.")
    assert "SENTENCE" not in markdown and "TEXT" not in markdown


def test_real_steps_and_plan_replies_render_their_custom_fields(chat):
    """Against the real server: every custom field of a steps and a plan reply is on its card."""
    page = chat.page
    replies = []
    page.on("response", lambda r: replies.append(r) if r.url.endswith("/webhooks/rest/webhook") else None)

    chat.send("how do I do a dumbbell row")
    steps_custom = next(
        m["custom"] for m in replies[-1].json() if (m.get("custom") or {}).get("kind") == "steps"
    )
    card = page.locator(".hc-kind-steps").last
    assert card.locator("ol > li").all_inner_texts() == steps_custom["steps"]
    assert card.locator(".hc-steps-title").inner_text().strip() == steps_custom["name"]
    for caution in steps_custom["cautions"]:
        assert caution in card.inner_text()

    chat.send("beginner, 3 days a week, dumbbells, 45 minutes, no injuries, make me a plan")
    plan_custom = next(
        m["custom"] for m in replies[-1].json() if (m.get("custom") or {}).get("kind") == "plan"
    )
    card = page.locator(".hc-kind-plan").last
    assert card.locator("h4").all_inner_texts() == [d["name"] for d in plan_custom["plan"]["days"]]
    text = card.inner_text()
    for part in [
        plan_custom["intro"],
        plan_custom["closing"],
        *plan_custom["plan"]["notes"],
        *plan_custom["plan"]["sources"],
    ]:
        assert part.strip() in text, part


# --------------------------------------------------------------------------- message length
def test_counter_near_the_limit_and_refusal_over_it(chat):
    page = chat.page
    seen = []
    stub_webhook(page, [{"text": "Got it."}], seen)
    counter = page.locator(".hc-counter")
    limit = page.locator(".hc-limit")

    chat.input.fill("x" * 1799)
    assert counter.is_hidden()
    chat.input.fill("x" * 1800)
    assert counter.is_visible() and "1,800 / 2,000" in counter.inner_text()
    assert chat.input.get_attribute("maxlength") is None  # nothing is cut while typing or pasting

    too_long = "y" * 2150
    chat.input.fill(too_long)
    assert chat.input.input_value() == too_long
    assert "2,150 / 2,000" in counter.inner_text()
    assert counter.evaluate("el => el.classList.contains('hc-counter--over')")
    chat.input.press("Enter")
    limit.wait_for()
    message = limit.inner_text()
    assert "2,150" in message and "2,000" in message and "150" in message, message
    assert limit.get_attribute("role") == "alert"
    assert chat.input.get_attribute("aria-invalid") == "true"
    page.locator(".hc-send").click()  # the button refuses too
    page.wait_for_timeout(300)
    assert seen == [] and chat.user_messages().count() == 0
    assert chat.input.input_value() == too_long  # kept whole, never truncated

    # shortened to the limit: the refusal goes away and the whole message is sent
    chat.input.fill("y" * 2000)
    assert limit.is_hidden() and chat.input.get_attribute("aria-invalid") is None
    chat.input.press("Enter")
    chat.wait_for_reply(0)
    assert len(seen) == 1 and seen[0]["message"] == "y" * 2000
    assert counter.is_hidden() and chat.input.input_value() == ""

    # characters are counted as the server counts them (code points, not UTF-16 units)
    chat.input.fill("\U0001f4aa" * 1900)
    assert "1,900 / 2,000" in counter.inner_text()


# --------------------------------------------------------------------------- new conversation
def test_new_conversation_asks_before_erasing(chat):
    page = chat.page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    chat.send("how long should I rest for size?")
    sender = chat.sender_id()
    new_button = page.get_by_role("button", name="New conversation")
    confirm = page.get_by_role("alertdialog", name="Start a new conversation?")
    keep = page.get_by_role("button", name="Keep chatting")
    clear = page.get_by_role("button", name="Clear chat")

    # one tap only asks; the safe answer has the focus
    new_button.click()
    assert confirm.is_visible()
    assert new_button.get_attribute("aria-expanded") == "true"
    assert page.evaluate("() => document.activeElement.textContent") == "Keep chatting"
    assert chat.bot_count() == 1 and chat.sender_id() == sender
    keep.click()
    assert confirm.is_hidden() and chat.bot_count() == 1 and chat.sender_id() == sender
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "New conversation"

    # Escape answers "no" (and leaves the panel open)
    new_button.click()
    page.keyboard.press("Escape")
    assert confirm.is_hidden() and page.locator(".hc-panel").is_visible()
    assert chat.bot_count() == 1

    # confirmed: a fresh conversation
    new_button.click()
    clear.click()
    assert confirm.is_hidden()
    assert chat.bot_count() == 0 and chat.user_messages().count() == 0
    assert page.locator(".hc-msg--welcome").count() == 1
    assert chat.sender_id() != sender
    assert page.evaluate("() => document.activeElement.classList.contains('hc-input')")
    # nothing left to lose: the button starts over without asking
    new_button.click()
    assert confirm.is_hidden()
    assert dialogs == []  # never window.confirm


# --------------------------------------------------------------------------- touch targets
def test_touch_targets_are_at_least_44px_on_a_phone(new_context, track_page, coach_server):
    page = track_page(new_context(viewport=MOBILE_VIEWPORT).new_page())
    chat = Chat(page).open(coach_server + "/")
    stub_webhook(page, FIXTURE_REPLY)
    chat.send("show me everything")
    page.get_by_role("button", name="New conversation").click()  # shows the confirmation's buttons too
    boxes = page.locator(".hc-root button").evaluate_all(
        """els => els.filter(e => e.getClientRects().length).map(e => {
            const r = e.getBoundingClientRect();
            return {name: e.getAttribute('aria-label') || e.textContent.trim(), cls: e.className,
                    w: r.width, h: r.height, x: r.x, y: r.y};
        })"""
    )
    classes = " ".join(b["cls"] for b in boxes)
    for needed in ("hc-new", "hc-close", "hc-send", "hc-quick-reply", "hc-download", "hc-confirm-yes"):
        assert needed in classes, (needed, boxes)
    small = [b for b in boxes if b["w"] < 44 or b["h"] < 44]
    assert not small, small
    # the two header buttons do not overlap and have a gap between them
    new_box = page.locator(".hc-new").bounding_box()
    close_box = page.locator(".hc-close").bounding_box()
    assert close_box["x"] - (new_box["x"] + new_box["width"]) >= 8


# --------------------------------------------------------------------------- scrolling after a reply
LONG_REPLY = [
    {
        "text": "\n".join(f"Line {i} of a long answer." for i in range(1, 61)),
        "custom": {"kind": "answer", "topic": "rest_periods", "section": ""},
    }
]


def test_long_reply_shows_its_start_and_the_question(new_context, track_page, coach_server):
    page = track_page(new_context(viewport=MOBILE_VIEWPORT).new_page())
    chat = Chat(page).open(coach_server + "/")
    stub_webhook(page, [{"text": "A short answer."}])
    chat.send("first question")
    page.unroute(WEBHOOK_GLOB)
    stub_webhook(page, LONG_REPLY)
    chat.send("second question, with a long answer")

    question = chat.user_messages().last
    reply = chat.bot_messages().last
    assert top_visible(page, question), in_view(page, question)
    assert top_visible(page, reply), in_view(page, reply)
    assert "Line 1 of a long answer." in reply.inner_text()
    at_bottom = page.locator(".hc-body").evaluate("b => b.scrollTop + b.clientHeight >= b.scrollHeight - 2")
    assert not at_bottom

    # a short reply after it: everything fits, so the bottom is shown
    page.unroute(WEBHOOK_GLOB)
    stub_webhook(page, [{"text": "A short answer."}])
    chat.send("third question")
    assert page.locator(".hc-body").evaluate("b => b.scrollTop + b.clientHeight >= b.scrollHeight - 2")


def test_plan_reply_scrolls_to_its_start_also_after_reload(chat):
    page = chat.page
    question = "beginner, 3 days a week, dumbbells, 45 minutes, no injuries, make me a plan"
    chat.send("how long should I rest for size?")
    chat.send(question)
    plan = page.locator(".hc-kind-plan").last
    assert top_visible(page, plan), in_view(page, plan)
    assert top_visible(page, chat.user_messages().last)
    # restored after a reload: the latest exchange is shown from its start as well
    page.reload()
    chat.wait_ready()
    assert top_visible(page, chat.user_messages().last), in_view(page, chat.user_messages().last)
    assert top_visible(page, page.locator(".hc-kind-plan").last)


# --------------------------------------------------------------------------- favicon
def test_page_references_the_favicon(chat, coach_server):
    page = chat.page
    link = page.locator('link[rel="icon"]')
    assert link.count() == 1
    assert link.get_attribute("href") == "/favicon.ico"
    assert link.get_attribute("type") == "image/svg+xml"
    href = link.evaluate("el => el.href")
    assert href == coach_server + "/favicon.ico"
    resp = page.request.get(href)
    assert resp.status == 200
    assert resp.headers["content-type"].startswith("image/svg+xml")
    assert resp.text().lstrip().startswith("<svg")


# --------------------------------------------------------------------------- axe
AXE_STATES = {
    "empty": None,
    "answer": "how long should I rest for size?",
    "steps": "how do I do a dumbbell row",
    "plan": "beginner, 3 days a week, dumbbells, 45 minutes, no injuries, make me a plan",
    "safety": "my chest hurts when i lift",
}
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()  # its script is the axe.min.js shipped in the package: no network


def axe_blocking(axe, page) -> list[str]:
    results = axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING_IMPACTS
    ]


@pytest.mark.parametrize("viewport", [MOBILE_VIEWPORT, DESKTOP_VIEWPORT], ids=["mobile", "desktop"])
@pytest.mark.parametrize("state", list(AXE_STATES))
def test_axe_finds_no_serious_violations(
    state, viewport, axe, new_context, track_page, coach_server, page_errors
):
    page = track_page(new_context(viewport=viewport).new_page())
    origins = set()
    page.on(
        "request", lambda r: origins.add(urllib.parse.urlsplit(r.url)._replace(path="", query="").geturl())
    )
    chat = Chat(page).open(coach_server + "/")
    if AXE_STATES[state]:
        chat.send(AXE_STATES[state])
        expected = {"steps": ".hc-kind-steps", "plan": ".hc-kind-plan", "safety": ".hc-kind-safety"}.get(
            state
        )
        if expected:
            assert page.locator(expected).count() == 1
    problems = axe_blocking(axe, page)
    assert not problems, "\n".join(problems)
    assert origins <= {coach_server}, origins  # nothing loaded from the network
    assert not page_errors, page_errors


def test_axe_finds_no_serious_violations_in_confirm_and_refusal(axe, chat):
    page = chat.page
    chat.send("how long should I rest for size?")
    page.get_by_role("button", name="New conversation").click()
    problems = axe_blocking(axe, page)
    assert not problems, "\n".join(problems)
    page.keyboard.press("Escape")
    chat.input.fill("z" * 2100)
    chat.input.press("Enter")
    page.locator(".hc-limit").wait_for()
    problems = axe_blocking(axe, page)
    assert not problems, "\n".join(problems)
