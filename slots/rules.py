"""Rule loading: a slot's rules, their variants and recommendations, checked as written."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from .catalog import FIELDS
from .choice import Mode, Rule, Variant
from .condition_loader import SegmentRefs, load_condition
from .conditions import CompiledCondition
from .decision import RecommendationRequest
from .schedule import parse_cap, parse_schedule
from .strategies import SHOWS_VIEWED, STRATEGIES
from .yamlsource import Diagnostics, KeyPath, describe

__all__ = ["KEEP", "RECOMMEND_KEYS", "RuleLoader"]

#: ``show: keep`` (or a variant ``keep``) leaves the page's own content in the slot.
KEEP: Final = "keep"
#: The keys that ask a slot or a rule for recommendations.
RECOMMEND_KEYS: Final = (
    "strategy", "fallbacks", "limit", "minimum", "filter", "exclude_purchased", "exclude_viewed",
)
_VARIANT_KEYS: Final = ("variants", "weights", "experiment", "coverage")
_RULE_KEYS: Final = ("name", "when", "schedule", "cap", "priority", "show", *_VARIANT_KEYS,
                     *RECOMMEND_KEYS)


@dataclass(slots=True)
class RuleLoader:
    """Loads rules and what they show; lives for one policy load, so that each template is
    checked once however many rules name it."""

    diag: Diagnostics
    groups: Mapping[str, Sequence[str]]
    segment_names: tuple[str, ...]
    daypart_names: tuple[str, ...]
    template_exists: Callable[[str], bool] | None
    check_template: Callable[[str], str | None] | None
    _template_problems: dict[str, str | None] = field(default_factory=dict)

    def load_rules(
        self, slot: str, path: KeyPath, raw: Any, mode: Mode
    ) -> tuple[tuple[Rule, ...], SegmentRefs]:
        """The slot's valid rules in the order they are tried, and the segments they name."""
        if raw is not None and not isinstance(raw, list):
            self.diag.error(path, f"rules must be a list of rules, not {describe(raw)}")
        items = raw if isinstance(raw, list) else []
        rules: list[Rule] = []
        refs = SegmentRefs()
        for index, item in enumerate(items):
            rule, rule_refs = self._rule((*path, index), item, mode)
            refs = refs | rule_refs
            if rule is not None:
                rules.append(rule)
        self._check_order(slot, path, items, mode)
        if mode == "priority":
            rules.sort(key=lambda rule: -rule.priority)
        return tuple(rules), refs

    def _rule(self, path: KeyPath, raw: Any, mode: Mode) -> tuple[Rule | None, SegmentRefs]:
        mapping = self.diag.mapping(path, raw, "a rule")
        if mapping is None:
            return None, SegmentRefs()
        before = len(self.diag.errors)
        self.diag.check_keys(path, mapping, _RULE_KEYS, "a rule")
        name = self._rule_name(path, mapping)
        condition: CompiledCondition | None = None
        refs = SegmentRefs()
        if "when" in mapping:
            condition, refs = load_condition(self.diag, (*path, "when"), mapping["when"],
                                             groups=self.groups, segment_names=self.segment_names)
        schedule = cap = None
        if "schedule" in mapping:
            schedule = parse_schedule(self.diag, (*path, "schedule"), mapping["schedule"],
                                      daypart_names=self.daypart_names)
        if "cap" in mapping:
            cap = parse_cap(self.diag, (*path, "cap"), mapping["cap"])
        priority = self._priority(path, mapping, mode)
        if "variants" in mapping:
            shows = self._variants(path, mapping)
        else:
            template, recommendations = self.load_shows(path, mapping, rule=name or "")
            shows = {"template": template, "recommendations": recommendations}
        if len(self.diag.errors) > before or name is None:
            return None, refs
        rule = Rule(name, condition, schedule, cap, priority=priority, **shows)
        return rule, refs

    def _rule_name(self, path: KeyPath, mapping: dict[str, Any]) -> str | None:
        name = mapping.get("name")
        if name is None:
            self.diag.error(path, "a rule needs a name: it appears in traces, cap keys and "
                            "experiment keys")
            return None
        if not isinstance(name, str):
            quote = "; quote it (YAML reads yes, no, on, off as booleans)" if isinstance(
                name, bool) else ""
            self.diag.error((*path, "name"), f"a rule name must be text, not {describe(name)}"
                            + quote)
            return None
        return name if self.diag.check_name((*path, "name"), name, "rule", at_key=False) else None

    def _priority(self, path: KeyPath, mapping: dict[str, Any], mode: Mode) -> int:
        value = mapping.get("priority", 0)
        if "priority" in mapping and mode != "priority":
            self.diag.error((*path, "priority"), "priority only applies in a slot with "
                            "mode: priority", at_key=True)
        elif isinstance(value, bool) or not isinstance(value, int):
            self.diag.error((*path, "priority"), "priority must be a whole number (the highest "
                            f"matching rule wins), not {describe(value)}")
        else:
            return value
        return 0

    def load_shows(
        self, path: KeyPath, mapping: dict[str, Any], *, rule: str | None
    ) -> tuple[str | None, RecommendationRequest | None]:
        """What a rule (or, with ``rule`` None, a slot with no matching rule) shows."""
        for key in _VARIANT_KEYS[1:]:
            if key in mapping:
                self.diag.error((*path, key), f"{key} only applies to a rule with variants",
                                at_key=True)
        recommendations = self._recommendations(path, mapping)
        if "show" in mapping:
            template = self._template((*path, "show"), mapping["show"])
            if recommendations is not None and template is None:
                self.diag.error((*path, "show"), "recommendations need a template to list them "
                                "in; show: keep would show none")
            return template, recommendations
        if recommendations is not None:
            self.diag.error((*path, "strategy"), "recommendations need show: naming the "
                            "template that lists them", at_key=True)
        elif rule is not None:
            self.diag.error(path, f"rule {rule!r} shows nothing: add show: TEMPLATE (or show: "
                            "keep), variants:, or strategy: with show:")
        return None, recommendations

    def _variants(self, path: KeyPath, mapping: dict[str, Any]) -> dict[str, Any]:
        for key in ("show", "strategy"):
            if key in mapping:
                self.diag.error((*path, key), f"a rule with variants can't also have {key}: put "
                                "the templates in its variants", at_key=True)
        raw = mapping["variants"]
        vpath = (*path, "variants")
        if not isinstance(raw, dict) or len(raw) < 2:
            self.diag.error(vpath, "variants must map two or more variant names to templates "
                            f"(or keep), not {describe(raw)}")
            return {}
        variants: list[Variant] = []
        for name, template in raw.items():
            self.diag.check_name((*vpath, name), name, "variant")
            variants.append(Variant(name, self._template((*vpath, name), template)))
        experiment = mapping.get("experiment")
        if experiment is not None and (not isinstance(experiment, str) or not experiment):
            self.diag.error((*path, "experiment"), "experiment must be a key like "
                            f"spring-sale-2027, not {describe(experiment)}")
        coverage = mapping.get("coverage", 1.0)
        if isinstance(coverage, bool) or not isinstance(coverage, int | float) or not (
            0 < coverage <= 1
        ):
            self.diag.error((*path, "coverage"), "coverage is the share of visitors in the "
                            f"experiment, above 0 and at most 1, not {describe(coverage)}")
        weights = self.diag.shares((*path, "weights"), mapping.get("weights"), len(variants))
        return {"variants": tuple(variants), "weights": weights, "experiment": experiment,
                "coverage": float(coverage) if isinstance(coverage, int | float) else 1.0}

    def _recommendations(
        self, path: KeyPath, mapping: dict[str, Any]
    ) -> RecommendationRequest | None:
        if "strategy" not in mapping:
            for key in RECOMMEND_KEYS[1:]:
                if key in mapping:
                    self.diag.error((*path, key), f"{key} only applies with a recommendations "
                                    "strategy", at_key=True)
            return None
        before = len(self.diag.errors)
        self.diag.choice((*path, "strategy"), mapping["strategy"], STRATEGIES, "strategy")
        fallbacks = mapping.get("fallbacks", [])
        if not isinstance(fallbacks, list):
            self.diag.error((*path, "fallbacks"), f"fallbacks must be a list of strategies, not "
                            f"{describe(fallbacks)}")
            fallbacks = []
        for index, fallback in enumerate(fallbacks):
            self.diag.choice((*path, "fallbacks", index), fallback, STRATEGIES, "strategy")
        limit = self.diag.whole_number((*path, "limit"), mapping.get("limit", 4), default=4)
        minimum = self.diag.whole_number((*path, "minimum"), mapping.get("minimum", 1), default=1)
        if minimum > limit:
            self.diag.error((*path, "minimum"), f"minimum {minimum} is more than limit {limit}")
        exclude = self._flag(path, mapping, "exclude_purchased", default=True)
        exclude_viewed = self._flag(path, mapping, "exclude_viewed", default=False)
        if exclude_viewed and len(self.diag.errors) == before:
            self._check_viewed_matters(path, (mapping["strategy"], *fallbacks))
        keep = None
        if "filter" in mapping:
            keep, _ = load_condition(self.diag, (*path, "filter"), mapping["filter"],
                                     groups=self.groups, segment_names=(), item_fields=FIELDS)
        if len(self.diag.errors) > before:
            return None
        return RecommendationRequest(mapping["strategy"], limit, minimum, tuple(fallbacks),
                                     exclude, filter=keep, exclude_viewed=exclude_viewed)

    def _flag(self, path: KeyPath, mapping: dict[str, Any], key: str, *, default: bool) -> bool:
        value = mapping.get(key, default)
        if isinstance(value, bool):
            return value
        self.diag.error((*path, key), f"{key} must be true or false, not {describe(value)}")
        return default

    def _check_viewed_matters(self, path: KeyPath, strategies: tuple[str, ...]) -> None:
        # Those strategies list viewed items by design and ignore the key: true would be a
        # no-op that reads as if it did something.
        if all(strategy in SHOWS_VIEWED for strategy in strategies):
            self.diag.error((*path, "exclude_viewed"), "exclude_viewed has no effect here: every "
                            f"strategy ({', '.join(dict.fromkeys(strategies))}) lists viewed "
                            "items by design; remove it, or add a fallback such as trending",
                            at_key=True)

    def _template(self, path: KeyPath, value: Any) -> str | None:
        if value == KEEP:
            return None
        if not isinstance(value, str) or not value.strip():
            self.diag.error(path, f"expected a template name (or keep), not {describe(value)}")
            return None
        if value not in self._template_problems:
            problem = None
            if self.template_exists is not None and not self.template_exists(value):
                problem = f"template {value!r} not found"
            elif self.check_template is not None:
                problem = self.check_template(value)
            self._template_problems[value] = problem
        if (problem := self._template_problems[value]) is not None:
            self.diag.error(path, problem)
        return value

    def _check_order(self, slot: str, path: KeyPath, items: list[Any], mode: Mode) -> None:
        """Rule names are unique in a slot, and no rule comes after a catch-all (a rule with
        no when, schedule or cap) in the order they are tried. Works on the YAML as written,
        so a rule with other mistakes is still checked."""
        summaries = [(index, *_summary(item)) for index, item in enumerate(items)]
        first_lines: dict[str, int] = {}
        for index, name, _, _ in summaries:
            line = self.diag.document.line_of((*path, index))
            if name in first_lines:
                self.diag.error((*path, index, "name"), f"duplicate rule name {name!r} in slot "
                                f"{slot!r} (first on line {first_lines[name]})")
            elif name is not None:
                first_lines[name] = line
        if mode == "priority":
            summaries.sort(key=lambda summary: -summary[2])
        catch_all: tuple[str | None, int] | None = None
        for index, name, _, everyone in summaries:
            if catch_all is not None:
                self.diag.error((*path, index), f"rule {name!r} is unreachable: rule "
                                f"{catch_all[0]!r} (line {catch_all[1]}) is tried first and has "
                                "no when, schedule or cap, so it matches every visitor")
            elif everyone:
                catch_all = (name, self.diag.document.line_of((*path, index)))



def _summary(item: Any) -> tuple[str | None, int, bool]:
    """A rule as written: its name, its priority, and whether it matches every visitor."""
    if not isinstance(item, dict):
        return None, 0, False
    name = item.get("name") if isinstance(item.get("name"), str) else None
    priority = item.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int):
        priority = 0
    coverage = item.get("coverage", 1)
    partial = "variants" in item and isinstance(coverage, int | float) and coverage < 1
    unconditional = not any(key in item for key in ("when", "schedule", "cap"))
    return name, priority, unconditional and not partial
