"""The SQLite store's batch writer: one thread, one connection, one transaction per batch.

The writes queued in one loop iteration, or while the thread applies the previous batch,
commit together in one ``BEGIN IMMEDIATE`` transaction (at most :data:`MAX_BATCH`), each in
its own SAVEPOINT: a write that fails is undone alone and only its caller gets the error.
Callers resume after the commit, so their next read sees it. A batch that finds the file
locked waits up to the connection's ``busy_timeout``, then fails every write in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["MAX_BATCH", "BatchWriter", "Work"]

_T = TypeVar("_T")
#: What runs on the write connection: statements, and the result its caller gets back.
Work = Callable[[sqlite3.Connection], _T]

#: The most writes in one transaction, so that no batch holds the write lock for long.
MAX_BATCH = 256


@dataclass(frozen=True, slots=True)
class _Failure:
    """What one write of a batch raised: its caller gets it; the rest of the batch commits."""

    error: Exception


@dataclass(frozen=True, slots=True)
class _Job:
    work: Work[object]
    future: asyncio.Future[Any]


def _attempt(conn: sqlite3.Connection, work: Work[object]) -> object:
    """Run one write in its own SAVEPOINT, so that a failure undoes that write alone."""
    conn.execute("SAVEPOINT cheers_write")
    try:
        result = work(conn)
    except Exception as error:
        if not conn.in_transaction:  # SQLite rolled back the whole batch (disk full, I/O)
            raise
        conn.execute("ROLLBACK TO cheers_write")
        conn.execute("RELEASE cheers_write")
        return _Failure(error)
    conn.execute("RELEASE cheers_write")
    return result


class BatchWriter:
    """The thread that owns the write connection and applies writes in batches (``_apply``
    and ``connection`` run on that thread; the rest on the event loop's)."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._conn: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[_Job] = []
        self._busy = False  # a flush is scheduled or a batch is on the thread

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def connection(self) -> sqlite3.Connection:
        """The write connection; call only on the writer thread."""
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def _thread(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="cheers-sqlite")
        return self._executor

    async def run(self, work: Work[_T]) -> _T:
        """Run ``work`` on the writer thread on its own, outside any batch."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread(), lambda: work(self.connection()))

    def submit(self, work: Work[object]) -> asyncio.Future[Any]:
        """Queue a write for the next batch; the future resolves once the batch commits."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            if self._busy and self._loop is not None and not self._loop.is_closed():
                raise RuntimeError(
                    "this SQLiteStore is busy on another event loop; open one store per loop"
                )
            self._loop, self._pending, self._busy = loop, [], False
        future = loop.create_future()
        self._pending.append(_Job(work, future))
        if not self._busy:
            self._busy = True
            # Next iteration: every task runnable now queues its writes into this batch first.
            loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        self._pending = [job for job in self._pending if not job.future.cancelled()]
        if not self._pending:
            self._busy = False
            return
        jobs, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        try:
            self._thread().submit(self._apply, asyncio.get_running_loop(), jobs)
        except RuntimeError as error:  # the interpreter is shutting down
            self._settle(jobs, [_Failure(error)] * len(jobs))

    def _apply(self, loop: asyncio.AbstractEventLoop, jobs: list[_Job]) -> None:
        outcomes: list[object]
        try:
            conn = self.connection()
            conn.execute("BEGIN IMMEDIATE")  # waits for the write lock up to busy_timeout
            with conn:  # commits, or rolls back on an exception
                outcomes = [_attempt(conn, job.work) for job in jobs]
        except Exception as error:  # the batch as a whole: locked, disk full, cannot open
            outcomes = [_Failure(error)] * len(jobs)
        try:
            loop.call_soon_threadsafe(self._settle, jobs, outcomes)
        except RuntimeError:  # the loop is closed: nobody waits for these any more
            pass

    def _settle(self, jobs: list[_Job], outcomes: list[object]) -> None:
        for job, outcome in zip(jobs, outcomes, strict=True):
            if job.future.done():  # its caller was cancelled meanwhile
                continue
            if isinstance(outcome, _Failure):
                job.future.set_exception(outcome.error)
            else:
                job.future.set_result(outcome)
        self._flush()  # the writes queued meanwhile make the next batch

    async def close(self) -> None:
        """Commit what is queued, then close the connection on its own thread."""
        if self._busy:
            with contextlib.suppress(sqlite3.Error):  # a failed batch told its own callers
                await self.submit(lambda conn: None)
        if self._conn is not None:
            await self.run(lambda conn: conn.close())
            self._conn = None
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False)
