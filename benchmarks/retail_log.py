"""The UCI Online Retail purchase log as baskets and a catalog, and its replay into a store."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from middleware.recommendations import Recommender
from middleware.stores.base import Store
from slots.catalog import Catalog, Item, build_catalog
from slots.profile import Profile

__all__ = [
    "COLUMNS",
    "CORPUS",
    "RECENT",
    "SEED",
    "Basket",
    "Case",
    "basket_cases",
    "next_purchase_cases",
    "popularity_ranking",
    "baskets_from_rows",
    "catalog_from_rows",
    "is_purchase_line",
    "read_corpus",
    "replay_purchases",
]

CORPUS: Final[Path] = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "online-retail"
    / "online_retail.parquet"
)
COLUMNS: Final[tuple[str, ...]] = (
    "InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID",
)
SEED: Final = "cheers-retail"
RECENT: Final = 20  # what a store keeps of a profile's recent items (StoreLimits.recent_items)
#: Real products have a five-digit code, sometimes with letters (85123A). Everything else is
#: postage (POST, DOT, C2), fees, manual lines (M), discounts (D), samples or gift vouchers;
#: the few DCGS... codes are one-off eBay lines.
_PRODUCT: Final = re.compile(r"^\d{5}[A-Z]*$")


@dataclass(frozen=True, slots=True)
class Basket:
    """One invoice: its distinct products in line order, bought at ``time`` (UTC)."""

    invoice: str
    customer: str | None
    time: datetime
    items: tuple[str, ...]

    @property
    def visitor(self) -> str:
        """The customer, or a one-off visitor for a guest checkout."""
        return self.customer if self.customer is not None else f"guest:{self.invoice}"


def is_purchase_line(row: Mapping[str, Any]) -> bool:
    """A product sold: not a cancellation (C...), a fee or postage, a return or a write-off."""
    return (
        not str(row["InvoiceNo"]).startswith("C")
        and _PRODUCT.match(str(row["StockCode"]).upper()) is not None
        and row["Quantity"] > 0
        and row["UnitPrice"] > 0
    )


def _utc(moment: datetime) -> datetime:
    # The log's times are the shop's UK wall clock; read as UTC, an hour off in summer.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def baskets_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Basket]:
    """Purchase baskets from invoice lines, in time order (then invoice number). Stock codes
    are upper-cased: the log spells some of them both ways (85123a, 85123A)."""
    lines: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        if is_purchase_line(row):
            lines.setdefault(str(row["InvoiceNo"]), []).append(row)
    baskets = []
    for invoice, group in lines.items():
        customer = group[0]["CustomerID"]
        items = dict.fromkeys(str(line["StockCode"]).upper() for line in group)
        baskets.append(Basket(
            invoice=invoice,
            customer=None if customer is None else str(int(customer)),
            time=_utc(group[0]["InvoiceDate"]),
            items=tuple(items),
        ))
    baskets.sort(key=lambda basket: (basket.time, basket.invoice))
    return baskets


def catalog_from_rows(rows: Iterable[Mapping[str, Any]]) -> Catalog:
    """Every product in the log, named and priced by its latest line; all in stock (the log
    has no category column)."""
    latest: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        if is_purchase_line(row):
            latest[str(row["StockCode"]).upper()] = row
    return build_catalog(
        (
            Item(
                id=code, name=str(line["Description"]), url=f"/items/{code}",
                price=line["UnitPrice"],
            )
            for code, line in latest.items()
        ),
        source="online_retail.parquet",
    )


def read_corpus(path: Path = CORPUS, *, limit: int | None = None) -> list[dict[str, Any]]:
    """The log's lines as dicts, read with pyarrow alone; the first ``limit`` when given."""
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=list(COLUMNS))
    if limit is not None:
        table = table.slice(0, limit)
    columns = [table.column(name).to_pylist() for name in COLUMNS]
    return [dict(zip(COLUMNS, values, strict=True)) for values in zip(*columns, strict=True)]


async def replay_purchases(
    store: Store, recommender: Recommender, baskets: Iterable[Basket]
) -> None:
    """Feed baskets to the store and the recommender as the middleware does on a purchase:
    the profile as it was before, then the profile update, then the shared statistics."""
    for basket in baskets:
        profile = await store.load_profile(basket.visitor)
        await store.record_purchase(basket.visitor, item_ids=basket.items, now=basket.time)
        await recommender.record_purchase(
            basket.visitor, item_ids=basket.items, profile=profile, now=basket.time
        )


@dataclass(frozen=True, slots=True)
class Case:
    """One test: what the recommender is given, and the items that count as a hit."""

    profile: Profile
    given: frozenset[str]
    targets: frozenset[str]
    now: datetime


def basket_cases(baskets: Iterable[Basket]) -> list[Case]:
    """Each basket of two or more items with one held out: a seeded random line, not the last
    (lines were keyed in product-family order, so the last one flatters neighbour methods).
    The rest is given as the visitor's recent items, newest (last keyed) first."""
    cases = []
    for basket in baskets:
        if len(basket.items) < 2:
            continue
        held = random.Random(f"{SEED}:{basket.invoice}").randrange(len(basket.items))
        given = basket.items[:held] + basket.items[held + 1 :]
        profile = Profile(visitor_id=basket.visitor, viewed=tuple(reversed(given))[:RECENT])
        cases.append(Case(profile, frozenset(given), frozenset({basket.items[held]}), basket.time))
    return cases


async def next_purchase_cases(
    store: Store, baskets: Iterable[Basket], *, returning: Iterable[str]
) -> list[Case]:
    """The first test basket of each customer seen in training: given the profile the store
    holds, predict any item of it new to them (bought items are never recommended)."""
    waiting = set(returning)
    cases = []
    for basket in baskets:
        if basket.customer is None or basket.customer not in waiting:
            continue
        waiting.discard(basket.customer)
        profile = await store.load_profile(basket.customer)
        targets = frozenset(basket.items) - set(profile.purchased if profile else ())
        if profile is not None and targets:
            cases.append(Case(profile, frozenset(), targets, basket.time))
    return cases


def popularity_ranking(baskets: Iterable[Basket]) -> list[str]:
    """Items by the number of baskets holding them, most first."""
    counts = Counter(item_id for basket in baskets for item_id in basket.items)
    return [item_id for item_id, _ in counts.most_common()]
