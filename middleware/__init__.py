"""Cheers: JavaScript-free, server-side personalization middleware for any ASGI site."""

from __future__ import annotations
