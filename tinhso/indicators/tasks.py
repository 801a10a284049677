"""Background work of the indicators room."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from tinhso.indicators import registry
from tinhso.units.models import Unit


@task()
def indicators_refresh_computed(unit_id: int | None = None, day: str | None = None) -> int:
    """Recompute the counts published by the modules (dossiers, feedback, Q&A, outreach):
    with ``unit_id``, that unit's subtree for the month holding ``day``; without, the
    periodic safety net (``registry.tick``): the refreshes marked as failed, then every unit
    for this month and the previous one. Returns the number of values changed."""
    when = dt.date.fromisoformat(day) if day else None
    if unit_id is not None:
        unit = Unit.objects.filter(pk=unit_id).first()
        return registry.computed_refresh(unit=unit, day=when) if unit else 0
    return registry.tick(day=when)


@task()
def indicators_backfill(since: str | None = None) -> int:
    """``registry.backfill`` from the month ``since`` (``YYYY-MM``); returns values written."""
    start = dt.date.fromisoformat(f"{since}-01") if since else None
    return registry.backfill(since=start).values
