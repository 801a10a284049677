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
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Avg, QuerySet, Sum
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tinhso.outreach import radio
from tinhso.outreach.models import (
    SKILL_FIELDS,
    ActivityLog,
    Delivery,
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
