"""Tests of the variables a slot template sees."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from middleware.context import RequestContext
from middleware.request import RequestInfo
from middleware.slot_variables import TEMPLATE_NAMESPACES, SlotVariables
from slots.decision import Decision

NOW = datetime(2026, 12, 3, 7, 30, tzinfo=UTC)


class Counting:
    """A provider that counts how often it computes."""

    def __init__(self, namespace: str, values: Mapping[str, Any]) -> None:
        self.namespace = namespace
        self.values = values
        self.calls = 0

    def resolve(self, context: Any) -> Mapping[str, Any]:
        self.calls += 1
        return self.values


def context_with(**providers: Counting) -> RequestContext:
    request = RequestInfo("GET", "https", "/", "", {}, "192.0.2.1")
    return RequestContext(
        request=request,
        now=NOW,
        resolve_client=lambda request: (request.peer, False),
        sync_providers=providers,
        async_providers={},
    )


DECISION = Decision(slot="hero", template="hero/x.html", rule="phones", variant="bold")


def test_slot_variables_hold_every_name_a_template_may_read() -> None:
    geo = Counting("geo", {"city": "Leeds"})
    variables = SlotVariables(context_with(geo=geo), decision=DECISION, default="<b>Hi</b>")
    seen = dict(variables)
    assert list(seen) == [*TEMPLATE_NAMESPACES, "slot", "default", "rule", "variant"]
    assert (seen["slot"], seen["rule"], seen["variant"]) == ("hero", "phones", "bold")
    assert seen["default"] == Markup("<b>Hi</b>") and isinstance(seen["default"], Markup)
    assert dict(seen["geo"]) == {"city": "Leeds"} and dict(seen["weather"]) == {}


def test_slot_variables_compute_a_namespace_only_when_it_is_read() -> None:
    geo, device = Counting("geo", {"city": "Leeds"}), Counting("device", {"type": "mobile"})
    variables = SlotVariables(context_with(geo=geo, device=device), decision=DECISION, default="")
    assert variables["device"]["type"] == "mobile"
    assert (geo.calls, device.calls) == (0, 1)


def test_slot_variables_extra_values_win_and_are_listed() -> None:
    extra = {"items": [{"id": "a"}], "strategy": "trending", "slot": "shadowed"}
    variables = SlotVariables(context_with(), decision=DECISION, default="", extra=extra)
    assert variables["items"] == [{"id": "a"}] and variables["slot"] == "shadowed"
    assert list(variables)[-2:] == ["items", "strategy"] and len(variables) == 14
    assert variables.get("nothing") is None and "nothing" not in variables
