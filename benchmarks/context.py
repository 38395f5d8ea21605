"""What the device, client-address and geo context providers cost per call, cold and warm.

    python benchmarks/context.py [--agents 300] [--repeat 5]

Cold means no cache (every call parses or looks up); warm means a cache hit. User agents
come from corpora/uap-core when present (a spread of real strings), else a built-in list;
geo uses corpora/maxmind's GeoIP2-City-Test.mmdb when present, else the demo database.
Each figure is the best of ``--repeat`` passes, in microseconds per call; the reference
rows (user_agents.parse, the bare ua-parser resolver) are measured in the same run.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from middleware.client_ip import TrustedProxies  # noqa: E402
from middleware.device import DeviceProvider  # noqa: E402
from middleware.geo import GeoProvider  # noqa: E402
from middleware.request import RequestInfo  # noqa: E402

CORPORA = Path(os.environ.get("CHEERS_CORPORA", ROOT.parent / "shared" / "corpora"))
BUILT_IN_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.5.0",
]
CITY_ADDRESSES = [
    "81.2.69.142", "2.125.160.216", "89.160.20.112", "216.160.83.56", "175.16.199.0",
    "214.78.120.1", "2001:480:10::1", "2001:218::1", "1.1.1.1", "10.0.0.1",
]
DEMO_ADDRESSES = ["192.0.2.10", "192.0.2.70", "198.51.100.20", "203.0.113.30", "2001:db8:7::1"]


@dataclass(frozen=True)
class BenchContext:
    request: RequestInfo
    client_ip: str | None
    via_trusted_proxy: bool = False
    now: datetime = datetime(2026, 1, 1, tzinfo=UTC)

    def namespace(self, name: str) -> dict[str, Any]:
        return {}


def per_call(function: Callable[[Any], object], inputs: Sequence[Any], repeat: int) -> float:
    """The best mean over ``repeat`` passes, in µs per call."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter_ns()
        for item in inputs:
            function(item)
        best = min(best, (time.perf_counter_ns() - start) / len(inputs) / 1000)
    return best


def cold_and_warm(
    make: Callable[[], Callable[[Any], object]], inputs: Sequence[Any], repeat: int
) -> tuple[float, float]:
    """µs per call on a fresh instance's first pass (every call misses its cache) and on a
    later pass (every call hits), each the best over ``repeat`` fresh instances."""
    cold = warm = float("inf")
    for _ in range(repeat):
        function = make()
        cold = min(cold, per_call(function, inputs, 1))
        warm = min(warm, per_call(function, inputs, 3))
    return cold, warm


def load_agents(count: int) -> tuple[list[str], str]:
    path = CORPORA / "uap-core" / "test_device.yaml"
    if not path.is_file():
        return BUILT_IN_AGENTS, "built-in list"
    import yaml

    with path.open(encoding="utf-8") as stream:
        cases = yaml.load(stream, Loader=yaml.CSafeLoader)["test_cases"]
    step = max(1, len(cases) // count)
    return [case["user_agent_string"] for case in cases[::step][:count]], str(path)


def request_for(peer: str, headers: dict[str, str] | None = None, agent: str = "") -> RequestInfo:
    headers = {**(headers or {}), "user-agent": agent} if agent else dict(headers or {})
    return RequestInfo(
        method="GET", scheme="http", path="/", query_string="", headers=headers, peer=peer
    )


def bench_device(agents: list[str], repeat: int) -> list[tuple[str, float]]:
    import ua_parser
    import user_agents

    DeviceProvider()  # builds the shared resolver once (~0.1 s), outside the timing
    cold, warm = cold_and_warm(lambda: DeviceProvider().describe, agents, repeat)
    provider = DeviceProvider()
    contexts = [BenchContext(request_for("192.0.2.1", agent=ua), "192.0.2.1") for ua in agents]
    for agent in agents:
        provider.describe(agent)
    resolver = ua_parser.RegexResolver or ua_parser.BasicResolver
    bare = resolver(ua_parser.load_lazy_builtins())
    bare(agents[0], ua_parser.Domain.ALL)
    # One pass over distinct strings: ua-parser's legacy path keeps a 200-entry cache.
    slow = per_call(user_agents.parse, [f"{agent} " for agent in agents], 1)
    return [
        ("device, cold (ua-parser-rs + classification)", cold),
        ("device, warm (LRU hit)", warm),
        ("device, warm through resolve(context)", per_call(provider.resolve, contexts, repeat)),
        ("  ref: bare ua-parser-rs resolver", per_call(
            lambda agent: bare(agent, ua_parser.Domain.ALL), agents, repeat)),
        ("  ref: user_agents.parse (pure-Python ua-parser)", slow),
    ]


def bench_client_ip(repeat: int) -> list[tuple[str, float]]:
    networks = ["10.0.0.0/8", "172.16.0.0/12", "2001:db8:ffff::/48"]
    direct = [request_for(f"198.51.100.{index}") for index in range(1, 200)]
    chained = [
        request_for("10.0.0.1", {"x-forwarded-for": f"6.6.6.6, 203.0.113.{index}, 10.0.0.7"})
        for index in range(1, 200)
    ]
    forwarded = [
        request_for("10.0.0.1", {"forwarded": f'for="[2001:db8::{index:x}]:4711";proto=https'})
        for index in range(1, 200)
    ]
    rows: list[tuple[str, float]] = []
    table: list[tuple[str, list[str], list[RequestInfo]]] = [
        ("client ip, no trusted proxies", [], direct),
        ("client ip, untrusted peer", networks, direct),
        ("client ip, trusted peer + 3-hop X-Forwarded-For", networks, chained),
        ("client ip, trusted peer + Forwarded (IPv6)", networks, forwarded),
    ]
    for label, proxies, requests in table:
        cold, warm = cold_and_warm(functools.partial(_resolver, proxies), requests, repeat)
        rows += [(f"{label}, cold", cold), (f"{label}, warm", warm)]
    return rows


def _resolver(proxies: list[str]) -> Callable[[RequestInfo], object]:
    return TrustedProxies(proxies).resolve


def bench_geo(repeat: int) -> tuple[list[tuple[str, float]], str]:
    city_db = CORPORA / "maxmind" / "GeoIP2-City-Test.mmdb"
    if city_db.is_file():
        database, addresses = city_db, CITY_ADDRESSES
    else:
        database, addresses = ROOT / "demo_site" / "geo" / "demo-cities.mmdb", DEMO_ADDRESSES
    found = [ip for ip in addresses if ip not in ("1.1.1.1", "10.0.0.1")]
    providers: list[GeoProvider] = []

    def fresh() -> Callable[[str], object]:
        providers.append(GeoProvider(database=database))
        return providers[-1].locate

    cold, warm = cold_and_warm(fresh, found, repeat)
    missing_cold, _ = cold_and_warm(fresh, ["1.1.1.1", "10.0.0.1"], repeat)
    cdn = {"cf-ipcountry": "GB", "cf-ipcity": "Manchester", "cf-timezone": "Europe/London"}
    cdn_contexts = [BenchContext(request_for(ip, cdn), ip, True) for ip in found]
    plain_contexts = [BenchContext(request_for(ip), ip, True) for ip in found]
    provider = GeoProvider(database=database)
    providers.append(provider)
    rows = [
        ("geo, cold (geoip2 Reader.city, found)", cold),
        ("geo, cold (not found / private)", missing_cold),
        ("geo, warm (LRU hit)", warm),
        ("geo, warm through resolve(context)", per_call(provider.resolve, plain_contexts, repeat)),
        ("geo, warm + CDN headers merged", per_call(provider.resolve, cdn_contexts, repeat)),
    ]
    for each in providers:
        each.close()
    return rows, str(database)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=300, help="user agents to time")
    parser.add_argument("--repeat", type=int, default=5, help="passes; the best is shown")
    arguments = parser.parse_args(argv)
    agents, agent_source = load_agents(arguments.agents)
    geo_rows, geo_source = bench_geo(arguments.repeat * 4)
    rows = [*bench_device(agents, arguments.repeat), *bench_client_ip(arguments.repeat * 4)]
    rows += geo_rows
    print(f"user agents: {len(agents)} from {agent_source}")
    print(f"geo database: {geo_source}")
    print(f"{'what':<60} {'µs/call':>9}")
    for label, micros in rows:
        print(f"{label:<60} {micros:>9.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
