"""Roll-ups up the unit tree (tổng hợp theo cây đơn vị), kept fresh as facts change.

The choice: **per-ancestor aggregates maintained in the writer's transaction.** Every write of
facts (entry, import, computed refresh) ends with ``refresh(element_ids, periods, units)``,
which recomputes the ``Aggregate`` rows (sum, count, min, max per element × disaggregation ×
period × unit, plus the total over disaggregations) of the changed units and of every unit
above them, in the same transaction: a board never sees a fact without its roll-up, and is
fresh the moment the write commits, with no nightly job.

Why recompute instead of adding deltas: min and max cannot be un-done by a delta, and an update
or a deleted value would need the old value. The recompute is cheap because it reads only the
facts of the touched elements and periods under the touched provinces (one indexed query on
``(element, period, unit_path)``) and folds each fact into its ancestors by the prefixes of its
materialised path (depth ≈ 3, so O(facts) work, not O(facts × units)). A single value entered in
a commune of a 130-commune province reads ≤ 130 facts and writes ~3 × 2 rows; a national
import of 3,321 communes × 50 elements × 36 months folds its 6 M facts once per touched
(element, period) batch.

Why not a GROUP BY at read time: a province board for a year would scan 130 × 50 × 12 facts per
request (and 3,321 × ... for the country); with the aggregates a 12-tile board is one indexed
query on ``Aggregate(unit, view, period IN sub-periods, element IN ...)`` whatever the size of
the subtree (see ``selectors.board_values``).

Writers to one province are serialised by a row lock on the province's ``Unit`` row (taken in
pk order), so two communes entering at once cannot both write a stale provincial sum.

Merged and split units: a retired unit keeps its path (its facts stay "as reported" under its
old parent: ``view=reported``). ``Attribution`` rows send each retired unit's facts to the
units in force that succeeded it (equal shares for a split, following successor chains); the
``current`` view of a unit counts the facts of the units in force under it plus the shares of
retired units attributed into it. ``attribution_rebuild()`` after a merger recomputes both.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import connections, router, transaction
from django.db.models import Q

from tinhso.indicators.models import Aggregate, AggregationType, Attribution, DataElement, DataValue
from tinhso.units.models import PATH_SEGMENT_WIDTH, Unit, subtree_bounds

REPORTED, CURRENT = Aggregate.View.REPORTED, Aggregate.View.CURRENT
BATCH = 2000


def prefixes(path: str) -> list[str]:
    """The paths of a unit and of every unit above it (the path's segment prefixes)."""
    width = PATH_SEGMENT_WIDTH
    return [path[:end] for end in range(width, len(path) + 1, width)]


def _range_q(paths: Iterable[str], field: str) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        low, high = subtree_bounds(path)
        condition |= Q(**{f"{field}__gte": low, f"{field}__lt": high})
    return condition


def _roots(paths: Iterable[str]) -> list[str]:
    """The smallest set of paths whose subtrees cover ``paths``."""
    found: list[str] = []
    for path in sorted(set(paths), key=lambda p: (len(p), p)):
        if not any(path.startswith(root) for root in found):
            found.append(path)
    return found


# --- attribution of retired units ------------------------------------------------------------


def _successors_in_force(unit: Unit, seen: set[int] | None = None) -> list[tuple[Unit, float]]:
    seen = seen or set()
    if unit.pk in seen:
        return []
    seen.add(unit.pk)
    if unit.valid_until is None:
        return [(unit, 1.0)]
    successors = list(unit.successors.all())
    if not successors:
        return []
    found: dict[int, tuple[Unit, float]] = {}
    for successor in successors:
        for target, weight in _successors_in_force(successor, seen):
            previous = found.get(target.pk, (target, 0.0))[1]
            found[target.pk] = (target, previous + weight / len(successors))
    return list(found.values())


@transaction.atomic
def attribution_rebuild(*, units: Iterable[Unit] | None = None) -> int:
    """Recompute where retired units' facts belong today, then their roll-ups. Run after
    the unit tree changes (a merger or split); returns the number of attribution rows."""
    retired = Unit.objects.filter(valid_until__isnull=False)
    if units is not None:
        retired = retired.filter(pk__in=[u.pk for u in units])
    count = 0
    touched_paths: set[str] = set()
    for unit in retired.prefetch_related("successors"):
        old = list(Attribution.objects.filter(source=unit).values_list("target_path", flat=True))
        Attribution.objects.filter(source=unit).delete()
        rows = [
            Attribution(source=unit, target=target, target_path=target.path, weight=weight)
            for target, weight in _successors_in_force(unit)
        ]
        Attribution.objects.bulk_create(rows)
        count += len(rows)
        touched_paths |= {unit.path, *old, *(row.target_path for row in rows)}
    if touched_paths:
        rebuild_paths(touched_paths)
    return count


def rebuild_paths(paths: Iterable[str]) -> None:
    """Recompute every aggregate of the units above and under ``paths`` (after a tree change
    or a bulk load that bypassed ``refresh``)."""
    roots = _roots(prefixes(path)[0] for path in paths if path)
    if not roots:
        return
    facts = DataValue.objects.filter(_range_q(roots, "unit_path"))
    keys = set(facts.values_list("element_id", "period").distinct())
    attributed = Attribution.objects.filter(_range_q(roots, "target_path"))
    keys |= set(
        DataValue.objects.filter(unit_id__in=attributed.values("source_id"))
        .values_list("element_id", "period")
        .distinct()
    )
    units = list(Unit.objects.filter(_range_q(roots, "path")))
    by_period: dict[str, set[int]] = defaultdict(set)
    for element_id, period in keys:
        by_period[period].add(element_id)
    for period, element_ids in by_period.items():
        refresh(element_ids=element_ids, periods=[period], units=units, all_units=True)


# --- the refresh ------------------------------------------------------------------------------


def _lock(paths: Iterable[str]) -> None:
    roots = sorted({prefixes(path)[0] for path in paths if path})
    if roots:
        list(Unit.objects.select_for_update().filter(path__in=roots).order_by("pk").values("pk"))


class _Acc:
    __slots__ = ("count", "maximum", "minimum", "total")

    def __init__(self) -> None:
        self.total = 0.0
        self.count = 0
        self.minimum: float | None = None
        self.maximum: float | None = None

    def add(self, value: float, weight: float = 1.0) -> None:
        self.total += value * weight
        self.count += 1
        self.minimum = value if self.minimum is None else min(self.minimum, value)
        self.maximum = value if self.maximum is None else max(self.maximum, value)


def refresh(
    *,
    element_ids: Iterable[int],
    periods: Iterable[str],
    units: Iterable[Unit],
    all_units: bool = False,
) -> int:
    """Recompute the aggregates of ``element_ids`` × ``periods`` for ``units`` and every unit
    above them (both views). Call inside the transaction that changed the facts. With
    ``all_units``, ``units`` is the whole set to recompute (no ancestors added). Returns the
    number of aggregate rows written."""
    element_ids = sorted(set(element_ids))
    periods = sorted(set(periods))
    units = list(units)
    if not element_ids or not periods or not units:
        return 0
    none_ids = set(
        DataElement.objects.filter(
            pk__in=element_ids, aggregation=AggregationType.NONE
        ).values_list("pk", flat=True)
    )
    retired_ids = [unit.pk for unit in units if unit.valid_until is not None]
    targets = list(
        Attribution.objects.filter(source_id__in=retired_ids).values_list("target_path", flat=True)
    )
    unit_paths = {unit.path for unit in units}
    if all_units:
        reported_paths = set(unit_paths)
        current_paths = set(unit_paths)
    else:
        reported_paths = {p for path in unit_paths for p in prefixes(path)}
        in_force = {unit.path for unit in units if unit.valid_until is None}
        current_paths = {p for path in [*in_force, *targets] for p in prefixes(path)}
    _lock(reported_paths | current_paths)
    roots = _roots(reported_paths | current_paths)

    # Every fact that can land in a touched aggregate: under the touched roots, or a retired
    # unit's fact attributed into them.
    attributions: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for source_id, target_path, weight in Attribution.objects.filter(
        _range_q(roots, "target_path")
    ).values_list("source_id", "target_path", "weight"):
        attributions[source_id].append((target_path, weight))
    scope = _range_q(roots, "unit_path") | Q(unit_id__in=list(attributions))
    facts = (
        DataValue.objects.filter(scope, element_id__in=element_ids, period__in=periods)
        .order_by()
        .values_list(
            "unit_id", "unit_path", "unit__valid_until", "element_id", "period", "combo", "value"
        )
    )
    accs: dict[tuple, _Acc] = defaultdict(_Acc)
    for unit_id, path, valid_until, element_id, period, combo, value in facts.iterator(
        chunk_size=BATCH
    ):
        own_only = element_id in none_ids
        up = [path] if own_only else prefixes(path)
        for prefix in up:
            if prefix in reported_paths:
                accs[(prefix, REPORTED, period, element_id, combo)].add(value)
                if combo:
                    accs[(prefix, REPORTED, period, element_id, "")].add(value)
        if valid_until is None or own_only:
            for prefix in up:
                if prefix in current_paths:
                    accs[(prefix, CURRENT, period, element_id, combo)].add(value)
                    if combo:
                        accs[(prefix, CURRENT, period, element_id, "")].add(value)
        else:
            for target_path, weight in attributions.get(unit_id, ()):
                for prefix in prefixes(target_path):
                    if prefix in current_paths:
                        accs[(prefix, CURRENT, period, element_id, combo)].add(value, weight)
                        if combo:
                            accs[(prefix, CURRENT, period, element_id, "")].add(value, weight)

    unit_ids = dict(
        Unit.objects.filter(path__in=reported_paths | current_paths).values_list("path", "pk")
    )
    Aggregate.objects.filter(
        Q(unit_id__in=[unit_ids[p] for p in reported_paths if p in unit_ids], view=REPORTED)
        | Q(unit_id__in=[unit_ids[p] for p in current_paths if p in unit_ids], view=CURRENT),
        element_id__in=element_ids,
        period__in=periods,
    ).delete()
    now = dt.datetime.now(tz=dt.UTC)
    rows = [
        (unit_ids[path], view, period, element_id, combo, acc.total, acc.count, acc.minimum,
         acc.maximum, now)
        for (path, view, period, element_id, combo), acc in accs.items()
        if path in unit_ids
    ]  # fmt: skip
    insert_rows(
        Aggregate,
        ["unit", "view", "period", "element", "combo", "total", "count", "minimum", "maximum",
         "updated_at"],
        rows,
    )  # fmt: skip
    return len(rows)


def insert_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """Bulk ``INSERT`` of plain tuples (one value per field, in ``fields`` order), batched
    with ``executemany``: the roll-ups and the backfill write hundreds of thousands of rows,
    where building model instances costs more than the database. Dates and datetimes are
    converted the way the field would; other values are stored as given."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    columns = [model._meta.get_field(name) for name in fields]
    convert = [
        i
        for i, column in enumerate(columns)
        if column.get_internal_type() in {"DateTimeField", "DateField"}
    ]
    quote = connection.ops.quote_name
    # Table and column names come from the model, quoted; values are parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(quote(column.column) for column in columns),
        ", ".join(["%s"] * len(columns)),
    )
    cache: dict[tuple[int, object], object] = {}

    def prepared(row: tuple) -> tuple:
        if not convert:
            return row
        row = list(row)
        for i in convert:
            key = (i, row[i])
            if key not in cache:
                cache[key] = columns[i].get_db_prep_save(row[i], connection)
            row[i] = cache[key]
        return tuple(row)

    with connection.cursor() as cursor:
        for at in range(0, len(rows), BATCH):
            cursor.executemany(sql, [prepared(row) for row in rows[at : at + BATCH]])
