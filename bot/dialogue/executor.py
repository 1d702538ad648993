"""Run custom actions: in-process through rasa_sdk's ActionExecutor, or over Rasa's webhook.

Both are awaited: the in-process executor's coroutine runs on the caller's event loop (an action
that awaits something simply yields the loop), and the webhook is called with an async client."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import httpx
from rasa_sdk.executor import ActionExecutor

from bot.core.errors import ActionFailed


class InProcessActions:
    """rasa_sdk's ActionExecutor with the `actions` package registered."""

    remote = False

    def __init__(self, package: str = "actions") -> None:
        self.executor = ActionExecutor()
        self.executor.register_package(package)

    def names(self) -> list[str]:
        """The registered action names."""
        return sorted(self.executor.actions)

    async def run(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Run one action call; returns {'events': [...], 'responses': [...]}."""
        name = payload.get("next_action", "")
        try:
            result = await self.executor.run(payload)
        except Exception as exc:  # a bug in an action must not kill the conversation
            raise ActionFailed(name, repr(exc)) from exc
        if result is None:
            raise ActionFailed(name, "no result")
        return result.model_dump()


class RemoteActions:
    """A standalone action server (`coach actions`) reached over Rasa's webhook protocol."""

    remote = True

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self.url = url
        self.timeout_s = timeout_s
        # an async client's connections belong to one event loop
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = \
            weakref.WeakKeyDictionary()

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = httpx.AsyncClient(timeout=self.timeout_s)
        return client

    async def run(self, payload: dict[str, Any]) -> dict[str, Any]:
        """POST the action call; returns {'events': [...], 'responses': [...]}."""
        name = payload.get("next_action", "")
        try:
            response = await self._client().post(self.url, json=payload)
        except httpx.HTTPError as exc:
            raise ActionFailed(name, f"action server unreachable: {exc}") from exc
        if response.status_code != 200:
            raise ActionFailed(name, f"action server answered {response.status_code}: "
                                     f"{response.text[:200]}")
        try:
            return dict(response.json())
        except ValueError as exc:
            raise ActionFailed(name, "action server answered with no JSON") from exc

    async def close(self) -> None:
        """Close the client of the running event loop."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()
