"""Persona preview: see any page as a simulated visitor, and why each slot shows what it shows.

Mounted by :class:`~middleware.PersonalizationMiddleware` when ``preview_secret`` is set; see
docs/preview.md.
"""

from __future__ import annotations

from .console import PreviewConsole as PreviewConsole
from .links import rewrite_links as rewrite_links
from .links import rewrite_url as rewrite_url
from .pages import MatrixRow as MatrixRow
from .session import PREVIEW_COOKIE as PREVIEW_COOKIE
from .session import persona_session as persona_session
from .session import read_personas as read_personas
from .tokens import PreviewGrant as PreviewGrant
from .tokens import PreviewTokens as PreviewTokens
from .tokens import parse_lifetime as parse_lifetime

__all__ = [
    "PREVIEW_COOKIE",
    "MatrixRow",
    "PreviewConsole",
    "PreviewGrant",
    "PreviewTokens",
    "parse_lifetime",
    "persona_session",
    "read_personas",
    "rewrite_links",
    "rewrite_url",
]
