"""The device context provider: what kind of device, system and browser a user agent names."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final, Literal

import ua_parser
from ua_parser import Domain, Resolver
from user_agents.parsers import (
    UserAgent,
    parse_browser,
    parse_device,
    parse_operating_system,
)

from slots.errors import ConfigurationError

from .providers import ProviderContext

__all__ = ["DeviceProvider", "DeviceType"]

logger = logging.getLogger(__name__)

DeviceType = Literal["mobile", "tablet", "desktop", "bot", "other"]

#: Longer user agents are cut to this length before parsing and caching, so that a visitor
#: sending a huge header costs neither regex time nor cache memory. Real ones are < 500.
MAX_USER_AGENT_LENGTH: Final = 1024

_UNKNOWN: Final[Mapping[str, Any]] = MappingProxyType({"type": "other"})


class DeviceProvider:
    """Computes the ``device`` namespace from the ``User-Agent`` header.

    Classification (bot, tablet, mobile, desktop, in that order; anything else is
    ``"other"``, including command-line clients such as curl) follows the rules of the
    ``user-agents`` package, applied to the result of ua-parser 1.x's fast resolver instead
    of the slow pure-Python parser ``user-agents`` calls itself. Results are kept in a
    bounded LRU cache keyed by the user-agent string; ``cache_size=0`` turns caching off.
    """

    namespace: str = "device"

    def __init__(self, *, cache_size: int = 4096) -> None:
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 0:
            raise ConfigurationError(
                f"DeviceProvider cache_size must be a whole number >= 0, got {cache_size!r}"
            )
        resolver = _shared_resolver()
        # A C-level LRU: a hit costs ~0.05 µs, and it stays bounded and thread-safe.
        self._describe: Callable[[str], Mapping[str, Any]] = functools.lru_cache(
            maxsize=cache_size
        )(functools.partial(_describe, resolver))

    def resolve(self, context: ProviderContext) -> Mapping[str, Any]:
        return self.describe(context.request.user_agent)

    def describe(self, user_agent: str) -> Mapping[str, Any]:
        """The ``device`` attributes of one user-agent string (a read-only mapping, shared
        between callers through the cache); an empty string gives ``{"type": "other"}``."""
        if len(user_agent) > MAX_USER_AGENT_LENGTH:
            user_agent = user_agent[:MAX_USER_AGENT_LENGTH]
        return self._describe(user_agent)


class _ClassifiedAgent(UserAgent):  # type: ignore[misc]  # user-agents ships no types
    """A ``user_agents`` UserAgent built from a ua-parser 1.x result.

    ``UserAgent.__init__`` would run ua-parser's legacy pure-Python parser (~1 ms a string),
    so it is deliberately not called; the fields it would set are filled from the fast
    resolver's result (identical on all 16,129 uap-core device cases), and the inherited
    ``is_bot``/``is_mobile``/``is_tablet``/``is_pc``/``is_touch_capable`` rules read them.
    """

    def __init__(self, user_agent: str, result: ua_parser.DefaultedResult) -> None:
        browser, system, device = result.user_agent, result.os, result.device
        self.ua_string = user_agent
        self.browser = parse_browser(browser.family, browser.major, browser.minor, browser.patch)
        self.os = parse_operating_system(system.family, system.major, system.minor, system.patch)
        self.device = parse_device(device.family, device.brand, device.model)


@functools.cache
def _shared_resolver() -> Resolver:
    """One resolver per process: building it compiles ~1,000 regexes (~0.1 s)."""
    if ua_parser.RegexResolver is not None:
        return ua_parser.RegexResolver(ua_parser.load_lazy_builtins())
    logger.warning(
        "ua-parser-rs is not installed, so user agents are parsed ~30x slower; "
        "install it with: pip install 'ua-parser[regex]'"
    )
    return ua_parser.BasicResolver(ua_parser.load_builtins())


def _describe(resolver: Resolver, user_agent: str) -> Mapping[str, Any]:
    if not user_agent.strip():
        return _UNKNOWN
    try:
        result = resolver(user_agent, Domain.ALL).complete().with_defaults()
    except Exception:  # the parser runs on visitor input and must never break the page
        logger.debug("could not parse user agent %r", user_agent, exc_info=True)
        return _UNKNOWN
    agent = _ClassifiedAgent(user_agent, result)
    attributes: dict[str, Any] = {"type": _device_type(agent)}
    _put_known(attributes, "os", agent.os.family, agent.os.version_string)
    _put_known(attributes, "browser", agent.browser.family, agent.browser.version_string)
    if agent.device.brand:
        attributes["brand"] = agent.device.brand
    if agent.device.model:
        attributes["model"] = agent.device.model
    attributes["is_touch"] = bool(agent.is_touch_capable)
    return MappingProxyType(attributes)


def _device_type(agent: _ClassifiedAgent) -> DeviceType:
    # Bots first: Googlebot-Mobile claims an iPhone but should not count as a phone visit.
    if agent.is_bot:
        return "bot"
    if agent.is_tablet:
        return "tablet"
    if agent.is_mobile:
        return "mobile"
    if agent.is_pc:
        return "desktop"
    return "other"


def _put_known(attributes: dict[str, Any], name: str, family: str, version: str) -> None:
    # ua-parser says "Other" when no pattern matched: that is not knowledge, so leave it out.
    if family and family != "Other":
        attributes[name] = family
        if version:
            attributes[f"{name}_version"] = version
