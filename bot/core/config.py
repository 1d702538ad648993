"""config.yml validated into one pydantic model; environment variables override the stores."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any

import yaml
from limits import parse as parse_rate
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.core.errors import ConfigError

# where the packages bot/, knowledge/ and actions/ are (a source checkout, or site-packages)
PACKAGE_ROOT = Path(__file__).resolve().parent.parent.parent


def project_root() -> Path:
    """The project directory coach works on: COACH_PROJECT (what `coach --project DIR` sets),
    else the current directory when it holds a config.yml, else the source checkout."""
    named = os.environ.get("COACH_PROJECT")
    if named:
        return Path(named).expanduser().resolve()
    here = Path.cwd()
    if (here / "config.yml").is_file():
        return here
    return PACKAGE_ROOT


def project_file(relative: str) -> Path:
    """A data file of the project (bot/domain.yml, knowledge/data ...): the project's own copy
    when it has one, else the copy installed with the package."""
    own = ROOT / relative
    return own if own.exists() else PACKAGE_ROOT / relative


ROOT = project_root()
DEFAULT_CONFIG = ROOT / "config.yml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ComponentConfig(BaseModel):
    """One pipeline entry: a registered component name and its settings."""

    model_config = ConfigDict(extra="allow")
    name: str
    # the registered factory, when the name is the pipe's own ("crisis_textcat" of spaCy's
    # "textcat_multilabel"); by default the name is the factory
    factory: str | None = None

    def settings(self) -> dict[str, Any]:
        """The settings other than the name and the factory."""
        return dict(self.model_extra or {})


class TrainingConfig(_Model):
    seed: int = 7
    epochs: int = Field(30, ge=1, le=500)
    dropout: float = Field(0.2, ge=0, lt=1)
    batch_size: int = Field(16, ge=1)
    learn_rate: float = Field(0.001, gt=0, lt=1)


class NluConfig(_Model):
    language: str = "en"
    max_chars: int = Field(2000, ge=10)
    pipeline: list[ComponentConfig] = Field(min_length=1)
    training: TrainingConfig = TrainingConfig()


class DialogueConfig(_Model):
    policies: list[str] = Field(min_length=1)
    multi_intent_threshold: float = Field(0.6, ge=0, le=1)


class ActionsConfig(_Model):
    endpoint: str | None = None


# a conversation keeps at least the events a turn loads (bot.core.tracker.ACTION_EVENT_WINDOW)
MIN_EVENTS_KEPT = 100
MIN_TOKEN_CHARS = 16


class StoresConfig(_Model):
    data_dir: str = ".coach"
    tracker: str = "sqlite"
    lock_timeout_s: float = Field(10, gt=0)
    # conversations not updated for longer are erased (Redis: a TTL; SQLite: a purge); None keeps
    retention_days: float | None = Field(None, gt=0)
    # the oldest events beyond this many are trimmed from a conversation (its state is kept)
    max_events: int | None = Field(None, ge=MIN_EVENTS_KEPT)

    @property
    def retention_s(self) -> float | None:
        """The retention in seconds, or None to keep conversations."""
        return self.retention_days * 86400 if self.retention_days else None


class RateLimitConfig(_Model):
    """Rate limits in the `limits` library's notation ("30/minute", "5 per second"); None is off."""

    per_sender: str | None = "30/minute"
    per_address: str | None = "120/minute"
    # client addresses or networks never limited (the machine itself: benchmarks, evaluations)
    exempt: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])

    @field_validator("per_sender", "per_address")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_rate(value)
            except ValueError as exc:
                raise ValueError(f"not a rate limit such as '30/minute': {value!r}") from exc
        return value

    @field_validator("exempt")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item, strict=False)  # a ValueError names the bad entry
        return value


class ServerConfig(_Model):
    host: str = "127.0.0.1"
    port: int = Field(5005, ge=1, le=65535)
    max_message_chars: int = Field(2000, ge=1)
    cors_origins: list[str] = Field(default_factory=list)
    # guards the tracker and admin routes (COACH_AUTH_TOKEN overrides); None: loopback only
    auth_token: str | None = Field(None, min_length=MIN_TOKEN_CHARS)
    max_body_bytes: int = Field(65536, ge=1024)
    max_json_depth: int = Field(32, ge=2, le=1000)
    rate_limit: RateLimitConfig = RateLimitConfig()


class CoachConfig(_Model):
    """The whole of config.yml."""

    nlu: NluConfig
    dialogue: DialogueConfig
    actions: ActionsConfig = ActionsConfig()
    stores: StoresConfig = StoresConfig()
    server: ServerConfig = ServerConfig()

    @property
    def data_dir(self) -> Path:
        """The data directory (relative paths resolve against the project root)."""
        path = Path(self.stores.data_dir)
        return path if path.is_absolute() else ROOT / path


def load_config(path: Path | str | None = None, env: dict[str, str] | None = None) -> CoachConfig:
    """Read and validate config.yml; COACH_* environment variables override the stores, CORS, the
    action endpoint, the bind host and the auth token."""
    path = Path(path) if path else DEFAULT_CONFIG
    env = dict(os.environ) if env is None else env
    if not path.is_file():
        raise ConfigError(f"no config file {path}: run coach in a project directory (one that "
                          "holds config.yml) or name it: coach --project DIR COMMAND")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    try:
        config = CoachConfig.model_validate(raw)
    except ValidationError as exc:
        msgs = [f"{path.name}: {' -> '.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ConfigError("\n".join(msgs)) from exc
    if env.get("COACH_DATA_DIR"):
        config.stores.data_dir = env["COACH_DATA_DIR"]
    if env.get("COACH_TRACKER_STORE"):
        config.stores.tracker = env["COACH_TRACKER_STORE"]
    if env.get("COACH_CORS_ORIGINS"):
        extra = [o.strip() for o in env["COACH_CORS_ORIGINS"].split(",") if o.strip()]
        config.server.cors_origins = [*config.server.cors_origins, *extra]
    if env.get("COACH_ACTION_ENDPOINT"):
        config.actions.endpoint = env["COACH_ACTION_ENDPOINT"]
    if env.get("COACH_HOST"):
        config.server.host = env["COACH_HOST"]
    if env.get("COACH_AUTH_TOKEN"):
        if len(env["COACH_AUTH_TOKEN"]) < MIN_TOKEN_CHARS:
            raise ConfigError(f"COACH_AUTH_TOKEN: at least {MIN_TOKEN_CHARS} characters, please "
                              "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')")
        config.server.auth_token = env["COACH_AUTH_TOKEN"]
    return config
