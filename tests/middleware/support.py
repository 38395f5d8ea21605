"""Helpers for middleware tests: a policy and slot templates in a temporary folder, user
agents, and a raw-ASGI recorder for streaming tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

POLICY = """\
slots:
  hero:
    rules:
      - name: phones
        when: {device.type: mobile}
        show: hero/phone.html
  cta:
    rules:
      - name: broken-for-phones
        when: {device.type: mobile}
        show: cta/broken.html
"""

TEMPLATES = {
    "hero/phone.html": "<h1>Hello, phone</h1>",
    "cta/broken.html": "{{ nothing.here }}",
}

PAGE = (
    '<!doctype html><html><body><section data-slot="hero" class="hero"><h1>Welcome</h1></section>'
    '<p>Shop</p><div data-slot="cta">Buy now</div></body></html>'
)


def write_policy(
    folder: Path, policy: str = POLICY, templates: dict[str, str] | None = None
) -> dict[str, Any]:
    """Write a policy and templates under ``folder``; returns middleware keyword arguments."""
    template_dir = folder / "slot_templates"
    for name, text in (templates or TEMPLATES).items():
        path = template_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    policy_path = folder / "policy.yaml"
    policy_path.write_text(policy, encoding="utf-8")
    return {
        "policy": policy_path,
        "templates": [template_dir],
        "secret_key": "test-secret",
        "store": "memory://",
    }


# Matches starlette.types.Message, so a Recorder is a valid ASGI ``send``.
Message = MutableMapping[str, Any]


class Recorder:
    """A raw ASGI ``send`` that records every message, with a hook after each."""

    def __init__(self, on_message: Callable[[Message], Awaitable[None]] | None = None) -> None:
        self.messages: list[Message] = []
        self._on_message = on_message

    async def __call__(self, message: Message) -> None:
        self.messages.append(message)
        if self._on_message is not None:
            await self._on_message(message)

    @property
    def start(self) -> Message:
        return self.messages[0]

    @property
    def headers(self) -> dict[str, str]:
        return {k.decode().lower(): v.decode() for k, v in self.start["headers"]}

    @property
    def body(self) -> bytes:
        return b"".join(
            m.get("body", b"") for m in self.messages if m["type"] == "http.response.body"
        )


def http_scope(
    path: str = "/",
    *,
    user_agent: str = DESKTOP,
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "client": ("203.0.113.9", 5000),
        "server": ("testserver", 80),
        "headers": [
            (b"host", b"testserver"),
            (b"user-agent", user_agent.encode()),
            *(headers or []),
        ],
    }


async def receive_nothing() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
