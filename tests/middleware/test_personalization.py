from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from middleware import PersonalizationMiddleware
from slots.weather import Weather

from .support import IPHONE, PAGE, write_policy

WEATHER_POLICY = """\
slots:
  hero:
    rules:
      - name: rainy
        when: {weather.condition: rain}
        show: hero/phone.html
  cta:
    rules:
      - name: phones
        when: {device.type: mobile}
        show: hero/phone.html
"""


class CountingWeather:
    """A weather source that counts the calls it gets."""

    def __init__(self) -> None:
        self.calls = 0

    async def fetch(self, latitude: float, longitude: float) -> Weather | None:
        self.calls += 1
        return Weather(condition="rain", temp_c=9.0, is_day=True, wind_kmh=10.0, precip_mm=1.0)


class Counting:
    """Wraps a synchronous provider and counts how often it computes."""

    def __init__(self, provider: Any) -> None:
        self.namespace = provider.namespace
        self.provider = provider
        self.calls = 0

    def resolve(self, context: Any) -> Any:
        self.calls += 1
        return self.provider.resolve(context)


def app_with(
    tmp_path: Path, body: str, policy: str, **options: Any
) -> tuple[TestClient, PersonalizationMiddleware]:
    async def page(request: Request) -> Response:
        return HTMLResponse(body)

    kwargs = write_policy(tmp_path, policy) | options
    middleware = PersonalizationMiddleware(Starlette(routes=[Route("/", page)]), **kwargs)
    return TestClient(middleware), middleware


def count_providers(middleware: PersonalizationMiddleware) -> dict[str, Counting]:
    providers = middleware.engine.sync_providers
    counted = {name: Counting(provider) for name, provider in providers.items()}
    providers.update(counted)
    return counted


def test_weather_is_fetched_only_when_a_slot_on_the_page_reads_it(tmp_path: Path) -> None:
    source = CountingWeather()
    only_cta = '<div data-slot="cta">Buy</div>'
    client, _ = app_with(
        tmp_path, only_cta, WEATHER_POLICY, weather=source, geoip_db=None, loopback_alias=None
    )
    assert "Hello, phone" in client.get("/", headers={"user-agent": IPHONE}).text
    assert source.calls == 0  # the hero (which reads the weather) is not on this page


def test_weather_rule_uses_the_weather_when_the_slot_is_on_the_page(tmp_path: Path) -> None:
    source = CountingWeather()
    db = Path(__file__).resolve().parents[2] / "demo_site" / "geo" / "demo-cities.mmdb"
    client, _ = app_with(
        tmp_path,
        PAGE,
        WEATHER_POLICY,
        weather=source,
        geoip_db=db,
        loopback_alias="192.0.2.10",
        trusted_proxies=[],
    )
    html = client.get("/").text  # the test client's address is not an IP: no location
    assert source.calls == 0 and "Hello, phone" not in html


def test_page_without_slots_computes_nothing(tmp_path: Path) -> None:
    client, middleware = app_with(tmp_path, "<p>no slots here</p>", WEATHER_POLICY)
    counted = count_providers(middleware)
    client.cookies.set("cheers_id", middleware.engine.cookie.sign("a" * 32))
    client.get("/", headers={"user-agent": IPHONE, "dnt": "1"})  # no consent: no page view
    assert {name: c.calls for name, c in counted.items()} == {
        "device": 0,
        "geo": 0,
        "time": 0,
        "visit": 0,
        "page": 0,
    }


def test_slot_reading_device_computes_only_device(tmp_path: Path) -> None:
    client, middleware = app_with(tmp_path, '<div data-slot="cta">Buy</div>', WEATHER_POLICY)
    counted = count_providers(middleware)
    client.get("/", headers={"user-agent": IPHONE, "dnt": "1"})
    assert counted["device"].calls == 1
    assert counted["geo"].calls == counted["time"].calls == 0


def test_debug_mode_adds_trace_header_and_slot_comments(tmp_path: Path) -> None:
    client, _ = app_with(
        tmp_path, PAGE, WEATHER_POLICY.replace("hero/phone.html", "hero/phone.html"), debug=True
    )
    response = client.get("/", headers={"user-agent": IPHONE})
    trace = response.headers["x-cheers-trace"]
    assert "cta: rule phones matched" in trace
    assert "hero: rule rainy skipped: weather.condition is missing" in trace
    assert "<!-- cheers: cta: rule phones matched -->" in response.text


def test_traces_are_never_shown_by_default(tmp_path: Path) -> None:
    client, _ = app_with(tmp_path, PAGE, WEATHER_POLICY)
    response = client.get("/", headers={"user-agent": IPHONE})
    assert "x-cheers-trace" not in response.headers
    assert "<!-- cheers" not in response.text


def test_slot_reading_unconfigured_weather_is_filled_inline(tmp_path: Path) -> None:
    from .support import http_scope

    _, middleware = app_with(tmp_path, PAGE, WEATHER_POLICY)  # no weather source
    personalization = middleware.engine.begin(http_scope(user_agent=IPHONE))
    assert personalization.fill_slot_now("cta", "Buy") == "<h1>Hello, phone</h1>"
    # The hero's rule reads the weather, which is simply absent: decided now, default kept.
    assert personalization.fill_slot_now("hero", "Welcome") is None
    assert personalization.decisions["hero"].rule is None


def test_bots_get_context_personalization_when_configured(tmp_path: Path) -> None:
    googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    policy = (
        "slots:\n  cta:\n    rules:\n"
        "      - {name: bots, when: {device.type: bot}, show: hero/phone.html}\n"
    )
    default_client, _ = app_with(tmp_path / "a", PAGE, policy)
    context_client, _ = app_with(tmp_path / "b", PAGE, policy, bot_content="context")
    assert "Hello, phone" not in default_client.get("/", headers={"user-agent": googlebot}).text
    response = context_client.get("/", headers={"user-agent": googlebot})
    assert "Hello, phone" in response.text
    assert "set-cookie" not in response.headers  # still no profile, no cookie


async def test_page_is_served_within_budget_while_the_weather_provider_hangs(
    tmp_path: Path,
) -> None:
    import asyncio
    import time

    from .support import Recorder, http_scope, receive_nothing

    class Hanging:
        async def fetch(self, latitude: float, longitude: float) -> Weather | None:
            await asyncio.sleep(30)
            return None

    db = Path(__file__).resolve().parents[2] / "demo_site" / "geo" / "demo-cities.mmdb"
    kwargs = write_policy(tmp_path, WEATHER_POLICY)
    app = HTMLResponse(PAGE)
    middleware = PersonalizationMiddleware(
        app, weather=Hanging(), weather_budget=0.1, geoip_db=db, **kwargs
    )
    scope = http_scope(user_agent=IPHONE)
    scope["client"] = ("192.0.2.10", 5000)  # London in the demo database: the weather is asked for
    recorder = Recorder()
    started = time.monotonic()
    await middleware(scope, receive_nothing, recorder)
    elapsed = time.monotonic() - started
    assert recorder.start["status"] == 200
    assert elapsed < 1.0, elapsed  # the budget is 0.1 s; the provider would take 30 s
    assert b"<h1>Welcome</h1>" in recorder.body  # no weather: the rainy hero is not shown
    await middleware.engine.aclose()


def test_policy_edit_takes_effect_without_restart(tmp_path: Path) -> None:
    import time

    page = '<div data-slot="hero">Welcome</div>'
    client, _ = app_with(tmp_path, page, WEATHER_POLICY)
    assert "Hello, phone" not in client.get("/", headers={"user-agent": IPHONE}).text
    policy = tmp_path / "policy.yaml"
    mobile_hero = WEATHER_POLICY.replace("weather.condition: rain", "device.type: mobile")
    policy.write_text(mobile_hero, encoding="utf-8")
    time.sleep(1.1)  # the file is checked at most once a second
    assert "Hello, phone" in client.get("/", headers={"user-agent": IPHONE}).text
    policy.write_text(mobile_hero.replace("device.type: mobile", "device.type: {gte: 1}"))
    time.sleep(1.1)
    response = client.get("/", headers={"user-agent": IPHONE})
    assert response.status_code == 200
    assert "Hello, phone" in response.text  # the invalid edit is refused; the last good one serves


def test_policy_reload_picks_up_edited_templates(tmp_path: Path) -> None:
    import time

    policy = WEATHER_POLICY.replace("weather.condition: rain", "device.type: mobile")
    client, _ = app_with(tmp_path, '<div data-slot="hero">Welcome</div>', policy)
    assert "Hello, phone" in client.get("/", headers={"user-agent": IPHONE}).text
    (tmp_path / "slot_templates" / "hero" / "phone.html").write_text("<h1>Hi again</h1>")
    (tmp_path / "policy.yaml").write_text(policy + "\n# touched\n", encoding="utf-8")
    time.sleep(1.1)  # the policy file is checked at most once a second
    assert "Hi again" in client.get("/", headers={"user-agent": IPHONE}).text
