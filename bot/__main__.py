"""`python -m bot ...` is the `coach` command (with `--project DIR`)."""

from bot.launcher import main

main()
