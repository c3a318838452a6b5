"""Frozen, typed settings: config/kompas.toml overridden by KOMPAS_* environment variables.

Every key is documented in config/kompas.example.toml. Secrets belong in the environment.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

from kompas_cc.settings_ami import Trunk, ami_problems, parse_trunks
from kompas_cc.settings_calls import (
    CallbackTarget,
    UnknownCaller,
    calls_problems,
    parse_callback_targets,
)

DEFAULT_CONFIG_PATH = Path("config/kompas.toml")
DEFAULT_SQLITE_PATH = Path("var/kompas.db")

ClientVisibility = Literal["all", "own"]


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the key."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    secret_key: str = ""
    secure_cookies: bool = False
    session_max_age_s: int = 12 * 3600
    default_region: str = "RU"
    default_locale: str = "ru"
    default_timezone: str = "Europe/Moscow"
    currency: str = "RUB"
    var_dir: Path = Path("var")
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_allowed_types: tuple[str, ...] = (
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    client_visibility: ClientVisibility = "all"
    login_max_failures: int = 5
    login_lockout_s: int = 300
    # Asterisk AMI; ami_enabled defaults to whether ami_host is set (see load_settings).
    ami_enabled: bool = False
    ami_host: str = ""
    ami_port: int = 5038
    ami_username: str = "kompas"
    ami_secret: str = ""
    originate_context: str = "kompas-outbound"
    trunks: tuple[Trunk, ...] = ()
    # Work plans: days off of the years listed (others: Russian public holidays), and
    # Saturdays or Sundays that are working days. ISO dates.
    plan_holidays: tuple[str, ...] = ()
    plan_working_weekends: tuple[str, ...] = ()
    # Contacts and tasks from calls (settings_calls.py).
    calls_unknown_caller: UnknownCaller = "lead"
    callback_targets: tuple[CallbackTarget, ...] = ()
    callback_due_minutes: int = 30
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def uploads_dir(self) -> Path:
        return self.var_dir / "uploads"


_ENV_PREFIX = "KOMPAS_"


def _coerce(name: str, raw: Any, default: Any) -> Any:
    if name == "trunks":
        try:
            return parse_trunks(raw)
        except ValueError as exc:
            raise SettingsError(f"setting 'trunks': {exc}") from exc
    if name == "callback_targets":
        try:
            return parse_callback_targets(raw)
        except ValueError as exc:
            raise SettingsError(f"setting 'callback_targets': {exc}") from exc
    try:
        if isinstance(default, bool):
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(text)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, Path):
            return Path(str(raw))
        if isinstance(default, tuple):
            if isinstance(raw, str):
                return tuple(part.strip() for part in raw.split(",") if part.strip())
            return tuple(str(item) for item in raw)
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {name!r} has an unusable value {raw!r}") from exc


def _is_day(text: str) -> bool:
    """An ISO date written in full: "2026-01-09"."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == len("YYYY-MM-DD")


def load_settings(
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Read the TOML file (when present), then the environment, then explicit overrides."""
    environ = os.environ if environ is None else environ
    path = config_path or Path(environ.get("KOMPAS_CONFIG", DEFAULT_CONFIG_PATH))
    values: dict[str, Any] = {}
    if path.is_file():
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        for key, value in data.items():
            if isinstance(value, dict):
                values.update(value)
            else:
                values[key] = value
    known = {f.name: f for f in fields(Settings) if f.name != "extra"}
    defaults = Settings()
    extra: dict[str, Any] = {}
    result: dict[str, Any] = {}
    for key, raw in values.items():
        if key in known:
            result[key] = _coerce(key, raw, getattr(defaults, key))
        else:
            extra[key] = raw
    for key in known:
        env_value = environ.get(_ENV_PREFIX + key.upper())
        if env_value is not None:
            result[key] = _coerce(key, env_value, getattr(defaults, key))
    for key, raw in overrides.items():
        if key not in known:
            raise SettingsError(f"unknown setting {key!r}")
        result[key] = raw
    result.setdefault("ami_enabled", bool(str(result.get("ami_host", "")).strip()))
    settings = replace(defaults, extra=extra, **result)
    if settings.client_visibility not in ("all", "own"):
        raise SettingsError("setting 'client_visibility' must be 'all' or 'own'")
    for key in ("plan_holidays", "plan_working_weekends"):
        if not all(_is_day(value) for value in getattr(settings, key)):
            raise SettingsError(f"setting {key!r} must list dates as YYYY-MM-DD")
    problems = ami_problems(
        enabled=settings.ami_enabled,
        host=settings.ami_host,
        port=settings.ami_port,
        username=settings.ami_username,
        secret=settings.ami_secret,
        originate_context=settings.originate_context,
    )
    problems += calls_problems(
        unknown_caller=settings.calls_unknown_caller,
        callback_due_minutes=settings.callback_due_minutes,
    )
    if problems:
        raise SettingsError("; ".join(problems))
    return settings
