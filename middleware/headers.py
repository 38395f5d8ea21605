"""Caching headers that keep one visitor's page out of every other visitor's cache."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders

__all__ = ["mark_personalized"]

# Directives that let a shared cache (a CDN, a proxy) store the response.
_SHARED_CACHE_DIRECTIVES = frozenset({"public", "s-maxage", "proxy-revalidate"})


def _merge_cache_control(existing: str | None) -> str:
    """``existing`` with ``private`` added and shared-cache directives removed.

    ``no-store`` and every other directive the app set are kept: marking a page private
    never makes it more cacheable than the app asked for."""
    kept: list[str] = []
    for directive in (existing or "").split(","):
        directive = directive.strip()
        name = directive.partition("=")[0].strip().lower()
        if not directive or name in _SHARED_CACHE_DIRECTIVES or name == "private":
            continue
        kept.append(directive)
    return ", ".join(["private", *kept])


def mark_personalized(headers: MutableHeaders) -> None:
    """Mark a response as personalized: ``Cache-Control: private`` and ``Vary: Cookie``.

    The app's validators (``ETag``, ``Last-Modified``) describe the page it rendered, not
    this visitor's version of it: kept, a revalidation could answer 304 and leave the browser
    showing yesterday's "Good morning". They are removed."""
    del headers["etag"]
    del headers["last-modified"]
    headers["Cache-Control"] = _merge_cache_control(headers.get("cache-control"))
    vary = headers.get("vary")
    if vary is None:
        headers["Vary"] = "Cookie"
    elif "cookie" not in {part.strip().lower() for part in vary.split(",")} and vary.strip() != "*":
        headers["Vary"] = f"{vary}, Cookie"
