"""The preview console's pages, rendered from the layouts with every value escaped."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import DictLoader, Environment, StrictUndefined
from markupsafe import Markup

from slots.decision import Decision
from slots.personas import Persona, PersonaBook

from .layouts import LAYOUTS, STYLE

__all__ = ["ConsolePages", "MatrixRow", "persona_facts", "shows"]


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One persona's line of the matrix: every slot's decision, and a note (a bot, say)."""

    persona: Persona
    decisions: Mapping[str, Decision]
    note: str = ""


def shows(decision: Decision) -> str:
    """What a decision puts in its slot, in a few words."""
    request = decision.recommendations
    if request is not None:
        strategies = " → ".join((request.strategy, *request.fallbacks))
        return f"{decision.template or ''} ({strategies}, up to {request.limit})".strip()
    return decision.template or "the page's default"


def _place(persona: Persona) -> str | None:
    geo = persona.attributes.get("geo", {})
    named = ", ".join(str(geo[key]) for key in ("city", "country") if key in geo)
    if named:
        return named
    return f"IP {persona.ip}" if persona.ip else None


def _when(persona: Persona) -> str | None:
    at = persona.at
    time_values = persona.attributes.get("time", {})
    if at is None:
        overrides = ", ".join(f"{key} {value}" for key, value in time_values.items())
        return overrides or None
    day = at.day.isoformat() if at.day is not None else "today"
    zone = at.zone or (f"UTC{_offset(at.offset.total_seconds())}" if at.offset is not None else "")
    return f"{day} {at.clock.isoformat('minutes')} {zone}".strip()


def _offset(seconds: float) -> str:
    sign = "-" if seconds < 0 else "+"
    minutes = int(abs(seconds)) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _weather(persona: Persona) -> str | None:
    weather = persona.attributes.get("weather", {})
    parts = [str(weather["condition"])] if "condition" in weather else []
    if "temp_c" in weather:
        parts.append(f"{weather['temp_c']:g}°C")
    return ", ".join(parts) or None


def _history(persona: Persona) -> list[str]:
    history = persona.history
    if history is None:
        return ["first visit"]
    facts = [f"{history.visits} visit{'' if history.visits == 1 else 's'} before"]
    facts += [f"{category} ×{count}" for category, count in history.categories.items()]
    if history.viewed:
        facts.append(f"viewed {len(history.viewed)}")
    if history.purchased:
        facts.append(f"bought {len(history.purchased)}")
    facts += [f"{name}={_scalar(value)}" for name, value in history.traits.items()]
    return facts


def _scalar(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _signals(persona: Persona) -> list[str]:
    signals, consent = persona.request, persona.consent
    flags = (("GPC", consent.gpc), ("DNT", consent.dnt))
    facts = [f"{name} on" for name, flag in flags if flag]
    if signals.language:
        facts.append(f"lang {signals.language.split(',')[0]}")
    if signals.referrer:
        facts.append(f"from {signals.referrer}")
    if signals.utm:
        facts.append("utm " + "/".join(signals.utm.values()))
    return facts


def persona_facts(persona: Persona, *, device_of: Callable[[str], str] | None = None) -> list[str]:
    """Short labels for what a persona sets: device, place, time, weather, signals, history."""
    device = persona.attributes.get("device", {}).get("type")
    if device is None and persona.user_agent is not None:
        device = device_of(persona.user_agent) if device_of is not None else "own user agent"
    facts = [fact for fact in (device, _place(persona), _when(persona), _weather(persona)) if fact]
    return facts + _signals(persona) + _history(persona)


class ConsolePages:
    """Renders the console's pages; autoescaping is on, so names and traces are safe to show."""

    def __init__(
        self,
        *,
        prefix: str,
        book: PersonaBook,
        pages: Sequence[str],
        device_of: Callable[[str], str] | None = None,
    ) -> None:
        self._env = Environment(
            loader=DictLoader(LAYOUTS), autoescape=True, undefined=StrictUndefined
        )
        self._env.globals.update(prefix=prefix, css=Markup(STYLE), pages=tuple(pages), shows=shows)
        self._book = book
        self._facts = [(p, persona_facts(p, device_of=device_of)) for p in book.personas.values()]

    def _render(self, name: str, **values: Any) -> str:
        return self._env.get_template(name).render(**values)

    def login(self, *, failed: bool) -> str:
        return self._render("login", title="Log in", nav=False, current="login", failed=failed)

    def index(self) -> str:
        return self._render(
            "index", title="Personas", nav=True, current="index", personas=self._facts,
            filename=self._book.filename, path="/", chosen=(),
        )

    def compare(self, *, path: str, chosen: Sequence[str]) -> str:
        shown = [(persona, facts) for persona, facts in self._facts if persona.name in chosen]
        return self._render(
            "compare", title=f"{path} side by side", nav=True, current="compare",
            personas=self._facts, path=path, chosen=tuple(chosen), shown=shown,
        )

    def matrix(self, *, path: str, slots: Sequence[str], rows: Sequence[MatrixRow]) -> str:
        return self._render(
            "matrix", title=f"{path} matrix", nav=True, current="matrix", path=path,
            slots=tuple(slots), rows=tuple(rows),
        )
