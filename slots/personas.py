"""Personas files: the YAML that defines simulated visitors, parsed and checked whole.

Every problem is reported at once, as ``file:line:column`` diagnostics; the model the file
becomes is in :mod:`slots.persona` (re-exported here). The format is documented in
docs/preview.md.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from types import MappingProxyType
from typing import Any, Final

from .attributes import ATTRIBUTES
from .persona import OVERRIDE_NAMESPACES as OVERRIDE_NAMESPACES
from .persona import Consent as Consent
from .persona import History as History
from .persona import LocalInstant as LocalInstant
from .persona import Persona as Persona
from .persona import PersonaBook as PersonaBook
from .persona import RequestSignals as RequestSignals
from .yamlsource import Diagnostics, KeyPath, describe, did_you_mean, load_yaml

__all__ = [
    "OVERRIDE_NAMESPACES", "Consent", "History", "LocalInstant", "Persona", "PersonaBook",
    "RequestSignals", "load_personas",
]

_PERSONA_KEYS: Final = (
    "description", "user_agent", "ip", "at", *OVERRIDE_NAMESPACES, "consent", "request", "history",
)
_TOP_KEYS: Final = ("pages", "personas")
_CONSENT_KEYS: Final = ("gpc", "dnt")
_REQUEST_KEYS: Final = ("referrer", "utm", "language", "headers")
_UTM_KEYS: Final = ("source", "medium", "campaign")
_COUNTS: Final = ("visits", "page_views", "days_since_first_visit", "days_since_last_visit")
_HISTORY_KEYS: Final = (*_COUNTS, "viewed", "views", "purchased", "categories", "traits",
                        "campaign")
# `2026-03-12 08:10 Europe/London`, or `08:10 Europe/London` for "today, at 08:10 there".
_AT: Final = re.compile(r"(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{1,2}:\d{2}(?::\d{2})?)\s+(\S+)")
_HEADER_NAME: Final = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_AT_HINT: Final = (
    "write a local time and a zone, e.g. '2026-03-12 08:10 Europe/London' or '08:10 UTC'"
)


def load_personas(
    text: str, *, filename: str = "personas.yaml", zone_exists: Callable[[str], bool] | None = None
) -> PersonaBook:
    """Parse and validate a personas file; raises :class:`~slots.errors.PolicyErrors` listing
    every problem in source order. ``zone_exists`` vets time-zone names (the core cannot)."""
    document = load_yaml(text, filename=filename)
    diag = Diagnostics(document)
    diag.report_duplicates({("personas",): "persona"})
    root = diag.mapping((), document.data, "a personas file") or {}
    diag.check_keys((), root, _TOP_KEYS, "the personas file")
    pages = _pages(diag, root.get("pages"))
    loader = _PersonaLoader(diag, zone_exists)
    personas: dict[str, Persona] = {}
    raw = diag.mapping(("personas",), root.get("personas"), "personas") or {}
    if "personas" not in root or not raw:
        diag.error(("personas",), "a personas file needs personas: a mapping of names to personas")
    for name, body in raw.items():
        persona = loader.persona(name, body)
        if persona is not None:
            personas[name] = persona
    diag.raise_if_any()
    return PersonaBook(MappingProxyType(personas), pages, filename)


def _pages(diag: Diagnostics, raw: Any) -> tuple[str, ...]:
    if raw is not None and not isinstance(raw, list):
        diag.error(("pages",), f"pages must be a list of paths like /cart, not {describe(raw)}")
    if not isinstance(raw, list):
        return ()
    for index, page in enumerate(raw):
        if not isinstance(page, str) or not page.startswith("/") or page.startswith("//"):
            diag.error(("pages", index), f"a page is a path starting with /, not {describe(page)}")
    return tuple(page for page in raw if isinstance(page, str))


class _PersonaLoader:
    """Loads one persona at a time; problems go to the shared diagnostics."""

    def __init__(self, diag: Diagnostics, zone_exists: Callable[[str], bool] | None) -> None:
        self.diag = diag
        self.zone_exists = zone_exists

    def persona(self, name: str, raw: Any) -> Persona | None:
        path: KeyPath = ("personas", name)
        before = len(self.diag.errors)
        self.diag.check_name(path, name, "persona")
        body = self.diag.mapping(path, raw, f"persona {name!r}")
        if body is None:
            return None
        self.diag.check_keys(path, body, _PERSONA_KEYS, f"persona {name!r}")
        persona = Persona(
            name=name,
            description=self._text(path, body, "description") or "",
            user_agent=self._text(path, body, "user_agent"),
            ip=self._ip(path, body.get("ip")),
            at=self._at((*path, "at"), body["at"]) if "at" in body else None,
            attributes=self._attributes(path, body),
            consent=self._consent((*path, "consent"), body.get("consent")),
            request=self._request((*path, "request"), body.get("request")),
            history=self._history((*path, "history"), body.get("history")),
            location=self.diag.document.location(path, at_key=True),
        )
        self._check_zones(path, persona)
        return persona if len(self.diag.errors) == before else None

    def _text(self, path: KeyPath, body: Mapping[str, Any], key: str) -> str | None:
        value = body.get(key)
        if value is None or isinstance(value, str):
            return value
        self.diag.error((*path, key), f"{key} must be text, not {describe(value)}")
        return None

    def _ip(self, path: KeyPath, value: Any) -> str | None:
        if value is None:
            return None
        try:
            return str(ipaddress.ip_address(str(value)))
        except ValueError:
            self.diag.error((*path, "ip"), f"ip must be an IP address, not {describe(value)}")
            return None

    def _at(self, path: KeyPath, value: Any) -> LocalInstant | None:
        if isinstance(value, datetime) and value.utcoffset() is not None:
            clock = value.time().replace(tzinfo=None)
            return LocalInstant(clock, value.date(), offset=value.utcoffset())
        match = _AT.fullmatch(value.strip()) if isinstance(value, str) else None
        if match is None:
            self.diag.error(path, f"at needs a time zone, not {describe(value)}; {_AT_HINT}")
            return None
        day_text, clock_text, zone = match.groups()
        try:
            day = date.fromisoformat(day_text) if day_text else None
            clock = time.fromisoformat(("0" if clock_text[1] == ":" else "") + clock_text)
        except ValueError as error:
            self.diag.error(path, f"at: {error}; {_AT_HINT}")
            return None
        return LocalInstant(clock, day, zone=zone)

    def _attributes(self, path: KeyPath, body: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        attributes: dict[str, dict[str, Any]] = {}
        for namespace in OVERRIDE_NAMESPACES:
            raw = body.get(namespace)
            if namespace == "weather" and isinstance(raw, str):
                raw = {"condition": raw}  # `weather: rain` for short
            values = self.diag.mapping((*path, namespace), raw, namespace)
            if values:
                attributes[namespace] = {
                    key: value for key, value in values.items()
                    if self._attribute((*path, namespace, key), f"{namespace}.{key}", value)
                }
        return attributes

    def _attribute(self, path: KeyPath, name: str, value: Any) -> bool:
        spec = ATTRIBUTES.get(name)
        if spec is None:
            namespace = name.partition(".")[0]
            known = [key.partition(".")[2] for key in ATTRIBUTES if key.startswith(namespace + ".")]
            hint = did_you_mean(str(path[-1]), known) or f"; expected one of: {', '.join(known)}"
            self.diag.error(path, f"unknown attribute {name!r}{hint}", at_key=True)
            return False
        problem = _value_problem(name, spec, value)
        if problem is not None:
            self.diag.error(path, problem)
        return problem is None

    def _consent(self, path: KeyPath, raw: Any) -> Consent:
        values = self.diag.mapping(path, raw, "consent") or {}
        self.diag.check_keys(path, values, _CONSENT_KEYS, "consent")
        for key, value in values.items():
            if not isinstance(value, bool):
                self.diag.error((*path, key), f"{key} must be true or false, not {describe(value)}")
        gpc, dnt = (values.get(key) for key in _CONSENT_KEYS)
        return Consent(gpc=gpc if isinstance(gpc, bool) else None,
                       dnt=dnt if isinstance(dnt, bool) else None)

    def _request(self, path: KeyPath, raw: Any) -> RequestSignals:
        values = self.diag.mapping(path, raw, "request") or {}
        self.diag.check_keys(path, values, _REQUEST_KEYS, "request")
        utm = self._strings((*path, "utm"), values.get("utm"), "utm")
        self.diag.check_keys((*path, "utm"), utm, _UTM_KEYS, "utm")
        headers = self._strings((*path, "headers"), values.get("headers"), "headers")
        for header in headers:
            if not _HEADER_NAME.fullmatch(header):
                self.diag.error((*path, "headers", header), f"{header!r} is not a header name",
                                at_key=True)
        return RequestSignals(
            referrer=self._text(path, values, "referrer"), utm=utm,
            language=self._text(path, values, "language"), headers=headers,
        )

    def _strings(self, path: KeyPath, raw: Any, what: str) -> dict[str, str]:
        values = self.diag.mapping(path, raw, what) or {}
        for key, value in values.items():
            if not isinstance(value, str):
                self.diag.error((*path, key), f"{what} {key} must be text, not {describe(value)}")
        return {key: value for key, value in values.items() if isinstance(value, str)}

    def _history(self, path: KeyPath, raw: Any) -> History | None:
        values = None if raw is None else self.diag.mapping(path, raw, "history")
        if values is None:
            return None  # no history: a first-time visitor
        self.diag.check_keys(path, values, _HISTORY_KEYS, "history")
        visits, page_views, first, last = (
            self._count((*path, key), values[key]) if key in values else None for key in _COUNTS
        )
        traits = self.diag.mapping((*path, "traits"), values.get("traits"), "traits") or {}
        for key, value in traits.items():
            if not isinstance(value, str | int | float):
                message = f"a trait is text, a number or a boolean, not {describe(value)}"
                self.diag.error((*path, "traits", key), message)
        return History(
            visits=visits or 0, page_views=page_views or 0,
            days_since_first_visit=first, days_since_last_visit=last,
            viewed=self._items((*path, "viewed"), values.get("viewed")),
            views=self._tally((*path, "views"), values.get("views")),
            purchased=self._items((*path, "purchased"), values.get("purchased")),
            categories=self._tally((*path, "categories"), values.get("categories")),
            traits=traits,
            campaign=self._text(path, values, "campaign"),
        )

    def _count(self, path: KeyPath, value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        self.diag.error(path, f"{path[-1]} must be a whole number >= 0, not {describe(value)}")
        return 0

    def _items(self, path: KeyPath, raw: Any) -> tuple[str, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            self.diag.error(path, f"{path[-1]} must be a list of item ids, not {describe(raw)}")
            return ()
        return tuple(raw)

    def _tally(self, path: KeyPath, raw: Any) -> dict[str, int]:
        values = self.diag.mapping(path, raw, str(path[-1])) or {}
        return {key: self._count((*path, key), value) for key, value in values.items()}

    def _check_zones(self, path: KeyPath, persona: Persona) -> None:
        zone = persona.at.zone if persona.at is not None else None
        geo_zone = persona.attributes.get("geo", {}).get("timezone")
        for key_path, name in (((*path, "at"), zone), ((*path, "geo", "timezone"), geo_zone)):
            if name is not None and self.zone_exists is not None and not self.zone_exists(name):
                self.diag.error(key_path, f"unknown time zone {name!r}; use an IANA name such as "
                                "'Europe/London' or 'UTC'")
        if zone is not None and geo_zone is not None and zone != geo_zone:
            self.diag.error((*path, "at"), f"at is in {zone} but geo.timezone is {geo_zone}: "
                            "time.* is read in geo.timezone, so make them agree")


def _value_problem(name: str, spec: str, value: Any) -> str | None:
    """What is wrong with ``value`` for attribute ``name``, described as ``spec`` in the
    catalogue (``"int 0-23"``, ``"str: mobile | tablet | ..."``), or ``None``."""
    kind, _, rest = spec.partition(" ")
    kind = kind.rstrip(":")
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "int" and isinstance(value, bool):
        return f"{name} must be a whole number, not {describe(value)}"
    if kind == "bool" and not isinstance(value, bool):
        return f"{name} must be true or false, not {describe(value)}"
    if (kind == "float" and not is_number) or (kind == "int" and not isinstance(value, int)):
        return f"{name} must be a {'whole ' if kind == 'int' else ''}number, not {describe(value)}"
    if kind == "str" and not isinstance(value, str):
        return f"{name} must be text (quote it), not {describe(value)}"
    bounds = re.fullmatch(r"(\d+)-(\d+)", rest)
    if kind == "int" and bounds is not None and not int(bounds[1]) <= value <= int(bounds[2]):
        return f"{name} must be from {bounds[1]} to {bounds[2]}, not {value}"
    if spec.startswith("str: ") and "|" in rest and "configurable" not in rest:
        choices = [choice.strip() for choice in rest.split("|")]
        if value not in choices:
            hint = did_you_mean(value, choices) or f"; expected one of: {', '.join(choices)}"
            return f"unknown {name} {value!r}{hint}"
    return None
