"""A fake Open-Meteo server on 127.0.0.1 for tests and benchmarks, switchable to misbehave.

It runs in its own thread (so a request it holds never blocks the test's event loop), counts
the forecast requests it receives, and answers in one of these modes:

- ``ok``: Open-Meteo's JSON for ``current`` (see :attr:`FakeOpenMeteo.current`);
- ``slow``: the same after ``delay`` seconds;
- ``hold``: the same once :meth:`FakeOpenMeteo.release` is called (or the server stops);
- ``error``: status 500 with Open-Meteo's error body;
- ``garbage``: status 200 with a body that is not JSON;
- ``out_of_range``: status 200 with a temperature of 999 °C.

A source that is down altogether is :func:`closed_port_url`.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

__all__ = ["FakeOpenMeteo", "Mode", "closed_port_url", "fake_open_meteo"]

Mode = Literal["ok", "slow", "hold", "error", "garbage", "out_of_range"]

_REQUIRED_CURRENT = {"temperature_2m", "is_day", "precipitation", "weather_code", "wind_speed_10m"}


def forecast_body(current: dict[str, Any], *, latitude: float, longitude: float) -> dict[str, Any]:
    """A response shaped like Open-Meteo's ``/v1/forecast?current=...``."""
    return {
        "latitude": round(latitude, 2),
        "longitude": round(longitude, 2),
        "generationtime_ms": 0.03,
        "utc_offset_seconds": 0,
        "timezone": "GMT",
        "timezone_abbreviation": "GMT",
        "elevation": 38.0,
        "current_units": {
            "time": "iso8601", "interval": "seconds", "temperature_2m": "°C", "is_day": "",
            "precipitation": "mm", "weather_code": "wmo code", "wind_speed_10m": "km/h",
        },
        "current": {"time": "2024-06-01T12:00", "interval": 900, **current},
    }


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (budget, cancelled fetch) closed its socket: not news


class FakeOpenMeteo:
    """The server's state; read ``requests`` and ``queries`` from the test."""

    def __init__(self) -> None:
        self.mode: Mode = "ok"
        self.delay = 0.0
        self.current: dict[str, Any] = {
            "temperature_2m": 14.2, "is_day": 1, "precipitation": 0.4,
            "weather_code": 61, "wind_speed_10m": 11.5,
        }
        self.queries: list[dict[str, list[str]]] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        # A short poll interval makes stop() quick (shutdown waits for the next poll).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> int:
        with self._lock:
            return len(self.queries)

    def set_mode(self, mode: Mode, *, delay: float = 0.0) -> None:
        self.mode, self.delay = mode, delay
        self._released.clear()

    def release(self) -> None:
        """Let held requests answer."""
        self._released.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def respond(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        """The status and body for one forecast request (runs in the server's thread)."""
        with self._lock:
            self.queries.append(query)
        if self.mode == "slow":
            time.sleep(self.delay)
        elif self.mode == "hold":
            self._released.wait(timeout=30)
        if self.mode == "error":
            return 500, json.dumps({"error": True, "reason": "Internal error"}).encode()
        if self.mode == "garbage":
            return 200, b"<html>502 Bad Gateway</html>"
        missing = _REQUIRED_CURRENT - set(query.get("current", [""])[0].split(","))
        if missing or "latitude" not in query or "longitude" not in query:
            reason = f"missing parameters: {sorted(missing) or 'latitude/longitude'}"
            return 400, json.dumps({"error": True, "reason": reason}).encode()
        current = dict(self.current)
        if self.mode == "out_of_range":
            current["temperature_2m"] = 999.0
        body = forecast_body(
            current,
            latitude=float(query["latitude"][0]),
            longitude=float(query["longitude"][0]),
        )
        return 200, json.dumps(body).encode()


def _handler_for(fake: FakeOpenMeteo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != "/v1/forecast":
                status, body = 404, b'{"error": true, "reason": "Not Found"}'
            else:
                status, body = fake.respond(parse_qs(parts.query))
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass  # keep test output clean

    return Handler


@contextmanager
def fake_open_meteo() -> Iterator[FakeOpenMeteo]:
    """A running fake server, stopped on exit."""
    fake = FakeOpenMeteo()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
