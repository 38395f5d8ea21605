from __future__ import annotations

from datetime import UTC, datetime

import pytest

from slots.errors import PolicyErrors
from slots.yamlsource import Diagnostics, describe, did_you_mean, load_yaml

TEXT = """\
slots:
  hero:
    rules:
      - name: rainy
        when: {weather.condition: rain}
"""


def test_load_yaml_keeps_value_and_key_marks() -> None:
    document = load_yaml(TEXT, filename="p.yaml")
    assert document.data["slots"]["hero"]["rules"][0]["name"] == "rainy"
    value = document.location(("slots", "hero", "rules", 0, "when", "weather.condition"))
    assert (value.line, value.column) == (5, 35)
    key = document.location(("slots", "hero", "rules", 0, "when"), at_key=True)
    assert (key.line, key.column) == (5, 9)
    assert key.source_line == "        when: {weather.condition: rain}"
    assert str(key) == "p.yaml:5:9"


def test_load_yaml_location_falls_back_to_the_nearest_parent() -> None:
    document = load_yaml(TEXT, filename="p.yaml")
    rewritten = ("slots", "hero", "rules", 0, "when", "weather.condition", "$in", 0)
    assert document.location(rewritten) == document.location(rewritten[:-2])
    assert document.location(("nothing", "here")).line == 1


def test_load_yaml_keys_are_always_text() -> None:
    document = load_yaml("on: 1\n2: yes\nnull: ~\n", filename="p.yaml")
    assert document.data == {"on": 1, "2": True, "null": None}


def test_load_yaml_reads_aware_timestamps() -> None:
    document = load_yaml("start: 2026-12-01T00:00:00Z\n", filename="p.yaml")
    assert document.data["start"] == datetime(2026, 12, 1, tzinfo=UTC)


def test_load_yaml_records_duplicate_keys() -> None:
    document = load_yaml("slots:\n  hero: 1\n  cta: 2\n  hero: 3\n", filename="p.yaml")
    assert document.data == {"slots": {"hero": 1, "cta": 2}}
    (duplicate,) = document.duplicates
    assert duplicate.path == ("slots", "hero")
    assert duplicate.first_line == 2
    assert document.location_at(duplicate.mark).line == 4


def test_load_yaml_merge_keys_may_be_overridden() -> None:
    document = load_yaml("base: &b {a: 1, b: 2}\nchild:\n  <<: *b\n  b: 3\n", filename="p.yaml")
    assert document.data["child"] == {"a": 1, "b": 3}
    assert document.duplicates == ()


def test_load_yaml_syntax_error_has_the_parser_location() -> None:
    with pytest.raises(PolicyErrors) as raised:
        load_yaml("a: 1\nb: [1, 2\nc: 3\n", filename="p.yaml")
    assert str(raised.value) == (
        "p.yaml:3:2: invalid YAML: expected ',' or ']', but got ':' "
        "(while parsing a flow sequence started at line 2)\n"
        "    c: 3\n"
        "     ^"
    )


def test_load_yaml_rejects_several_documents_and_tabs() -> None:
    with pytest.raises(PolicyErrors, match=r"p.yaml:2:1: invalid YAML: but found another document"):
        load_yaml("a: 1\n---\nb: 2\n", filename="p.yaml")
    # libyaml words this differently; the message must not depend on how PyYAML was built.
    with pytest.raises(PolicyErrors, match=r"p.yaml:2:1: invalid YAML: found character '\\t'"):
        load_yaml("a:\n\tb: 1\n", filename="p.yaml")


def test_load_yaml_rejects_self_referencing_aliases() -> None:
    with pytest.raises(PolicyErrors, match="an alias refers to itself"):
        load_yaml("a: &x [1, *x]\n", filename="p.yaml")


def test_load_yaml_empty_document_is_none() -> None:
    assert load_yaml("# nothing\n", filename="p.yaml").data is None


def test_diagnostics_raise_every_error_in_source_order() -> None:
    document = load_yaml(TEXT, filename="p.yaml")
    diag = Diagnostics(document)
    diag.error(("slots", "hero", "rules", 0, "when"), "second")
    diag.error(("slots",), "first", at_key=True)
    with pytest.raises(PolicyErrors) as raised:
        diag.raise_if_any()
    assert [error.message for error in raised.value.errors] == ["first", "second"]


def test_diagnostics_check_keys_suggests() -> None:
    document = load_yaml("rules: []\nmoed: first\nzzz: 1\n", filename="p.yaml")
    diag = Diagnostics(document)
    diag.check_keys((), document.data, ("mode", "rules"), "a slot")
    assert [str(error).splitlines()[0] for error in diag.errors] == [
        "p.yaml:2:1: unknown key 'moed' in a slot (did you mean 'mode'?)",
        "p.yaml:3:1: unknown key 'zzz' in a slot; expected one of: mode, rules",
    ]


def test_diagnostics_check_name_rejects_separators() -> None:
    document = load_yaml("'my hero': 1\nhero: 2\n", filename="p.yaml")
    diag = Diagnostics(document)
    assert not diag.check_name(("my hero",), "my hero", "slot")
    assert diag.check_name(("hero",), "hero", "slot")
    assert diag.errors[0].message == (
        "slot name 'my hero' may use only letters, digits, '_', '-' and '.'"
    )


def test_did_you_mean_and_describe() -> None:
    assert did_you_mean("gte", ["$gte", "$lte"]) == " (did you mean '$gte'?)"
    assert did_you_mean("zzz", ["$gte"]) == ""
    values: list[object] = [None, True, 3, "x", [1], {}]
    assert [describe(value) for value in values] == [
        "null", "true (a boolean)", "the number 3", "the text 'x'", "a list", "a mapping",
    ]
