"""One request's personalization: its visitor, its context, and the slots decided for it.

The middleware creates one :class:`Personalization` per request and puts it in
``scope["personalization"]``, where endpoints, templates and the tracking API find it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slots.attributes import ASYNC_NAMESPACES
from slots.choice import decide
from slots.decision import Decision
from slots.policy import Policy
from slots.profile import Profile, TraitValue, profile_attributes
from slots.recommend import Recommendation

from .context import RequestContext
from .events import PendingEvents
from .identity import Visitor
from .slot_variables import SlotVariables

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["Personalization"]

logger = logging.getLogger("cheers")

_PROFILE_NAMESPACES = frozenset({"visitor", "profile", "segments"})


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
        # Namespaces prepare() has seen: preparing them again changes nothing, so the
        # rewriting pass, which asks once per slot, skips the work.
        self._prepared: frozenset[str] = frozenset()
        self._personalizes: bool | None = None
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
        if self._personalizes is None:  # asked for every slot; the device does not change
            self._personalizes = not (self.engine.settings.bot_content == "default" and self.is_bot)
        return self._personalizes

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
        await self._prepare(self.policy.namespaces(slot_names))

    async def _prepare(self, needed: frozenset[str]) -> None:
        if needed <= self._prepared:
            return
        if needed & _PROFILE_NAMESPACES and not self.context.is_resolved("visitor"):
            await self.profile()
            self._provide_profile()
        await self.context.prepare(needed)
        self._prepared |= needed

    def _is_prepared(self, needed: frozenset[str]) -> bool:
        if needed & _PROFILE_NAMESPACES and not self.context.is_resolved("visitor"):
            return False
        return all(self.context.is_ready(n) for n in needed if n in ASYNC_NAMESPACES)

    # -- deciding and filling slots ---------------------------------------------------------
    def decide(self, slot: str) -> Decision:
        """Decide one slot (memoised for the request)."""
        decision = self._decisions.get(slot)
        if decision is None:
            caps = self._profile.caps if self._profile is not None else None
            # A preview decides afresh: its persona's overrides and instant are one-offs.
            decide_slot = decide if self.preview else self.engine.decisions.decide
            decision = decide_slot(
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
        slot = self.policy.slots.get(name)
        if slot is None or not self.personalizes:
            return None
        if not self._is_prepared(slot.namespaces):
            return None  # the rewriting pass will wait for the weather or the profile
        decision = self.decide(name)
        if decision.recommendations is not None:
            return None
        return self._finish_fill(name, decision, self._render(decision, default, None))

    async def fill_slot(self, name: str, default: str) -> str | None:
        """The slot's new inner HTML, or ``None`` to keep the page's default."""
        if name in self._filled:
            return self._filled[name]
        slot = self.policy.slots.get(name)
        if slot is None:
            logger.debug("slot %r is not in the policy; its default stays", name)
            return None
        if not self.personalizes:
            return None
        await self._prepare(slot.namespaces)
        decision = self.decide(name)
        if decision.recommendations is None:
            return self._finish_fill(name, decision, self._render(decision, default))
        recommendation = await self._recommendation(decision)
        if recommendation is None:
            return self._finish_fill(name, decision, None)
        return self._finish_fill(name, decision, self._render(decision, default, recommendation))

    def _check_known(self, name: str) -> None:
        if self.engine.settings.debug and name not in self.policy.slots:
            raise LookupError(
                f"slot {name!r} is used in a template but not defined in the policy "
                f"(defined: {', '.join(sorted(self.policy.slots)) or 'none'}); "
                "this is an error in debug mode only"
            )

    def _finish_fill(self, name: str, decision: Decision, html: str | None) -> str | None:
        self._filled[name] = html
        # A matched "keep" (an experiment's control arm) is shown too: the page's default is
        # what the visitor sees, so its exposure and capped impression count.
        kept_on_purpose = decision.rule is not None and decision.is_default
        if (html is not None or kept_on_purpose) and not self.preview:
            self.events.show(decision)
        return html

    async def _recommendation(self, decision: Decision) -> Recommendation | None:
        """The slot's recommendation, or ``None`` (no recommender, or nothing to show)."""
        recommender = self.engine.recommender
        request = decision.recommendations
        if recommender is None or request is None:
            return None
        result = await recommender.recommend(
            request, profile=await self.profile(), current_item=self.current_item, now=self.now
        )
        return result if result.items else None

    def _render(
        self, decision: Decision, default: str, recommendation: Recommendation | None = None
    ) -> str | None:
        template = decision.template
        if template is None:
            return None

        def variables(extra: Mapping[str, Any] | None = None) -> SlotVariables:
            return SlotVariables(self.context, decision=decision, default=default, extra=extra)

        try:
            if recommendation is None:
                return self.engine.renderer.render(template, variables())
            return self.engine.fragments.render(decision, recommendation, variables=variables)
        except Exception:  # a broken template must never break the page
            logger.exception(
                "slot %r, rule %r: rendering %r failed; the slot keeps its default",
                decision.slot,
                decision.rule,
                template,
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
        self._prepared = frozenset()
        self.context.forget("visitor", "profile")  # read again, for the new visitor
