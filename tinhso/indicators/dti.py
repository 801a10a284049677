"""The DX index (chỉ số chuyển đổi số, DTI) as versioned data, and its scoring.

A framework (``DtiFramework``: e.g. provincial DTI 2022, Decision 922/QĐ-BTTTT) holds main
indices (``DtiIndex``, grouped as foundation / activity) and components (``DtiComponent``)
with points and a scoring rule; nothing about a given year's list is code.

Scoring a component from its indicator's value ``v`` for the year:

- ``ratio``: ``min(max(v / full_at, 0), 1) × points`` (a share reaching ``full_at`` % scores
  full points);
- ``steps``: the points of the highest threshold ``v`` reaches (``[[4, 20], [3, 15], ...]``);
- ``normalised``: ``v / best × points``, ``best`` the highest value among the units compared.

No value → 0 points. The units compared are the units in force directly under ``parent`` (the
communes of a province, the provinces of the country); ranks are competition ranks (1, 2, 2,
4) by points, and the published 0–1 index is points ÷ the framework's maximum.
"""

from __future__ import annotations

from django.db import transaction

from tinhso.indicators import periods, selectors
from tinhso.indicators.models import DtiComponent, DtiFramework, DtiScore
from tinhso.units.models import Unit


def score_component(component: DtiComponent, value: float | None, best: float | None) -> float:
    if value is None:
        return 0.0
    points = component.points
    if component.rule == DtiComponent.Rule.STEPS:
        for threshold, step_points in sorted(component.steps or [], key=lambda s: -s[0]):
            if value >= threshold:
                return float(min(step_points, points))
        return 0.0
    if component.rule == DtiComponent.Rule.NORMALISED:
        if not best or best <= 0:
            return 0.0
        return max(0.0, min(value / best, 1.0)) * points
    if not component.full_at:
        return 0.0
    return max(0.0, min(value / component.full_at, 1.0)) * points


def competition_ranks(points: dict[int, float]) -> dict[int, int]:
    """{key: rank} with ties sharing a rank and the next rank skipped (1, 2, 2, 4)."""
    ordered = sorted(points.items(), key=lambda item: -item[1])
    ranks, previous, rank = {}, None, 0
    for position, (key, value) in enumerate(ordered, start=1):
        if previous is None or round(value, 6) != round(previous, 6):
            rank = position
        ranks[key] = rank
        previous = value
    return ranks


@transaction.atomic
def dti_compute(*, framework: DtiFramework, parent: Unit | None, year: int) -> list[DtiScore]:
    """Score and rank the units in force under ``parent`` (the roots when None) for ``year``."""
    units = list(
        Unit.objects.filter(parent=parent, valid_until__isnull=True)
        if parent is not None
        else Unit.objects.filter(parent__isnull=True, valid_until__isnull=True)
    )
    components = list(
        DtiComponent.objects.filter(index__framework=framework).select_related("index")
    )
    codes = sorted({c.indicator for c in components if c.indicator})
    period = periods.year(year)
    table = selectors.values_table(codes=codes, units=units, asked=[period])
    best = {
        code: max(
            (v for u in units if (v := table[(u.pk, period.id)].get(code)) is not None),
            default=None,
        )
        for code in codes
    }
    totals: dict[int, float] = {}
    details: dict[int, dict[str, float]] = {}
    for unit in units:
        values = table[(unit.pk, period.id)]
        by_index: dict[str, float] = {}
        for component in components:
            value = values.get(component.indicator) if component.indicator else None
            score = score_component(component, value, best.get(component.indicator))
            by_index[component.index.code] = by_index.get(component.index.code, 0.0) + score
        details[unit.pk] = {code: round(points, 2) for code, points in by_index.items()}
        totals[unit.pk] = round(sum(by_index.values()), 2)
    ranks = competition_ranks(totals)
    scores = []
    for unit in units:
        score, _created = DtiScore.objects.update_or_create(
            framework=framework,
            unit=unit,
            year=year,
            defaults={
                "points": totals[unit.pk],
                "by_index": details[unit.pk],
                "rank": ranks[unit.pk],
                "of": len(units),
            },
        )
        scores.append(score)
    return sorted(scores, key=lambda s: (s.rank, s.unit.name))
