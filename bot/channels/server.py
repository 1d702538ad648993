"""The HTTP API (a Rasa-compatible subset) and the chat widget, served by FastAPI."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.channels.calendar import plan_calendar
from bot.core.config import CoachConfig, load_config
from bot.core.messages import Plan, custom_schema
from bot.core.schemas import BotMessage, ErrorOut, Health, ParseIn, ParseResult, UserMessageIn
from bot.dialogue.engine import Engine

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent.parent / "static"
MAX_BODY_BYTES = 1_000_000


class ApiError(Exception):
    """A request the API refuses: status code, message and the field at fault."""

    def __init__(self, status: int, error: str, field: str | None = None, detail: Any = None) -> None:
        super().__init__(error)
        self.status, self.error, self.field, self.detail = status, error, field, detail


def _error(status: int, error: str, field: str | None = None, detail: Any = None) -> JSONResponse:
    body = ErrorOut(error=error, field=field, detail=detail).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status)


async def _json_body(request: Request, model: type[BaseModel], text_field: str,
                     max_chars: int) -> Any:
    """Check content type, size, JSON and schema; ApiError names the field at fault."""
    ctype = request.headers.get("content-type", "")
    if "application/json" not in ctype.lower():
        raise ApiError(415, "Content-Type must be application/json", "content-type")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, f"request body over {MAX_BODY_BYTES} bytes", text_field)
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"malformed JSON: {exc}", "body") from exc
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
    """The FastAPI application around an engine."""
    config = config or engine.config
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.store.close()

    app = FastAPI(title="Hypertrophy Coach", version="0.1.0", lifespan=lifespan,
                  description="A rule-based hypertrophy-training coach (Rasa-compatible REST API).")
    if config.server.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=config.server.cors_origins,
                           allow_methods=["GET", "POST", "OPTIONS"], allow_headers=["Content-Type"])
    max_chars = config.server.max_message_chars
    # a turn that waits on a network (action server, Redis lock) runs in a worker thread
    in_loop = not engine.waits_on_network

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.error, exc.field, exc.detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return _error(500, "internal error: the request was not processed; please try again")

    @app.exception_handler(TimeoutError)
    async def _busy(request: Request, exc: TimeoutError) -> JSONResponse:
        return _error(503, f"conversation busy, try again: {exc}")

    @app.post("/webhooks/rest/webhook", response_model=list[BotMessage],
              response_model_exclude_none=True, openapi_extra=_body_schema(UserMessageIn),
              responses={400: {"model": ErrorOut}, 413: {"model": ErrorOut},
                         415: {"model": ErrorOut}})
    async def webhook(request: Request) -> Response:
        """Send a user message; get the bot's replies (Rasa's REST channel)."""
        msg = await _json_body(request, UserMessageIn, "message", max_chars)
        if not msg.sender.strip():
            raise ApiError(400, "'sender' must not be empty", "sender")
        if in_loop:  # CPU-bound and well under a millisecond: a thread hop would cost more
            replies = engine.handle(msg.sender, msg.message)
        else:
            replies = await run_in_threadpool(engine.handle, msg.sender, msg.message)
        return Response(json.dumps([r.model_dump(exclude_none=True) for r in replies]),
                        media_type="application/json")

    @app.post("/model/parse", response_model=ParseResult, openapi_extra=_body_schema(ParseIn),
              responses={400: {"model": ErrorOut}, 413: {"model": ErrorOut}})
    async def parse(request: Request) -> ParseResult:
        """What the NLU makes of a text: intent, confidence, ranking, entities."""
        body = await _json_body(request, ParseIn, "text", max_chars)
        return engine.parse(body.text)

    @app.get("/conversations/{sender}/tracker")
    async def tracker(sender: str) -> dict[str, Any]:
        """The conversation's tracker: slots, latest message, events, active loop (as Rasa
        does, an unknown sender gets an empty tracker)."""
        found = await run_in_threadpool(engine.tracker, sender)
        return (found or engine.new_tracker(sender)).public()

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
              responses={200: {"content": {"text/calendar": {}}}})
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
    """The body of POST /plan.ics: a plan, and the day from which its weeks start."""

    model_config = ConfigDict(extra="ignore")
    plan: Plan
    start: date | None = None


def app_from_env() -> FastAPI:
    """An app built from config.yml and COACH_* variables (for `uvicorn --factory`, workers)."""
    from bot.app import build_engine

    config = load_config()
    return create_app(build_engine(config), config)
