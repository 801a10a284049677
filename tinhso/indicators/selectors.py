"""Every read that leaves the indicators room: the catalogue, values, boards, targets, DTI.

The read path never scans facts: values come from the ``Aggregate`` roll-ups that the writers
keep fresh (``rollups``). A board of 12 tiles for a unit and a period is one query on
``Aggregate`` (the unit, the period's sub-periods and the previous period's, the elements the
tiles need) plus one on ``Target``, then arithmetic in Python.

Over time, values combine by the element's aggregation type from the per-period roll-ups:

    sum / count           Σ over the periods (totals / counts)
    average               Σ totals ÷ Σ counts (the mean of every fact)
    average_sum_org_unit  mean over the periods of the subtree's total
    last                  the subtree's total of the latest period with data
    min / max             the extreme over the periods
    none                  only a roll-up for exactly that period, and (over the tree) only
                          the unit's own value

When the period asked for has its own roll-up (a yearly data set) that one is used; otherwise
the coarsest sub-periods that have data (quarters before months). Over the tree, ``average``
is the mean of the facts, ``min``/``max`` the extremes.

Values computed from the modules (``registry``) are each unit's own monthly counts (``sum``,
or ``last`` for a stock), refreshed right after the change that moves them commits; their
quarters, years and subtrees are sums like any summed element, and the modules' shares and
averages are indicators over them (Σ numerators ÷ Σ denominators).

The whole country is "unit None": the units in force at the top of the tree (the provinces).
Its element values combine the provinces' by the element's aggregation type (sum, count, last
and average_sum_org_unit add up; average is the mean of the provinces; min and max the
extremes; ``none``, the modules' own computed figures, adds counts up and averages rates, told
apart by the measure), then indicators are evaluated on them, so a rate is Σ numerators ÷ Σ
denominators, not a mean of rates.

Scope: public indicators and elements are readable by anyone; the others need
``indicators.view`` on a unit in the reader's scope (``visible_indicators``); for the country,
only a superuser.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from tinhso.indicators import errors, expressions, periods
from tinhso.indicators.models import (
    Aggregate,
    AggregationType,
    DataElement,
    DataSet,
    DtiFramework,
    DtiScore,
    Indicator,
    Target,
)
from tinhso.indicators.services import can_view_internal
from tinhso.units.models import Unit

_TYPE_RANK = {periods.YEAR: 0, periods.QUARTER: 1, periods.MONTH: 2}


# --- catalogue ----------------------------------------------------------------------------------


def indicators_visible(user, unit: Unit | None = None) -> QuerySet[Indicator]:
    """Public indicators, and the internal ones when ``user`` may see ``unit``'s."""
    qs = Indicator.objects.all()
    if unit is None or not can_view_internal(user, unit):
        qs = qs.filter(is_public=True)
    return qs


def indicator_get(code: str) -> Indicator:
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        raise errors.IndicatorNotFound()
    return indicator


def data_set_get(code: str) -> DataSet:
    data_set = DataSet.objects.filter(code=code).prefetch_related("elements").first()
    if data_set is None:
        raise errors.DataSetNotFound()
    return data_set


def element_get(code: str) -> DataElement:
    element = DataElement.objects.filter(code=code).select_related("category_combo").first()
    if element is None:
        raise errors.ElementNotFound()
    return element


# --- values over time ---------------------------------------------------------------------------


@dataclass
class _Row:
    period: periods.Period
    total: float | None
    count: int
    minimum: float | None
    maximum: float | None


def combine_over_time(
    aggregation: str, rows: Sequence[_Row], asked: periods.Period
) -> float | None:
    """One value for ``asked`` from the roll-ups of its sub-periods (see the docstring)."""
    exact = [row for row in rows if row.period.id == asked.id]
    if exact:
        rows = exact
    elif aggregation == AggregationType.NONE or not rows:
        return None
    else:
        coarsest = min(_TYPE_RANK[row.period.type] for row in rows)
        rows = sorted(
            (row for row in rows if _TYPE_RANK[row.period.type] == coarsest),
            key=lambda row: row.period.start,
        )
    rows = [row for row in rows if row.count]
    if not rows:
        return None
    if aggregation in (AggregationType.SUM, AggregationType.NONE):
        return sum(row.total or 0 for row in rows)
    if aggregation == AggregationType.COUNT:
        return float(sum(row.count for row in rows))
    if aggregation == AggregationType.AVERAGE:
        return sum(row.total or 0 for row in rows) / sum(row.count for row in rows)
    if aggregation == AggregationType.AVERAGE_SUM_ORG_UNIT:
        return sum(row.total or 0 for row in rows) / len(rows)
    if aggregation == AggregationType.LAST:
        return rows[-1].total
    if aggregation == AggregationType.MIN:
        return min(row.minimum for row in rows if row.minimum is not None)
    if aggregation == AggregationType.MAX:
        return max(row.maximum for row in rows if row.maximum is not None)
    return None


@dataclass
class _Plan:
    """What a set of indicators and element codes need: elements, indicators, references."""

    elements: dict[str, DataElement] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    parsed: dict[str, tuple[expressions.Expression, expressions.Expression]] = field(
        default_factory=dict
    )
    refs: set[tuple[str, str]] = field(default_factory=set)  # (element code, combo)


def _plan(codes: Iterable[str]) -> _Plan:
    plan = _Plan()
    codes = list(codes)
    pending = set(codes)
    element_texts: set[str] = set()
    while pending:
        found = {i.code: i for i in Indicator.objects.filter(code__in=pending)}
        plan.indicators.update(found)
        nxt: set[str] = set()
        for code, indicator in found.items():
            num = expressions.parse_cached(indicator.numerator)
            den = expressions.parse_cached(indicator.denominator or "1")
            plan.parsed[code] = (num, den)
            element_texts |= num.element_refs | den.element_refs
            nxt |= (num.indicator_refs | den.indicator_refs) - set(plan.indicators)
        element_texts |= {c for c in pending if c not in found}
        pending = nxt
    candidates = element_texts | {t.rsplit(".", 1)[0] for t in element_texts if "." in t}
    plan.elements = {e.code: e for e in DataElement.objects.filter(code__in=candidates)}
    for text in element_texts:
        split = expressions.split_element_ref(text, set(plan.elements))
        if split is not None:
            plan.refs.add(split)
    return plan


def _aggregate_rows(
    plan: _Plan,
    *,
    units: Sequence[Unit],
    asked: Sequence[periods.Period],
    view: str,
) -> dict[tuple[int, int, str], list[_Row]]:
    """{(unit id, element id, combo): roll-up rows of the periods inside ``asked``}: one query."""
    rows: dict[tuple[int, int, str], list[_Row]] = defaultdict(list)
    if not plan.refs or not units:
        return rows
    wanted_ids = {plan.elements[code].pk for code, _combo in plan.refs}
    sub = {p.id: p for a in asked for p in a.sub_periods()}
    for unit_id, element_id, combo, period_id, total, count, minimum, maximum in (
        Aggregate.objects.filter(
            unit_id__in=[u.pk for u in units],
            view=view,
            period__in=list(sub),
            element_id__in=wanted_ids,
            combo__in={combo for _code, combo in plan.refs},
        )
        .order_by()
        .values_list(
            "unit_id", "element_id", "combo", "period", "total", "count", "minimum", "maximum"
        )
    ):
        rows[(unit_id, element_id, combo)].append(
            _Row(sub[period_id], total, count, minimum, maximum)
        )
    return rows


def _combine(
    plan: _Plan,
    rows: dict[tuple[Any, int, str], list[_Row]],
    *,
    keys: Sequence[Any],
    asked: Sequence[periods.Period],
) -> dict[tuple[Any, str], dict[tuple[str, str], float | None]]:
    """{(key, period id): {(element code, combo): value}} from the rows of each key."""
    found: dict[tuple[Any, str], dict[tuple[str, str], float | None]] = {}
    for key in keys:
        for period in asked:
            values = {}
            for code, combo in plan.refs:
                element = plan.elements[code]
                inside = [
                    row
                    for row in rows.get((key, element.pk, combo), ())
                    if period.contains(row.period)
                ]
                values[(code, combo)] = combine_over_time(element.aggregation, inside, period)
            found[(key, period.id)] = values
    return found


def _element_values(
    plan: _Plan,
    *,
    units: Sequence[Unit],
    asked: Sequence[periods.Period],
    view: str,
) -> dict[tuple[int, str], dict[tuple[str, str], float | None]]:
    """{(unit id, period id): {(element code, combo): value}}: one query on the roll-ups."""
    rows = _aggregate_rows(plan, units=units, asked=asked, view=view)
    return _combine(plan, rows, keys=[u.pk for u in units], asked=asked)


def _zero_when_missing(element: DataElement) -> bool:
    """A count the platform computes is stored only when it is not zero: inside an indicator,
    its absence is a real 0 (0 of 12 reports handled is 0 %, not "no data"). A rate with
    nothing to divide by still reads as no data."""
    return element.source == DataElement.Source.COMPUTED


def _evaluate(
    plan: _Plan, code: str, values: dict[tuple[str, str], float | None], memo: dict[str, Any]
) -> float | None:
    if code in memo:
        return memo[code]
    memo[code] = None  # a cycle (refused at definition time) reads as no data
    if code not in plan.indicators:
        split = expressions.split_element_ref(code, set(plan.elements))
        memo[code] = values.get(split) if split else None
        return memo[code]
    indicator = plan.indicators[code]
    sides = []
    for parsed in plan.parsed[code]:
        given = {}
        for ref in parsed.refs.values():
            if ref.kind == "indicator":
                given[ref] = _evaluate(plan, ref.text, values, memo)
            else:
                split = expressions.split_element_ref(ref.text, set(plan.elements))
                given[ref] = values.get(split) if split else None
                if given[ref] is None and split and _zero_when_missing(plan.elements[split[0]]):
                    given[ref] = 0.0
        sides.append(parsed.evaluate(given))
    numerator, denominator = sides
    if numerator is None or denominator in (None, 0):
        result = None
    else:
        result = numerator / denominator * indicator.factor
    memo[code] = result
    return result


def provinces_in_force() -> QuerySet[Unit]:
    """The units in force at the top of the tree: what "the whole country" adds up."""
    return Unit.objects.filter(parent__isnull=True, valid_until__isnull=True).order_by("name")


# Measures of the modules' computed figures (aggregation ``none``) that are rates or means:
# across provinces they are averaged; every other ``none`` figure is a count and adds up.
_MEAN_MEASURES = {"%", "percent", "/5", "points", "điểm", "working days", "working_day"}


def _extreme(pick, a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else pick(a, b)


def _across_units(element: DataElement, values: list[float]) -> float | None:
    """One country value of a ``_per_province`` element from its provinces' values: the mean
    of a rate, the sum of each province's latest value."""
    if not values:
        return None
    if element.aggregation == AggregationType.NONE:
        return sum(values) / len(values)
    return sum(values)


def _country_values(
    plan: _Plan, *, asked: Sequence[periods.Period], view: str
) -> dict[tuple[None, str], dict[tuple[str, str], float | None]]:
    """{(None, period id): {(element code, combo): value}} over the provinces in force.

    The provinces' roll-up rows of each period are merged first (totals and counts added,
    extremes kept), then combined over time like one unit's: an average is every fact's mean
    (Σ totals ÷ Σ counts), not a mean of the provinces' means. ``last`` takes each province's
    latest value and adds them; a rate the modules used to compute (``none`` with a rate's
    measure) is the provinces' mean."""
    provinces = list(provinces_in_force())
    by_unit = _aggregate_rows(plan, units=provinces, asked=asked, view=view)
    merged: dict[tuple[None, int, str], dict[str, _Row]] = defaultdict(dict)
    for (_unit_id, element_id, combo), unit_rows in by_unit.items():
        bucket = merged[(None, element_id, combo)]
        for row in unit_rows:
            seen = bucket.get(row.period.id)
            if seen is None:
                bucket[row.period.id] = _Row(
                    row.period, row.total, row.count, row.minimum, row.maximum
                )
                continue
            seen.total = (seen.total or 0) + (row.total or 0)
            seen.count += row.count
            seen.minimum = _extreme(min, seen.minimum, row.minimum)
            seen.maximum = _extreme(max, seen.maximum, row.maximum)
    found = _combine(
        plan, {key: list(b.values()) for key, b in merged.items()}, keys=[None], asked=asked
    )
    per_unit_codes = {
        (code, combo) for code, combo in plan.refs if _per_province(plan.elements[code])
    }
    if per_unit_codes:
        per_unit = _combine(plan, by_unit, keys=[u.pk for u in provinces], asked=asked)
        for period in asked:
            for code, combo in per_unit_codes:
                known = [
                    value
                    for province in provinces
                    if (value := per_unit.get((province.pk, period.id), {}).get((code, combo)))
                    is not None
                ]
                found[(None, period.id)][(code, combo)] = _across_units(plan.elements[code], known)
    return found


def _per_province(element: DataElement) -> bool:
    """Elements whose country value comes from each province's value, not merged rows."""
    return element.aggregation == AggregationType.LAST or (
        element.aggregation == AggregationType.NONE
        and (element.measure in _MEAN_MEASURES or "%" in element.measure)
    )


def unit_key(unit: Unit | None) -> int | None:
    """The key of ``unit`` in a ``values_table`` (None: the whole country)."""
    return None if unit is None else unit.pk


def values_table(
    *,
    codes: Sequence[str],
    units: Sequence[Unit | None],
    asked: Sequence[periods.Period],
    view: str = Aggregate.View.REPORTED,
) -> dict[tuple[int | None, str], dict[str, float | None]]:
    """{(unit id, period id): {code: value}} for indicator or data element codes (an element
    may be written ``element.combo`` for one disaggregation). A unit None is the whole
    country, keyed ``(None, period id)``."""
    plan = _plan(codes)
    real = [unit for unit in units if unit is not None]
    element_values: dict[tuple[int | None, str], dict[tuple[str, str], float | None]] = {}
    element_values.update(_element_values(plan, units=real, asked=asked, view=view))
    if len(real) != len(units) and plan.refs:
        element_values.update(_country_values(plan, asked=asked, view=view))
    table = {}
    for unit in units:
        key = unit_key(unit)
        for period in asked:
            values = element_values.get((key, period.id), {})
            memo: dict[str, Any] = {}
            table[(key, period.id)] = {code: _evaluate(plan, code, values, memo) for code in codes}
    return table


# --- targets ------------------------------------------------------------------------------------


def prorate(value: float, period: periods.Period) -> float:
    """The share of an annual target due by the end of ``period``
    (``periodInYear / yearlyPeriodCount``, DHIS2's year-to-date pro-rating)."""
    return value * period.index / period.per_year


def targets_for(
    *, indicators: Iterable[Indicator], unit: Unit | None, period: periods.Period
) -> dict[str, float | None]:
    """The target of each indicator for ``unit`` and ``period``: the unit's own, else the
    nearest unit above's, else the national one (the only one for the country, unit None);
    pro-rated when the target says so."""
    by_pk = {i.pk: i.code for i in indicators}
    chain = [] if unit is None else [unit.pk, *reversed([u.pk for u in unit.ancestors()])]
    rank = {pk: n for n, pk in enumerate(chain)}
    best: dict[str, tuple[int, Target]] = {}
    for target in Target.objects.filter(
        Q(unit_id__in=chain) | Q(unit__isnull=True), indicator_id__in=by_pk, year=period.year
    ):
        order = rank.get(target.unit_id, len(chain))
        code = by_pk[target.indicator_id]
        if code not in best or order < best[code][0]:
            best[code] = (order, target)
    found: dict[str, float | None] = {code: None for code in by_pk.values()}
    for code, (_order, target) in best.items():
        found[code] = prorate(target.value, period) if target.prorate else target.value
    return found


# --- the board ----------------------------------------------------------------------------------


def _round(value: float | None, decimals: int) -> float | None:
    return None if value is None else round(value, decimals)


def internal_allowed(user, unit: Unit | None) -> bool:
    """Whether ``user`` may read internal indicators of ``unit`` (None: the whole country,
    for a superuser only)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if unit is None:
        return bool(user.is_superuser)
    return can_view_internal(user, unit)


def board_values(
    unit: Unit | None,
    period: str | periods.Period,
    indicator_codes: Sequence[str],
    *,
    user=None,
    view: str = Aggregate.View.REPORTED,
) -> list[dict[str, Any]]:
    """The tiles of a board: for each code (an indicator or a data element), its value for
    ``unit`` and ``period``, the previous period's (trend), the target and the share of it
    reached. Internal indicators the ``user`` may not see are left out. Two queries on the
    precomputed roll-ups and one on the targets, whatever the size of ``unit``'s subtree.
    ``unit`` None is the whole country (every province in force, see the docstring).

    Each tile: ``{code, name, measure, value, previous, change, target, target_reached,
    higher_is_better, pillar, kind}``; ``value`` None means "no data" (nothing reported, or a
    division by zero)."""
    asked = period if isinstance(period, periods.Period) else periods.parse(period)
    previous = asked.previous()
    internal_ok = internal_allowed(user, unit)
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=indicator_codes)}
    elements = {e.code: e for e in DataElement.objects.filter(code__in=indicator_codes)}
    codes = []
    for code in indicator_codes:
        item = indicators.get(code) or elements.get(code)
        if item is None or (not item.is_public and not internal_ok):
            continue
        codes.append(code)
    table = values_table(codes=codes, units=[unit], asked=[asked, previous], view=view)
    key = unit_key(unit)
    now, before = table.get((key, asked.id), {}), table.get((key, previous.id), {})
    targets = targets_for(indicators=indicators.values(), unit=unit, period=asked)
    tiles = []
    for code in codes:
        item = indicators.get(code) or elements[code]
        decimals = item.decimals if code in indicators else 2
        value, prior = now.get(code), before.get(code)
        target = targets.get(code)
        tiles.append(
            {
                "code": code,
                "kind": "indicator" if code in indicators else "data_element",
                "name": item.name,
                "measure": item.measure,
                "pillar": getattr(item, "pillar", ""),
                "value": _round(value, decimals),
                "previous": _round(prior, decimals),
                "change": _round(value - prior, decimals)
                if value is not None and prior is not None
                else None,
                "target": _round(target, decimals),
                "target_reached": round(100 * value / target, 1)
                if value is not None and target
                else None,
                "higher_is_better": getattr(item, "higher_is_better", True),
            }
        )
    return tiles


def series(
    unit: Unit | None,
    code: str,
    *,
    last: periods.Period,
    months: int = 12,
    view: str = Aggregate.View.REPORTED,
) -> list[tuple[str, float | None]]:
    """A monthly time series (oldest first) of one indicator or element for a chart."""
    asked = periods.last_months(last, months)
    table = values_table(codes=[code], units=[unit], asked=asked, view=view)
    return [(p.id, table.get((unit_key(unit), p.id), {}).get(code)) for p in asked]


def children_in_force(unit: Unit | None) -> list[Unit]:
    """The units in force directly under ``unit`` (the provinces for the country)."""
    if unit is None:
        return list(provinces_in_force())
    return list(Unit.objects.filter(parent=unit, valid_until__isnull=True).order_by("name"))


def by_children(
    unit: Unit | None,
    code: str,
    *,
    period: periods.Period,
    view: str = Aggregate.View.REPORTED,
) -> list[tuple[Unit, float | None]]:
    """One value per unit in force directly under ``unit`` (bars, map, ranking)."""
    children = children_in_force(unit)
    table = values_table(codes=[code], units=children, asked=[period], view=view)
    return [(child, table.get((child.pk, period.id), {}).get(code)) for child in children]


# --- DTI ----------------------------------------------------------------------------------------


def framework_get(code: str) -> DtiFramework:
    framework = DtiFramework.objects.filter(code=code).first()
    if framework is None:
        raise errors.FrameworkNotFound()
    return framework


def dti_ranking(framework: DtiFramework, *, parent: Unit | None, year: int) -> QuerySet[DtiScore]:
    qs = DtiScore.objects.filter(framework=framework, year=year).select_related("unit")
    qs = (
        qs.filter(unit__parent=parent)
        if parent is not None
        else qs.filter(unit__parent__isnull=True)
    )
    return qs.order_by("rank", "unit__name")
