from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from middleware import PersonalizationMiddleware, forget, identify, logout, set_traits, track
from middleware.identity import VisitorCookie

from .support import IPHONE, PAGE, write_policy

VISITS_POLICY = """\
slots:
  hero:
    rules:
      - name: returning
        when: {visitor.visits: {$gte: 2}}
        show: hero/back.html
      - name: pro
        when: {profile.traits.plan: pro}
        show: hero/pro.html
"""
TEMPLATES = {"hero/back.html": "Welcome back", "hero/pro.html": "Hello, pro"}


def build(
    tmp_path: Path, policy: str = VISITS_POLICY, **options
) -> tuple[TestClient, PersonalizationMiddleware]:
    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def login(request: Request) -> Response:
        await identify(request, request.query_params["user"])
        return PlainTextResponse("ok")

    async def signout(request: Request) -> Response:
        await logout(request)
        return PlainTextResponse("bye")

    async def traits(request: Request) -> Response:
        await set_traits(request, plan="pro")
        return PlainTextResponse("ok")

    async def buy(request: Request) -> Response:
        await track(request, "purchase", items=["a", "b"])
        return PlainTextResponse("ok")

    async def erase(request: Request) -> Response:
        return PlainTextResponse(str(await forget(request)))

    routes = [
        Route("/", page),
        Route("/login", login),
        Route("/logout", signout),
        Route("/traits", traits),
        Route("/buy", buy),
        Route("/forget", erase),
    ]
    kwargs = write_policy(tmp_path, policy, TEMPLATES) | options
    middleware = PersonalizationMiddleware(Starlette(routes=routes), **kwargs)
    return TestClient(middleware), middleware


def visitor_of(client: TestClient) -> str:
    token = client.cookies["cheers_id"]
    return token.split(".", 1)[0]


def profile(middleware: PersonalizationMiddleware, visitor_id: str):
    return asyncio.run(middleware.engine.store.load_profile(visitor_id))


def test_page_views_and_visits_are_recorded(tmp_path: Path) -> None:
    client, middleware = build(tmp_path)
    client.get("/")
    client.get("/")
    stored = profile(middleware, visitor_of(client))
    assert stored.page_views == 2 and stored.visits == 1


class MovableClock:
    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant


def test_second_visit_sees_welcome_back(tmp_path: Path) -> None:
    clock = MovableClock(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    client, _ = build(tmp_path, clock=clock)
    assert "Welcome back" not in client.get("/").text
    clock.instant += timedelta(minutes=20)
    assert "Welcome back" not in client.get("/").text  # the same visit
    clock.instant += timedelta(minutes=31)
    assert "Welcome back" in client.get("/").text  # a new visit after 30 idle minutes


def test_set_traits_reaches_conditions_on_the_next_page(tmp_path: Path) -> None:
    client, _ = build(tmp_path)
    client.get("/")
    client.get("/traits")
    assert "Hello, pro" in client.get("/").text


def test_track_purchase_is_stored(tmp_path: Path) -> None:
    client, middleware = build(tmp_path)
    client.get("/")
    client.get("/buy")
    assert profile(middleware, visitor_of(client)).purchased == ("a", "b")


def test_set_traits_rejects_non_scalar_values(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="trait 'plan' must be"):
        asyncio.run(set_traits({"type": "http"}, plan=["pro"]))  # type: ignore[arg-type]


def test_identify_merges_history_across_devices(tmp_path: Path) -> None:
    client, middleware = build(tmp_path)
    phone = TestClient(client.app)
    phone.get("/")
    phone.get("/buy")
    phone.get("/login?user=ann@example.com")
    phone_id = visitor_of(phone)

    laptop = TestClient(client.app)
    laptop.get("/")
    laptop_anonymous = visitor_of(laptop)
    response = laptop.get("/login?user=ann@example.com")
    assert "cheers_id=" in response.headers["set-cookie"]
    assert visitor_of(laptop) == phone_id  # the laptop continues as the person
    merged = profile(middleware, phone_id)
    assert merged.purchased == ("a", "b")
    assert merged.page_views == 2  # one page on each device
    assert profile(middleware, laptop_anonymous) is None


def test_identify_stores_only_a_keyed_hash(tmp_path: Path) -> None:
    client, middleware = build(tmp_path, store=f"sqlite:///{tmp_path}/s.db")
    client.get("/")
    client.get("/login?user=ann@example.com")
    asyncio.run(middleware.engine.store.close())
    assert b"ann@example.com" not in (tmp_path / "s.db").read_bytes()
    assert middleware.engine.person_hash("ann@example.com") != "ann@example.com"


def test_logout_starts_a_fresh_visitor(tmp_path: Path) -> None:
    client, _ = build(tmp_path)
    client.get("/")
    before = visitor_of(client)
    client.get("/logout")
    assert visitor_of(client) != before


def test_forget_erases_the_visitor(tmp_path: Path) -> None:
    client, middleware = build(tmp_path)
    client.get("/")
    visitor_id = visitor_of(client)
    assert client.get("/forget").text == "True"
    assert profile(middleware, visitor_id) is None
    assert visitor_of(client) != visitor_id


def test_no_consent_writes_nothing(tmp_path: Path) -> None:
    client, middleware = build(tmp_path)
    token = VisitorCookie(["test-secret"]).sign("c" * 32)
    client.cookies.set("cheers_id", token)
    client.get("/", headers={"sec-gpc": "1"})
    client.get("/buy", headers={"sec-gpc": "1"})
    assert profile(middleware, "c" * 32) is None


def test_bots_create_no_profile(tmp_path: Path) -> None:
    client, middleware = build(tmp_path)
    token = VisitorCookie(["test-secret"]).sign("d" * 32)
    client.cookies.set("cheers_id", token)
    client.get("/", headers={"user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"})
    assert profile(middleware, "d" * 32) is None


def test_store_down_still_serves_context_personalization(tmp_path: Path, caplog) -> None:
    policy = (
        "slots:\n  hero:\n    rules:\n"
        "      - {name: phones, when: {device.type: mobile}, show: hero/back.html}\n"
    )
    client, _ = build(tmp_path, policy, store="redis://127.0.0.1:1/0?timeout=0.2")
    with caplog.at_level(logging.WARNING):
        responses = [client.get("/", headers={"user-agent": IPHONE}) for _ in range(3)]
    assert all(r.status_code == 200 and "Welcome back" in r.text for r in responses)
    warnings = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and "store" in r.getMessage().lower()
    ]
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]


def test_identify_never_keeps_the_id_the_browser_arrived_with(tmp_path: Path) -> None:
    client, _ = build(tmp_path)
    client.get("/")
    before = visitor_of(client)
    client.get("/login?user=ann@example.com")
    assert visitor_of(client) != before  # a planted id is worthless after the login


def test_identify_survives_key_rotation_with_a_user_key_secret(tmp_path: Path) -> None:
    first, middleware = build(tmp_path, secret_key=["old-key"], user_key_secret="people-key")
    first.get("/")
    first.get("/login?user=ann@example.com")
    person = visitor_of(first)
    rotated, redeployed = build(
        tmp_path, secret_key=["new-key", "old-key"], user_key_secret="people-key"
    )
    redeployed.engine.store = middleware.engine.store  # the same store, after a deploy
    rotated.get("/")
    rotated.get("/login?user=ann@example.com")
    assert visitor_of(rotated) == person


CAPPED = """\
slots:
  hero:
    rules:
      - name: once
        cap: {max: 1, per: visitor}
        when: {device.type: {$exists: true}}
        show: hero/back.html
"""


def test_frequency_cap_stops_the_rule_after_max_impressions(tmp_path: Path) -> None:
    client, _ = build(tmp_path, CAPPED)
    shown = ["Welcome back" in client.get("/").text for _ in range(3)]
    assert shown == [True, False, False]


EXPERIMENT = """\
slots:
  hero:
    rules:
      - name: split
        variants: {control: keep, bold: hero/back.html}
        weights: [0.5, 0.5]
        experiment: split-test
"""


def test_control_arm_exposures_are_recorded(tmp_path: Path) -> None:
    client, middleware = build(tmp_path, EXPERIMENT)
    for _ in range(40):
        TestClient(client.app).get("/")
    counts = asyncio.run(middleware.engine.store.exposures("split-test"))
    assert set(counts) == {"control", "bold"}
    assert counts["control"][0] + counts["bold"][0] == 40


CAMPAIGN = """\
slots:
  hero:
    rules:
      - name: spring
        when: {visit.campaign: spring}
        show: hero/back.html
"""


def test_campaign_and_first_referrer_are_remembered(tmp_path: Path) -> None:
    from slots.profile import Campaign

    client, middleware = build(tmp_path, CAMPAIGN)
    client.get(
        "/?utm_source=news&utm_medium=email&utm_campaign=spring",
        headers={"referer": "https://mail.example/inbox"},
    )
    client.get("/", headers={"referer": "https://other.example/"})
    stored = profile(middleware, visitor_of(client))
    assert stored.campaign == Campaign("news", "email", "spring")
    assert stored.first_referrer == "mail.example"
    # A later page without UTM tags still knows where the visitor came from.
    assert "Welcome back" in client.get("/").text
