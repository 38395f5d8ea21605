"""``cheers lint``: check a policy, the templates it names and the slots pages tag, offline."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from jinja2 import FileSystemLoader

from slots.errors import Location, PolicyError, PolicyErrors
from slots.policy import Policy, load_policy
from slots.render import SlotRenderer

from .settings import TEMPLATES_DIR

__all__ = [
    "DEFAULT_TEMPLATES",
    "LintReport",
    "LintWarning",
    "SlotTag",
    "find_slot_tags",
    "lint",
    "main",
]

#: The starter slot templates shipped with Cheers (the ``templates`` package).
#: The starter templates, searched after ``--templates`` (the middleware's own default).
DEFAULT_TEMPLATES: Final = TEMPLATES_DIR

_TAGS: Final = re.compile(
    r"""data-slot\s*=\s*(?:"([^"]+)"|'([^']+)')|\{%-?\s*slot\s+(?:"([^"]+)"|'([^']+)')"""
)
_PAGE_SUFFIXES: Final = (".html", ".htm", ".jinja", ".jinja2", ".j2")


@dataclass(frozen=True, slots=True)
class SlotTag:
    """A slot a page template tags: ``data-slot="hero"`` or ``{% slot "hero" %}``."""

    name: str
    location: Location


@dataclass(frozen=True, slots=True)
class LintWarning:
    """Something that works but is probably not what was meant."""

    message: str
    location: Location | None = None

    def __str__(self) -> str:
        return str(PolicyError(f"warning: {self.message}", self.location))


@dataclass(frozen=True, slots=True)
class LintReport:
    """Every error (the policy would not load) and warning found; ``policy`` when it loads."""

    errors: tuple[PolicyError, ...] = ()
    warnings: tuple[LintWarning, ...] = ()
    policy: Policy | None = None

    @property
    def is_ok(self) -> bool:
        return not self.errors


def lint(
    policy_path: Path,
    *,
    template_dirs: Sequence[Path] = (),
    daypart_names: Collection[str] | None = None,
) -> LintReport:
    """Load the policy as the middleware would, then cross-check it with the page templates.

    Templates named by ``show:`` are looked up in ``template_dirs`` and then the starter
    templates, and compiled. Slot tags are looked for in ``template_dirs`` only; with none,
    there are no pages to compare and no usage warnings.
    """
    missing = [
        PolicyError(f"template folder {folder} does not exist")
        for folder in template_dirs
        if not folder.is_dir()
    ]
    renderer = SlotRenderer(FileSystemLoader([*map(str, template_dirs), str(DEFAULT_TEMPLATES)]))
    try:
        text = policy_path.read_text(encoding="utf-8")
        policy = load_policy(
            text,
            filename=str(policy_path),
            template_exists=renderer.exists,
            check_template=renderer.check,
            daypart_names=daypart_names,
        )
    except PolicyErrors as errors:
        return LintReport(errors=(*missing, *errors.errors))
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        return LintReport(errors=(*missing, PolicyError(f"cannot read {policy_path}: {reason}")))
    tags = list(find_slot_tags(template_dirs))
    return LintReport(
        errors=tuple(missing), warnings=_usage(policy, tags, template_dirs), policy=policy
    )


def find_slot_tags(folders: Sequence[Path]) -> Iterator[SlotTag]:
    """Every slot tagged in the page templates under ``folders``, in file order."""
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in _PAGE_SUFFIXES and path.is_file():
                yield from _tags_in(path)


def _tags_in(path: Path) -> Iterator[SlotTag]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return  # not a text template; nothing to check
    lines = text.splitlines()
    for match in _TAGS.finditer(text):
        name = next(group for group in match.groups() if group is not None)
        line = text.count("\n", 0, match.start())
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1)
        yield SlotTag(name, Location(str(path), line + 1, column + 1, lines[line]))


def _usage(policy: Policy, tags: list[SlotTag], folders: Sequence[Path]) -> tuple[LintWarning, ...]:
    if not folders:
        return ()
    warnings = [
        LintWarning(
            f"slot {tag.name!r} is tagged here but the policy does not define it; "
            "the page keeps its default content",
            tag.location,
        )
        for tag in tags
        if tag.name not in policy.slots
    ]
    tagged = {tag.name for tag in tags}
    where = ", ".join(str(folder) for folder in folders)
    warnings.extend(
        LintWarning(f"slot {name!r} is not tagged in any template under {where}", slot.location)
        for name, slot in policy.slots.items()
        if name not in tagged
    )
    return tuple(warnings)


def main(argv: Sequence[str] | None = None) -> int:
    """``cheers lint POLICY [--templates DIR]...``: print every problem; 1 on errors, else 0."""
    parser = argparse.ArgumentParser(
        prog="cheers lint", description="Check a Cheers policy and the templates it uses."
    )
    parser.add_argument("policy", type=Path, help="the policy YAML file")
    parser.add_argument(
        "--templates",
        metavar="DIR",
        type=Path,
        action="append",
        default=[],
        help="a folder of page and slot templates (repeatable)",
    )
    args = parser.parse_args(argv)
    report = lint(args.policy, template_dirs=args.templates)
    for problem in (*report.errors, *report.warnings):
        print(problem)
    print(_summary(args.policy, report))
    return 0 if report.is_ok else 1


def _summary(path: Path, report: LintReport) -> str:
    counts = f"{_plural(len(report.errors), 'error')}, {_plural(len(report.warnings), 'warning')}"
    if report.policy is None:
        return f"{path}: {counts}"
    slots = report.policy.slots.values()
    rules = sum(len(slot.rules) for slot in slots)
    size = f"{_plural(len(slots), 'slot')}, {_plural(rules, 'rule')}"
    return f"{path}: {counts} ({size}, {_plural(len(report.policy.segments), 'segment')})"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


if __name__ == "__main__":  # pragma: no cover - `python -m middleware.lint`
    sys.exit(main())
