"""Writes of the kernel room: the administrators' calendar overrides.

Permission is the caller's business (the kernel knows no roles): the admin site checks Django's
model permissions, an API or page checks ``Perm.CALENDAR_MANAGE`` before calling.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tinhso.kernel.audit import audit_record, diff
from tinhso.kernel.errors import InvalidInput, NotFound
from tinhso.kernel.models import CalendarDay
from tinhso.kernel.text import normalize

_FIELDS = ("kind", "name", "legal_basis")


def _snapshot(day: CalendarDay | None) -> dict:
    if day is None:
        return {}
    return {"date": day.date, **{field: getattr(day, field) for field in _FIELDS}}


def calendar_day_set(
    *,
    acting_user,
    date: dt.date,
    kind: str,
    name: str,
    legal_basis: str = "",
) -> CalendarDay:
    """Enter (or change) the override for ``date``: an extra day off or an extra working day."""
    if kind not in CalendarDay.Kind.values:
        raise InvalidInput(
            "calendar_kind_invalid",
            _("Choose whether the day is a day off or a working day."),
            details={"field": "kind", "allowed": list(CalendarDay.Kind.values)},
        )
    name, legal_basis = normalize(name), normalize(legal_basis)
    if not name:
        raise InvalidInput(
            "calendar_name_required",
            _("Give the reason for the change (e.g. the decision that decreed it)."),
            details={"field": "name"},
        )
    max_name = CalendarDay._meta.get_field("name").max_length
    max_basis = CalendarDay._meta.get_field("legal_basis").max_length
    if len(name) > max_name or len(legal_basis) > max_basis:
        raise InvalidInput(
            "calendar_text_too_long",
            _("The reason and the legal basis may have at most %(limit)d characters each.")
            % {"limit": min(max_name, max_basis)},
        )
    with transaction.atomic():
        day = CalendarDay.objects.select_for_update().filter(date=date).first()
        before = _snapshot(day)
        if day is None:
            day = CalendarDay(date=date)
        day.kind, day.name, day.legal_basis = kind, name, legal_basis
        day.save()
        audit_record(
            actor=acting_user,
            action="calendar_day.set",
            obj=day,
            # The date, not the row id, names an override across remove and re-entry.
            object_id=date.isoformat(),
            summary=f"{date.isoformat()} {kind}",
            changes=diff(before, _snapshot(day)),
        )
    return day


def calendar_day_remove(*, acting_user, date: dt.date) -> None:
    """Remove the override for ``date``; the national calendar applies again."""
    with transaction.atomic():
        day = CalendarDay.objects.select_for_update().filter(date=date).first()
        if day is None:
            raise NotFound(
                "calendar_day_not_found", _("There is no calendar override for this date.")
            )
        before = _snapshot(day)
        day.delete()
        audit_record(
            actor=acting_user,
            action="calendar_day.remove",
            object_type="kernel.calendarday",
            object_id=date.isoformat(),
            summary=date.isoformat(),
            changes=diff(before, {}),
        )
