"""config.yml validated into one pydantic model; environment variables override the stores."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_CONFIG = ROOT / "config.yml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ComponentConfig(BaseModel):
    """One pipeline entry: a registered component name and its settings."""

    model_config = ConfigDict(extra="allow")
    name: str

    def settings(self) -> dict[str, Any]:
        """The settings other than the name."""
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


class StoresConfig(_Model):
    data_dir: str = ".coach"
    tracker: str = "sqlite"
    lock_timeout_s: float = Field(10, gt=0)


class ServerConfig(_Model):
    host: str = "127.0.0.1"
    port: int = Field(5005, ge=1, le=65535)
    max_message_chars: int = Field(2000, ge=1)
    cors_origins: list[str] = Field(default_factory=list)


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
    """Read and validate config.yml; COACH_* environment variables override the stores and CORS."""
    path = Path(path) if path else DEFAULT_CONFIG
    env = dict(os.environ) if env is None else env
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
    return config
