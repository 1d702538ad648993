"""Chat in the terminal: buttons are shown numbered and a number picks one."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from bot.core.schemas import BotMessage
from bot.dialogue.engine import Engine


def format_replies(replies: list[BotMessage]) -> tuple[str, list[str]]:
    """The replies as text, and the payloads of their buttons in the order they are numbered."""
    lines: list[str] = []
    payloads: list[str] = []
    for reply in replies:
        if reply.text:
            lines.append(reply.text)
        for button in reply.buttons or []:
            payloads.append(button.payload)
            lines.append(f"  [{len(payloads)}] {button.title}")
    return "\n".join(lines), payloads


def run_shell(engine: Engine, read: Callable[[str], str] = input,
              write: Callable[[str], None] = print, sender: str | None = None) -> None:
    """The read-answer loop; ends on 'exit', 'quit', end of input or Ctrl-C."""
    sender = sender or f"shell-{uuid.uuid4().hex[:8]}"
    write("Hypertrophy Coach (type 'exit' to quit)")
    payloads: list[str] = []
    while True:
        try:
            text = read("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if text.lower() in ("exit", "quit", "/exit"):
            return
        if not text:
            continue
        if text.isdigit() and 1 <= int(text) <= len(payloads):
            text = payloads[int(text) - 1]
        out, payloads = format_replies(engine.handle_sync(sender, text))
        write(out)
