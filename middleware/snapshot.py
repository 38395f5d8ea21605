"""The recommender's snapshot: store reads and the results computed from them, for a while."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

__all__ = ["Snapshot"]

_R = TypeVar("_R")


class Snapshot(Generic[_R]):
    """Store reads kept for ``ttl`` seconds, and results computed from them.

    Item statistics move slowly, so a page may use similarities a minute old; in exchange a
    popular item costs a dict lookup instead of two store round trips and a normalisation.
    One clock read per request and plain dict lookups keep a hit far cheaper than a
    TTLCache's per-key expiry.

    A result (a slot's recommendation) is kept with the reads it was computed from, so that
    :meth:`forget` drops it along with them: it never outlives the statistics it used. At
    most ``maxsize`` reads and as many results are kept; past that, all reads (and the results
    with them), or all results, are dropped.
    """

    def __init__(self, *, ttl: float, maxsize: int, clock: Callable[[], float]) -> None:
        self._ttl = ttl
        self._maxsize = maxsize
        self._clock = clock
        self._entries: dict[Any, Any] = {}
        self._results: dict[Hashable, _R] = {}
        self._readers: dict[Any, list[Hashable]] = {}  # read key -> results computed from it
        self._expires = float("-inf")
        #: Changes whenever an entry is dropped: a result computed across a change may rest
        #: on statistics that are stale now, so it is not kept (see :meth:`keep`).
        self.version = 0

    def current(self) -> dict[Any, Any]:
        """The live entries; empty when the snapshot expired or grew past its bound."""
        now = self._clock()
        if now >= self._expires or len(self._entries) > self._maxsize:
            self._entries, self._results, self._readers = {}, {}, {}
            self._expires = now + self._ttl
            self.version += 1
        elif len(self._results) > self._maxsize:  # many histories: the reads stay useful
            self._results, self._readers = {}, {}
        return self._entries

    def result(self, key: Hashable) -> _R | None:
        """A result kept under ``key``; call :meth:`current` first, so expiry applies."""
        return self._results.get(key)

    def keep(self, key: Hashable, result: _R, *, reads: Iterable[Any], version: int) -> None:
        """Keep ``result``, computed from the entries ``reads`` while :attr:`version` was
        ``version``; if anything was dropped since, the result is not kept."""
        if version != self.version:
            return
        self._results[key] = result
        for read in reads:
            self._readers.setdefault(read, []).append(key)

    def forget(self, keys: Iterable[Any]) -> None:
        """Drop entries this process just made stale, and the results computed from them
        (other processes wait for the ttl)."""
        self.version += 1
        for key in keys:
            self._entries.pop(key, None)
            for result in self._readers.pop(key, ()):
                self._results.pop(result, None)
