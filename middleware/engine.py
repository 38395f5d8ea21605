"""The configured machinery behind the middleware, built once at start-up."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping, MutableMapping, Sequence
from datetime import datetime
from typing import Any

from jinja2 import FileSystemLoader

from slots.localtime import DEFAULT_DAYPARTS, parse_dayparts
from slots.policy import Policy, load_policy
from slots.profile import Profile
from slots.render import SlotRenderer
from slots.weather import Weather

from .catalog import CatalogSource
from .client_ip import TrustedProxies
from .clock import Clock
from .consent import allows_storage
from .context import RequestContext
from .decisions import DecisionMemo
from .device import DeviceProvider
from .fragments import RecommendationFragments
from .geo import GeoProvider
from .identity import Visitor, VisitorCookie
from .localtime import TimeProvider
from .personalization import Personalization
from .policy_file import PolicyFile
from .providers import AsyncContextProvider, ContextProvider
from .recommendations import Recommender
from .request import RequestInfo
from .routes import ItemPageProvider, ItemRoutes
from .settings import Settings
from .stores import open_store
from .stores.guard import GuardedStore
from .visit import PageProvider, VisitProvider
from .weather import OpenMeteoClient, StaticWeather, WeatherProvider, WeatherSource

__all__ = ["Engine"]

logger = logging.getLogger("cheers")


def _weather_source(value: Any) -> WeatherSource | None:
    if value is None or value is False:
        return None
    if isinstance(value, Weather):
        return StaticWeather(value)
    if isinstance(value, Mapping):
        return StaticWeather.from_mapping(value)
    if isinstance(value, str):
        return OpenMeteoClient(base_url=value) if value != "open-meteo" else OpenMeteoClient()
    return value  # type: ignore[no-any-return]


class Engine:
    """Policy, renderer, identity, providers, store and recommender; immutable once built,
    except that a changed policy file is reloaded, and with it the slot templates: a valid
    edit swaps in the new policy and a fresh renderer together; an invalid one changes
    nothing."""

    def __init__(self, settings: Settings, *, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.decisions = DecisionMemo()
        # Set by _load_policy, with each policy version (the first load is just below).
        self.renderer: SlotRenderer
        self.fragments: RecommendationFragments
        dayparts = (
            DEFAULT_DAYPARTS if settings.dayparts is None else parse_dayparts(settings.dayparts)
        )
        self._daypart_names = frozenset(band.name for band in dayparts.bands)
        self.policy_file = PolicyFile(
            settings.policy, loader=self._load_policy, check_interval=settings.policy_check_interval
        )
        self.cookie = VisitorCookie(list(settings.secret_keys), settings=settings.cookie)
        self._person_key = hashlib.sha256(
            b"cheers.person:" + str(settings.user_key_secret or settings.secret_keys[0]).encode()
        ).digest()
        self.proxies = TrustedProxies(settings.trusted_proxies)
        self.item_routes = ItemRoutes(settings.item_routes)
        self.sync_providers: dict[str, ContextProvider] = {
            "device": DeviceProvider(),
            "geo": GeoProvider(database=settings.geoip_db, loopback_alias=settings.loopback_alias),
            "time": TimeProvider(default_zone=settings.default_timezone, dayparts=dayparts),
            "visit": VisitProvider(),
            "page": ItemPageProvider(PageProvider(), self.item_routes),
        }
        self.async_providers: dict[str, AsyncContextProvider] = {}
        source = _weather_source(settings.weather)
        if source is not None:
            self.async_providers["weather"] = WeatherProvider(
                source, budget=settings.weather_budget
            )
        self.store = GuardedStore(open_store(settings.store, retention=settings.retention))
        self.catalog = CatalogSource(settings.catalog) if settings.catalog is not None else None
        self.recommender = (
            Recommender(self.store, self.catalog) if self.catalog is not None else None
        )

    def _new_renderer(self) -> SlotRenderer:
        return SlotRenderer(FileSystemLoader([str(path) for path in self.settings.templates]))

    def _load_policy(self, text: str, filename: str) -> Policy:
        # A fresh renderer per policy version: templates edited alongside the policy are
        # compiled anew (and checked against it) instead of served from the old cache.
        renderer = self._new_renderer()
        policy = load_policy(
            text,
            filename=filename,
            template_exists=renderer.exists,
            check_template=renderer.check,
            daypart_names=self._daypart_names,
        )
        self.renderer = renderer
        self.fragments = RecommendationFragments(renderer)
        return policy

    @property
    def policy(self) -> Policy:
        return self.policy_file.current()

    def _resolve_client(self, request: RequestInfo) -> tuple[str | None, bool]:
        address = self.proxies.resolve(request)
        return address.ip, address.via_trusted_proxy

    def is_secure(self, request: RequestInfo) -> bool:
        from .client_ip import is_secure

        return is_secure(request, self.proxies.resolve(request))

    def begin(
        self,
        scope: MutableMapping[str, Any],
        *,
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
        now: datetime | None = None,
        profile: Profile | None = None,
        preview: bool = False,
        visitor_id: str | None = None,
    ) -> Personalization:
        """Start personalizing one request; the result goes into ``scope["personalization"]``.

        ``preview`` requests store nothing and set no cookie; their ``visitor_id`` (a
        persona's) only buckets them into experiments, as a real visitor would be."""
        request = RequestInfo.from_scope(scope)
        instant = now or self.clock.now()
        policy = self.policy
        context = RequestContext(
            request=request,
            now=instant,
            resolve_client=self._resolve_client,
            sync_providers=self.sync_providers,
            async_providers=self.async_providers,
            overrides=overrides or {},
        )
        visitor = None
        if preview:
            if visitor_id is not None:
                visitor = Visitor(visitor_id, is_new=False, needs_cookie=False)
        elif allows_storage(request, self.settings.consent):
            visitor = self.cookie.read(request.headers.get("cookie"), now=instant.timestamp())
        return Personalization(
            self, context=context, policy=policy, visitor=visitor, profile=profile, preview=preview
        )

    def person_hash(self, user_key: str) -> str:
        """A keyed hash of the app's user key: the store never sees the key itself."""
        return hmac.new(self._person_key, user_key.encode("utf-8"), hashlib.sha256).hexdigest()

    async def record_item_view(self, personalization: Personalization, item_id: str) -> None:
        visitor_id = personalization.visitor_id
        if visitor_id is None:
            return
        item = (await self.catalog.get()).get(item_id) if self.catalog is not None else None
        if self.catalog is not None and item is None:
            return  # not an item the shop knows: nothing to remember
        profile = await personalization.profile()
        await self.store.record_view(
            visitor_id,
            item_id=item_id,
            category=item.category if item else None,
            in_stock=item.in_stock if item else True,
            now=personalization.now,
        )
        if self.recommender is not None:
            await self.recommender.record_view(
                visitor_id, item_id=item_id, profile=profile, now=personalization.now
            )

    async def record_tracked(
        self, personalization: Personalization, event: str, items: Sequence[str]
    ) -> None:
        visitor_id = personalization.visitor_id
        if visitor_id is None or event != "purchase" or not items:
            return
        now = personalization.now
        await self.store.record_purchase(visitor_id, item_ids=list(items), now=now)
        if self.recommender is not None:
            profile = await personalization.profile()
            await self.recommender.record_purchase(
                visitor_id, item_ids=list(items), profile=profile, now=now
            )

    async def aclose(self) -> None:
        for provider in self.async_providers.values():
            close = getattr(provider, "aclose", None)
            if close is not None:
                await close()
        await self.store.close()
