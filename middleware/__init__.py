"""Cheers: JavaScript-free, server-side personalization middleware for any ASGI site."""

from __future__ import annotations

from slots.errors import (
    ConfigurationError as ConfigurationError,
)
from slots.errors import (
    PersonalizationError as PersonalizationError,
)
from slots.errors import (
    PolicyError as PolicyError,
)

from .asgi import PersonalizationMiddleware as PersonalizationMiddleware
from .consent import ConsentSettings as ConsentSettings
from .identity import CookieSettings as CookieSettings
from .identity import Secret as Secret
from .personalization import Personalization as Personalization
from .tracking import forget as forget
from .tracking import get_personalization as get_personalization
from .tracking import identify as identify
from .tracking import logout as logout
from .tracking import set_traits as set_traits
from .tracking import track as track

__all__ = [
    "ConfigurationError",
    "ConsentSettings",
    "CookieSettings",
    "Personalization",
    "PersonalizationError",
    "PersonalizationMiddleware",
    "PolicyError",
    "Secret",
    "forget",
    "get_personalization",
    "identify",
    "logout",
    "set_traits",
    "track",
]
