"""Domain events (sự kiện nghiệp vụ): "this object changed", told to whoever listens, after
the change has committed.

Every state change in the platform is audited through ``audit.audit_record`` inside the
service's transaction; ``audit_record`` calls ``publish`` with the action, the object's label
(``"<app>.<model>"``) and primary key. Nothing is told yet: the events of a transaction are
kept and delivered **once, after it commits** (``transaction.on_commit``), de-duplicated, as
one list per subscriber call. A transaction that rolls back publishes nothing.

::

    from tinhso.kernel import events

    def on_events(batch: list[events.Event]) -> None: ...

    events.subscribe(on_events)   # e.g. in an AppConfig.ready()

A subscriber runs in the committing thread, outside any transaction, right after the commit
(the write it follows is already durable and its response not yet sent): it must be quick and
must not assume anything about the caller. A subscriber that raises is logged and skipped; the
write and the other subscribers are not affected.

How "only what committed" is kept exact with savepoints: Django drops the commit hooks that a
rolled-back savepoint registered, but the events themselves are kept per connection. Each event
carries the id of the audit row that published it; before delivering, one query keeps only the
events whose audit row exists (a row written in a rolled-back savepoint or transaction does
not). The delivery hook is registered again whenever the previous one may have been dropped
(read-only look at the connection's pending hooks), and the first hook to run takes the batch;
events kept from an earlier outermost block (a transaction that rolled back) are forgotten when
a new one publishes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from django.db import DEFAULT_DB_ALIAS, transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """One change: ``action`` as audited (``"dossiers.receive"``), the object's ``label``
    (``"dossiers.dossier"``) and ``pk`` (as text, the way the audit log stores it)."""

    action: str
    label: str
    pk: str
    audit_id: int | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.action, self.label, self.pk)


Subscriber = Callable[[list[Event]], None]

_subscribers: list[Subscriber] = []
_labels: dict[Subscriber, frozenset[str] | None] = {}
_local = threading.local()


def subscribe(handler: Subscriber, *, labels: Iterable[str] | None = None) -> Subscriber:
    """Call ``handler(events)`` after every commit that published events (idempotent);
    with ``labels``, only with the events about those ``"<app>.<model>"`` (and not at all
    when there are none)."""
    if handler not in _subscribers:
        _subscribers.append(handler)
    _labels[handler] = None if labels is None else frozenset(labels)
    return handler


def unsubscribe(handler: Subscriber) -> None:
    if handler in _subscribers:
        _subscribers.remove(handler)
    _labels.pop(handler, None)


def subscribers() -> list[Subscriber]:
    return list(_subscribers)


def _wanted(events: list[Event]) -> list[Event]:
    """The events at least one subscriber listens to."""
    if any(_labels.get(handler) is None for handler in _subscribers):
        return events
    wanted = frozenset().union(*(_labels.get(handler) or () for handler in _subscribers))
    return [event for event in events if event.label in wanted]


class _Pending:
    __slots__ = ("events", "hook", "outer")

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.hook: Callable[[], None] | None = None
        self.outer = None  # the outermost atomic block the events were published in


def _pending(using: str) -> _Pending:
    state = getattr(_local, "pending", None)
    if state is None:
        state = _local.pending = {}
    return state.setdefault(using, _Pending())


def _hook_registered(connection, hook) -> bool:
    if hook is None:
        return False
    return any(hook in entry for entry in getattr(connection, "run_on_commit", ()))


def publish(event: Event, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Keep ``event`` for delivery after the current transaction commits (immediately when
    there is no transaction). ``audit_record`` calls this; services need not."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        _deliver_now([event])
        return
    state = _pending(using)
    if not _hook_registered(connection, state.hook):
        blocks = getattr(connection, "atomic_blocks", None) or [None]
        if blocks[0] is not state.outer:
            # A new transaction: what an earlier one kept was rolled back with it.
            state.events, state.outer = [], blocks[0]
        state.hook = partial(_deliver, using)
        transaction.on_commit(state.hook, using=using)
    state.events.append(event)


def _committed(events: list[Event], using: str) -> list[Event]:
    """``events`` without those whose audit row did not commit."""
    from tinhso.kernel.models import AuditEvent

    ids = sorted({event.audit_id for event in events if event.audit_id is not None})
    rows = set()
    for at in range(0, len(ids), 500):
        rows |= set(
            AuditEvent.objects.using(using)
            .filter(pk__in=ids[at : at + 500])
            .values_list("pk", "action", "object_type", "object_id")
        )
    return [
        event
        for event in events
        if event.audit_id is None or (event.audit_id, event.action, event.label, event.pk) in rows
    ]


def _deliver(using: str) -> None:
    state = _pending(using)
    events, state.events, state.hook = state.events, [], None
    events = _wanted(events)
    if not events:  # nobody listens: no query at all
        return
    try:
        events = _committed(events, using)
    except Exception:
        logger.exception("Checking %d domain events against the audit log failed.", len(events))
        return
    # The same change audited twice in a transaction is told once (its first audit row).
    unique: dict[tuple[str, str, str], Event] = {}
    for event in events:
        unique.setdefault(event.key, event)
    _deliver_now(unique.values())


def _deliver_now(events: Iterable[Event]) -> None:
    events = list(events)
    if not events:
        return
    for handler in list(_subscribers):
        labels = _labels.get(handler)
        mine = [event for event in events if labels is None or event.label in labels]
        if not mine:
            continue
        try:
            handler(mine)
        except Exception:
            logger.exception(
                "Domain-event subscriber %s failed on %d events.",
                getattr(handler, "__qualname__", handler),
                len(events),
            )


def discard_pending(using: str = DEFAULT_DB_ALIAS) -> None:
    """Forget the events kept for delivery on this thread (tests; after a rollback the next
    delivery drops them anyway)."""
    _pending(using).events.clear()
