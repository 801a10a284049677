"""The audit log (nhật ký thao tác): who did what, when, from where, and what changed.

Every service writes one row per state change, in its own transaction, so the change and its
record commit or vanish together. Rows are append-only: the model refuses updates and deletes,
and database triggers (migration 0002) refuse them for every other writer.

The one exception is ``manage.py flush``, which empties every table (the test runner uses it
after transactional tests): on PostgreSQL it truncates, which the row triggers do not see; on
SQLite the delete trigger asks ``tinhso_audit_flush_allowed()``, a function this module
registers on every connection and that answers yes only inside the kernel's ``flush``
command. A connection without the function (the sqlite3 shell) cannot delete at all.

Each row is also a domain event (``tinhso.kernel.events``): its action, object type and id are
told to the subscribers after the transaction commits.

Personal data (Decree 13/2023/NĐ-CP) never enters the log in clear: ``diff`` and
``audit_record`` mask the values of CCCD numbers, phone numbers, addresses and dates of birth.
"""

from __future__ import annotations

import datetime as dt
import decimal
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from tinhso.kernel import events
from tinhso.kernel.logging import mask_personal_data
from tinhso.kernel.middleware import current_request_context
from tinhso.kernel.models import AuditEvent

PERSONAL_DATA_FIELDS = frozenset({"cccd", "phone", "address", "date_of_birth"})
_HIDDEN = "***"


def mask_value(field: str, value: Any) -> Any:
    """``value`` as it may be written to the log for ``field``.

    Empty values stay visible (the log should show that a field was set or cleared). CCCD and
    phone numbers keep their first and last three characters; addresses and dates of birth are
    hidden whole. Masking a masked value changes nothing.
    """
    if field not in PERSONAL_DATA_FIELDS or value is None or value == "":
        return value
    if field in {"cccd", "phone"}:
        text = str(value)
        if len(text) <= 6:
            return "*" * len(text)
        return text[:3] + "*" * (len(text) - 6) + text[-3:]
    return _HIDDEN


def json_safe(value: Any) -> Any:
    """``value`` in a form ``JSONField`` stores and reads back unchanged."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in {float("inf"), float("-inf")} else None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return json_safe(value.pk)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_safe(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return str(value)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value differs, JSON-safe and with
    personal data masked. A field missing on one side counts as ``None`` there."""
    changes: dict[str, list[Any]] = {}
    for field in [*before, *(key for key in after if key not in before)]:
        old, new = json_safe(before.get(field)), json_safe(after.get(field))
        if old != new:
            changes[field] = [mask_value(field, old), mask_value(field, new)]
    return changes


def _mask_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    masked = {}
    for field, value in changes.items():
        if field in PERSONAL_DATA_FIELDS:
            if isinstance(value, list):
                value = [mask_value(field, item) for item in value]
            else:
                value = mask_value(field, value)
        masked[field] = value
    return masked


def _actor_and_label(actor) -> tuple[Any, str]:
    if actor is None:
        return None, "system"
    if not getattr(actor, "is_authenticated", False) or actor.pk is None:
        return None, "anonymous"
    # A citizen's username is their CCCD: the label keeps it masked like a log line does.
    return actor, mask_personal_data(actor.get_username())[:150]


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    summary: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit row in the caller's transaction.

    Call it from inside ``transaction.atomic()`` (every service runs in one), after the change
    it records; a rollback removes the row with the change. ``actor`` is the acting user, or
    ``None`` for the system (a task, a migration). ``obj`` names the object; without it give
    ``object_type`` (``"<app>.<model>"`` or any stable name) and ``object_id``. Personal-data
    fields in ``changes`` are masked.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record() must be called inside transaction.atomic().")
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = obj.pk if object_id is None else object_id
    if not object_type:
        raise ValueError("audit_record() needs obj or object_type.")
    actor, actor_label = _actor_and_label(actor)
    context = current_request_context()
    row = AuditEvent.objects.create(
        actor=actor,
        actor_label=actor_label,
        ip_address=context.ip_address if context else None,
        request_id=context.request_id if context else "",
        action=action[:100],
        object_type=object_type[:100],
        object_id="" if object_id is None else str(object_id)[:64],
        summary=str(summary)[:500],
        changes=_mask_changes(json_safe(dict(changes or {}))),
    )
    # Told to the subscribers once the transaction commits (nothing if it rolls back).
    events.publish(events.Event(row.action, row.object_type, row.object_id, row.pk))
    return row


# Emptying the whole database -----------------------------------------------------------------

_flush = threading.local()


@contextmanager
def audit_log_flushable() -> Iterator[None]:
    """Let ``manage.py flush`` empty the audit log on SQLite (see the module docstring)."""
    _flush.allowed = True
    try:
        yield
    finally:
        _flush.allowed = False


def _sqlite_flush_allowed() -> int:
    return 1 if getattr(_flush, "allowed", False) else 0


def register_sqlite_functions(sender=None, connection=None, **kwargs) -> None:
    """Give a new SQLite connection the function the audit trigger consults
    (``connection_created`` receiver)."""
    if connection is not None and connection.vendor == "sqlite":
        connection.connection.create_function(
            "tinhso_audit_flush_allowed", 0, _sqlite_flush_allowed
        )
