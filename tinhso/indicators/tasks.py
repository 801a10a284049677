"""Background work of the indicators room."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from tinhso.indicators import registry
from tinhso.units.models import Unit


@task()
def indicators_refresh_computed(unit_id: int | None = None, day: str | None = None) -> int:
    """Refresh the computed values (dossiers, feedback, Q&A...) for one unit and the units
    above it, or, without ``unit_id``, for every province in force and its communes."""
    when = dt.date.fromisoformat(day) if day else None
    if unit_id is not None:
        unit = Unit.objects.filter(pk=unit_id).first()
        return registry.computed_refresh(unit=unit, day=when) if unit else 0
    written = 0
    for root in Unit.objects.current().filter(parent__isnull=True):
        written += registry.computed_refresh_tree(root=root, day=when)
    return written
