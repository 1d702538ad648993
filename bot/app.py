"""Assemble an Engine from config.yml: model, domain, rules, actions, store, renderer."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.config import CoachConfig
from bot.core.domain import load_domain, load_rules
from bot.dialogue.engine import Engine
from bot.dialogue.executor import InProcessActions, RemoteActions
from bot.dialogue.registry import ACTIONS_PACKAGE
from bot.nlu.interpreter import Interpreter
from bot.nlu.model import load_or_train
from bot.responses.renderer import Renderer
from bot.stores import TrackerStore, make_store
from knowledge.retrieval import clear_match


def build_engine(config: CoachConfig, store: TrackerStore | None = None,
                 progress: Callable[[int, int], None] | None = None) -> Engine:
    """The engine config.yml describes (training the NLU model first if it is missing or stale)."""
    nlp, fp = load_or_train(config, progress=progress)
    domain = load_domain()
    rules = load_rules(domain)
    actions = (RemoteActions(config.actions.endpoint) if config.actions.endpoint
               else InProcessActions(ACTIONS_PACKAGE))
    store = store or make_store(config.stores.tracker, config.data_dir, config.stores.lock_timeout_s)
    return Engine(config=config, interpreter=Interpreter(nlp, config.nlu.max_chars, fp),
                  domain=domain, rules=rules, actions=actions, store=store,
                  renderer=Renderer(domain), retrieval=clear_match)
