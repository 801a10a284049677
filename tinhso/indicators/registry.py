"""Values computed from the platform's own modules (nguồn tự động), kept fresh on commit.

Each installed app ``tinhso.<app>`` may publish in ``tinhso.<app>.indicators``:

- ``COUNTS``: summable monthly counts of each unit's OWN rows (``Count(code, name, unit,
  aggregation)``, aggregation ``sum``, or ``last`` for a stock such as "overdue now");
- ``monthly_counts(unit_ids, start, end) -> {(unit id, "YYYYMM", code): value}``: those
  counts for the months from ``start`` to ``end`` (exclusive), zeros left out, with one
  ``GROUP BY`` per date column (``tinhso.kernel.months.count_by_month``);
- ``WATCH``: ``{"<app>.<model>": touched(pks) -> {(unit id, day)}}``: which audited changes
  move the counts, and the units and days they touch;
- ``INDICATORS``: the module's own figures for its API and pages (``compute(unit, start,
  end)`` over a subtree). The IOC does not call them any more: every share or average among
  them is an IOC indicator over the counts (``dossiers.on_time_rate`` =
  ``dossiers.resolved_on_time`` ÷ ``dossiers.resolved`` × 100, in
  ``data/catalogue.json``), so it adds up correctly over the unit tree and over time.

Each count is one computed ``DataElement`` (same code) whose facts are a unit's own monthly
value; ``services.write_facts`` keeps the ``Aggregate`` roll-ups of every unit above it in step
in the same transaction, and quarters and years are sums of months (``selectors``). There is
no quarter or year computation and no subtree scan here.

Freshness: ``on_events`` is subscribed to the kernel's domain events (``IndicatorsConfig
.ready``). After a dossier, report, question or outreach record commits, the touched units'
own counts for the touched months are recomputed (one unit, one month: a handful of indexed
queries) and written; a board reading the roll-ups sees the change as soon as that second small
transaction commits. ``settings.TINHSO_IOC_REFRESH`` says where:

- ``"background"`` (default): ``on_events`` only queues the events (no query) for the
  process's refresher thread (``tinhso.indicators.refresher``), which coalesces everything
  pending into one ``touched_by`` + one ``refresh_counts`` on its own connection. The request
  pays nothing; the board follows within tens of milliseconds. ``wait_idle(timeout)`` waits
  for it (tests, benchmarks).
- ``"inline"``: right in the committing request, as before (the test suite's default, for
  determinism).

Either way, if the refresh fails, the change is logged and marked in the audit log
(``indicators.refresh_pending``) for the next ``tinhso tick`` to redo; a process killed with
refreshes still queued is covered by the tick's sweep of this month and the last.

Safety nets: ``tick`` (from ``tinhso tick``/``indicators_refresh``) redoes the marked changes
and recomputes every unit's counts for this month and the last (stocks change with time alone;
a dossier moved between units is corrected there), writing only what differs. ``backfill``
rebuilds every month from a date with one ``GROUP BY`` per date column per chunk of months,
bulk writes and a bulk roll-up rebuild: run it after loading raw rows that bypassed the
services (``tinhso indicators_backfill --since YYYY-MM``).
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from tinhso.indicators import periods, refresher, rollups, services
from tinhso.indicators.models import Aggregate, DataElement, DataValue
from tinhso.kernel import events
from tinhso.kernel.audit import audit_record
from tinhso.kernel.models import AuditEvent
from tinhso.kernel.months import first_days
from tinhso.units.models import Unit

logger = logging.getLogger(__name__)

PENDING, RETRIED = "indicators.refresh_pending", "indicators.refresh_retried"
LAST = "last"


@dataclass(frozen=True)
class Published:
    """One of a module's own ``INDICATORS`` (kept for discovery; the IOC uses ``Source``)."""

    module: str
    code: str
    name: Any
    measure: str
    compute: Any


@dataclass(frozen=True)
class Source:
    """A module's leaf counts: what the IOC counts incrementally."""

    module: str
    counts: tuple[Any, ...]
    monthly_counts: Callable[..., dict[tuple[int, str, str], float]]
    watch: dict[str, Callable[..., set[tuple[int, dt.date]]]] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        return [count.code for count in self.counts]

    @property
    def stocks(self) -> list[str]:
        return [c.code for c in self.counts if getattr(c, "aggregation", "sum") == LAST]


@functools.cache
def _modules() -> list[Any]:
    """The installed ``tinhso.<app>.indicators`` modules (the app registry is fixed once
    ready, so this is looked up once per process)."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("tinhso.") or config.name == "tinhso.indicators":
            continue
        name = f"{config.name}.indicators"
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return found


def discover() -> list[Published]:
    """Every figure published in an installed module's ``INDICATORS``."""
    return [
        Published(module.__name__, item.code, item.name, str(item.unit), item.compute)
        for module in _modules()
        for item in getattr(module, "INDICATORS", [])
    ]


def sources() -> list[Source]:
    """Every installed module that publishes ``COUNTS`` and ``monthly_counts``."""
    return [
        Source(
            module.__name__,
            tuple(module.COUNTS),
            module.monthly_counts,
            dict(getattr(module, "WATCH", {})),
        )
        for module in _modules()
        if hasattr(module, "COUNTS") and hasattr(module, "monthly_counts")
    ]


# --- the computed data elements ------------------------------------------------------------


def sync_elements() -> dict[str, DataElement]:
    """One computed data element per published count (created, renamed, re-typed). Computed
    elements of the former kind (a subtree's value per month, quarter and year, aggregation
    ``none``; or shares now defined as indicators) lose their values: run ``backfill`` after
    an upgrade."""
    elements = {}
    counts = [count for source in sources() for count in source.counts]
    with translation.override("vi"):
        for count in counts:
            element = DataElement.objects.filter(code=count.code).first()
            name, measure = str(count.name)[:255], str(count.unit)[:50]
            aggregation = getattr(count, "aggregation", "sum")
            if element is None:
                element = DataElement.objects.create(
                    code=count.code,
                    name=name,
                    measure=measure,
                    aggregation=aggregation,
                    source=DataElement.Source.COMPUTED,
                )
            elif element.aggregation != aggregation:
                logger.warning(
                    "Computed element %s changes kind: its values are dropped.", count.code
                )
                _drop_values([element.pk])
                element.name, element.measure, element.aggregation = name, measure, aggregation
                element.save(update_fields=["name", "measure", "aggregation"])
            elif (element.name, element.measure) != (name, measure):
                element.name, element.measure = name, measure
                element.save(update_fields=["name", "measure"])
            elements[count.code] = element
    stale = DataElement.objects.filter(source=DataElement.Source.COMPUTED).exclude(
        code__in=list(elements)
    )
    stale_ids = list(stale.values_list("pk", flat=True))
    if stale_ids:
        logger.warning(
            "Computed elements no module publishes any more: %d dropped.", len(stale_ids)
        )
        _drop_values(stale_ids)
        DataElement.objects.filter(pk__in=stale_ids).delete()
    return elements


def _drop_values(element_ids: list[int]) -> None:
    Aggregate.objects.filter(element_id__in=element_ids).delete()
    DataValue.objects.filter(element_id__in=element_ids).delete()


def elements() -> dict[str, DataElement]:
    """The computed elements by code (one query; ``sync_elements`` when one is missing)."""
    codes = [code for source in sources() for code in source.codes]
    found = {e.code: e for e in DataElement.objects.filter(code__in=codes)}
    if len(found) < len(codes):
        found = sync_elements()
    return found


# --- writing counts --------------------------------------------------------------------------


def _month_of(day: dt.date) -> str:
    return periods.containing(day, periods.MONTH).id


def _fill_stocks(
    source: Source, counts: dict[tuple[int, str, str], float]
) -> dict[tuple[int, str, str], float]:
    """A stock is 0, not "no data", for a unit with any other count that month: over time a
    stock takes the latest month with data, which must be this one."""
    if not source.stocks:
        return counts
    active = {(unit_id, month) for unit_id, month, _code in counts}
    for unit_id, month in active:
        for code in source.stocks:
            counts.setdefault((unit_id, month, code), 0.0)
    return counts


def _compute(
    source: Source, unit_ids: set[int] | None, months: Iterable[str]
) -> dict[tuple[int, str, str], float]:
    months = sorted(set(months))
    first = periods.parse(months[0]).start
    after = periods.parse(months[-1]).end + dt.timedelta(days=1)
    found = source.monthly_counts(unit_ids, first, after)
    wanted = set(months)
    return _fill_stocks(source, {k: v for k, v in found.items() if k[1] in wanted})


def _write(
    codes: dict[str, DataElement],
    values: dict[tuple[int, str, str], float],
    *,
    unit_ids: set[int] | None,
    months: set[str],
) -> int:
    """Make the stored own counts of ``unit_ids`` (None: every unit) for ``months`` equal to
    ``values`` (a missing key deletes), through ``write_facts``; only what differs is written.
    Call inside a transaction. Returns the number of values changed."""
    by_pk = {element.pk: code for code, element in codes.items()}
    stored = DataValue.objects.filter(element_id__in=list(by_pk), period__in=sorted(months))
    if unit_ids is not None:
        stored = stored.filter(unit_id__in=list(unit_ids))
    existing = {
        (unit_id, period, by_pk[element_id]): value
        for unit_id, period, element_id, value in stored.values_list(
            "unit_id", "period", "element_id", "value"
        )
    }
    changed = {
        key: values.get(key)
        for key in set(existing) | set(values)
        if key[2] in codes and existing.get(key) != values.get(key)
    }
    if not changed:
        return 0
    units = Unit.objects.in_bulk({unit_id for unit_id, _month, _code in changed})
    facts = [
        services.Fact(codes[code], "", units[unit_id], periods.parse(month), value)
        for (unit_id, month, code), value in sorted(changed.items())
        if unit_id in units
    ]
    report = services.write_facts(facts=facts, origin=DataValue.Origin.COMPUTED)
    return report.created + report.updated + report.deleted


def refresh_counts(touched: dict[str, set[tuple[int, str]]]) -> int:
    """Recompute and store the own counts of the touched ``{module: {(unit id, month id)}}``,
    one transaction. Returns the number of values changed."""
    codes = elements()
    by_module = {source.module: source for source in sources()}
    written = 0
    with transaction.atomic():
        for module, pairs in sorted(touched.items()):
            source = by_module.get(module)
            if source is None or not pairs:
                continue
            mine = {code: codes[code] for code in source.codes if code in codes}
            by_month: dict[str, set[int]] = defaultdict(set)
            for unit_id, month in pairs:
                by_month[month].add(unit_id)
            for month, unit_ids in sorted(by_month.items()):
                values = _compute(source, unit_ids, [month])
                written += _write(mine, values, unit_ids=unit_ids, months={month})
    return written


def watched_labels() -> set[str]:
    """Every ``"<app>.<model>"`` whose changes move a count (the events to listen to)."""
    return {label for source in sources() for label in source.watch}


def touched_by(batch: Iterable[events.Event]) -> dict[str, set[tuple[int, str]]]:
    """``{module: {(unit id, month id)}}`` that the changes in ``batch`` move."""
    pks: dict[str, set[str]] = defaultdict(set)
    for event in batch:
        if event.pk:
            pks[event.label].add(event.pk)
    touched: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for source in sources():
        for label, find in source.watch.items():
            if label in pks:
                touched[source.module] |= {
                    (unit_id, _month_of(day)) for unit_id, day in find(pks[label]) if unit_id
                }
    return {module: pairs for module, pairs in touched.items() if pairs}


BACKGROUND, INLINE = "background", "inline"


def refresh_mode() -> str:
    """``settings.TINHSO_IOC_REFRESH``: ``"background"`` (default) or ``"inline"``."""
    mode = getattr(settings, "TINHSO_IOC_REFRESH", BACKGROUND) or BACKGROUND
    if mode not in (BACKGROUND, INLINE):
        logger.warning("Unknown TINHSO_IOC_REFRESH %r: refreshing in the background.", mode)
        return BACKGROUND
    return mode


def on_events(batch: list[events.Event]) -> None:
    """The kernel's domain events, after commit: refresh the counts they move, in the
    background (queued for this process's refresher thread) or inline (now), as
    ``TINHSO_IOC_REFRESH`` says."""
    if refresh_mode() == BACKGROUND:
        refresher.get(_in_background).submit(batch)
    else:
        refresh_or_mark(batch)


def _in_background(batch: list[events.Event]) -> None:
    refresh_or_mark(batch)  # looked up on each call (tests replace it)


def refresh_or_mark(batch: list[events.Event]) -> None:
    """Refresh the counts that ``batch`` moves; on failure, log and leave a mark for
    ``tick``. Never raises."""
    try:
        touched = touched_by(batch)
    except Exception:
        logger.exception(
            "Finding what %d changes touch failed; the tick will catch up.", len(batch)
        )
        return
    if not touched:
        return
    try:
        refresh_counts(touched)
    except Exception:
        logger.exception("Refreshing the computed indicators failed; marked for the tick.")
        _mark_pending(touched)


def background_refresher() -> refresher.Refresher:
    """This process's background refresher (created, not started, on first call)."""
    return refresher.get(_in_background)


def wait_idle(timeout: float | None = 10.0) -> bool:
    """Wait until this process's background refresher has nothing pending or running
    (at once when it never started). False if ``timeout`` seconds ran out first."""
    if refresher._refresher is None:
        return True
    return refresher._refresher.wait_idle(timeout)


def _mark_pending(touched: dict[str, set[tuple[int, str]]]) -> None:
    try:
        with transaction.atomic():
            audit_record(
                actor=None,
                action=PENDING,
                object_type="indicators.computed",
                summary=", ".join(sorted(touched)),
                changes={module: sorted(pairs) for module, pairs in touched.items()},
            )
    except Exception:
        logger.exception("Marking the computed indicators for the tick failed too.")


def retry_pending() -> int:
    """Redo the refreshes marked as failed since the last retry. Returns values changed."""
    last = AuditEvent.objects.filter(action=RETRIED).order_by("-pk").first()
    after = int((last.changes or {}).get("upto", 0)) if last else 0
    marks = list(AuditEvent.objects.filter(action=PENDING, pk__gt=after).order_by("pk"))
    if not marks:
        return 0
    touched: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for mark in marks:
        for module, pairs in (mark.changes or {}).items():
            touched[module] |= {(int(unit_id), str(month)) for unit_id, month in pairs}
    written = refresh_counts(touched)
    with transaction.atomic():
        audit_record(
            actor=None,
            action=RETRIED,
            object_type="indicators.computed",
            summary=f"{len(marks)} marks, {written} values",
            changes={"upto": marks[-1].pk},
        )
    return written


# --- refresh on demand, tick, backfill -------------------------------------------------------


def refresh_months(
    *, months: Iterable[str], unit: Unit | None = None, codes: set[str] | None = None
) -> int:
    """Recompute the own counts of every unit (or of ``unit``'s subtree) for ``months``,
    one transaction per month; only what differs is written."""
    elements_by_code = elements()
    unit_ids = None
    if unit is not None:
        unit_ids = set(Unit.objects.subtree(unit, include_self=True).values_list("pk", flat=True))
    written = 0
    for month in sorted(set(months)):
        with transaction.atomic():
            for source in sources():
                mine = {
                    code: elements_by_code[code]
                    for code in source.codes
                    if code in elements_by_code and (not codes or code in codes)
                }
                if not mine:
                    continue
                values = _compute(source, unit_ids, [month])
                written += _write(mine, values, unit_ids=unit_ids, months={month})
    return written


def computed_refresh(
    *, unit: Unit, day: dt.date | None = None, codes: set[str] | None = None, upwards: bool = True
) -> int:
    """Recompute the counts of ``unit`` and every unit under it for the month holding
    ``day`` (default today); the roll-ups carry them up the tree and over the quarter and the
    year. ``upwards`` is kept for callers of the former API (the units above follow from the
    roll-ups). Returns the number of values changed."""
    day = day or timezone.localdate()
    return refresh_months(months=[_month_of(day)], unit=unit, codes=codes)


def computed_refresh_tree(*, root: Unit, day: dt.date | None = None) -> int:
    return computed_refresh(unit=root, day=day)


def tick(*, day: dt.date | None = None) -> int:
    """The periodic safety net: the marked refreshes, then every unit's counts for this
    month and the previous one."""
    day = day or timezone.localdate()
    this = periods.containing(day, periods.MONTH)
    return retry_pending() + refresh_months(months=[this.previous().id, this.id])


@dataclass
class BackfillReport:
    months: int = 0
    values: int = 0
    aggregates: int = 0


def backfill(
    *, since: dt.date | None = None, until: dt.date | None = None, chunk_months: int = 6
) -> BackfillReport:
    """Rebuild every unit's own counts from ``since``'s month (default: 36 months back) to
    ``until``'s (default: this month), and their roll-ups. Per chunk of months: one
    ``GROUP BY`` per date column of each module, the old values of those months deleted and
    the new ones bulk inserted, then the roll-ups of each month rebuilt in one pass over its
    facts. One transaction per chunk."""
    today = timezone.localdate()
    until = until or today
    if since is None:
        since = dt.date(today.year - 3, today.month, 1)
    codes = sync_elements()
    element_ids = [element.pk for element in codes.values()]
    firsts = first_days(since, until + dt.timedelta(days=1))[:-1]
    months = [periods.containing(first, periods.MONTH) for first in firsts]
    units = list(Unit.objects.all())
    by_id = {unit.pk: unit for unit in units}
    report = BackfillReport()
    now = timezone.now()
    for at in range(0, len(months), max(1, chunk_months)):
        chunk = months[at : at + max(1, chunk_months)]
        ids = [month.id for month in chunk]
        with transaction.atomic():
            rows = []
            for source in sources():
                for (unit_id, month_id, code), value in _compute(source, None, ids).items():
                    unit = by_id.get(unit_id)
                    if unit is None or code not in codes:
                        continue
                    period = periods.parse(month_id)
                    rows.append(
                        (codes[code].pk, "", unit_id, unit.path, period.id, period.type,
                         period.start, value, "", DataValue.Origin.COMPUTED.value, now)
                    )  # fmt: skip
            DataValue.objects.filter(element_id__in=element_ids, period__in=ids).delete()
            rollups.insert_rows(
                DataValue,
                ["element", "combo", "unit", "unit_path", "period", "period_type",
                 "period_start", "value", "comment", "origin", "updated_at"],
                rows,
            )  # fmt: skip
            for month_id in ids:
                report.aggregates += rollups.refresh(
                    element_ids=element_ids, periods=[month_id], units=units, all_units=True
                )
            report.values += len(rows)
            report.months += len(ids)
    with transaction.atomic():
        audit_record(
            actor=None,
            action="indicators.backfill",
            object_type="indicators.computed",
            summary=f"{months[0].id}–{months[-1].id}: {report.values} values" if months else "",
            changes={"months": report.months, "values": report.values},
        )
    return report
