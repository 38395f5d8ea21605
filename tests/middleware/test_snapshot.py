"""Tests of the recommender's snapshot: reads and results kept together, dropped together."""

from __future__ import annotations

from middleware.snapshot import Snapshot


def snapshot(clock: list[float], *, maxsize: int = 100) -> Snapshot[str]:
    return Snapshot(ttl=60, maxsize=maxsize, clock=lambda: clock[0])


def test_snapshot_keeps_a_result_until_it_expires() -> None:
    clock = [0.0]
    kept = snapshot(clock)
    kept.current()["trending"] = [("a", 1.0)]
    kept.keep("for-you", "result", reads=["trending"], version=kept.version)
    clock[0] = 59.0
    assert kept.current() == {"trending": [("a", 1.0)]} and kept.result("for-you") == "result"
    clock[0] = 60.0
    assert kept.current() == {} and kept.result("for-you") is None


def test_snapshot_forget_drops_the_results_computed_from_a_forgotten_read() -> None:
    kept = snapshot([0.0])
    kept.current()
    kept.keep("from-a", "A", reads=[("bought", "a")], version=kept.version)
    kept.keep("from-a-and-b", "AB", reads=[("bought", "a"), ("bought", "b")], version=kept.version)
    kept.keep("from-b", "B", reads=[("bought", "b")], version=kept.version)
    kept.keep("from-nothing", "N", reads=[], version=kept.version)
    kept.forget([("bought", "a")])
    results = {
        key: kept.result(key) for key in ("from-a", "from-a-and-b", "from-b", "from-nothing")
    }
    assert results == {"from-a": None, "from-a-and-b": None, "from-b": "B", "from-nothing": "N"}


def test_snapshot_does_not_keep_a_result_computed_across_a_forget() -> None:
    kept = snapshot([0.0])
    kept.current()
    version = kept.version  # a computation starts here, then awaits the store ...
    kept.forget([("viewed", "z")])  # ... while this process records a view
    kept.keep("late", "stale?", reads=[], version=version)
    assert kept.result("late") is None


def test_snapshot_drops_the_results_past_their_bound_and_keeps_the_reads() -> None:
    kept = snapshot([0.0], maxsize=2)
    kept.current()["trending"] = [("a", 1.0)]
    for key in ("a", "b", "c"):
        kept.keep(key, key.upper(), reads=[], version=kept.version)
    assert kept.result("c") == "C"
    assert kept.current() == {"trending": [("a", 1.0)]}
    assert [kept.result(key) for key in ("a", "b", "c")] == [None, None, None]


def test_snapshot_drops_reads_and_results_past_the_bound_of_reads() -> None:
    kept = snapshot([0.0], maxsize=2)
    entries = kept.current()
    entries.update({("viewed", "a"): {}, ("viewed", "b"): {}, ("viewed", "c"): {}})
    kept.keep("a", "A", reads=[("viewed", "a")], version=kept.version)
    assert kept.current() == {} and kept.result("a") is None
