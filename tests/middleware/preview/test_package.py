"""The preview package's public surface (middleware/preview/__init__.py)."""

from __future__ import annotations

import middleware.preview


def test_preview_exports_exactly_its_public_api() -> None:
    assert middleware.preview.__all__ == sorted(
        middleware.preview.__all__, key=lambda n: (not n.isupper(), n)
    )
    assert set(middleware.preview.__all__) == {
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
    }
    for name in middleware.preview.__all__:
        assert getattr(middleware.preview, name) is not None
