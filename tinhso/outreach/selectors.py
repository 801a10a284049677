"""Every read of the outreach room that leaves it, scoped in the query.

One scope rule, used twice: ``*_for_user(user)`` lists only rows whose unit lies in the
user's subtree for ``outreach.view``; ``*_get_for_user(user, pk)`` answers 404 outside it.
Public reads (published news, open surveys) take no user.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Q, QuerySet, Sum

from tinhso.accounts.scope import filter_for_user, get_for_user
from tinhso.outreach import radio, workflow
from tinhso.outreach.models import (
    COUNT_FIELDS,
    SKILL_FIELDS,
    TARGET_METRICS,
    ActivityLog,
    BroadcastSlot,
    Campaign,
    Cluster,
    Content,
    ContentTemplate,
    Delivery,
    Dispatch,
    News,
    PlayLog,
    Station,
    Survey,
    SurveyResponse,
    Team,
    TeamMember,
)
from tinhso.outreach.permissions import OUTREACH_TEAMS, OUTREACH_VIEW
from tinhso.units.models import Unit, subtree_bounds

# --- campaigns -----------------------------------------------------------------------------------


def campaigns_for_user(user) -> QuerySet[Campaign]:
    return filter_for_user(
        Campaign.objects.select_related("unit"), user, unit_field="unit", permission=OUTREACH_VIEW
    )


def campaign_get_for_user(user, pk) -> Campaign:
    return get_for_user(
        Campaign.objects.select_related("unit"),
        user,
        unit_field="unit",
        permission=OUTREACH_VIEW,
        pk=pk,
    )


@dataclass(frozen=True)
class CalendarEntry:
    campaign: Campaign
    starts_on: dt.date
    ends_on: dt.date  # clipped to the window asked for
    is_peak: bool


def campaign_calendar(*, user, start: dt.date, end: dt.date) -> list[CalendarEntry]:
    """The campaigns in scope that run at some time between ``start`` and ``end``
    (both included), in start order, with their period clipped to the window."""
    rows = campaigns_for_user(user).filter(starts_on__lte=end, ends_on__gte=start)
    return [
        CalendarEntry(c, max(c.starts_on, start), min(c.ends_on, end), c.is_peak)
        for c in rows.order_by("starts_on", "pk")
    ]


def _activities_for_campaign(campaign: Campaign) -> QuerySet[ActivityLog]:
    """Logs linked to the campaign, plus unlinked logs in its target units in its period."""
    units = list(campaign.target_units.all()) or [campaign.unit]
    in_units = Q(pk__in=[])
    for unit in units:
        low, high = subtree_bounds(unit.path)
        in_units |= Q(team__unit__path__gte=low, team__unit__path__lt=high)
    return ActivityLog.objects.filter(
        Q(campaign=campaign)
        | (
            Q(campaign__isnull=True)
            & in_units
            & Q(date__gte=campaign.starts_on, date__lte=campaign.ends_on)
        )
    )


def campaign_actuals(campaign: Campaign) -> dict[str, float]:
    """What the campaign achieved for every ``TARGET_METRICS`` code."""
    sums = _activities_for_campaign(campaign).aggregate(**{f: Sum(f) for f in COUNT_FIELDS})
    sums = {key: value or 0 for key, value in sums.items()}
    delivered = Delivery.objects.filter(
        dispatch__content__campaign=campaign, status=Delivery.Status.SENT
    ).exclude(dispatch__channel="portal")
    seconds = PlayLog.objects.filter(content__campaign=campaign).aggregate(
        s=Sum("duration_seconds")
    )["s"]
    return {
        "households_reached": sums["households_visited"],
        "people_guided": sum(sums[f] for f in SKILL_FIELDS.values()),
        "vneid_installed": sums["vneid_installed"],
        "vneid_level2": sums["vneid_level2"],
        "online_dossiers": sums["online_dossiers"],
        "messages_delivered": delivered.count(),
        "radio_minutes": round((seconds or 0) / 60, 1),
    }


@dataclass(frozen=True)
class Progress:
    metric: str
    label: str
    target: float | None
    actual: float
    percent: float | None


def campaign_progress(campaign: Campaign) -> list[Progress]:
    """Reach against targets: one row per target set, then the other metrics."""
    actuals = campaign_actuals(campaign)
    rows = []
    for metric, label in TARGET_METRICS.items():
        target = campaign.targets.get(metric)
        percent = round(100.0 * actuals[metric] / target, 1) if target else None
        rows.append(Progress(metric, str(label), target, actuals[metric], percent))
    rows.sort(key=lambda row: row.target is None)
    return rows


# --- content -------------------------------------------------------------------------------------


def contents_for_user(user) -> QuerySet[Content]:
    return filter_for_user(
        Content.objects.select_related("unit", "campaign", "audio"),
        user,
        unit_field="unit",
        permission=OUTREACH_VIEW,
    )


def content_get_for_user(user, pk) -> Content:
    return get_for_user(
        Content.objects.select_related("unit", "campaign", "audio", "leaflet_pdf"),
        user,
        unit_field="unit",
        permission=OUTREACH_VIEW,
        pk=pk,
    )


def contents_awaiting_review(user) -> QuerySet[Content]:
    return contents_for_user(user).filter(status=workflow.REVIEW)


def content_allowed_actions(content: Content) -> list[str]:
    return workflow.CONTENT_FLOW.allowed(content.status)


def templates_for_user(user, *, kind: str | None = None) -> QuerySet[ContentTemplate]:
    """Templates of the user's units plus the installation-wide ones."""
    qs = ContentTemplate.objects.all()
    scoped = filter_for_user(qs, user, unit_field="unit", permission=OUTREACH_VIEW)
    qs = qs.filter(Q(unit__isnull=True) | Q(pk__in=scoped.values("pk")))
    return qs.filter(kind=kind) if kind else qs


def news_published(*, unit: Unit | None = None) -> QuerySet[News]:
    """Visible news, newest first (the public list and the RSS feed)."""
    qs = News.objects.filter(is_visible=True).select_related("unit")
    if unit is not None:
        low, high = subtree_bounds(unit.path)
        qs = qs.filter(unit__path__gte=low, unit__path__lt=high)
    return qs


def news_get(slug: str) -> News:
    from tinhso.kernel.errors import NotFound

    news = news_published().filter(slug=slug).first()
    if news is None:
        raise NotFound()
    return news


# --- channels ------------------------------------------------------------------------------------


def dispatches_for_user(user) -> QuerySet[Dispatch]:
    return filter_for_user(
        Dispatch.objects.select_related("content"),
        user,
        unit_field="content__unit",
        permission=OUTREACH_VIEW,
    )


def dispatch_get_for_user(user, pk) -> Dispatch:
    return get_for_user(
        Dispatch.objects.select_related("content"),
        user,
        unit_field="content__unit",
        permission=OUTREACH_VIEW,
        pk=pk,
    )


def with_delivery_counts(qs: QuerySet[Dispatch]) -> QuerySet[Dispatch]:
    """Dispatches annotated with their delivery counts (one query for a whole list)."""
    return qs.annotate(
        **{
            f"count_{status}": Count("deliveries", filter=Q(deliveries__status=status))
            for status in Delivery.Status.values
        }
    )


def dispatch_summary(dispatch: Dispatch) -> dict[str, int]:
    """``{delivery status: count}`` for a dispatch, every status present."""
    if hasattr(dispatch, f"count_{Delivery.Status.SENT}"):
        return {status: getattr(dispatch, f"count_{status}") for status in Delivery.Status.values}
    counts = dict.fromkeys(Delivery.Status.values, 0)
    for row in dispatch.deliveries.values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def failed_dispatches_for_user(user) -> QuerySet[Dispatch]:
    """Dispatches an operator must look at: failed, partly failed, or still retrying."""
    return dispatches_for_user(user).filter(
        status__in=[
            Dispatch.Status.FAILED,
            Dispatch.Status.PARTLY_FAILED,
            Dispatch.Status.RETRYING,
        ]
    )


def channel_status() -> list[dict]:
    """Each channel client: ``{"channel", "enabled", "reason"}`` for the settings page."""
    from tinhso.outreach import channels

    return [
        {
            "channel": name,
            "enabled": channels.get_client(name).disabled_reason() is None,
            "reason": channels.get_client(name).disabled_reason() or "",
        }
        for name in channels.channel_names()
    ]


# --- radio ---------------------------------------------------------------------------------------


def stations_for_user(user) -> QuerySet[Station]:
    return filter_for_user(
        Station.objects.select_related("unit"), user, unit_field="unit", permission=OUTREACH_VIEW
    )


def clusters_for_user(user) -> QuerySet[Cluster]:
    return filter_for_user(
        Cluster.objects.select_related("station__unit", "area"),
        user,
        unit_field="station__unit",
        permission=OUTREACH_VIEW,
    )


def cluster_get_for_user(user, pk) -> Cluster:
    return get_for_user(
        Cluster.objects.select_related("station__unit"),
        user,
        unit_field="station__unit",
        permission=OUTREACH_VIEW,
        pk=pk,
    )


def slots_for_user(
    user, *, start: dt.datetime, end: dt.datetime, cluster: Cluster | None = None
) -> QuerySet[BroadcastSlot]:
    """Slots of clusters in scope that touch ``start``..``end`` (every status)."""
    qs = filter_for_user(
        BroadcastSlot.objects.select_related("cluster__station", "content", "content__audio"),
        user,
        unit_field="cluster__station__unit",
        permission=OUTREACH_VIEW,
    ).filter(starts_at__lt=end, ends_at__gt=start)
    return qs.filter(cluster=cluster) if cluster is not None else qs


def plays_for_user(user) -> QuerySet[PlayLog]:
    return filter_for_user(
        PlayLog.objects.select_related("cluster__station", "content"),
        user,
        unit_field="cluster__station__unit",
        permission=OUTREACH_VIEW,
    )


def compliance_for_user(user, *, start: dt.date, end: dt.date) -> list[radio.CommuneCompliance]:
    """DX-section compliance of every commune with a station in the user's scope."""
    from tinhso.accounts.scope import scope_unit

    if user is not None and user.is_authenticated and user.is_superuser:
        tops = list(Unit.objects.filter(parent__isnull=True))
    else:
        top = scope_unit(user) if user is not None else None
        from tinhso.accounts.permissions import user_can

        tops = [top] if top is not None and user_can(user, OUTREACH_VIEW) else []
    result = []
    for top in tops:
        result.extend(radio.compliance_under(unit=top, start=start, end=end))
    return result


# --- teams ---------------------------------------------------------------------------------------


def teams_for_user(user) -> QuerySet[Team]:
    """Teams in scope, plus the teams the user is an active member of."""
    scoped = filter_for_user(Team.objects.all(), user, unit_field="unit", permission=OUTREACH_VIEW)
    member_of = (
        TeamMember.objects.filter(user=user, is_active=True).values("team")
        if getattr(user, "is_authenticated", False)
        else TeamMember.objects.none().values("team")
    )
    return (
        Team.objects.filter(Q(pk__in=scoped.values("pk")) | Q(pk__in=member_of))
        .select_related("unit")
        .distinct()
    )


def team_get_for_user(user, pk) -> Team:
    from tinhso.kernel.errors import NotFound

    team = teams_for_user(user).filter(pk=pk).first()
    if team is None:
        raise NotFound()
    return team


def teams_user_can_log_for(user) -> QuerySet[Team]:
    """Active teams whose activity the user may log (the phone form's team list)."""
    scoped = filter_for_user(Team.objects.all(), user, unit_field="unit", permission=OUTREACH_TEAMS)
    member_of = (
        TeamMember.objects.filter(user=user, is_active=True).values("team")
        if getattr(user, "is_authenticated", False)
        else TeamMember.objects.none().values("team")
    )
    return Team.objects.filter(
        Q(pk__in=scoped.values("pk")) | Q(pk__in=member_of), is_active=True
    ).select_related("unit")


def activity_logs_for_user(user) -> QuerySet[ActivityLog]:
    return ActivityLog.objects.filter(team__in=teams_for_user(user).values("pk")).select_related(
        "team__unit", "campaign"
    )


def activity_totals(logs: QuerySet[ActivityLog]) -> dict[str, int]:
    """Sums of every count field (``models.COUNT_FIELDS``) plus ``people_guided``."""
    sums = logs.aggregate(**{f: Sum(f) for f in COUNT_FIELDS})
    totals = {key: value or 0 for key, value in sums.items()}
    totals["people_guided"] = sum(totals[f] for f in SKILL_FIELDS.values())
    totals["activities"] = logs.count()
    return totals


# --- surveys -------------------------------------------------------------------------------------


def surveys_for_user(user) -> QuerySet[Survey]:
    return filter_for_user(
        Survey.objects.select_related("unit", "campaign"),
        user,
        unit_field="unit",
        permission=OUTREACH_VIEW,
    )


def survey_get_for_user(user, pk) -> Survey:
    return get_for_user(
        Survey.objects.select_related("unit", "campaign"),
        user,
        unit_field="unit",
        permission=OUTREACH_VIEW,
        pk=pk,
    )


def surveys_open() -> QuerySet[Survey]:
    """Surveys anyone may answer on the portal."""
    return Survey.objects.filter(status=Survey.Status.OPEN).select_related("unit")


def survey_open_get(pk) -> Survey:
    from tinhso.kernel.errors import NotFound

    survey = surveys_open().filter(pk=pk).prefetch_related("questions").first()
    if survey is None:
        raise NotFound()
    return survey


def survey_results(survey: Survey) -> dict:
    """Responses and mean awareness score (0–100): overall, by unit, by audience, and the
    distribution of answers per question."""
    responses = SurveyResponse.objects.filter(survey=survey)
    overall = responses.aggregate(n=Count("pk"), score=Avg("score"))
    by_unit = [
        {
            "unit_id": row["unit"],
            "unit_name": row["unit__name"],
            "responses": row["n"],
            "score": round(row["score"], 1) if row["score"] is not None else None,
        }
        for row in responses.values("unit", "unit__name")
        .annotate(n=Count("pk"), score=Avg("score"))
        .order_by("unit__name")
    ]
    by_audience = [
        {
            "audience": row["audience"],
            "responses": row["n"],
            "score": round(row["score"], 1) if row["score"] is not None else None,
        }
        for row in responses.values("audience")
        .annotate(n=Count("pk"), score=Avg("score"))
        .order_by("audience")
    ]
    questions = []
    answers = list(responses.values_list("answers", flat=True))
    for question in survey.questions.all():
        counts: dict[str, int] = {}
        for answer in answers:
            value = answer.get(str(question.pk))
            if value in (None, "") or question.kind == "text":
                continue
            counts[str(value)] = counts.get(str(value), 0) + 1
        questions.append({"id": question.pk, "text": question.text, "counts": counts})
    score = overall["score"]
    return {
        "responses": overall["n"],
        "score": round(score, 1) if score is not None else None,
        "by_unit": by_unit,
        "by_audience": by_audience,
        "questions": questions,
    }
