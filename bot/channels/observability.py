"""Prometheus metrics (prometheus-client) and logs that name the conversation.

Each request runs with a `RequestContext` in a context variable (it follows a turn into the
worker thread): the logging filter reads the conversation id from it, the store's save listener
collects the turn's events into it, and the engine's error log counts action errors into the
metrics of the app that served the request.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.routing import BaseRoute, Match

from bot.channels.guards import ASGIApp, Receive, Scope, Send
from bot.core.schemas import BotMessage
from bot.core.tracker import Tracker

METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [conversation %(conversation_id)s] %(message)s"
ENGINE_LOGGER = "bot.dialogue.engine"


class Metrics:
    """The server's counters and histograms in a registry of its own (one per app)."""

    def __init__(self, known_intents: Iterable[str]) -> None:
        self.known_intents = frozenset(known_intents)
        self.registry = CollectorRegistry()
        reg = self.registry
        self.requests = Counter("coach_http_requests", "HTTP requests by route, method and status",
                                ["route", "method", "status"], registry=reg)
        self.latency = Histogram("coach_http_request_duration_seconds",
                                 "HTTP request latency by route", ["route", "method"],
                                 buckets=LATENCY_BUCKETS, registry=reg)
        self.intents = Counter("coach_intents", "user messages by the intent the NLU gave them",
                               ["intent"], registry=reg)
        self.fallbacks = Counter("coach_fallbacks", "turns answered by the fallback action",
                                 registry=reg)
        self.safety_stops = Counter("coach_safety_stops", "safety replies by tier", ["tier"],
                                    registry=reg)
        self.plans = Counter("coach_plans_built", "training plans built", registry=reg)
        self.action_errors = Counter("coach_action_errors",
                                     "failed actions, reply renders and turns (a polite reply was "
                                     "sent and a traceback logged)", ["action"], registry=reg)
        self.rate_limited = Counter("coach_rate_limited", "requests refused by a rate limit",
                                    ["limit"], registry=reg)

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one HTTP request and its latency."""
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)
        if status == 429:
            self.rate_limited.labels(route).inc()

    def observe_turn(self, events: list[dict[str, Any]], replies: list[BotMessage]) -> None:
        """Count a turn: its intents and fallbacks (from the saved events), its safety stops and
        plans (from the replies' custom payloads)."""
        for event in events:
            if event.get("event") == "user":
                name = str(((event.get("parse_data") or {}).get("intent") or {}).get("name") or "")
                # a button payload can name anything: only the domain's intents become labels
                self.intents.labels(name if name in self.known_intents else "other").inc()
            elif event.get("event") == "action" and event.get("name") == "action_fallback":
                self.fallbacks.inc()
        for reply in replies:
            if reply.custom is None:
                continue
            if reply.custom.kind == "safety":
                self.safety_stops.labels(str(getattr(reply.custom, "tier", None) or "none")).inc()
            elif reply.custom.kind == "plan":
                self.plans.inc()

    def exposition(self) -> bytes:
        """The Prometheus text; with several workers (PROMETHEUS_MULTIPROC_DIR set) all of them."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            merged = CollectorRegistry()
            MultiProcessCollector(merged)
            return generate_latest(merged)
        return generate_latest(self.registry)


@dataclass
class RequestContext:
    """What one request's logs and metrics need to know."""

    metrics: Metrics
    conversation: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)  # saved during this request


REQUEST: ContextVar[RequestContext | None] = ContextVar("coach_request", default=None)


def collect_saved_events(tracker: Tracker, events: list[dict[str, Any]]) -> None:
    """A store save listener: the events a turn saved go to the current request's context."""
    ctx = REQUEST.get()
    if ctx is not None:
        ctx.events.extend(events)


def set_conversation(sender: str) -> None:
    """Name the conversation this request is about (for its log records)."""
    ctx = REQUEST.get()
    if ctx is not None:
        ctx.conversation = sender


class ConversationFilter(logging.Filter):
    """Gives every record a `conversation_id` (the request's sender, or "-")."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = REQUEST.get()
        record.conversation_id = (ctx.conversation if ctx and ctx.conversation else "-")
        return True


class ActionErrorCounter(logging.Handler):
    """Counts the engine's error records ("action X failed", "rendering the reply of X failed",
    "turn failed") into the metrics of the app serving the request."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        ctx = REQUEST.get()
        if ctx is None:
            return
        args = record.args if isinstance(record.args, tuple) else ()
        action = str(args[0]) if len(args) > 1 else "turn"
        ctx.metrics.action_errors.labels(action).inc()


def install_action_error_counter() -> None:
    """Attach one ActionErrorCounter to the engine's logger (however many apps are made)."""
    logger = logging.getLogger(ENGINE_LOGGER)
    if not any(isinstance(h, ActionErrorCounter) for h in logger.handlers):
        logger.addHandler(ActionErrorCounter())


def configure_logging(level: int = logging.INFO) -> None:
    """Log the project's records to stderr with the conversation id (`coach serve`, workers)."""
    root = logging.getLogger()
    if any(isinstance(f, ConversationFilter) for h in root.handlers for f in h.filters):
        return
    handler = logging.StreamHandler()
    handler.addFilter(ConversationFilter())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    for name in ("bot", "actions", "knowledge"):
        logging.getLogger(name).setLevel(level)


def route_label(scope: Scope, routes: Iterable[BaseRoute]) -> str:
    """The route's path template (bounded labels); "unmatched" for any other path."""
    route = scope.get("route")
    if route is not None and getattr(route, "path", None):
        return str(route.path)
    for candidate in routes:  # a request refused before routing (429, 413)
        match, _ = candidate.matches(scope)
        path = getattr(candidate, "path", None)
        if match == Match.FULL and path:
            return str(path)
    return "unmatched"


class ObserveMiddleware:
    """The outermost layer of the app: sets the request context, times the request and counts
    it by route, method and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Iterable[BaseRoute]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = REQUEST.set(RequestContext(self.metrics))
        start = time.perf_counter()
        status = 500  # unless a response starts

        async def send_and_see(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_see)
        finally:
            self.metrics.observe_request(route_label(scope, self.routes), scope["method"], status,
                                         time.perf_counter() - start)
            REQUEST.reset(token)
