"""Replies of the Redis store's LOAD script, read as a profile or as a MERGE payload."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from middleware.stores._codec import decode_campaign, decode_trait, from_micros
from slots.profile import Profile

__all__ = ["merge_payload", "profile_from_reply"]


def profile_from_reply(visitor_id: str, raw: list[Any]) -> Profile:
    """A profile from the reply of the LOAD script."""
    fields = _mapping(raw[1])
    caps = raw[8]
    first_seen, last_seen, campaign = (
        fields.get(name) for name in ("first_seen", "last_seen", "campaign")
    )
    return Profile(
        visitor_id=visitor_id,
        first_seen=None if first_seen is None else from_micros(int(first_seen)),
        last_seen=None if last_seen is None else from_micros(int(last_seen)),
        visits=int(fields.get("visits", 0)),
        page_views=int(fields.get("page_views", 0)),
        viewed=tuple(raw[2]),
        views={item: int(n) for item, n in _mapping(raw[3]).items()},
        categories={name: int(n) for name, n in _mapping(raw[4]).items()},
        purchased=tuple(raw[5]),
        traits={name: decode_trait(value) for name, value in _mapping(raw[6]).items()},
        campaign=None if campaign is None else decode_campaign(campaign),
        first_referrer=fields.get("first_referrer"),
        caps={caps[i]: int(caps[i + 1]) for i in range(0, len(caps), 3)},
        seen_out_of_stock=tuple(raw[7]),
    )


def merge_payload(raw: list[Any]) -> str:
    """The reply of taking a visitor, as the JSON the MERGE script reads."""
    fields = _mapping(raw[1])
    caps = raw[8]
    return json.dumps(
        {
            "first_seen": fields.get("first_seen"),
            "last_seen": fields.get("last_seen"),
            "visits": int(fields.get("visits", 0)),
            "page_views": int(fields.get("page_views", 0)),
            "campaign": fields.get("campaign"),
            "first_referrer": fields.get("first_referrer"),
            "viewed": raw[2],
            "purchased": raw[5],
            "oos": raw[7],
            "views": {item: int(n) for item, n in _mapping(raw[3]).items()},
            "cats": {name: int(n) for name, n in _mapping(raw[4]).items()},
            "traits": _mapping(raw[6]),
            "caps": [caps[i : i + 3] for i in range(0, len(caps), 3)],
            "persons": raw[9],
        }
    )


def _mapping(flat: Sequence[str]) -> dict[str, str]:
    """A HGETALL reply from Lua (name, value, name, value ...) as a dict."""
    return dict(zip(flat[::2], flat[1::2], strict=True))
