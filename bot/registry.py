"""Every registration in one screen, for reading: each layer keeps its own registry, and this edge
module only gathers them (nothing below the edges imports it).

- NLU components (spaCy factories named in config.yml's nlu.pipeline): bot/nlu/registry.py
- dialogue policies (config.yml's dialogue.policies) and the actions package: bot/dialogue/registry.py
- actions: every rasa_sdk Action subclass in the `actions` package
"""

from __future__ import annotations

from bot.dialogue.registry import ACTIONS_PACKAGE, POLICIES
from bot.nlu.registry import COMPONENTS

__all__ = ["ACTIONS_PACKAGE", "COMPONENTS", "POLICIES"]
