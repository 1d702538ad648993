"""Fixtures for the real-browser tests of the chat widget.

A session-scoped fixture starts the real coach server (``python -m bot.cli serve``)
on a free port with a temporary ``COACH_DATA_DIR`` (holding a link to the session's trained
model, so the server does not train its own) and waits for ``GET /health``;
another launches Debian's Chromium through Playwright. Every test gets a fresh
browser context.

Environment:
  CI=true                 a missing Chromium / Playwright is a failure instead of a skip
  COACH_TEST_SERVER_URL   use an already running server instead of starting one
  COACH_TEST_EMBED_PORT   port for the embed test's page (must be in that server's
                          COACH_CORS_ORIGINS when COACH_TEST_SERVER_URL is used)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.nlu.model import model_dir
from tests.conftest import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "tests" / "artifacts"
CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HEALTH_TIMEOUT_S = 120.0
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
MOBILE_VIEWPORT = {"width": 375, "height": 740}


_server_log: dict[str, Path] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the tail of the coach server's log to failing browser tests."""
    outcome = yield
    report = outcome.get_result()
    log_path = _server_log.get("path")
    if report.failed and log_path is not None and "coach_server" in getattr(item, "fixturenames", ()):
        report.sections.append(("coach server log (tail)", _tail(log_path, 6000)))


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required when CI=true)", pytrace=False)
    pytest.skip(reason)


def _tail(path: Path, limit: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-limit:]
    except OSError:
        return "<no server log>"


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group (start_new_session)
    except (ProcessLookupError, PermissionError):
        proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.path.exists(CHROMIUM_PATH):
        _unavailable(f"Chromium not found at {CHROMIUM_PATH}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed")
    return CHROMIUM_PATH


@pytest.fixture(scope="session")
def embed_port() -> int:
    """Port of the third-party page in the embed test; chosen before the server starts."""
    return int(os.environ.get("COACH_TEST_EMBED_PORT") or free_port())


@pytest.fixture(scope="session")
def coach_server(chromium_path, embed_port, tmp_path_factory, config, engine):
    """Base URL of a running coach server (started here unless COACH_TEST_SERVER_URL is set)."""
    external = os.environ.get("COACH_TEST_SERVER_URL")
    if external:
        yield external.rstrip("/")
        return

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = tmp_path_factory.mktemp("coach-data")
    # the session's model (the `engine` fixture loaded or trained it): the same fingerprint in the
    # server's data directory, so the server loads it instead of training one of its own
    fp = engine.interpreter.fingerprint
    (data_dir / "models").mkdir()
    (data_dir / "models" / fp).symlink_to(model_dir(config, fp), target_is_directory=True)
    _server_log["data_dir"] = data_dir
    log_path = tmp_path_factory.mktemp("coach-log") / "server.log"
    _server_log["path"] = log_path
    env = dict(os.environ)
    env["COACH_DATA_DIR"] = str(data_dir)
    env["COACH_CORS_ORIGINS"] = f"http://127.0.0.1:{embed_port}"
    env["PYTHONUNBUFFERED"] = "1"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=str(REPO_ROOT),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"coach server exited with code {proc.returncode} before becoming healthy:\n"
                    f"{_tail(log_path)}",
                    pytrace=False,
                )
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"coach server not healthy after {HEALTH_TIMEOUT_S:.0f} s:\n{_tail(log_path)}",
                    pytrace=False,
                )
            time.sleep(0.25)
        yield base
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def coach_server_data_dir(coach_server) -> Path | None:
    """The started server's COACH_DATA_DIR (None for an external server)."""
    return _server_log.get("data_dir")


@pytest.fixture(scope="session")
def playwright_instance(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance, chromium_path):
    b = playwright_instance.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def new_context(browser):
    """Factory for fresh browser contexts (closed after the test)."""
    contexts = []

    def make(viewport=None, **kwargs):
        ctx = browser.new_context(viewport=viewport or DESKTOP_VIEWPORT, accept_downloads=True, **kwargs)
        ctx.set_default_timeout(30_000)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def context(new_context):
    return new_context()


@pytest.fixture
def page_errors():
    """Uncaught JavaScript errors collected from pages opened with ``track_page``."""
    return []


@pytest.fixture
def track_page(page_errors):
    def track(page):
        page.on("pageerror", lambda exc: page_errors.append(str(exc)))
        return page

    return track


@pytest.fixture
def page(context, track_page, page_errors):
    p = track_page(context.new_page())
    yield p
    assert not page_errors, f"uncaught JavaScript errors on the page: {page_errors}"


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR
