"""The public API is exactly what ``middleware.__all__`` lists, and every name is importable."""

from __future__ import annotations

import middleware


def test_exported_members_are_the_public_api() -> None:
    assert middleware.__all__ == [
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
    for name in middleware.__all__:
        member = getattr(middleware, name)
        assert getattr(member, "__module__", "").startswith(("middleware", "slots")), name


def test_exported_members_are_sorted() -> None:
    assert middleware.__all__ == sorted(middleware.__all__)
