"""The middleware's configuration, validated once at start-up."""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from slots.errors import ConfigurationError

from .consent import ConsentSettings
from .identity import CookieSettings, Secret

__all__ = ["BotContent", "Settings", "resolve_secret_keys"]

logger = logging.getLogger("cheers")

BotContent = Literal["default", "context"]

SECRET_KEY_ENV = "CHEERS_SECRET_KEY"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the middleware is configured with; see docs/configuration.md.

    ``item_routes`` maps a route pattern (``/products/{item_id}``) to the name of its item
    parameter; a successful GET of such a page records a view of that item.
    ``exclude_paths`` are path prefixes that pass straight through (static files, health).
    ``bot_content``: bots get the page's ``default`` content, or ``context`` personalization.
    """

    policy: Path
    secret_keys: tuple[Secret, ...]
    store: str = "sqlite:///cheers.db"
    templates: tuple[Path, ...] = (TEMPLATES_DIR,)
    geoip_db: Path | None = None
    loopback_alias: str | None = None
    trusted_proxies: tuple[str, ...] = ()
    catalog: Any = None
    item_routes: Mapping[str, str] = field(default_factory=dict)
    weather: Any = None
    weather_budget: float = 0.1
    default_timezone: str = "UTC"
    dayparts: Mapping[str, Sequence[int]] | None = None
    consent: ConsentSettings = ConsentSettings()
    cookie: CookieSettings = CookieSettings()
    session_gap: timedelta = timedelta(minutes=30)
    retention: timedelta = timedelta(days=395)
    bot_content: BotContent = "default"
    exclude_paths: tuple[str, ...] = ("/static/", "/favicon.ico", "/healthz", "/robots.txt")
    max_buffer: int = 4 * 1024 * 1024
    debug: bool = False
    policy_check_interval: float = 1.0
    user_key_secret: Secret | None = None


def resolve_secret_keys(
    value: str | Secret | Sequence[str | Secret] | None, *, debug: bool
) -> tuple[Secret, ...]:
    """The signing keys: from the argument, else ``CHEERS_SECRET_KEY`` (several keys may be
    separated by commas or whitespace, newest first). Without any, refuse to start unless
    in debug/demo mode, where a throwaway key is generated and a warning logged."""
    if value is None:
        value = os.environ.get(SECRET_KEY_ENV) or None
        if isinstance(value, str):
            value = [key for key in re.split(r"[\s,]+", value) if key]
    if isinstance(value, (str, Secret)):
        value = [value]
    keys = tuple(key if isinstance(key, Secret) else Secret(key) for key in (value or ()))
    if any(not str(key) for key in keys):
        raise ConfigurationError("secret_key contains an empty key")
    if keys:
        return keys
    if not debug:
        raise ConfigurationError(
            f"PersonalizationMiddleware needs secret_key=... or the {SECRET_KEY_ENV} environment "
            "variable to sign visitor cookies (pass debug=True to run with a throwaway key)"
        )
    logger.warning(
        "no secret key configured: using a throwaway key (debug mode); visitors will be "
        "forgotten when the process restarts. Set %s for anything real.",
        SECRET_KEY_ENV,
    )
    return (Secret(secrets.token_urlsafe(32)),)
