"""One request's personalization: its visitor, its context, and the slots decided for it.

The middleware creates one :class:`Personalization` per request and puts it in
``scope["personalization"]``, where endpoints, templates and the tracking API find it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from slots.attributes import ASYNC_NAMESPACES
from slots.choice import decide
from slots.decision import Decision
from slots.policy import Policy
from slots.profile import Profile, TraitValue, profile_attributes

from .context import RequestContext
from .events import PendingEvents
from .identity import Visitor

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["Personalization"]

logger = logging.getLogger("cheers")

_PROFILE_NAMESPACES = frozenset({"visitor", "profile", "segments"})
_TEMPLATE_NAMESPACES = ("device", "geo", "time", "weather", "visit", "page", "visitor", "profile")


class Personalization:
    """Per-request state; never shared between requests.

    ``visitor`` is ``None`` when nothing may be stored about this request (no consent, a
    bot, a preview): it is then personalized from the context alone and remembers nothing.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        context: RequestContext,
        policy: Policy,
        visitor: Visitor | None,
        profile: Profile | None = None,
        preview: bool = False,
    ) -> None:
        self.engine = engine
        self.context = context
        self.policy = policy
        self.visitor = visitor
        self.preview = preview
        self.events = PendingEvents()
        self._profile = profile
        self._profile_loaded = profile is not None or visitor is None
        self._decisions: dict[str, Decision] = {}
        self._filled: dict[str, str | None] = {}
        self.cookie_changed = False

    # -- what endpoints and templates read ------------------------------------------------
    @property
    def visitor_id(self) -> str | None:
        return self.visitor.id if self.visitor is not None else None

    @property
    def remembers(self) -> bool:
        """Whether anything about this request may be stored or a cookie set: consent was
        given, it is not a preview, and it is not a bot (bots never create profiles)."""
        return self.visitor is not None and not self.preview and not self.is_bot

    @property
    def now(self) -> datetime:
        return self.context.now

    @property
    def attributes(self) -> Mapping[str, Any]:
        """The lazily computed attributes conditions read (``attributes["geo"]["city"]``)."""
        return self.context.attributes

    @property
    def decisions(self) -> Mapping[str, Decision]:
        """The slots decided so far in this request, with their traces."""
        return dict(self._decisions)

    @property
    def is_bot(self) -> bool:
        return self.context.namespace("device").get("type") == "bot"

    @property
    def personalizes(self) -> bool:
        return not (self.is_bot and self.engine.settings.bot_content == "default")

    # -- the profile ----------------------------------------------------------------------
    async def profile(self) -> Profile | None:
        """The stored profile as it was before this request (loaded once)."""
        if not self._profile_loaded:
            self._profile_loaded = True
            if self.visitor is not None and not self.visitor.is_new and self.remembers:
                self._profile = await self.engine.store.load_profile(self.visitor.id)
        return self._profile

    def _provide_profile(self) -> None:
        values = profile_attributes(
            self._profile,
            visitor_id=self.visitor_id,
            now=self.now,
            session_gap=self.engine.settings.session_gap,
        )
        self.context.provide("visitor", values["visitor"])
        self.context.provide("profile", values["profile"])
        if "visit" in values:
            visit = dict(self.context.namespace("visit"))
            visit.setdefault("campaign", values["visit"]["campaign"])
            self.context.provide("visit", visit)

    async def prepare(self, slot_names: Iterable[str]) -> None:
        """Resolve, concurrently, the asynchronous namespaces these slots' rules read."""
        needed = self.policy.namespaces(slot_names)
        if needed & _PROFILE_NAMESPACES and not self.context.is_resolved("visitor"):
            await self.profile()
            self._provide_profile()
        await self.context.prepare(needed)

    def _is_prepared(self, slot: str) -> bool:
        needed = self.policy.namespaces((slot,))
        if needed & _PROFILE_NAMESPACES and not self.context.is_resolved("visitor"):
            return False
        return all(self.context.is_resolved(n) for n in needed if n in ASYNC_NAMESPACES)

    # -- deciding and filling slots ---------------------------------------------------------
    def decide(self, slot: str) -> Decision:
        """Decide one slot (memoised for the request)."""
        decision = self._decisions.get(slot)
        if decision is None:
            caps = self._profile.caps if self._profile is not None else None
            decision = decide(
                self.policy,
                slot,
                attributes=self.context.attributes,
                visitor_id=self.visitor_id,
                now=self.now,
                caps=caps,
            )
            self._decisions[slot] = decision
        return decision

    def fill_slot_now(self, name: str, default: str) -> str | None:
        """For ``{% slot %}``: the slot's HTML if it can be decided without waiting, else None."""
        if name in self._filled:
            return self._filled[name]
        self._check_known(name)
        if not self.personalizes or name not in self.policy.slots:
            return None
        if not self._is_prepared(name):
            return None  # the rewriting pass will wait for the weather or the profile
        decision = self.decide(name)
        if decision.recommendations is not None:
            return None
        return self._finish_fill(name, decision, self._render(decision, default, None))

    async def fill_slot(self, name: str, default: str) -> str | None:
        """The slot's new inner HTML, or ``None`` to keep the page's default."""
        if name in self._filled:
            return self._filled[name]
        if not self.personalizes or name not in self.policy.slots:
            if name not in self.policy.slots:
                logger.debug("slot %r is not in the policy; its default stays", name)
            return None
        await self.prepare((name,))
        decision = self.decide(name)
        extra: Mapping[str, Any] | None = None
        if decision.recommendations is not None:
            extra = await self._recommendations(decision)
            if extra is None:
                return self._finish_fill(name, decision, None)
        return self._finish_fill(name, decision, self._render(decision, default, extra))

    def _check_known(self, name: str) -> None:
        if self.engine.settings.debug and name not in self.policy.slots:
            raise LookupError(
                f"slot {name!r} is used in a template but not defined in the policy "
                f"(defined: {', '.join(sorted(self.policy.slots)) or 'none'}); "
                "this is an error in debug mode only"
            )

    def _finish_fill(self, name: str, decision: Decision, html: str | None) -> str | None:
        self._filled[name] = html
        if html is not None and not self.preview:
            self.events.show(decision)
        return html

    async def _recommendations(self, decision: Decision) -> Mapping[str, Any] | None:
        recommender = self.engine.recommender
        request = decision.recommendations
        if recommender is None or request is None:
            return None
        result = await recommender.recommend(
            request, profile=await self.profile(), current_item=self.current_item, now=self.now
        )
        if not result.items:
            return None
        return {
            "items": [item.as_attributes() for item in result.items],
            "strategy": result.strategy,
        }

    def _render(
        self, decision: Decision, default: str, extra: Mapping[str, Any] | None
    ) -> str | None:
        if decision.template is None:
            return None
        variables: dict[str, Any] = {
            name: _LazyNamespace(self.context, name) for name in _TEMPLATE_NAMESPACES
        }
        variables.update(
            slot=decision.slot,
            default=Markup(default),
            rule=decision.rule,
            variant=decision.variant,
        )
        if extra:
            variables.update(extra)
        try:
            return self.engine.renderer.render(decision.template, variables)
        except Exception:  # a broken template must never break the page
            logger.exception(
                "slot %r, rule %r: rendering %r failed; the slot keeps its default",
                decision.slot,
                decision.rule,
                decision.template,
            )
            return None

    # -- tracking -------------------------------------------------------------------------
    @property
    def current_item(self) -> str | None:
        """The item this page shows, from the configured item routes."""
        return self.engine.item_routes.item_for(self.context.request.path)

    def track(self, event: str, *, items: Sequence[str] = ()) -> None:
        if self.remembers:
            self.events.track(event, items)

    def set_traits(self, traits: Mapping[str, TraitValue]) -> None:
        if self.remembers:
            self.events.traits.update(traits)

    def switch_visitor(self, visitor_id: str, *, is_new: bool) -> None:
        """Continue this request as another visitor (after a login or a logout)."""
        self.visitor = Visitor(visitor_id, is_new=is_new, needs_cookie=True)
        self.cookie_changed = True
        self._profile = None
        self._profile_loaded = is_new


class _LazyNamespace(Mapping[str, Any]):
    """A namespace handed to a slot template, computed only if the template reads it."""

    __slots__ = ("_context", "_name")

    def __init__(self, context: RequestContext, name: str) -> None:
        self._context = context
        self._name = name

    def _values(self) -> Mapping[str, Any]:
        return self._context.namespace(self._name)

    def __getitem__(self, key: str) -> Any:
        return self._values()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())
