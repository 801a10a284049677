"""Values computed from the platform's own modules (nguồn tự động): each installed app
``tinhso.<app>`` may publish ``tinhso.<app>.indicators.INDICATORS``, a plain list of
``Indicator(code, name, unit, compute)``. This module discovers them, keeps one computed
``DataElement`` per entry (code as published, aggregation ``none``: the module's own
``compute`` already counts the whole subtree) and stores their values for a unit and the
month, quarter and year around a day, with their roll-up rows, on demand
(``computed_refresh``) or from the task ``indicators_refresh_computed``.

The modules do not agree yet on the shape of ``compute`` (see ``call_compute``):

- dossiers: ``compute(unit, start, end)`` with dates, ``end`` inclusive;
- qa: ``compute(unit, start, end)`` half-open ``[start, end)``;
- feedback: ``compute(*, unit, start, end, now)`` half-open, aware datetimes.

A module may say which it means with ``PERIOD_END = "inclusive"`` or ``"exclusive"``; the
default for positional ``compute`` is half-open.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import logging
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone, translation

from tinhso.indicators import periods, services
from tinhso.indicators.models import AggregationType, DataElement, DataValue
from tinhso.units.models import Unit

logger = logging.getLogger(__name__)

# Modules whose positional compute takes an inclusive end date (their docstrings say so).
INCLUSIVE_END = {"tinhso.dossiers.indicators"}


@dataclass(frozen=True)
class Published:
    module: str
    code: str
    name: Any
    measure: str
    compute: Any


def discover() -> list[Published]:
    """Every indicator published by an installed ``tinhso.<app>.indicators`` module."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("tinhso.") or config.name == "tinhso.indicators":
            continue
        name = f"{config.name}.indicators"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        for item in getattr(module, "INDICATORS", []):
            found.append(Published(name, item.code, item.name, str(item.unit), item.compute))
    return found


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def call_compute(published: Published, unit: Unit, period: periods.Period) -> float | None:
    """``published.compute`` for ``unit`` over ``period``, whatever its calling convention."""
    params = inspect.signature(published.compute).parameters
    module = importlib.import_module(published.module)
    end_style = getattr(module, "PERIOD_END", None) or (
        "inclusive" if published.module in INCLUSIVE_END else "exclusive"
    )
    positional = [
        p
        for p in params.values()
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    if len(positional) < 3:  # compute(*, unit, start, end, ...): feedback's keyword style
        value = published.compute(
            unit=unit, start=_aware(period.start), end=_aware(period.end + dt.timedelta(days=1))
        )
    elif end_style == "inclusive":
        value = published.compute(unit, period.start, period.end)
    else:
        value = published.compute(unit, period.start, period.end + dt.timedelta(days=1))
    if value is None:
        return None
    return float(value)


def sync_elements() -> dict[str, DataElement]:
    """One computed data element per published indicator (created or renamed)."""
    elements = {}
    with translation.override("vi"):
        for published in discover():
            element = DataElement.objects.filter(code=published.code).first()
            name = str(published.name)[:255]
            measure = published.measure[:50]
            if element is None:
                element = DataElement.objects.create(
                    code=published.code,
                    name=name,
                    measure=measure,
                    aggregation=AggregationType.NONE,
                    source=DataElement.Source.COMPUTED,
                )
            elif (element.name, element.measure) != (name, measure):
                element.name, element.measure = name, measure
                element.save(update_fields=["name", "measure"])
            elements[published.code] = element
    return elements


@transaction.atomic
def computed_refresh(
    *, unit: Unit, day: dt.date | None = None, codes: set[str] | None = None, upwards: bool = True
) -> int:
    """Compute the published indicators for ``unit`` (and, with ``upwards``, every unit above
    it) over the month, quarter and year holding ``day``; store them and their roll-ups.
    Returns the number of values written. A failing ``compute`` is logged and skipped."""
    day = day or timezone.localdate()
    elements = sync_elements()
    targets = [unit, *(unit.ancestors() if upwards else [])]
    facts = []
    for published in discover():
        if codes and published.code not in codes:
            continue
        for target in targets:
            for period_type in periods.PERIOD_TYPES:
                period = periods.containing(day, period_type)
                try:
                    value = call_compute(published, target, period)
                except Exception:
                    logger.exception("Computing %s for %s failed.", published.code, target.code)
                    continue
                facts.append(services.Fact(elements[published.code], "", target, period, value))
    report = services.write_facts(facts=facts, origin=DataValue.Origin.COMPUTED)
    return report.created + report.updated + report.deleted


def computed_refresh_tree(*, root: Unit, day: dt.date | None = None) -> int:
    """``computed_refresh`` for ``root`` and every unit in force under it (down to the
    communes), one transaction per unit."""
    written = computed_refresh(unit=root, day=day)
    for unit in (
        Unit.objects.subtree(root, include_self=False).current().filter(level__lte=root.level + 2)
    ):
        written += computed_refresh(unit=unit, day=day, upwards=False)
    return written
