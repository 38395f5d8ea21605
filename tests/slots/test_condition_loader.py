from __future__ import annotations

from slots.condition_loader import SegmentRefs, load_condition, rewrite_segment_refs
from slots.yamlsource import Diagnostics, load_yaml


def test_rewrite_segment_refs_at_any_depth() -> None:
    condition = {
        "$or": [{"segments": "a"}, {"$not": {"segments": "b"}}],
        "segments": {"$in": ["c"]},
    }
    assert rewrite_segment_refs(condition) == {
        "$or": [{"segments": {"$in": ["a"]}}, {"$not": {"segments": {"$in": ["b"]}}}],
        "segments": {"$in": ["c"]},
    }
    assert rewrite_segment_refs({"geo.city": "segments"}) == {"geo.city": "segments"}


def test_load_condition_item_filter_checks_item_fields() -> None:
    document = load_yaml("f: {price: {$lt: 10}, colour: red}\n", filename="p.yaml")
    diag = Diagnostics(document)
    condition, _ = load_condition(diag, ("f",), document.data["f"], groups={}, segment_names=(),
                                  item_fields=("price", "tags"))
    assert condition is None
    assert [e.message for e in diag.errors] == ["unknown item field 'colour'"]


def test_load_condition_segment_operators_work_on_the_list() -> None:
    document = load_yaml(
        "c: {segments: {$all: [a, b]}, $or: [{segments: {$nin: [c]}}]}\n", filename="p.yaml"
    )
    diag = Diagnostics(document)
    condition, refs = load_condition(diag, ("c",), document.data["c"], groups={},
                                     segment_names=("a", "b", "c"))
    assert condition is not None and refs == SegmentRefs(("a", "b", "c"))
    assert condition({"segments": ["b", "a"]})
    assert not condition({"segments": ["a", "b", "c"]})
    assert not condition({"segments": ["a"]})


def test_load_condition_reports_unknown_groups_and_rejects_empty() -> None:
    document = load_yaml("c: {visitor.id: {$notInGroup: qa}}\nd: {}\n", filename="p.yaml")
    diag = Diagnostics(document)
    assert load_condition(diag, ("c",), document.data["c"], groups={}, segment_names=())[0] is None
    assert load_condition(diag, ("d",), document.data["d"], groups={}, segment_names=())[0] is None
    assert [e.message for e in diag.errors] == [
        "unknown group 'qa'; the policy defines no groups",
        "a condition is empty; leave it out to match everything",
    ]


def test_load_condition_rejects_whole_list_equality_on_segments() -> None:
    document = load_yaml("c: {segments: {$eq: a}}\nd: {segments: [a]}\n", filename="p.yaml")
    diag = Diagnostics(document)
    for key in ("c", "d"):
        load_condition(diag, (key,), document.data[key], groups={}, segment_names=("a",))
    assert [(e.location.line, e.message) for e in diag.errors if e.location] == [
        (1, "segments is a list, so this would compare the whole list; write {segments: NAME}, "
            "or $all, $in or $nin with a list of names"),
        (2, "segments is a list, so this would compare the whole list; write {segments: NAME}, "
            "or $all, $in or $nin with a list of names"),
    ]
