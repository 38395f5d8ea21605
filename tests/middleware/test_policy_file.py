from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from middleware.policy_file import PolicyFile
from slots.errors import PolicyErrors
from slots.policy import Policy, load_policy

GOOD = "slots:\n  hero:\n    rules: [{name: a, when: {device.type: mobile}, show: a.html}]\n"
BETTER = "slots:\n  hero:\n    rules: [{name: b, when: {device.type: tablet}, show: b.html}]\n"
BAD = "slots:\n  hero:\n    rules: [{name: c, when: {device.tipe: mobile}, show: c.html}]\n"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class CountingLoader:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, text: str, filename: str) -> Policy:
        self.calls.append(filename)
        return load_policy(text, filename=filename)


def write(path: Path, text: str, *, stamp: int) -> None:
    path.write_text(text)
    # Distinct mtimes, as edits seconds apart would have (the test writes within microseconds).
    os.utime(path, ns=(stamp * 1_000_000_000, stamp * 1_000_000_000))


def rule_names(policy: Policy) -> list[str]:
    return [rule.name for rule in policy.slots["hero"].rules]


def make(tmp_path: Path, text: str = GOOD) -> tuple[PolicyFile, Path, Clock, CountingLoader]:
    path = tmp_path / "policy.yaml"
    write(path, text, stamp=1)
    clock, loader = Clock(), CountingLoader()
    return PolicyFile(path, loader=loader, check_interval=1.0, monotonic=clock), path, clock, loader


def test_policy_file_loads_at_construction(tmp_path: Path) -> None:
    policy_file, path, _, loader = make(tmp_path)
    assert rule_names(policy_file.current()) == ["a"]
    assert loader.calls == [str(path)]


def test_policy_file_invalid_at_start_raises(tmp_path: Path) -> None:
    with pytest.raises(PolicyErrors, match="unknown attribute 'device.tipe'"):
        make(tmp_path, BAD)


def test_policy_file_missing_at_start_raises(tmp_path: Path) -> None:
    with pytest.raises(PolicyErrors, match="cannot read the policy file .*nope.yaml"):
        PolicyFile(tmp_path / "nope.yaml", loader=CountingLoader())


def test_policy_file_valid_edit_takes_effect_after_the_interval(tmp_path: Path) -> None:
    policy_file, path, clock, _ = make(tmp_path)
    write(path, BETTER, stamp=2)
    clock.now += 0.5
    assert rule_names(policy_file.current()) == ["a"]  # not checked yet
    clock.now += 0.5
    assert rule_names(policy_file.current()) == ["b"]


def test_policy_file_unchanged_file_is_not_reparsed(tmp_path: Path) -> None:
    policy_file, _, clock, loader = make(tmp_path)
    for _ in range(5):
        clock.now += 2
        policy_file.current()
    assert len(loader.calls) == 1


def test_policy_file_invalid_edit_keeps_the_previous_policy(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    policy_file, path, clock, loader = make(tmp_path)
    write(path, BAD, stamp=2)
    clock.now += 1
    with caplog.at_level(logging.ERROR, logger="cheers.policy"):
        assert rule_names(policy_file.current()) == ["a"]
    (record,) = caplog.records
    assert record.levelno == logging.ERROR
    assert "policy.yaml:3:30: unknown attribute 'device.tipe'" in record.getMessage()
    assert "previous policy keeps serving" in record.getMessage()
    clock.now += 1
    policy_file.current()
    assert len(loader.calls) == 2  # the bad version was parsed once
    write(path, BETTER, stamp=3)
    clock.now += 1
    assert rule_names(policy_file.current()) == ["b"]


def test_policy_file_deleted_file_keeps_serving(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    policy_file, path, clock, _ = make(tmp_path)
    path.unlink()
    with caplog.at_level(logging.ERROR, logger="cheers.policy"):
        for _ in range(3):
            clock.now += 1
            assert rule_names(policy_file.current()) == ["a"]
    assert len(caplog.records) == 1  # said once, not at every check
    write(path, BETTER, stamp=4)
    clock.now += 1
    assert rule_names(policy_file.current()) == ["b"]
