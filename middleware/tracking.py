"""The app-facing API: report conversions, set traits, link logins, forget visitors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slots.errors import ConfigurationError
from slots.profile import TraitValue

from .identity import new_visitor_id
from .personalization import Personalization

__all__ = ["forget", "get_personalization", "identify", "logout", "set_traits", "track"]


def get_personalization(request: Any) -> Personalization | None:
    """The request's :class:`Personalization` (a Starlette ``Request`` or an ASGI scope),
    or ``None`` when the middleware did not handle this request (an excluded path)."""
    scope = request if isinstance(request, Mapping) else getattr(request, "scope", None)
    if scope is None:
        raise TypeError(f"expected a Request or an ASGI scope, got {type(request).__name__}")
    personalization = scope.get("personalization")
    return personalization if isinstance(personalization, Personalization) else None


async def track(request: Any, event: str, *, items: Sequence[str] = ()) -> None:
    """Record a conversion, e.g. ``await track(request, "purchase", items=["leash-1"])``.

    The event is written when the request ends (even if the endpoint then raises), once,
    and only when the visitor may be remembered (consent, not a bot, not a preview)."""
    personalization = get_personalization(request)
    if personalization is not None:
        personalization.track(event, items=items)


async def set_traits(request: Any, **traits: TraitValue) -> None:
    """Remember facts the app knows about the visitor (``plan="pro"``), for ``profile.traits.*``."""
    for name, value in traits.items():
        if not isinstance(value, (str, int, float, bool)):
            raise TypeError(
                f"trait {name!r} must be a str, int, float or bool, not {type(value).__name__}"
            )
    personalization = get_personalization(request)
    if personalization is not None:
        personalization.set_traits(traits)


async def identify(request: Any, user_key: str) -> None:
    """Link this anonymous visitor to a person the app knows (after a login).

    The person's history follows them across devices: this browser's history is merged into
    the person's and the browser continues under the person's visitor id. Like a session id
    at login, the id is never the one the browser arrived with: a first login links the
    person to a fresh id, so an id planted in a victim's browser beforehand is worthless.
    The store only sees a keyed hash of ``user_key``."""
    personalization = get_personalization(request)
    if personalization is None or personalization.visitor is None or not personalization.remembers:
        return
    if not user_key:
        raise ValueError("identify() needs a non-empty user key")
    engine = personalization.engine
    visitor_id = personalization.visitor.id
    linked = await engine.store.link_person(engine.person_hash(user_key), new_visitor_id())
    if linked != visitor_id:
        await engine.store.merge_profiles(visitor_id, linked)
        personalization.switch_visitor(linked, is_new=False)


async def logout(request: Any) -> None:
    """Start a fresh anonymous visitor (after a logout): the next pages know nothing of the
    person who was logged in on this browser."""
    personalization = get_personalization(request)
    if (
        personalization is not None
        and personalization.visitor is not None
        and not personalization.preview
    ):
        personalization.switch_visitor(new_visitor_id(), is_new=True)


async def forget(request: Any, visitor_id: str | None = None) -> bool:
    """Erase everything stored about a visitor (default: this request's visitor, who then
    continues as a fresh anonymous one). Returns whether anything was stored. From a shell,
    ``cheers forget VISITOR_ID --store URL`` does the same."""
    personalization = get_personalization(request)
    if personalization is None:
        raise ConfigurationError(
            "forget() needs a request that went through PersonalizationMiddleware"
        )
    target = visitor_id or personalization.visitor_id
    if target is None:
        return False
    erased = bool(await personalization.engine.store.forget(target))
    if target == personalization.visitor_id:
        personalization.switch_visitor(new_visitor_id(), is_new=True)
    return erased
