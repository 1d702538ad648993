"""The HTTP API (a Rasa-compatible subset) and the chat widget, served by FastAPI."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.channels.calendar import plan_calendar
from bot.channels.guards import AdminGuard, ApiError, GuardMiddleware, RateLimits, error_response
from bot.channels.observability import (
    METRICS_CONTENT_TYPE,
    REQUEST,
    Metrics,
    ObserveMiddleware,
    collect_saved_events,
    configure_logging,
    install_action_error_counter,
    set_conversation,
)
from bot.core.config import CoachConfig, load_config
from bot.core.errors import StoreUnavailable
from bot.core.messages import Plan, custom_schema
from bot.core.schemas import BotMessage, ErrorOut, Health, ParseIn, ParseResult, UserMessageIn
from bot.dialogue.engine import Engine

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent.parent / "static"
MAX_SENDER_CHARS = int(UserMessageIn.model_json_schema()["properties"]["sender"]["maxLength"])
PURGE_EVERY_S = 3600.0  # with a retention set, old conversations are purged hourly while serving
ADMIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "no token given"},
    403: {"model": ErrorOut, "description": "wrong token, or no token configured on a public host"}}

__all__ = ["ApiError", "app_from_env", "create_app"]


def check_sender(sender: str, field: str = "sender") -> str:
    """A sender id is 1 to MAX_SENDER_CHARS characters without control characters."""
    if not sender.strip():
        raise ApiError(400, f"'{field}' must not be empty", field)
    if len(sender) > MAX_SENDER_CHARS:
        raise ApiError(400, f"'{field}' is longer than {MAX_SENDER_CHARS} characters", field)
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in sender):
        raise ApiError(400, f"'{field}' must not contain control characters", field)
    return sender


async def _json_body(request: Request, model: type[BaseModel], text_field: str,
                     max_chars: int) -> Any:
    """Check content type, JSON and schema; ApiError names the field at fault. (The body's size
    and nesting were checked by GuardMiddleware before the route ran.)"""
    ctype = request.headers.get("content-type", "")
    if "application/json" not in ctype.lower():
        raise ApiError(415, "Content-Type must be application/json", "content-type")
    raw = await request.body()
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"malformed JSON: {exc}", "body") from exc
    except RecursionError as exc:  # GuardMiddleware refuses deep bodies first; never a 500
        raise ApiError(400, "the JSON body nests too deep", "body") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object", "body")
    text = data.get(text_field)
    if isinstance(text, str) and len(text) > max_chars:
        raise ApiError(413, f"'{text_field}' is longer than {max_chars} characters", text_field)
    if isinstance(text, str) and not text.strip():
        raise ApiError(400, f"'{text_field}' must not be empty", text_field)
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError(400, f"{field}: {first['msg']}", field) from exc


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": model.model_json_schema()}}}}


def create_app(engine: Engine, config: CoachConfig | None = None) -> FastAPI:
    """The FastAPI application around an engine. `config.server.host` is the host it is served
    on: without a token, the tracker and admin routes answer only on a loopback host."""
    config = config or engine.config
    store = engine.store.configure(config.stores)
    store.add_listener(collect_saved_events)
    install_action_error_counter()
    metrics = Metrics([*engine.domain.intents, "nlu_fallback"])
    admin = AdminGuard(config.server.auth_token, config.server.host)
    limits = RateLimits(config.server.rate_limit, config.stores.tracker)

    async def purge_old() -> None:
        try:
            gone = await store.purge_async()
        except Exception:  # a failed purge is retried on the next round, never fatal
            log.exception("retention purge failed")
            return
        if gone:
            log.info("retention: erased %d conversations not updated for %g days", gone,
                     config.stores.retention_days)

    async def purge_hourly() -> None:
        while True:
            await asyncio.sleep(PURGE_EVERY_S)
            await purge_old()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        purging = None
        if store.retention_s:  # at start-up, before the first request, then hourly
            await purge_old()
            purging = asyncio.create_task(purge_hourly())
        yield
        if purging is not None:
            purging.cancel()
            with suppress(asyncio.CancelledError):
                await purging
        await store.close_async()
        close_actions = getattr(engine.actions, "close", None)
        if close_actions is not None:
            await close_actions()

    app = FastAPI(title="Hypertrophy Coach", version="0.1.0", lifespan=lifespan,
                  description="A rule-based hypertrophy-training coach (Rasa-compatible REST API).")
    # outermost last: CORS (so refusals carry its headers), then metrics, then the body guard
    app.add_middleware(GuardMiddleware, config=config, limits=limits)
    app.add_middleware(ObserveMiddleware, metrics=metrics, routes=app.router.routes)
    if config.server.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=config.server.cors_origins,
                           allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
                           allow_headers=["Content-Type", "Authorization"])
    max_chars = config.server.max_message_chars

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.error, exc.field, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = (exc.errors() or [{}])[0]
        loc = [str(p) for p in first.get("loc", ()) if p != "body"]
        field = ".".join(loc) or "body"
        if first.get("type") == "json_invalid":
            return error_response(400, "malformed JSON", "body")
        return error_response(400, f"{field}: {first.get('msg', 'invalid')}", field)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return error_response(500, "internal error: the request was not processed; please try again")

    @app.exception_handler(StoreUnavailable)
    async def _store_down(request: Request, exc: StoreUnavailable) -> JSONResponse:
        log.error("%s", exc)
        return error_response(503, "the conversation store is unreachable: nothing was processed; "
                              "please try again shortly", headers={"Retry-After":
                                                                  str(exc.retry_after_s)})

    @app.exception_handler(TimeoutError)
    async def _busy(request: Request, exc: TimeoutError) -> JSONResponse:
        return error_response(503, f"conversation busy, try again: {exc}", headers={"Retry-After": "1"})

    @app.post("/webhooks/rest/webhook", response_model=list[BotMessage],
              response_model_exclude_none=True, openapi_extra=_body_schema(UserMessageIn),
              responses={400: {"model": ErrorOut}, 413: {"model": ErrorOut},
                         415: {"model": ErrorOut}, 429: {"model": ErrorOut},
                         503: {"model": ErrorOut, "description": "the conversation store is "
                               "unreachable or the conversation busy: retry after Retry-After"}})
    async def webhook(request: Request) -> Response:
        """Send a user message; get the bot's replies (Rasa's REST channel)."""
        msg = await _json_body(request, UserMessageIn, "message", max_chars)
        set_conversation(check_sender(msg.sender))
        await limits.sender(request.scope, msg.sender)
        replies = await engine.handle(msg.sender, msg.message, msg.message_id)
        ctx = REQUEST.get()
        metrics.observe_turn(ctx.events if ctx else [], replies)
        return Response(json.dumps([r.model_dump(exclude_none=True) for r in replies]),
                        media_type="application/json")

    @app.post("/model/parse", response_model=ParseResult, openapi_extra=_body_schema(ParseIn),
              responses={400: {"model": ErrorOut}, 413: {"model": ErrorOut}})
    async def parse(request: Request) -> ParseResult:
        """What the NLU makes of a text: intent, confidence, ranking, entities."""
        body = await _json_body(request, ParseIn, "text", max_chars)
        return engine.parse(body.text)

    @app.get("/conversations/{sender}/tracker", responses=ADMIN_RESPONSES)
    async def tracker(sender: str, request: Request) -> dict[str, Any]:
        """The conversation's tracker: slots, latest message, events, active loop (as Rasa
        does, an unknown sender gets an empty tracker). Needs the token when one is set."""
        admin.check(request)
        set_conversation(check_sender(sender))
        found = await store.load_async(sender, full=True)
        return (found or engine.new_tracker(sender)).public()

    @app.delete("/conversations/{sender}",
                responses={**ADMIN_RESPONSES, 404: {"model": ErrorOut, "description": "no such "
                                                    "conversation"}})
    async def delete_conversation(sender: str, request: Request) -> dict[str, Any]:
        """Erase a conversation from the store: its state and every event. Needs the token."""
        admin.check(request)
        set_conversation(check_sender(sender))

        async with store.locked(sender):
            found = await store.delete_async(sender)
        if not found:
            raise ApiError(404, f"no conversation {sender!r}", "sender")
        log.info("conversation erased on request")
        return {"deleted": sender}

    @app.get("/metrics", response_class=Response,
             responses={200: {"content": {"text/plain": {}}}, **ADMIN_RESPONSES})
    async def prometheus_metrics(request: Request) -> Response:
        """Prometheus text: requests and latency by route, intents, fallbacks, safety stops by
        tier, plans built, action errors, rate-limited requests. Needs the token when one is set."""
        if admin.has_token:
            admin.check(request)
        return Response(metrics.exposition(), media_type=METRICS_CONTENT_TYPE)

    @app.get("/health", response_model=Health)
    async def health() -> Health:
        """Liveness, the model fingerprint and the tracker store kind."""
        return Health(status="ok", model=engine.interpreter.fingerprint, store=engine.store.kind)

    def _static(name: str, media_type: str) -> Response:
        return FileResponse(STATIC / name, media_type=media_type,
                            headers={"Cache-Control": "no-cache"})

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        return _static("index.html", "text/html")

    @app.get("/widget.js", include_in_schema=False)
    async def widget_js() -> Response:
        return _static("widget.js", "application/javascript")

    @app.get("/widget.css", include_in_schema=False)
    async def widget_css() -> Response:
        return _static("widget.css", "text/css")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return _static("favicon.svg", "image/svg+xml")

    @app.post("/plan.ics", response_class=Response,
              responses={200: {"content": {"text/calendar": {}}}, 400: {"model": ErrorOut}})
    async def plan_ics(body: PlanCalendarIn) -> Response:
        """A plan (the `plan` of a reply's custom payload) as an iCalendar file of its days."""
        ics = plan_calendar(body.plan, body.start or date.today())
        return Response(ics, media_type="text/calendar",
                        headers={"Content-Disposition": 'attachment; filename="training-plan.ics"'})

    @app.get("/schemas/custom.json")
    async def custom_payload_schema() -> dict[str, object]:
        """The JSON Schema of every `custom` payload kind a reply can carry."""
        return custom_schema()

    return app


class PlanCalendarIn(BaseModel):
    """The body of POST /plan.ics: a plan, and the day from which its weeks start (within what a
    calendar can hold: one to seven training days, sessions under a day, years 1900 to 9000)."""

    model_config = ConfigDict(extra="ignore")
    plan: Plan
    start: date | None = Field(None, ge=date(1900, 1, 1), le=date(9000, 12, 31))

    @field_validator("plan")
    @classmethod
    def _fits_a_week(cls, plan: Plan) -> Plan:
        if not 1 <= len(plan.days) <= 7:
            raise ValueError("a plan for a calendar has 1 to 7 training days")
        if plan.minutes_per_session is not None and not 1 <= plan.minutes_per_session <= 24 * 60:
            raise ValueError("minutes_per_session must be 1 to 1440")
        return plan


def app_from_env() -> FastAPI:
    """An app built from config.yml and COACH_* variables (for `uvicorn --factory`, workers)."""
    from bot.app import build_engine

    configure_logging()
    config = load_config()
    return create_app(build_engine(config), config)
