"""Tests for middleware/device.py: the device context provider."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import user_agents
import yaml

from middleware.device import MAX_USER_AGENT_LENGTH, DeviceProvider
from middleware.request import RequestInfo
from slots.errors import ConfigurationError

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
PIXEL_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
GOOGLEBOT_SMARTPHONE = (
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.6099.71 Mobile Safari/537.36 "
    "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
)


@dataclass(frozen=True)
class FakeContext:
    request: RequestInfo
    now: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    client_ip: str | None = None
    via_trusted_proxy: bool = False
    others: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def namespace(self, name: str) -> Mapping[str, Any]:
        return self.others.get(name, {})


def context_for(user_agent: str | None) -> FakeContext:
    headers = {} if user_agent is None else {"user-agent": user_agent}
    request = RequestInfo(
        method="GET", scheme="https", path="/", query_string="", headers=headers, peer=None
    )
    return FakeContext(request=request)


@pytest.fixture(scope="module")
def provider() -> DeviceProvider:
    return DeviceProvider()


@pytest.fixture(scope="module")
def device_cases(corpora: Path) -> list[dict[str, Any]]:
    with (corpora / "uap-core" / "test_device.yaml").open(encoding="utf-8") as stream:
        cases: list[dict[str, Any]] = yaml.load(stream, Loader=yaml.CSafeLoader)["test_cases"]
    return cases


def test_device_provider_namespace_is_device(provider: DeviceProvider) -> None:
    assert provider.namespace == "device"


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        pytest.param(
            IPHONE,
            {
                "type": "mobile", "os": "iOS", "os_version": "17.1",
                "browser": "Mobile Safari", "browser_version": "17.1",
                "brand": "Apple", "model": "iPhone", "is_touch": True,
            },
            id="iphone-safari",
        ),
        pytest.param(
            IPAD,
            {
                "type": "tablet", "os": "iOS", "os_version": "16.6",
                "browser": "Mobile Safari", "browser_version": "16.6",
                "brand": "Apple", "model": "iPad", "is_touch": True,
            },
            id="ipad-safari",
        ),
        pytest.param(
            WINDOWS_CHROME,
            {
                "type": "desktop", "os": "Windows", "os_version": "10",
                "browser": "Chrome", "browser_version": "120.0.0", "is_touch": False,
            },
            id="windows-chrome",
        ),
        pytest.param(
            PIXEL_CHROME,
            {
                "type": "mobile", "os": "Android", "os_version": "14",
                "browser": "Chrome Mobile", "browser_version": "120.0.6099",
                "brand": "Google", "model": "Pixel 8", "is_touch": True,
            },
            id="android-chrome",
        ),
        pytest.param(
            GOOGLEBOT,
            {
                "type": "bot", "browser": "Googlebot", "browser_version": "2.1",
                "brand": "Spider", "model": "Desktop", "is_touch": False,
            },
            id="googlebot",
        ),
        # curl is a tool, not a crawler: ua-parser names no device, so it is "other".
        pytest.param(
            "curl/8.5.0",
            {"type": "other", "browser": "curl", "browser_version": "8.5.0", "is_touch": False},
            id="curl",
        ),
        pytest.param("", {"type": "other"}, id="empty"),
        pytest.param("   ", {"type": "other"}, id="blank"),
    ],
)
def test_device_provider_describes_known_agents(
    provider: DeviceProvider, user_agent: str, expected: dict[str, Any]
) -> None:
    assert dict(provider.resolve(context_for(user_agent))) == expected


def test_device_provider_counts_a_mobile_crawler_as_bot(provider: DeviceProvider) -> None:
    assert provider.describe(GOOGLEBOT_SMARTPHONE)["type"] == "bot"


def test_device_provider_without_user_agent_header_is_other(provider: DeviceProvider) -> None:
    assert dict(provider.resolve(context_for(None))) == {"type": "other"}


def test_device_provider_result_is_read_only(provider: DeviceProvider) -> None:
    result = provider.describe(IPHONE)
    with pytest.raises(TypeError):
        result["type"] = "desktop"  # type: ignore[index]
    assert provider.describe(IPHONE)["type"] == "mobile"


def test_device_provider_cuts_huge_user_agents(provider: DeviceProvider) -> None:
    padded = IPHONE + " " + "x" * (MAX_USER_AGENT_LENGTH * 50)
    assert provider.describe(padded) is provider.describe(padded[:MAX_USER_AGENT_LENGTH])


def test_device_provider_cache_returns_the_same_result_on_a_hit() -> None:
    provider = DeviceProvider(cache_size=8)
    assert provider.describe(IPHONE) is provider.describe(IPHONE)


def test_device_provider_cache_is_bounded() -> None:
    provider = DeviceProvider(cache_size=2)
    first = provider.describe(IPHONE)
    provider.describe(IPAD)
    assert provider.describe(IPHONE) is first  # still cached: two entries fit
    provider.describe(WINDOWS_CHROME)
    provider.describe(GOOGLEBOT)  # IPHONE is now the least recently used of three
    again = provider.describe(IPHONE)
    assert again is not first
    assert again == first


def test_device_provider_cache_size_zero_disables_caching() -> None:
    provider = DeviceProvider(cache_size=0)
    assert provider.describe(IPHONE) is not provider.describe(IPHONE)


@pytest.mark.parametrize("cache_size", [-1, 1.5, True, "10"])
def test_device_provider_rejects_bad_cache_size(cache_size: Any) -> None:
    with pytest.raises(ConfigurationError, match="cache_size"):
        DeviceProvider(cache_size=cache_size)


@pytest.mark.corpus
def test_device_provider_matches_uap_core_brand_and_model(
    device_cases: list[dict[str, Any]],
) -> None:
    provider = DeviceProvider(cache_size=0)
    mismatches = []
    for case in device_cases:
        result = provider.describe(case["user_agent_string"])
        actual = (result.get("brand"), result.get("model"))
        if actual != (case["brand"], case["model"]):
            mismatches.append((case["user_agent_string"], actual, case["brand"], case["model"]))
    match_rate = 1 - len(mismatches) / len(device_cases)
    assert len(device_cases) == 16_129
    # SOURCE.md: user-agents 2.2.0 with ua-parser 1.0.2 gave 100 %; older regexes may not.
    assert match_rate == 1.0, f"match rate {match_rate:.4%}; first misses: {mismatches[:5]}"


@pytest.mark.corpus
def test_device_provider_classifies_like_user_agents(
    device_cases: list[dict[str, Any]],
) -> None:
    provider = DeviceProvider(cache_size=0)
    sample = device_cases[::25]  # user_agents.parse takes ~0.5 ms a string
    for case in sample:
        text = case["user_agent_string"]
        reference = user_agents.parse(text)
        result = provider.describe(text)
        expected_type = (
            "bot" if reference.is_bot
            else "tablet" if reference.is_tablet
            else "mobile" if reference.is_mobile
            else "desktop" if reference.is_pc
            else "other"
        )
        assert result["type"] == expected_type, text
        assert result["is_touch"] == reference.is_touch_capable, text
