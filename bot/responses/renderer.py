"""Render responses: domain.yml variations as Jinja2 templates (autoescaped), with includes."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, DictLoader, Environment, FileSystemLoader, StrictUndefined, TemplateNotFound
from markupsafe import Markup

from bot.core.domain import Domain
from bot.core.schemas import BotMessage, Button

TEMPLATES = Path(__file__).parent / "templates"
# keys of a dispatcher message that are not template variables
_RESERVED = {"text", "buttons", "elements", "custom", "template", "response", "image",
             "attachment", "json_message"}


def _trusted(value: Any) -> Any:
    """Mark curated values (knowledge base, slots the actions validated) as safe for autoescape.

    Templates are never built from user text and no raw user text reaches them, so autoescape
    only guards against a template author's mistake; curated apostrophes stay readable.
    """
    if isinstance(value, str):
        return Markup(value)
    if isinstance(value, list):
        return [_trusted(v) for v in value]
    if isinstance(value, dict):
        return {k: _trusted(v) for k, v in value.items()}
    return value


class Renderer:
    """Turns an action's dispatcher messages into BotMessages; variations are picked per turn."""

    def __init__(self, domain: Domain, templates: Path = TEMPLATES) -> None:
        self.domain = domain
        sources = {f"{name}#{i}": v.text for name, variations in domain.responses.items()
                   for i, v in enumerate(variations)}
        self.env = Environment(loader=ChoiceLoader([DictLoader(sources), FileSystemLoader(templates)]),
                               autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                               lstrip_blocks=True)
        self._compiled = {name: self.env.get_template(name) for name in sources}

    def pick(self, name: str, values: dict[str, Any], sender: str, turn: int) -> int:
        """The variation index: among those whose slot conditions hold (Rasa's conditional
        variations) or else the unconditional ones, picked deterministically per turn."""
        variations = self.domain.responses.get(name)
        if not variations:  # a bug in an action: the engine answers with utter_error instead
            raise TemplateNotFound(name)
        matching = [i for i, v in enumerate(variations)
                    if v.condition and all(values.get(c.name) == c.value for c in v.condition)]
        candidates = matching or [i for i, v in enumerate(variations) if not v.condition]
        return candidates[zlib.crc32(f"{sender}|{turn}|{name}".encode()) % len(candidates)]

    def render_response(self, name: str, values: dict[str, Any], sender: str,
                        turn: int) -> tuple[str, list[Button]]:
        """Text and buttons of one response."""
        index = self.pick(name, values, sender, turn)
        variation = self.domain.responses[name][index]
        context = {}
        for key, value in values.items():
            if isinstance(value, dict) and "response" in value:
                value = Markup(self.render_response(value["response"], value, sender, turn)[0])
            context[key] = _trusted(value)
        text = self._compiled[f"{name}#{index}"].render(**context).strip()
        return text, [Button(**b) for b in variation.buttons]

    def render(self, message: dict[str, Any], sender: str, turn: int) -> BotMessage:
        """One dispatcher message (rasa_sdk's format) as a BotMessage."""
        name = message.get("response") or message.get("template")
        buttons = [Button(title=str(b["title"]), payload=str(b["payload"]))
                   for b in message.get("buttons") or []]
        text = message.get("text")
        if name:
            values = {k: v for k, v in message.items() if k not in _RESERVED}
            text, response_buttons = self.render_response(name, values, sender, turn)
            buttons = buttons or response_buttons
        custom = message.get("custom") or message.get("json_message") or None
        if custom:  # a nested response in the payload ("intro", "closing") is sent as its text
            custom = {k: self.render_response(v["response"], v, sender, turn)[0]
                      if isinstance(v, dict) and "response" in v else v for k, v in custom.items()}
        return BotMessage(recipient_id=sender, text=text or None, buttons=buttons or None,
                          custom=custom)
