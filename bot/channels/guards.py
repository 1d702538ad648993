"""What stands between the open internet and the engine: the admin token, rate limits, and the
checks every request body passes (size, JSON nesting) before a route parses it."""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import math
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.core.config import CoachConfig, RateLimitConfig

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# routes no address limit applies to: the widget's files, liveness and the scraper
UNLIMITED_PATHS = frozenset({"/", "/widget.js", "/widget.css", "/favicon.ico", "/health", "/metrics"})


class ApiError(Exception):
    """A request the API refuses: status code, message, the field at fault and any headers."""

    def __init__(self, status: int, error: str, field: str | None = None, detail: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.field, self.detail = status, error, field, detail
        self.headers = headers or {}


def error_response(status: int, error: str, field: str | None = None, detail: Any = None,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The API's JSON error body: {"error", "field"?, "detail"?}."""
    body: dict[str, Any] = {"error": error}
    if field is not None:
        body["field"] = field
    if detail is not None:
        body["detail"] = detail
    return JSONResponse(body, status_code=status, headers=headers)


# ---- addresses --------------------------------------------------------------------------------------
def is_loopback_host(host: str) -> bool:
    """Whether a bind host only listens on this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _peer_ip(request_or_scope: Request | Scope) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client's address when it is an IP address (a test client's "testclient" is not)."""
    client = request_or_scope.client if isinstance(request_or_scope, Request) \
        else request_or_scope.get("client")
    host = client[0] if client else None
    try:
        return ipaddress.ip_address(host) if host else None
    except ValueError:
        return None


# ---- the admin token ----------------------------------------------------------------------------
class AdminGuard:
    """The tracker, delete and (with a token set) metrics routes: `Authorization: Bearer <token>`
    or `?token=<token>`, as Rasa takes it, compared in constant time. Without a token they answer
    only on a server bound to a loopback host, and never to a remote peer."""

    def __init__(self, token: str | None, host: str) -> None:
        self.token = token.encode() if token else None
        self.local_only = is_loopback_host(host)

    @property
    def has_token(self) -> bool:
        """Whether a token is configured."""
        return self.token is not None

    def check(self, request: Request) -> None:
        """Raise ApiError 401 (no token given) or 403 (wrong token, or none configured here)."""
        if self.token is None:
            peer = _peer_ip(request)
            if self.local_only and (peer is None or peer.is_loopback):
                return
            raise ApiError(403, "this route is closed: set COACH_AUTH_TOKEN on the server (without "
                           "one it answers only on a loopback host)", "authorization")
        given = _given_token(request)
        if not given:
            raise ApiError(401, "a token is needed: 'Authorization: Bearer <token>' or ?token=<token>",
                           "authorization", headers={"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(given.encode("utf-8", "surrogatepass"), self.token):
            raise ApiError(403, "the token is not valid", "authorization")


def _given_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query_params.get("token") or None


# ---- rate limits --------------------------------------------------------------------------------
def limits_storage_uri(store: str) -> str:
    """Where the limits' counters live: the Redis of a Redis store (shared by every worker and
    machine), else this process's memory; both through limits' asyncio storages."""
    if store.startswith(("redis://", "rediss://")):
        return "async+" + store
    if store.startswith("unix://"):
        return "async+redis+unix://" + store.removeprefix("unix://")
    return "async+memory://"


class RateLimits:
    """Per-sender and per-client-address limits (the `limits` library's asyncio API, moving
    windows; with Redis through redis-py's asyncio client, which the store uses too)."""

    def __init__(self, config: RateLimitConfig, store: str) -> None:
        self.per_sender: RateLimitItem | None = parse(config.per_sender) if config.per_sender else None
        self.per_address: RateLimitItem | None = \
            parse(config.per_address) if config.per_address else None
        self.exempt = [ipaddress.ip_network(n, strict=False) for n in config.exempt]
        self.uri = limits_storage_uri(store)
        self.networked = "redis" in self.uri
        self._limiter = None if self.networked else MovingWindowRateLimiter(
            storage_from_string(self.uri))
        # a Redis client's connections belong to one event loop: one limiter per loop
        self._limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                                  MovingWindowRateLimiter] = weakref.WeakKeyDictionary()

    @property
    def limiter(self) -> MovingWindowRateLimiter:
        """The limiter for the running event loop."""
        if self._limiter is not None:
            return self._limiter
        loop = asyncio.get_running_loop()
        limiter = self._limiters.get(loop)
        if limiter is None:
            limiter = self._limiters[loop] = MovingWindowRateLimiter(
                storage_from_string(self.uri, implementation="redispy"))
        return limiter

    def exempted(self, scope: Scope) -> bool:
        """Whether the client's address is in `server.rate_limit.exempt`."""
        peer = _peer_ip(scope)
        return peer is not None and any(peer in net for net in self.exempt)

    async def hit(self, item: RateLimitItem | None, scope_name: str, key: str) -> float | None:
        """Count one request; the seconds to wait when over the limit, else None."""
        if item is None:
            return None
        try:
            limiter = self.limiter
            if await limiter.hit(item, "coach", scope_name, key):
                return None
            stats = await limiter.get_window_stats(item, "coach", scope_name, key)
        except Exception:  # a limiter that cannot reach its storage must not stop the chat
            log.exception("rate limiter unavailable (%s)", self.uri)
            return None
        return max(1.0, math.ceil(stats.reset_time - time.time()))

    async def sender(self, scope: Scope, sender: str) -> None:
        """Raise ApiError 429 when this sender is over `per_sender`."""
        if self.exempted(scope):
            return
        wait = await self.hit(self.per_sender, "sender", sender)
        if wait is not None:
            raise too_many("this conversation", self.per_sender, wait)


def too_many(who: str, item: RateLimitItem | None, wait: float) -> ApiError:
    """The 429 ApiError with its Retry-After header."""
    return ApiError(429, f"too many requests from {who} (limit {item}); retry in {int(wait)} s",
                    "rate_limit", headers={"Retry-After": str(int(wait))})


# ---- request bodies -----------------------------------------------------------------------------
def lone_surrogate_field(raw: bytes) -> str | None:
    """The top-level field of a JSON body whose text holds a lone surrogate (a string no UTF-8
    can encode, which would fail deep in the NLU or the store), or None."""
    utf8 = json.detect_encoding(raw) == "utf-8"  # (json also reads UTF-16 and UTF-32 bodies)
    if utf8 and b"\\ud" not in raw and b"\\uD" not in raw:  # no \uD800-\uDFFF escape: the usual case
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None  # the route reports malformed JSON
    items = data.items() if isinstance(data, dict) else [("body", data)]
    for key, value in items:
        try:
            json.dumps([key, value], ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return key.encode("utf-8", "replace").decode() if isinstance(key, str) else "body"
    return None


def json_too_deep(raw: bytes, limit: int) -> bool:
    """Whether the JSON text nests arrays and objects deeper than `limit` (counted before any
    parse, so a body nested thousands of levels deep never reaches the recursive decoder)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


class GuardMiddleware:
    """Runs before routing: caps the body (413), refuses JSON nested deeper than the limit (400)
    and applies the per-address rate limit (429). It buffers the (capped) body and hands it on."""

    def __init__(self, app: ASGIApp, config: CoachConfig, limits: RateLimits) -> None:
        self.app = app
        self.max_bytes = config.server.max_body_bytes
        self.max_depth = config.server.max_json_depth
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = await self.refusal(scope)
        if refused is None and scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            refused, receive = await self.read_body(scope, receive)
        if refused is not None:
            await error_response(refused.status, refused.error, refused.field,
                                 headers=refused.headers)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def refusal(self, scope: Scope) -> ApiError | None:
        """The per-address limit and a declared Content-Length over the cap."""
        if scope["path"] not in UNLIMITED_PATHS and not self.limits.exempted(scope):
            client = scope.get("client")
            address = client[0] if client else "unknown"
            wait = await self.limits.hit(self.limits.per_address, "address", address)
            if wait is not None:
                return too_many("this address", self.limits.per_address, wait)
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                return ApiError(413, f"request body over {self.max_bytes} bytes", "body")
        return None

    async def read_body(self, scope: Scope, receive: Receive) -> tuple[ApiError | None, Receive]:
        """Read the body up to the cap; check its nesting when it is JSON."""
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return ApiError(400, "the client went away before sending the whole body", "body"), \
                    receive
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return ApiError(413, f"request body over {self.max_bytes} bytes", "body"), receive
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        ctype = next((v for k, v in scope.get("headers", []) if k == b"content-type"), b"")
        if b"json" in ctype.lower():
            if json_too_deep(body, self.max_depth):
                return ApiError(400, f"the JSON body nests deeper than {self.max_depth} levels",
                                "body"), receive
            field = lone_surrogate_field(body)
            if field is not None:
                return ApiError(400, "invalid Unicode: a lone surrogate escape (\\ud800-\\udfff) "
                                f"in '{field}'", field), receive
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as a server does

        return None, replay
