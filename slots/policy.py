"""The slot policy: what each slot may show and when, loaded from YAML and checked whole."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, get_args

from .attributes import namespaces_read
from .choice import Mode, Rule, SlotPolicy, Variant
from .localtime import DEFAULT_DAYPARTS
from .rules import KEEP, RECOMMEND_KEYS, RuleLoader
from .segments import (
    Segment,
    SegmentRefs,
    load_groups,
    load_segments,
    needed_segments,
)
from .segments import matching_segments as _matching_segments
from .yamlsource import Diagnostics, KeyPath, load_yaml

__all__ = ["KEEP", "Policy", "Rule", "SlotPolicy", "Variant", "load_policy"]

_MODES: Final[tuple[str, ...]] = get_args(Mode)
_TOP_KEYS: Final = ("groups", "segments", "slots")
_SLOT_KEYS: Final = ("mode", "rules", "show", *RECOMMEND_KEYS)



@dataclass(frozen=True, slots=True)
class Policy:
    """A loaded, valid policy: slots by id, segments in dependency order, saved groups."""

    slots: Mapping[str, SlotPolicy] = field(default_factory=lambda: MappingProxyType({}))
    segments: Mapping[str, Segment] = field(default_factory=lambda: MappingProxyType({}))
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def namespaces(self, slot_names: Iterable[str]) -> frozenset[str]:
        """The attribute namespaces deciding these slots may read (unknown slots read none)."""
        found: set[str] = set()
        for name in slot_names:
            slot = self.slots.get(name)
            if slot is not None:
                found |= slot.namespaces
        return frozenset(found)

    def matching_segments(
        self, attributes: Mapping[str, Any], *, only: Collection[str] | None = None
    ) -> tuple[str, ...]:
        """The visitor's segments, in dependency order (of ``only``, when given)."""
        return _matching_segments(self.segments, attributes, only=only)


def load_policy(
    text: str,
    *,
    filename: str = "policy.yaml",
    template_exists: Callable[[str], bool] | None = None,
    check_template: Callable[[str], str | None] | None = None,
    daypart_names: Collection[str] | None = None,
) -> Policy:
    """Parse and validate a policy; raises :class:`~slots.errors.PolicyErrors` listing every
    problem in source order.

    ``template_exists`` and ``check_template`` (a message when a template fails to compile)
    vet the templates ``show:`` names; ``daypart_names`` are the configured dayparts.
    """
    document = load_yaml(text, filename=filename)
    diag = Diagnostics(document)
    diag.report_duplicates({("slots",): "slot id", ("segments",): "segment", ("groups",): "group"})
    root = diag.mapping((), document.data, "a policy") or {}
    diag.check_keys((), root, _TOP_KEYS, "the policy")
    groups = load_groups(diag, root.get("groups"))
    segments = load_segments(diag, root.get("segments"), groups=groups)
    dayparts = daypart_names or (band.name for band in DEFAULT_DAYPARTS.bands)
    rules = RuleLoader(
        diag,
        groups,
        tuple(root["segments"]) if isinstance(root.get("segments"), dict) else (),
        tuple(dict.fromkeys(dayparts)),
        template_exists,
        check_template,
    )
    slots = _SlotLoader(diag, segments, rules).load_slots(root.get("slots"))
    diag.raise_if_any()
    return Policy(MappingProxyType(slots), MappingProxyType(segments), MappingProxyType(groups))


@dataclass(slots=True)
class _SlotLoader:
    """Loads the ``slots:`` section; lives for one :func:`load_policy` call."""

    diag: Diagnostics
    segments: Mapping[str, Segment]
    rules: RuleLoader

    def load_slots(self, raw: Any) -> dict[str, SlotPolicy]:
        slots: dict[str, SlotPolicy] = {}
        for name, body in (self.diag.mapping(("slots",), raw, "slots") or {}).items():
            path: KeyPath = ("slots", name)
            self.diag.check_name(path, name, "slot")
            mapping = self.diag.mapping(path, body, f"slot {name!r}")
            if mapping is not None:
                slots[name] = self._slot(name, path, mapping)
        return slots

    def _slot(self, name: str, path: KeyPath, mapping: dict[str, Any]) -> SlotPolicy:
        self.diag.check_keys(path, mapping, _SLOT_KEYS, f"slot {name!r}")
        mode = mapping.get("mode", "first")
        if not self.diag.choice((*path, "mode"), mode, _MODES, "mode"):
            mode = "first"
        rules, refs = self.rules.load_rules(name, (*path, "rules"), mapping.get("rules"), mode)
        template, recommendations = self.rules.load_shows(path, mapping, rule=None)
        namespaces, needed = self._reads(rules, refs)
        return SlotPolicy(
            name=name,
            mode=mode,
            rules=rules,
            template=template,
            recommendations=recommendations,
            segments=needed,
            namespaces=namespaces,
            location=self.diag.document.location(path, at_key=True),
        )

    def _reads(
        self, rules: tuple[Rule, ...], refs: SegmentRefs
    ) -> tuple[frozenset[str], frozenset[str] | None]:
        """The namespaces deciding reads, and the segments it needs (``None``: all)."""
        needed, namespaces = needed_segments(self.segments, refs)
        for rule in rules:
            if rule.condition is not None:
                namespaces |= namespaces_read(rule.condition.paths)
            local_schedule = rule.schedule is not None and rule.schedule.uses_local_time
            if local_schedule or (rule.cap is not None and rule.cap.per == "day"):
                namespaces |= {"time"}
            if rule.cap is not None:
                # Impressions so far are counted in the visitor's profile.
                namespaces |= {"profile"}
        return namespaces, needed
