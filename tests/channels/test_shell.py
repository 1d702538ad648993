"""The terminal channel: buttons are numbered and a number sends that button's payload."""

from __future__ import annotations

from bot.channels.shell import run_shell
from bot.dialogue.engine import Engine


def test_shell_numbers_buttons_and_a_number_picks_one(engine: Engine) -> None:
    typed = iter(["help", "2", "exit"])
    out: list[str] = []
    run_shell(engine, read=lambda prompt: next(typed), write=out.append, sender="shell-test")
    menu = out[1]
    assert "[1] What is hypertrophy training?" in menu and "[2] Rest between sets" in menu
    assert "60-90 seconds" in out[2]  # "2" sent /ask_rest


def test_shell_ends_on_end_of_input(engine: Engine) -> None:
    def read(prompt: str) -> str:
        raise EOFError

    out: list[str] = []
    run_shell(engine, read=read, write=out.append)
    assert out[0].startswith("Hypertrophy Coach")
