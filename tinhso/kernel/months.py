"""Counting rows per owner and calendar month in one query (đếm theo tháng).

The modules' ``indicators.py`` publish monthly counts of each unit's own rows to the IOC.
``count_by_month`` answers them for any number of months with **one** ``GROUP BY`` per date
column: the month of each row is a ``CASE`` over the months' local boundaries (plain
comparisons the database evaluates natively, no time-zone function per row), so a backfill of
three years reads the table once per date column, whatever the indexes.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Mapping
from typing import Any

from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.utils import timezone


def month_id(day: dt.date) -> str:
    return f"{day.year}{day.month:02d}"


def first_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first day of every month from ``start``'s month up to ``end`` (exclusive), then
    the first day of the month after the last one (the closing boundary)."""
    day = dt.date(start.year, start.month, 1)
    found = []
    while day < end or not found:
        found.append(day)
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return [*found, day]


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def month_case(field: str, firsts: list[dt.date], *, dates: bool = False) -> Case:
    """``"YYYYMM"`` of ``field`` for rows inside ``firsts[0] .. firsts[-1]`` (filter the
    range separately: rows outside get the last month)."""
    bound = (lambda d: d) if dates else local_midnight
    whens = [
        When(**{f"{field}__lt": bound(after)}, then=Value(month_id(first)))
        for first, after in itertools.pairwise(firsts)
    ]
    return Case(*whens[:-1], default=whens[-1].result, output_field=CharField())


def count_by_month(
    qs: QuerySet,
    *,
    owner: Any,
    field: str,
    start: dt.date,
    end: dt.date,
    measures: Mapping[str, Any],
    owners: Collection[int] | None = None,
    dates: bool = False,
) -> dict[tuple[int, str, str], float]:
    """``{(owner id, "YYYYMM", code): value}`` of the rows of ``qs`` whose ``field`` falls in
    the months from ``start`` to ``end`` (exclusive; local dates), grouped by ``owner`` (a
    field name or an expression giving the owning unit's id), one aggregate per ``measures``
    entry (``{code: Count(...) | Sum(...)}``). Zero and empty values are left out. ``owners``
    narrows to those ids; ``dates`` when ``field`` is a ``DateField``."""
    firsts = first_days(start, end)
    bound = (lambda d: d) if dates else local_midnight
    qs = qs.filter(**{f"{field}__gte": bound(firsts[0]), f"{field}__lt": bound(firsts[-1])})
    qs = qs.annotate(_owner=F(owner) if isinstance(owner, str) else owner)
    if owners is not None:
        qs = qs.filter(_owner__in=list(owners))
    month = (
        Value(month_id(firsts[0])) if len(firsts) == 2 else month_case(field, firsts, dates=dates)
    )
    rows = (
        qs.annotate(_month=month)
        .order_by()
        .values("_owner", "_month")
        .annotate(**{f"m{n}": measure for n, measure in enumerate(measures.values())})
    )
    found: dict[tuple[int, str, str], float] = {}
    codes = list(measures)
    for row in rows:
        if row["_owner"] is None:
            continue
        for n, code in enumerate(codes):
            value = row[f"m{n}"]
            if value:
                found[(row["_owner"], row["_month"], code)] = float(value)
    return found


def count_groups(
    qs: QuerySet,
    *,
    owner: Any,
    start: dt.date,
    end: dt.date,
    groups: list[tuple[str, Q, Mapping[str, Any]]],
    owners: Collection[int] | None = None,
) -> dict[tuple[int, str, str], float]:
    """``count_by_month`` for several date columns of one table: ``groups`` is
    ``[(field, condition, measures), ...]``. For a few owners and one month (the refresh
    after a change) it is ONE query, each measure filtered by its column's month and
    condition; otherwise one ``GROUP BY`` per column."""
    firsts = first_days(start, end)
    if owners is None or len(firsts) != 2:
        found: dict[tuple[int, str, str], float] = {}
        for field, condition, measures in groups:
            found |= count_by_month(
                qs.filter(condition),
                owner=owner,
                field=field,
                start=start,
                end=end,
                measures=measures,
                owners=owners,
            )
        return found
    low, high = local_midnight(firsts[0]), local_midnight(firsts[1])
    month = month_id(firsts[0])
    any_row = Q(pk__in=[])
    combined: dict[str, Any] = {}
    for field, condition, measures in groups:
        inside = condition & Q(**{f"{field}__gte": low, f"{field}__lt": high})
        any_row |= inside
        for code, measure in measures.items():
            measure = measure.copy()
            measure.filter = inside & measure.filter if measure.filter else inside
            combined[code] = measure
    rows = (
        qs.annotate(_owner=F(owner) if isinstance(owner, str) else owner)
        .filter(any_row, _owner__in=list(owners))
        .order_by()
        .values("_owner")
        .annotate(**{f"m{n}": measure for n, measure in enumerate(combined.values())})
    )
    found = {}
    codes = list(combined)
    for row in rows:
        for n, code in enumerate(codes):
            value = row[f"m{n}"]
            if value and row["_owner"] is not None:
                found[(row["_owner"], month, code)] = float(value)
    return found
