"""The `coach` command's entry point: it takes `--project DIR` before anything else is imported.

Where the project is (config.yml, bot/domain.yml, bot/data, knowledge/data, .coach) is settled
when bot.core.config is first imported, so `--project` is read here, before the command line
proper (bot.cli) is, and handed on as COACH_PROJECT, which worker processes inherit too.

    coach --project ~/my-coach serve
    COACH_PROJECT=~/my-coach coach serve
    cd ~/my-coach && coach serve          # a directory holding config.yml
"""

from __future__ import annotations

import os
import sys


def take_project(argv: list[str]) -> tuple[str | None, list[str]]:
    """`--project DIR` or `--project=DIR` given before the command: (DIR, the other arguments)."""
    if argv and argv[0] == "--project" and len(argv) > 1:
        return argv[1], argv[2:]
    if argv and argv[0].startswith("--project="):
        return argv[0].split("=", 1)[1], argv[1:]
    return None, argv


def main() -> None:
    """Set COACH_PROJECT from `--project DIR`, then run the command line."""
    project, rest = take_project(sys.argv[1:])
    if project is not None:
        if not os.path.isfile(os.path.join(project, "config.yml")):
            sys.stderr.write(f"error: --project {project}: no config.yml there\n")
            raise SystemExit(2)
        os.environ["COACH_PROJECT"] = os.path.abspath(os.path.expanduser(project))
        sys.argv = [sys.argv[0], *rest]
    from bot.cli import main as run

    run()


if __name__ == "__main__":
    main()
