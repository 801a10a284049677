"""Grassroots radio rules: schedule clashes and the weekly DX-section compliance.

Clash rules (Circular 39/2020/TT-BTTTT priorities), for a new slot on one cluster:

- **emergency** is aired at once: every overlapping normal or priority slot is *pre-empted*
  (status ``preempted``, ``preempted_by`` the emergency, an audit row); two emergencies never
  overlap: the later one starts when the earlier ends.
- **priority** goes before normal: every overlapping normal slot is *moved* to the first free
  time after the priority slot (``moved_from`` keeps its old start, an audit row); an
  overlapping priority or emergency slot is a ``schedule_clash`` (409) the commune resolves by
  choosing another time.
- **normal** never displaces anything: any overlap is a ``schedule_clash``.

Compliance: a commune complies in a week (Monday to Sunday, local time) when one of its
clusters aired a DX-section bulletin (``Content.dx_section``) for 7 to 10 minutes
(``DX_MIN_SECONDS``..``DX_MAX_SECONDS``) in one play; it complies over a period when it
complied in every week of the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from tinhso.outreach.models import PRIORITY_RANK, BroadcastSlot, PlayLog, Priority, Station
from tinhso.units.models import Unit, subtree_bounds

DX_MIN_SECONDS = 7 * 60
DX_MAX_SECONDS = 10 * 60


@dataclass
class Plan:
    """What scheduling a new slot does to the cluster's other slots."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    preempt: list[BroadcastSlot] = field(default_factory=list)
    move: list[tuple[BroadcastSlot, dt.datetime]] = field(default_factory=list)  # (slot, new start)
    clash: BroadcastSlot | None = None


def _overlaps(slot: BroadcastSlot, start: dt.datetime, end: dt.datetime) -> bool:
    return slot.starts_at < end and start < slot.ends_at


def next_free_start(
    busy: Iterable[tuple[dt.datetime, dt.datetime]], after: dt.datetime, length: dt.timedelta
) -> dt.datetime:
    """The first moment at or after ``after`` when ``length`` fits between ``busy`` spans."""
    moment = after
    for start, end in sorted(busy):
        if end <= moment:
            continue
        if start >= moment + length:
            break
        moment = max(moment, end)
    return moment


def plan_slot(
    *,
    priority: str,
    starts_at: dt.datetime,
    length: dt.timedelta,
    existing: Sequence[BroadcastSlot],
) -> Plan:
    """Decide where a new slot goes and what it displaces; ``existing`` = the cluster's
    scheduled slots. Pure: nothing is saved."""
    rank = PRIORITY_RANK[Priority(priority)]
    start, end = starts_at, starts_at + length
    if rank == PRIORITY_RANK[Priority.EMERGENCY]:
        emergencies = [
            (slot.starts_at, slot.ends_at)
            for slot in existing
            if slot.priority == Priority.EMERGENCY
        ]
        start = next_free_start(emergencies, start, length)
        end = start + length
        plan = Plan(start, end)
        plan.preempt = [
            slot
            for slot in existing
            if slot.priority != Priority.EMERGENCY and _overlaps(slot, start, end)
        ]
        return plan
    plan = Plan(start, end)
    overlapping = [slot for slot in existing if _overlaps(slot, start, end)]
    for slot in sorted(overlapping, key=lambda s: (s.starts_at, s.pk or 0)):
        if PRIORITY_RANK[Priority(slot.priority)] >= rank:
            plan.clash = slot
            return plan
    if not overlapping:
        return plan
    # A priority slot: the normal slots it overlaps move after it, in their order, each to
    # the first gap that fits it among the slots that stay and the ones already moved.
    moving = {slot.pk for slot in overlapping}
    busy = [(s.starts_at, s.ends_at) for s in existing if s.pk not in moving] + [(start, end)]
    for slot in sorted(overlapping, key=lambda s: (s.starts_at, s.pk or 0)):
        slot_length = slot.ends_at - slot.starts_at
        new_start = next_free_start(busy, end, slot_length)
        busy.append((new_start, new_start + slot_length))
        plan.move.append((slot, new_start))
    return plan


# --- compliance ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekCompliance:
    week_start: dt.date
    dx_plays: int
    longest_dx_seconds: int
    dx_seconds: int
    compliant: bool


@dataclass(frozen=True)
class CommuneCompliance:
    commune: Unit
    has_station: bool
    weeks: list[WeekCompliance]

    @property
    def compliant_weeks(self) -> int:
        return sum(1 for week in self.weeks if week.compliant)

    @property
    def compliant(self) -> bool:
        return self.has_station and bool(self.weeks) and all(w.compliant for w in self.weeks)

    @property
    def rate(self) -> float | None:
        return round(100.0 * self.compliant_weeks / len(self.weeks), 1) if self.weeks else None


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weeks_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """The Mondays of the weeks that touch ``start``..``end`` (both included)."""
    first, weeks = monday(start), []
    while first <= end:
        weeks.append(first)
        first += dt.timedelta(days=7)
    return weeks


def _local_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def plays_under(unit: Unit):
    low, high = subtree_bounds(unit.path)
    return PlayLog.objects.filter(
        cluster__station__unit__path__gte=low, cluster__station__unit__path__lt=high
    )


def commune_compliance(*, commune: Unit, start: dt.date, end: dt.date) -> CommuneCompliance:
    low, high = subtree_bounds(commune.path)
    has_station = Station.objects.filter(
        unit__path__gte=low, unit__path__lt=high, is_active=True
    ).exists()
    weeks = weeks_between(start, end)
    if not weeks:
        return CommuneCompliance(commune, has_station, [])
    plays = list(
        plays_under(commune)
        .filter(
            content__dx_section=True,
            started_at__gte=_local_start(weeks[0]),
            started_at__lt=_local_start(weeks[-1] + dt.timedelta(days=7)),
        )
        .values_list("started_at", "duration_seconds")
    )
    by_week: dict[dt.date, list[int]] = {week: [] for week in weeks}
    for started_at, seconds in plays:
        week = monday(timezone.localtime(started_at).date())
        by_week.setdefault(week, []).append(seconds)
    result = []
    for week in weeks:
        durations = by_week.get(week, [])
        result.append(
            WeekCompliance(
                week_start=week,
                dx_plays=len(durations),
                longest_dx_seconds=max(durations, default=0),
                dx_seconds=sum(durations),
                compliant=any(DX_MIN_SECONDS <= s <= DX_MAX_SECONDS for s in durations),
            )
        )
    return CommuneCompliance(commune, has_station, result)


def communes_with_stations(unit: Unit) -> list[Unit]:
    """The communes under ``unit`` (``unit`` itself included) that have an active station."""
    low, high = subtree_bounds(unit.path)
    station_units = Unit.objects.filter(
        pk__in=Station.objects.filter(is_active=True).values("unit"),
        path__gte=low,
        path__lt=high,
    )
    communes: dict[int, Unit] = {}
    for station_unit in station_units:
        commune = station_unit
        while commune.type in {Unit.Type.THON, Unit.Type.TO_DAN_PHO} and commune.parent_id:
            commune = commune.parent
        communes[commune.pk] = commune
    return sorted(communes.values(), key=lambda u: u.path)


def compliance_under(*, unit: Unit, start: dt.date, end: dt.date) -> list[CommuneCompliance]:
    return [
        commune_compliance(commune=commune, start=start, end=end)
        for commune in communes_with_stations(unit)
    ]


def slots_overlapping(cluster_id: int, start: dt.datetime, end: dt.datetime):
    return BroadcastSlot.objects.filter(
        Q(cluster_id=cluster_id, status=BroadcastSlot.Status.SCHEDULED)
        & Q(starts_at__lt=end, ends_at__gt=start)
    )
