"""The demo GeoIP database and the script that builds it."""

from __future__ import annotations

__all__: list[str] = []
