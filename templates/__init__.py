"""The starter slot templates (hero/, cta/, recommendations/), shipped as package data."""

from __future__ import annotations

__all__: list[str] = []
