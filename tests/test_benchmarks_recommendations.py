"""Tests of the recommendation benchmark: its train()/recommend() API and its data prep."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from benchmarks.recommendations import Score, group_events, train
from benchmarks.retail_log import (
    Basket,
    basket_cases,
    baskets_from_rows,
    catalog_from_rows,
    next_purchase_cases,
    popularity_ranking,
    read_corpus,
)
from middleware.stores import open_store

START = datetime(2024, 1, 1, tzinfo=UTC)


def purchase(session: str, item: str, minute: int, visitor: str = "v") -> dict[str, Any]:
    return {
        "session_id": session,
        "visitor_id": visitor,
        "item_id": item,
        "timestamp": START + timedelta(minutes=minute),
        "event": "purchase",
    }


def view(session: str, item: str, minute: int, visitor: str = "v") -> dict[str, Any]:
    return {**purchase(session, item, minute, visitor), "event": "view"}


def line(
    invoice: str,
    code: str,
    *,
    quantity: int = 1,
    price: float = 1.0,
    customer: float | None = 12345.0,
    minute: int = 0,
) -> dict[str, Any]:
    return {
        "InvoiceNo": invoice,
        "StockCode": code,
        "Description": f"item {code}",
        "Quantity": quantity,
        "InvoiceDate": datetime(2011, 1, 1) + timedelta(minutes=minute),
        "UnitPrice": price,
        "CustomerID": customer,
    }


def test_train_learns_what_is_bought_together() -> None:
    events = [
        purchase("s1", "tent", 0),
        purchase("s1", "mat", 0),
        purchase("s2", "tent", 5, "w"),
        purchase("s2", "mat", 5, "w"),
        purchase("s3", "tent", 9, "x"),
        purchase("s3", "stove", 9, "x"),
        purchase("s4", "mug", 12, "y"),
        purchase("s4", "spoon", 12, "y"),
    ]
    model = train(events)
    assert model.recommend(["tent"], 2) == ["mat", "stove"]
    # spoon was bought every time mug was, so it outranks tent's neighbours.
    assert model.recommend(["mug", "tent"], 5) == ["spoon", "mat", "stove"]
    assert model.recommend(["tent"], 1, strategy="trending") == ["mat"]  # tent is in the history


def test_train_reads_views_and_unix_timestamps() -> None:
    start = START.timestamp()
    events = [
        {
            "session_id": "s",
            "visitor_id": "v",
            "item_id": item,
            "timestamp": start + i,
            "event": "view",
        }
        for i, item in enumerate(["boots", "socks", "boots", "laces"])
    ]
    model = train(events)
    assert model.recommend(["socks"], 3, strategy="also_viewed") == ["boots", "laces"]
    assert model.recommend(["laces"], 3, strategy="also_viewed") == ["boots", "socks"]
    assert model.now == datetime.fromtimestamp(start + 3, tz=UTC)


def test_group_events_makes_consecutive_purchases_of_a_session_one_basket() -> None:
    events = [
        purchase("s1", "a", 0),
        purchase("s1", "b", 0),
        view("s1", "z", 1),
        purchase("s1", "c", 2),
        purchase("s2", "d", 2),
        view("s2", "y", 3),
        view("s2", "x", 3),
    ]
    groups = [[event["item_id"] for event in group] for group in group_events(events)]
    assert groups == [["a", "b"], ["z"], ["c"], ["d"], ["y"], ["x"]]


def test_train_rejects_an_unknown_event() -> None:
    with pytest.raises(ValueError, match="an event is 'view' or 'purchase', not 'click'"):
        train([{**view("s", "a", 0), "event": "click"}])


def test_baskets_from_rows_keep_products_sold_and_drop_the_rest() -> None:
    rows = [
        line("536365", "85123A", minute=2),
        line("536365", "71053", minute=2),
        line("536365", "85123a", minute=2),  # the same product, spelled in lower case
        line("536365", "POST", minute=2),
        line("536365", "22633", quantity=-1, minute=2),
        line("536365", "22632", price=0.0, minute=2),
        line("C536379", "22556", quantity=-12, minute=3),
        line("536366", "gift_0001_10", minute=1),
        line("536366", "22745", customer=None, minute=1),
    ]
    baskets = baskets_from_rows(rows)
    assert [(b.invoice, b.customer, b.items) for b in baskets] == [
        ("536366", None, ("22745",)),
        ("536365", "12345", ("85123A", "71053")),
    ]
    assert baskets[0].visitor == "guest:536366" and baskets[1].time.tzinfo is UTC
    assert set(catalog_from_rows(rows).items) == {"85123A", "71053", "22745"}


def test_basket_cases_hold_out_a_seeded_line_not_always_the_last() -> None:
    baskets = [
        Basket(invoice=str(n), customer=None, time=START, items=tuple(f"i{k}" for k in range(6)))
        for n in range(40)
    ]
    cases = basket_cases(baskets + [Basket("single", None, START, ("x",))])
    held = [next(iter(case.targets)) for case in cases]
    assert len(cases) == 40 and len(set(held)) > 3
    assert held == [next(iter(case.targets)) for case in basket_cases(baskets)]  # deterministic
    first = cases[0]
    assert first.given.isdisjoint(first.targets) and len(first.given) == 5
    assert first.profile.viewed == tuple(sorted(first.given, reverse=True))  # last keyed first


async def test_next_purchase_cases_predict_new_items_of_a_returning_customer() -> None:
    store = open_store("memory://")
    await store.record_purchase("c1", item_ids=["a", "b"], now=START)
    later = [
        Basket("2", "c1", START, ("a", "c")),
        Basket("3", "c1", START, ("d",)),
        Basket("4", "c2", START, ("e",)),
        Basket("5", None, START, ("f",)),
    ]
    cases = await next_purchase_cases(store, later, returning={"c1", "c2"})
    assert [case.targets for case in cases] == [frozenset({"c"})]  # c2 has no stored profile
    assert cases[0].profile.purchased == ("a", "b")


def test_score_counts_hits_in_the_top_ten_and_reciprocal_ranks() -> None:
    score = Score()
    score.add(["x", "a"], frozenset({"a"}))
    score.add([f"n{k}" for k in range(10)] + ["a"], frozenset({"a"}))
    assert (score.cases, score.hits) == (2, 1)
    assert score.hit_rate == 0.5 and score.mrr == pytest.approx(0.25)
    assert popularity_ranking(
        [Basket("1", None, START, ("a", "b")), Basket("2", None, START, ("b",))]
    ) == ["b", "a"]


@pytest.mark.corpus
def test_read_corpus_prepares_real_invoice_lines(corpora: Path) -> None:
    rows = read_corpus(corpora / "online-retail" / "online_retail.parquet", limit=400)
    assert len(rows) == 400 and rows[0]["InvoiceNo"] == "536365"
    baskets = baskets_from_rows(rows)
    assert baskets and all(not b.invoice.startswith("C") for b in baskets)
    assert all(re.fullmatch(r"\d{5}[A-Z]*", item) for b in baskets for item in b.items)
    assert all(len(set(b.items)) == len(b.items) for b in baskets)
    assert [b.time for b in baskets] == sorted(b.time for b in baskets)
    assert catalog_from_rows(rows).get("85123A") is not None
