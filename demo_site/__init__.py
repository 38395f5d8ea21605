"""The Cheers demo storefront: a small pet-supplies shop that uses Cheers like any user."""

from __future__ import annotations

__all__: list[str] = []
