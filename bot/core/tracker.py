"""The per-conversation state: events, slots, active form and latest message (Rasa's tracker JSON)."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

from bot.core.schemas import ParseResult

# how many recent events a turn loads and an action sees: the actions read slots and the latest
# message, and form validation reads the slot events of the current turn, so a short window is enough
ACTION_EVENT_WINDOW = 20


class Tracker(BaseModel):
    """Everything remembered about one conversation; serialised as JSON by the stores."""

    sender_id: str
    slots: dict[str, Any] = Field(default_factory=dict)
    events: list[dict[str, Any]] = Field(default_factory=list)
    active_loop: dict[str, Any] | None = None
    latest_message: dict[str, Any] = Field(default_factory=dict)
    latest_action_name: str | None = None
    turn: int = 0
    # stores load only the recent events; this many earlier ones stay in the store
    events_before: int = 0
    # the last turn's message id and replies: a retried message (same id) gets them again
    last_turn: dict[str, Any] | None = None
    _persisted: int = PrivateAttr(default=0)  # how many of `events` the store already holds

    def mark_persisted(self) -> None:
        """Called by a store after it has saved every event."""
        self._persisted = len(self.events)

    def unsaved_events(self) -> list[dict[str, Any]]:
        """Events added since the tracker was loaded or last saved."""
        return self.events[self._persisted:]

    def state_json(self) -> str:
        """Everything but the events, as JSON (stores keep events apart, appended)."""
        return self.model_dump_json(exclude={"events"})

    @classmethod
    def from_parts(cls, state: str | bytes, events: list[dict[str, Any]], total: int) -> Tracker:
        """A tracker from its stored state and its last `len(events)` of `total` events."""
        tracker = cls.model_validate_json(state)
        tracker.events = events
        tracker.events_before = total - len(events)
        tracker.mark_persisted()
        return tracker

    @classmethod
    def new(cls, sender_id: str, slot_names: list[str]) -> Tracker:
        """A fresh conversation with every domain slot unset."""
        return cls(sender_id=sender_id, slots={name: None for name in slot_names})

    def add_user(self, parse: ParseResult, channel: str = "rest", message_id: str | None = None) -> None:
        """Record the user's message (with the client's message id, when it sent one)."""
        data = parse.model_dump()
        self.turn += 1
        self.latest_message = data
        event: dict[str, Any] = {"event": "user", "timestamp": time.time(), "text": parse.text,
                                 "parse_data": data, "input_channel": channel}
        if message_id is not None:
            event["message_id"] = message_id
        self.events.append(event)

    def add_bot(self, text: str | None, data: dict[str, Any]) -> None:
        """Record one bot message (text plus buttons/custom)."""
        self.events.append({"event": "bot", "timestamp": time.time(), "text": text, "data": data})

    def apply(self, events: list[dict[str, Any]]) -> None:
        """Apply events returned by an action (slot, active_loop, restart...) and record them."""
        for event in events:
            kind = event.get("event")
            if kind == "slot":
                self.slots[event["name"]] = event.get("value")
            elif kind == "active_loop":
                name = event.get("name")
                self.active_loop = {"name": name} if name else None
                if not name:
                    self.slots["requested_slot"] = None
            elif kind == "restart":
                self.slots = {k: None for k in self.slots}
                self.active_loop = None
            self.events.append({"timestamp": time.time(), **event})

    def previous_replies(self, turns: int) -> list[str]:
        """The bot's replies (texts of a turn joined) to the last `turns` user messages before the
        current one, most recent first (from the recent events a tracker holds)."""
        replies: list[str] = []
        current: list[str] = []
        seen_user = 0
        for event in reversed(self.events):
            if event.get("event") == "bot":
                current.append(str(event.get("text") or ""))
            elif event.get("event") == "user":
                seen_user += 1
                if seen_user > 1:  # the first user event met is the current message
                    replies.append("\n".join(reversed(current)))
                    if len(replies) == turns:
                        break
                current = []
        return replies

    def set_slot(self, name: str, value: Any) -> None:
        """Set a slot and record the event."""
        self.apply([{"event": "slot", "name": name, "value": value}])

    def add_action(self, name: str) -> None:
        """Record that an action ran."""
        self.latest_action_name = name
        self.events.append({"event": "action", "timestamp": time.time(), "name": name})

    @property
    def intent(self) -> str:
        """The latest message's intent name."""
        return str((self.latest_message.get("intent") or {}).get("name") or "")

    def sdk_state(self, extra_events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The tracker as rasa_sdk's Tracker.from_dict expects it (recent events only)."""
        events = self.events[-ACTION_EVENT_WINDOW:] + list(extra_events or [])
        return {
            "sender_id": self.sender_id,
            "slots": dict(self.slots),
            "latest_message": self.latest_message,
            "events": events,
            "paused": False,
            "followup_action": None,
            "active_loop": self.active_loop or {},
            "latest_action_name": self.latest_action_name,
        }

    def public(self) -> dict[str, Any]:
        """The JSON of GET /conversations/{sender}/tracker."""
        return {
            "sender_id": self.sender_id,
            "slots": self.slots,
            "latest_message": self.latest_message,
            "latest_action_name": self.latest_action_name,
            "events": self.events,
            "active_loop": self.active_loop or {},
        }
