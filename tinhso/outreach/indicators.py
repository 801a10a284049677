"""The KPIs the outreach room publishes to the IOC ("digital awareness" pillar).

``INDICATORS`` is a plain list of ``Indicator(code, name, unit, compute)``. Every ``compute``
takes the same keyword filters and returns a number (``None`` when it has no basis, e.g. a
compliance rate where no commune has a station, a score with no answers)::

    compute(*, unit=None, start=None, end=None, now=None)

- ``unit``: a ``Unit``; records in its subtree (activity logs by their team's unit, radio by
  the station's unit, messages by the content's unit, survey answers by the respondent's
  unit);
- ``start`` / ``end``: the period (``start <= t < end``), aware datetimes or dates; activity
  logs count by their date (local), plays by their start, messages by their sending time,
  answers by their submission; radio compliance uses the weeks the period touches (default:
  the last four complete weeks before ``now``);
- ``now``: the moment the default period ends at.

Codes, units and meaning:

===============================  =========  ===============================================
outreach.households_reached      households households visited by the teams
outreach.people_guided           people     people guided, all five skills together
outreach.guided_<skill>          people     people guided in one skill (public_services,
                                            online_shopping, online_payment, safety_online,
                                            local_platforms)
outreach.vneid_installed         people     people helped to install VNeID
outreach.vneid_level2            people     people guided to activate VNeID level 2
outreach.online_dossiers         dossiers   online dossiers the teams helped submit
outreach.active_teams            teams      active community digital-technology teams
outreach.radio_minutes           minutes    minutes aired, summed over loudspeaker clusters
outreach.radio_compliance        %          communes with a station whose DX section was
                                            aired 7–10 minutes every week / those communes
outreach.messages_delivered      messages   SMS, Zalo and e-mail messages delivered
outreach.awareness_score         /100       mean awareness score of survey answers
===============================  =========  ===============================================

``compute_all(**filters)`` returns ``{code: value}`` for the whole list.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, F, QuerySet, Sum, Value
from django.db.models import Count as Count_
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tinhso.kernel.months import count_by_month, first_days, month_id
from tinhso.outreach import radio
from tinhso.outreach.models import (
    SKILL_FIELDS,
    ActivityLog,
    Delivery,
    Dispatch,
    PlayLog,
    Skill,
    SurveyResponse,
    Team,
)
from tinhso.units.models import Unit, subtree_bounds


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    compute: Callable[..., float | int | None]


def _moment(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return timezone.make_aware(dt.datetime.combine(value, dt.time.min))


def _day_bounds(start, end) -> tuple[dt.date | None, dt.date | None]:
    """Local dates ``[first, after)`` for date-stamped rows in ``start <= t < end``."""
    first = after = None
    if start is not None:
        moment = timezone.localtime(_moment(start))
        first = moment.date() if moment.time() == dt.time.min else moment.date() + dt.timedelta(1)
    if end is not None:
        moment = timezone.localtime(_moment(end))
        after = moment.date() if moment.time() == dt.time.min else moment.date() + dt.timedelta(1)
    return first, after


def _under(qs: QuerySet, field: str, unit: Unit | None) -> QuerySet:
    if unit is None:
        return qs
    low, high = subtree_bounds(unit.path)
    return qs.filter(**{f"{field}__path__gte": low, f"{field}__path__lt": high})


def _period(qs: QuerySet, field: str, start, end) -> QuerySet:
    if start is not None:
        qs = qs.filter(**{f"{field}__gte": _moment(start)})
    if end is not None:
        qs = qs.filter(**{f"{field}__lt": _moment(end)})
    return qs


def activity_logs(*, unit=None, start=None, end=None) -> QuerySet[ActivityLog]:
    qs = _under(ActivityLog.objects.all(), "team__unit", unit)
    first, after = _day_bounds(start, end)
    if first is not None:
        qs = qs.filter(date__gte=first)
    if after is not None:
        qs = qs.filter(date__lt=after)
    return qs


def _sum(field: str):
    def compute(*, unit=None, start=None, end=None, now=None) -> int:
        value = activity_logs(unit=unit, start=start, end=end).aggregate(v=Sum(field))["v"]
        return int(value or 0)

    compute.__name__ = field
    return compute


def people_guided(*, unit=None, start=None, end=None, now=None) -> int:
    sums = activity_logs(unit=unit, start=start, end=end).aggregate(
        **{field: Sum(field) for field in SKILL_FIELDS.values()}
    )
    return int(sum(value or 0 for value in sums.values()))


def active_teams(*, unit=None, start=None, end=None, now=None) -> int:
    return _under(Team.objects.filter(is_active=True), "unit", unit).count()


def radio_minutes(*, unit=None, start=None, end=None, now=None) -> float:
    qs = _period(_under(PlayLog.objects.all(), "cluster__station__unit", unit), "started_at",
                 start, end)  # fmt: skip
    seconds = qs.aggregate(s=Sum("duration_seconds"))["s"] or 0
    return round(seconds / 60, 1)


def radio_compliance(*, unit=None, start=None, end=None, now=None) -> float | None:
    if end is not None:
        last = timezone.localtime(_moment(end) - dt.timedelta(microseconds=1)).date()
    else:  # the last complete week: a week still running has not had its chance yet
        today = timezone.localtime(now or timezone.now()).date()
        last = radio.monday(today) - dt.timedelta(days=1)
    first = timezone.localtime(_moment(start)).date() if start else last - dt.timedelta(days=27)
    tops = [unit] if unit is not None else list(Unit.objects.filter(parent__isnull=True))
    communes = [c for top in tops for c in radio.compliance_under(unit=top, start=first, end=last)]
    if not communes:
        return None
    return round(100.0 * sum(1 for c in communes if c.compliant) / len(communes), 1)


def messages_delivered(*, unit=None, start=None, end=None, now=None) -> int:
    qs = Delivery.objects.filter(status=Delivery.Status.SENT).exclude(dispatch__channel="portal")
    return _period(_under(qs, "dispatch__content__unit", unit), "sent_at", start, end).count()


def awareness_score(*, unit=None, start=None, end=None, now=None) -> float | None:
    qs = _period(_under(SurveyResponse.objects.filter(score__isnull=False), "unit", unit),
                 "submitted_at", start, end)  # fmt: skip
    value = qs.aggregate(v=Avg("score"))["v"]
    return round(float(value), 1) if value is not None else None


INDICATORS: list[Indicator] = [
    Indicator(
        "outreach.households_reached",
        _("Households reached by the community teams"),
        _("households"),
        _sum("households_visited"),
    ),
    Indicator(
        "outreach.people_guided", _("People guided in digital skills"), _("people"), people_guided
    ),
    *[
        Indicator(
            f"outreach.guided_{skill.value}",
            format_lazy(_("People guided: {skill}"), skill=skill.label),
            _("people"),
            _sum(SKILL_FIELDS[skill]),
        )
        for skill in Skill
    ],
    Indicator(
        "outreach.vneid_installed",
        _("People helped to install VNeID"),
        _("people"),
        _sum("vneid_installed"),
    ),
    Indicator(
        "outreach.vneid_level2",
        _("People guided to activate VNeID level 2"),
        _("people"),
        _sum("vneid_level2"),
    ),
    Indicator(
        "outreach.online_dossiers",
        _("Online dossiers assisted by the teams"),
        _("dossiers"),
        _sum("online_dossiers"),
    ),
    Indicator(
        "outreach.active_teams",
        _("Active community digital-technology teams"),
        _("teams"),
        active_teams,
    ),
    Indicator("outreach.radio_minutes", _("Radio minutes aired"), _("minutes"), radio_minutes),
    Indicator(
        "outreach.radio_compliance",
        _("Communes airing the weekly DX radio section"),
        "%",
        radio_compliance,
    ),
    Indicator(
        "outreach.messages_delivered",
        _("Campaign messages delivered"),
        _("messages"),
        messages_delivered,
    ),
    Indicator("outreach.awareness_score", _("Digital awareness score"), "/100", awareness_score),
]


def compute_all(
    *,
    unit=None,
    start: dt.datetime | dt.date | None = None,
    end: dt.datetime | dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict[str, float | int | None]:
    filters = {"unit": unit, "start": start, "end": end}
    return {indicator.code: indicator.compute(now=now, **filters) for indicator in INDICATORS}


# --- leaf counts for the IOC ---------------------------------------------------------------------
#
# The IOC counts, for each unit, its OWN records per month and sums them up the unit tree and
# over time itself; the score and the compliance rate above are ratios of these counts in its
# catalogue (``outreach.awareness_score`` = ``outreach.awareness_points`` ÷
# ``outreach.awareness_answers``; ``outreach.radio_compliance`` =
# ``outreach.radio_compliant_communes`` ÷ ``outreach.radio_communes`` × 100, per commune-month).


@dataclass(frozen=True)
class Count:
    """A summable monthly count of a unit's own records; ``aggregation`` ``last`` marks a
    stock (the figure now: only this month is written)."""

    code: str
    name: Any
    unit: Any
    aggregation: str = "sum"


_ACTIVITY_SUMS = {
    "outreach.households_reached": "households_visited",
    **{f"outreach.guided_{skill.value}": field for skill, field in SKILL_FIELDS.items()},
    "outreach.vneid_installed": "vneid_installed",
    "outreach.vneid_level2": "vneid_level2",
    "outreach.online_dossiers": "online_dossiers",
}
_CARRIED = {indicator.code: indicator for indicator in INDICATORS}
COUNTS: list[Count] = [
    *(
        Count(code, _CARRIED[code].name, _CARRIED[code].unit)
        for code in [*_ACTIVITY_SUMS, "outreach.people_guided"]
    ),
    Count("outreach.radio_minutes", _("Radio minutes aired"), _("minutes")),
    Count("outreach.messages_delivered", _("Campaign messages delivered"), _("messages")),
    Count("outreach.awareness_answers", _("Awareness survey answers scored"), _("answers")),
    Count("outreach.awareness_points", _("Awareness survey points"), _("points")),
    Count("outreach.radio_communes", _("Communes with a loudspeaker station"), _("communes")),
    Count(
        "outreach.radio_compliant_communes",
        _("Communes that aired the DX radio section every week"),
        _("communes"),
    ),
    Count(
        "outreach.active_teams",
        _("Active community digital-technology teams"),
        _("teams"),
        aggregation="last",
    ),
]


def monthly_counts(
    unit_ids: Collection[int] | None, start: dt.date, end: dt.date
) -> dict[tuple[int, str, str], float]:
    """``{(unit id, "YYYYMM", code): value}`` of the ``COUNTS`` for the months from ``start``
    to ``end`` (exclusive), each unit's own records (``unit_ids`` None: every unit); zeros
    left out. Radio compliance is judged per commune over the complete weeks of each month;
    active teams only for the current month (a stock known now, not in the past)."""
    common = {"start": start, "end": end, "owners": unit_ids}
    people = sum((F(field) for field in SKILL_FIELDS.values()), Value(0))
    found = count_by_month(
        ActivityLog.objects.all(),
        owner="team__unit_id",
        field="date",
        dates=True,
        measures={
            **{code: Sum(field) for code, field in _ACTIVITY_SUMS.items()},
            "outreach.people_guided": Sum(people),
        },
        **common,
    )
    minutes = count_by_month(
        PlayLog.objects.all(),
        owner="cluster__station__unit_id",
        field="started_at",
        measures={"outreach.radio_minutes": Sum("duration_seconds")},
        **common,
    )
    found |= {key: round(value / 60, 1) for key, value in minutes.items()}
    found |= count_by_month(
        Delivery.objects.filter(status=Delivery.Status.SENT).exclude(dispatch__channel="portal"),
        owner="dispatch__content__unit_id",
        field="sent_at",
        measures={"outreach.messages_delivered": Count_("pk")},
        **common,
    )
    found |= count_by_month(
        SurveyResponse.objects.filter(score__isnull=False),
        owner="unit_id",
        field="submitted_at",
        measures={
            "outreach.awareness_answers": Count_("pk"),
            "outreach.awareness_points": Sum("score"),
        },
        **common,
    )
    today = timezone.localdate()
    firsts = first_days(start, end)
    if firsts[0] <= today < firsts[-1]:
        teams = Team.objects.filter(is_active=True)
        if unit_ids is not None:
            teams = teams.filter(unit_id__in=list(unit_ids))
        for unit_id, number in teams.order_by().values_list("unit_id").annotate(n=Count_("pk")):
            found[(unit_id, month_id(today), "outreach.active_teams")] = float(number)
    # Radio compliance per commune and month, over the weeks complete by now.
    last_complete = radio.monday(today) - dt.timedelta(days=1)
    communes = [
        commune
        for top in Unit.objects.filter(parent__isnull=True)
        for commune in radio.communes_with_stations(top)
        if unit_ids is None or commune.pk in unit_ids
    ]
    for first, after in itertools.pairwise(firsts):
        last = min(after - dt.timedelta(days=1), last_complete)
        if last < first:
            continue
        for commune in communes:
            judged = radio.commune_compliance(commune=commune, start=first, end=last)
            found[(commune.pk, month_id(first), "outreach.radio_communes")] = 1.0
            if judged.compliant:
                found[(commune.pk, month_id(first), "outreach.radio_compliant_communes")] = 1.0
    return found


def _commune_of(unit: Unit) -> Unit:
    while unit.type in {Unit.Type.THON, Unit.Type.TO_DAN_PHO} and unit.parent_id:
        unit = unit.parent
    return unit


def _touched_logs(pks: Collection[str]) -> set[tuple[int, dt.date]]:
    return set(ActivityLog.objects.filter(pk__in=list(pks)).values_list("team__unit_id", "date"))


def _touched_plays(pks: Collection[str]) -> set[tuple[int, dt.date]]:
    touched: set[tuple[int, dt.date]] = set()
    for play in PlayLog.objects.filter(pk__in=list(pks)).select_related("cluster__station__unit"):
        unit, day = play.cluster.station.unit, timezone.localdate(play.started_at)
        touched |= {(unit.pk, day), (_commune_of(unit).pk, day)}  # minutes; compliance
    return touched


def _touched_answers(pks: Collection[str]) -> set[tuple[int, dt.date]]:
    return {
        (unit_id, timezone.localdate(moment))
        for unit_id, moment in SurveyResponse.objects.filter(pk__in=list(pks)).values_list(
            "unit_id", "submitted_at"
        )
    }


def _touched_now(model, field: str):
    def touched(pks: Collection[str]) -> set[tuple[int, dt.date]]:
        today = timezone.localdate()
        ids = model.objects.filter(pk__in=list(pks)).values_list(field, flat=True)
        return {(unit_id, today) for unit_id in ids}

    return touched


# Which changes move the counts: the audited object's label → the (unit, day) pairs it touches.
WATCH = {
    "outreach.activitylog": _touched_logs,
    "outreach.playlog": _touched_plays,
    "outreach.surveyresponse": _touched_answers,
    "outreach.team": _touched_now(Team, "unit_id"),
    "outreach.dispatch": _touched_now(Dispatch, "content__unit_id"),
}
