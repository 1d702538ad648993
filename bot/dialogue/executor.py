"""Run custom actions: in-process through rasa_sdk's ActionExecutor, or over Rasa's webhook."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
from rasa_sdk.executor import ActionExecutor

from bot.core.errors import ActionFailed


class InProcessActions:
    """rasa_sdk's ActionExecutor with the `actions` package registered; one event loop per thread."""

    remote = False

    def __init__(self, package: str = "actions") -> None:
        self.executor = ActionExecutor()
        self.executor.register_package(package)
        self._local = threading.local()

    def _loop(self) -> asyncio.AbstractEventLoop:
        loop = getattr(self._local, "loop", None)
        if loop is None:
            loop = asyncio.new_event_loop()
            self._local.loop = loop
        return loop

    def names(self) -> list[str]:
        """The registered action names."""
        return sorted(self.executor.actions)

    def _complete(self, payload: dict[str, Any]) -> Any:
        """Run the executor's coroutine to the end from synchronous code.

        Our actions are synchronous, so the coroutine finishes on its first step; it is driven
        directly, which also works inside a running event loop (the server's). One that really
        awaits something is run again on a private loop in a helper thread.
        """
        coro = self.executor.run(payload)
        try:
            coro.send(None)
        except StopIteration as done:
            return done.value
        coro.close()
        box: dict[str, Any] = {}

        def finish() -> None:
            try:
                box["result"] = self._loop().run_until_complete(self.executor.run(payload))
            except Exception as exc:  # noqa: BLE001 (re-raised in the caller's thread)
                box["error"] = exc

        worker = threading.Thread(target=finish)
        worker.start()
        worker.join()
        if "error" in box:
            raise box["error"]
        return box["result"]

    def run(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Run one action call; returns {'events': [...], 'responses': [...]}."""
        name = payload.get("next_action", "")
        try:
            result = self._complete(payload)
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
        self.client = httpx.Client(timeout=timeout_s)

    def run(self, payload: dict[str, Any]) -> dict[str, Any]:
        """POST the action call; returns {'events': [...], 'responses': [...]}."""
        name = payload.get("next_action", "")
        try:
            response = self.client.post(self.url, json=payload)
        except httpx.HTTPError as exc:
            raise ActionFailed(name, f"action server unreachable: {exc}") from exc
        if response.status_code != 200:
            raise ActionFailed(name, f"action server answered {response.status_code}: "
                                     f"{response.text[:200]}")
        return response.json()
