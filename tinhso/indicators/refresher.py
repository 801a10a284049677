"""The background refresher: one daemon thread per process that keeps the IOC's computed
counts fresh after commits, so the request that made the change does not wait for it.

``registry.on_events`` (a kernel domain-event subscriber, called in the committing thread right
after the commit) only hands the events to ``submit``: no query, a lock and a set update. The
thread takes **everything pending at once** (the events of many commits; one pk changed ten
times is one event), finds the units and months they touch (``registry.touched_by``) and
recomputes them in one ``registry.refresh_counts`` transaction, on its own database connection.
While it works, new events pile up and become the next single batch: under load, many changes
to one unit and month cost one refresh. A failed refresh is logged and marked for the tick
(``registry.refresh_or_mark``), and the thread goes on with the next batch.

Process life: the thread starts on the first ``submit`` in a process (a gunicorn master never
commits, so it never has one; each forked worker starts its own). A child forked from a process
that has one starts afresh (``os.register_at_fork`` and a pid check): the parent's thread and
lock are not inherited. The thread closes its connection whenever it falls idle (no connection
held between bursts, none left open when a test database is dropped). At normal exit the pending
work is flushed (``atexit``, a few seconds at most); after a kill, the tick's sweep of this
month and the last covers what was lost.

``wait_idle(timeout)`` returns once nothing is pending or running (tests, benchmarks, commands
that must read what they just wrote); ``paused()`` holds the thread for a moment (tests).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator

from tinhso.kernel import events

logger = logging.getLogger(__name__)

EXIT_FLUSH_SECONDS = 5.0


class Refresher:
    """A coalescing work queue with one consumer thread. ``work(events)`` is called with the
    distinct events pending; it must not raise (the thread logs and survives if it does)."""

    def __init__(self, work: Callable[[list[events.Event]], None], *, name: str) -> None:
        self._work = work
        self._name = name
        self._reset()
        atexit.register(self._flush_at_exit)

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._cond = threading.Condition(threading.Lock())
        self._pending: dict[tuple[str, str, str], events.Event] = {}
        self._busy = False
        self._paused = 0
        self._thread: threading.Thread | None = None
        self.batches = 0  # batches run in this process (tests, diagnostics)
        self.failures = 0  # batches whose work raised

    # --- the committing side ------------------------------------------------------------

    def submit(self, batch: Iterable[events.Event]) -> None:
        """Queue ``batch`` for the thread (started if this process has none yet)."""
        if self._pid != os.getpid():  # forked without the at-fork hook (belt and braces)
            self._reset()
        with self._cond:
            for event in batch:
                self._pending.setdefault(event.key, event)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is pending or being refreshed in this process; False if
        ``timeout`` (seconds) ran out first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending or self._busy:
                if self._thread is None or not self._thread.is_alive():
                    return False  # nobody left to do it
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
            return True

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Hold the thread: it finishes the batch it has, then takes nothing new until the
        block ends (what commits meanwhile piles up). For tests on SQLite's in-memory test
        database, whose shared cache fails a second writer at once instead of waiting."""
        with self._cond:
            self._paused += 1
            while self._busy:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._paused -= 1
                self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return len(self._pending)

    # --- the thread -----------------------------------------------------------------------

    def _run(self) -> None:
        from django.db import close_old_connections, connection

        while True:
            with self._cond:
                while not self._pending or self._paused:
                    self._cond.wait()
                batch = list(self._pending.values())
                self._pending = {}
                self._busy = True
            try:
                close_old_connections()  # a connection broken by the last batch is dropped
                self._work(batch)
            except Exception:
                self.failures += 1
                logger.exception("The background refresh of %d changes failed.", len(batch))
            finally:
                with self._cond:
                    self.batches += 1
                    idle = not self._pending
                if idle:
                    try:
                        connection.close()  # none held between bursts
                    except Exception:
                        logger.exception("Closing the refresher's connection failed.")
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _flush_at_exit(self) -> None:
        busy = self._pid == os.getpid() and (self._pending or self._busy)
        if busy and not self.wait_idle(EXIT_FLUSH_SECONDS):
            logger.warning(
                "Exiting with %d IOC refreshes not done; the next tick catches up.",
                self.pending(),
            )


_refresher: Refresher | None = None
_guard = threading.Lock()


def get(work: Callable[[list[events.Event]], None]) -> Refresher:
    """This process's refresher (created on first use)."""
    global _refresher
    if _refresher is None:
        with _guard:
            if _refresher is None:
                _refresher = Refresher(work, name="tinhso-ioc-refresher")
    return _refresher


def _after_fork_in_child() -> None:
    global _guard
    _guard = threading.Lock()
    if _refresher is not None:
        _refresher._reset()


os.register_at_fork(after_in_child=_after_fork_in_child)
