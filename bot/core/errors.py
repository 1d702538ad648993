"""Domain errors; only the HTTP layer maps them to status codes."""

from __future__ import annotations


class CoachError(Exception):
    """Base class of the project's own errors."""


class ConfigError(CoachError):
    """config.yml is invalid; the message names the field path."""


class DataError(CoachError):
    """Training data (nlu.yml, rules.yml, domain.yml) is invalid; the message names file and block."""


class ModelNotTrained(CoachError):
    """No trained NLU model matches the current config and data."""


class ActionFailed(CoachError):
    """A custom action raised or its server did not answer."""

    def __init__(self, action: str, reason: str) -> None:
        super().__init__(f"action {action} failed: {reason}")
        self.action = action
        self.reason = reason


class StoreUnavailable(CoachError):
    """The conversation store cannot be reached (Redis down); the request may be retried."""

    retry_after_s = 2
