"""Preview tokens: signed, expiring grants to the persona preview console."""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeSerializer

from slots.errors import ConfigurationError, SignatureError

from ..identity import Secret

__all__ = [
    "MAX_LIFETIME",
    "MIN_SECRET_LENGTH",
    "PreviewGrant",
    "PreviewTokens",
    "parse_lifetime",
    "preview_link",
    "preview_secrets",
]

#: The longest a preview link or session may last.
MAX_LIFETIME: Final = timedelta(days=90)
#: Preview secrets shorter than this are refused: the secret is also a password on a form.
MIN_SECRET_LENGTH: Final = 16

_SALT: Final = "cheers.preview"
_PERSONA: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_LIFETIME: Final = re.compile(r"(\d+)\s*([smhdw])")
_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True, slots=True)
class PreviewGrant:
    """What a token lets its bearer see until ``expires`` (Unix time): the whole console
    (``persona`` ``None``, after a login) or one persona's pages (a shared link).
    ``path`` is the page a link opens."""

    persona: str | None
    expires: int
    path: str = "/"

    def allows(self, persona: str | None) -> bool:
        """Whether the bearer may see ``persona``'s pages (``None``: the console's own pages)."""
        return self.persona is None or self.persona == persona


def preview_secrets(value: str | Secret | Sequence[str | Secret]) -> tuple[Secret, ...]:
    """The preview secrets, newest first; too short or missing ones are a configuration error."""
    items = [value] if isinstance(value, str | Secret) else list(value)
    secrets = tuple(item if isinstance(item, Secret) else Secret(item) for item in items)
    if not secrets or any(len(str(secret)) < MIN_SECRET_LENGTH for secret in secrets):
        raise ConfigurationError(
            f"preview_secret must be at least {MIN_SECRET_LENGTH} characters (it is also the "
            "console's password); make one with: python -c 'import secrets; "
            "print(secrets.token_urlsafe(24))'"
        )
    return secrets


def parse_lifetime(text: str) -> timedelta:
    """``"30m"``, ``"12h"``, ``"1d"``, ``"2w"`` (or ``"1d12h"``) as a duration, at most 90 days."""
    compact = text.strip().lower().replace(" ", "")
    parts = _LIFETIME.findall(compact)
    if not compact or "".join(number + unit for number, unit in parts) != compact:
        raise ValueError(f"{text!r} is not a duration; write 30m, 12h, 1d or 2w")
    lifetime = timedelta(seconds=sum(int(number) * _UNITS[unit] for number, unit in parts))
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise ValueError(f"{text!r}: a preview lasts more than 0 seconds and at most 90 days")
    return lifetime


class PreviewTokens:
    """Signs and checks preview tokens with the preview secrets (sign with the first, accept
    any: rotate by putting the new secret first). A token is void once it expires or once no
    configured secret signed it."""

    def __init__(self, secrets: str | Secret | Sequence[str | Secret]) -> None:
        self._secrets = preview_secrets(secrets)
        # itsdangerous signs with the *last* key of its list and accepts all of them.
        keys = [str(secret) for secret in reversed(self._secrets)]
        self._serializer = URLSafeSerializer(keys, salt=_SALT)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(secrets={len(self._secrets)})"

    def is_secret(self, attempt: str) -> bool:
        """Whether ``attempt`` is the current (first) secret, compared in constant time."""
        return hmac.compare_digest(attempt.encode("utf-8"), str(self._secrets[0]).encode("utf-8"))

    def sign(self, grant: PreviewGrant) -> str:
        payload = {"v": 1, "p": grant.persona, "to": grant.path, "exp": grant.expires}
        token: str = self._serializer.dumps(payload)
        return token

    def verify(self, token: str, *, now: float) -> PreviewGrant:
        """The grant a token carries; :class:`SignatureError` when it is forged, malformed,
        signed with another secret or expired at ``now`` (Unix time)."""
        try:
            payload = self._serializer.loads(token)
        except BadSignature as error:
            message = "preview token has a bad signature"
            raise SignatureError(message, payload=error.payload) from None
        grant = _grant(payload)
        if grant is None:
            raise SignatureError("preview token holds a malformed grant", payload=payload)
        if now >= grant.expires:
            raise SignatureError("preview token has expired", payload=payload)
        return grant

    def grant_for(self, token: str | None, *, now: float) -> PreviewGrant | None:
        """The grant of a token, or ``None`` for a missing, forged or expired one."""
        if not token:
            return None
        try:
            return self.verify(token, now=now)
        except SignatureError:
            return None


def _grant(payload: Any) -> PreviewGrant | None:
    if not isinstance(payload, dict) or payload.get("v") != 1:
        return None
    persona, path, expires = payload.get("p"), payload.get("to"), payload.get("exp")
    if persona is not None and not (isinstance(persona, str) and _PERSONA.fullmatch(persona)):
        return None
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        return None
    if isinstance(expires, bool) or not isinstance(expires, int):
        return None
    return PreviewGrant(persona=persona, expires=expires, path=path)


def preview_link(
    tokens: PreviewTokens, grant: PreviewGrant, *, base_url: str, prefix: str = "/_cheers"
) -> str:
    """The URL that opens ``grant`` in the console at ``base_url`` + ``prefix``."""
    return f"{base_url.rstrip('/')}{prefix}/open?token={quote(tokens.sign(grant))}"
