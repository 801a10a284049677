"""Pages of the outreach room: public news (with RSS) and awareness surveys; the
communication staff's campaigns, calendar, content approval, radio schedule, play log,
compliance and deliveries; the community digital-technology teams' phone-first activity log.

Thin like the API: forms parse, ``services`` write, ``selectors`` and ``radio`` read,
templates show. A refusal of a service (a ``DomainError``) is shown as its Vietnamese message
on the page, never a 500. Records outside the user's scope answer 404.
"""

from __future__ import annotations

import calendar as pycalendar
import csv
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.accounts.permissions import user_can
from tinhso.accounts.scope import filter_for_user, scope_unit, unit_in_scope
from tinhso.kernel.errors import DomainError, NotFound
from tinhso.kernel.models import AuditEvent
from tinhso.outreach import radio, selectors, services, sync, workflow
from tinhso.outreach.forms import (
    SKILL_LABELS,
    ActivityLogForm,
    CampaignForm,
    ContentForm,
    DispatchForm,
    MemberForm,
    PlayLogForm,
    ReviewForm,
    ScheduleForm,
    SurveyAnswerForm,
    SurveyForm,
    TeamForm,
    TrainingForm,
    add_service_error,
)
from tinhso.outreach.models import (
    TARGET_METRICS,
    ActivityLog,
    Audience,
    BroadcastSlot,
    Campaign,
    ChannelKind,
    Cluster,
    Content,
    ContentKind,
    Delivery,
    Dispatch,
    PlayLog,
    Question,
    Skill,
    Survey,
    SurveyResponse,
    Team,
    TeamMember,
)
from tinhso.outreach.permissions import (
    OUTREACH_APPROVE,
    OUTREACH_EDIT,
    OUTREACH_RADIO,
    OUTREACH_RELEASE,
    OUTREACH_SURVEYS,
    OUTREACH_TEAMS,
    OUTREACH_VIEW,
)
from tinhso.units.models import Unit

NEWS_PER_PAGE = 10
LIST_LIMIT = 200
SCHEDULE_DAYS = 7

# The channels a piece of content of each kind goes out on from its page.
DISPATCH_CHANNELS = {
    ContentKind.ARTICLE: [ChannelKind.PORTAL],
    ContentKind.SMS: [ChannelKind.SMS],
    ContentKind.ZALO: [ChannelKind.ZALO],
    ContentKind.EMAIL: [ChannelKind.EMAIL],
}


def _action_labels() -> dict[str, str]:
    # Literal msgids so that makemessages finds them.
    return {
        workflow.SUBMIT: _("Send for review"),
        workflow.RETURN: _("Return to the author"),
        workflow.APPROVE: _("Approve"),
        workflow.RELEASE: _("Release"),
        workflow.WITHDRAW: _("Withdraw the content"),
    }


AUDIT_LABELS = {
    "create": gettext_lazy("Drafted"),
    "update": gettext_lazy("Draft edited"),
    "submit": gettext_lazy("Sent for review"),
    "return": gettext_lazy("Returned to the author"),
    "approve": gettext_lazy("Approved for release"),
    "release": gettext_lazy("Released"),
    "withdraw": gettext_lazy("Withdrawn"),
    "audio": gettext_lazy("Audio generated"),
    "tts": gettext_lazy("Audio generated"),
    "upload": gettext_lazy("Recording uploaded"),
    "schedule": gettext_lazy("Scheduled on a cluster"),
    "preempt": gettext_lazy("Pre-empted by an emergency"),
    "dispatch": gettext_lazy("Sent on a channel"),
    "move": gettext_lazy("Broadcast moved after a priority bulletin"),
    "cancel": gettext_lazy("Broadcast cancelled"),
}


def _require(request, permission: str) -> None:
    if not user_can(request.user, permission):
        raise PermissionDenied


def _show_error(request, exc: DomainError) -> None:
    messages.error(request, str(exc.message))


def _crumbs(*pairs) -> list[dict]:
    return [{"url": url, "label": label} for url, label in pairs]


# --- scoped reads ------------------------------------------------------------------------------


def _scoped(queryset, request, unit_field: str, permission: str = OUTREACH_VIEW):
    return filter_for_user(queryset, request.user, unit_field=unit_field, permission=permission)


def _get_scoped(queryset, request, unit_field: str, pk: int, permission: str = OUTREACH_VIEW):
    try:
        return _scoped(queryset, request, unit_field, permission).get(pk=pk)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


# --- public: news, RSS, surveys ----------------------------------------------------------------


@require_GET
def news_list(request):
    page = Paginator(selectors.news_published(), NEWS_PER_PAGE).get_page(request.GET.get("page"))
    surveys = list(selectors.surveys_open()[:5]) if page.number == 1 else []
    return render(
        request,
        "outreach/news_list.html",
        {"page": page, "news": page.object_list, "surveys": surveys},
    )


@require_GET
def news_detail(request, slug: str):
    try:
        item = selectors.news_get(slug)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "outreach/news_detail.html", {"item": item})


def _survey_or_404(pk: int) -> Survey:
    survey = Survey.objects.filter(pk=pk).exclude(status=Survey.Status.DRAFT).first()
    if survey is None:
        raise Http404
    return survey


def _survey_units(survey: Survey) -> list[Unit]:
    # Communes and wards under the survey's unit, so that answers count per commune.
    return list(
        Unit.objects.subtree(survey.unit)
        .filter(type__in=[Unit.Type.XA, Unit.Type.PHUONG, Unit.Type.THI_TRAN, Unit.Type.DAC_KHU])
        .order_by("name")[:500]
    )


@require_http_methods(["GET", "POST"])
def survey_answer(request, pk: int):
    survey = _survey_or_404(pk)
    is_open = selectors.surveys_open().filter(pk=survey.pk).exists()
    units = _survey_units(survey)
    form = SurveyAnswerForm(request.POST or None, survey=survey, units=units)
    if request.method == "POST" and is_open and form.is_valid():
        unit_pk = form.cleaned_data.get("unit")
        try:
            services.survey_answer(
                acting_user=request.user,
                survey=survey,
                answers=form.answers(),
                audience=form.cleaned_data["audience"],
                unit=next((unit for unit in units if unit.pk == unit_pk), survey.unit),
                channel=SurveyResponse.Channel.PORTAL,
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect("outreach:survey_thanks", pk=survey.pk)
    context = {
        "survey": survey,
        "is_open": is_open,
        "form": form,
        "question_fields": [form[name] for name in form.question_fields],
    }
    return render(request, "outreach/survey_answer.html", context)


@require_GET
def survey_thanks(request, pk: int):
    return render(request, "outreach/survey_thanks.html", {"survey": _survey_or_404(pk)})


# --- campaigns ---------------------------------------------------------------------------------


@login_required
@require_GET
def campaign_list(request):
    _require(request, OUTREACH_VIEW)
    campaigns = _scoped(Campaign.objects.select_related("unit"), request, "unit")[:LIST_LIMIT]
    return render(
        request,
        "outreach/campaign_list.html",
        {
            "campaigns": list(campaigns),
            "today": timezone.localdate(),
            "can_edit": user_can(request.user, OUTREACH_EDIT),
        },
    )


def _month_from(request) -> dt.date:
    today = timezone.localdate()
    raw = request.GET.get("month", "")
    try:
        year, month = (int(part) for part in raw.split("-"))
        return dt.date(year, month, 1)
    except (TypeError, ValueError):
        return today.replace(day=1)


@login_required
@require_GET
def campaign_calendar(request):
    """A month grid: the days a campaign runs are marked, peak periods highlighted."""
    _require(request, OUTREACH_VIEW)
    first = _month_from(request)
    grid = pycalendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    grid_start, grid_end = grid[0][0], grid[-1][-1]
    campaigns = list(
        _scoped(Campaign.objects.select_related("unit"), request, "unit")
        .filter(starts_on__lte=grid_end, ends_on__gte=grid_start)
        .order_by("starts_on", "pk")
    )
    today = timezone.localdate()
    weeks = []
    for week in grid:
        days = []
        for day in week:
            running = [c for c in campaigns if c.starts_on <= day <= c.ends_on]
            starting = [
                c for c in running if c.starts_on == day or (day == week[0] and c.starts_on < day)
            ]
            days.append(
                {
                    "date": day,
                    "in_month": day.month == first.month,
                    "today": day == today,
                    "campaigns": running,
                    "starting": starting,
                    "peak": any(c.is_peak for c in running),
                }
            )
        weeks.append(days)
    last_day = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    weekday_names = [
        {"short": _("Mon"), "long": _("Monday")},
        {"short": _("Tue"), "long": _("Tuesday")},
        {"short": _("Wed"), "long": _("Wednesday")},
        {"short": _("Thu"), "long": _("Thursday")},
        {"short": _("Fri"), "long": _("Friday")},
        {"short": _("Sat"), "long": _("Saturday")},
        {"short": _("Sun"), "long": _("Sunday")},
    ]
    context = {
        "weeks": weeks,
        "weekday_names": weekday_names,
        "month_label": f"{MONTHS[first.month]} {first.year}",
        "previous_month": (first - dt.timedelta(days=1)).replace(day=1),
        "next_month": last_day + dt.timedelta(days=1),
        "month_campaigns": [c for c in campaigns if c.starts_on <= last_day and c.ends_on >= first],
        "can_edit": user_can(request.user, OUTREACH_EDIT),
    }
    return render(request, "outreach/campaign_calendar.html", context)


def _reach_rows(campaign: Campaign) -> list[dict]:
    rows = []
    for row in selectors.campaign_progress(campaign):
        if not row.target and not row.actual:
            continue
        rows.append(
            {
                "key": row.metric,
                "label": TARGET_METRICS.get(row.metric, row.label),
                "target": row.target or 0,
                "value": row.actual,
                "percent": row.percent,
                "low": (row.target or 0) / 2,
            }
        )
    return rows


@login_required
@require_GET
def campaign_detail(request, pk: int):
    _require(request, OUTREACH_VIEW)
    campaign = _get_scoped(Campaign.objects.select_related("unit"), request, "unit", pk)
    audience_labels = dict(Audience.choices)
    channel_labels = dict(ChannelKind.choices)
    context = {
        "campaign": campaign,
        "crumbs": _crumbs((reverse("outreach:campaigns"), _("Campaigns"))),
        "target_units": list(campaign.target_units.order_by("path")),
        "audiences": [str(audience_labels.get(a, a)) for a in campaign.audiences or []],
        "channels": [str(channel_labels.get(c, c)) for c in campaign.channels or []],
        "reach": _reach_rows(campaign),
        "contents": list(campaign.contents.select_related("unit").order_by("-created_at")[:100]),
        "can_edit": user_can(request.user, OUTREACH_EDIT),
    }
    return render(request, "outreach/campaign_detail.html", context)


# --- content: drafting, review, approval, audit trail --------------------------------------------


@login_required
@require_GET
def content_list(request):
    _require(request, OUTREACH_VIEW)
    contents = _scoped(Content.objects.select_related("unit"), request, "unit")
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    if status in workflow.ContentStatus.values:
        contents = contents.filter(status=status)
    if kind in ContentKind.values:
        contents = contents.filter(kind=kind)
    context = {
        "contents": list(contents.order_by("-updated_at", "-pk")[:LIST_LIMIT]),
        "statuses": workflow.ContentStatus.choices,
        "kinds": ContentKind.choices,
        "status": status,
        "kind": kind,
        "can_edit": user_can(request.user, OUTREACH_EDIT),
    }
    return render(request, "outreach/content_list.html", context)


def _campaign_choices(request):
    return _scoped(Campaign.objects.all(), request, "unit").order_by("-starts_on")[:100]


@login_required
@require_http_methods(["GET", "POST"])
def content_new(request):
    _require(request, OUTREACH_EDIT)
    campaigns = list(_campaign_choices(request))
    initial = {}
    if request.GET.get("campaign", "").isdigit():
        initial["campaign"] = int(request.GET["campaign"])
    if request.GET.get("kind") in ContentKind.values:
        initial["kind"] = request.GET["kind"]
    form = ContentForm(
        request.POST or None, initial=initial, kinds=ContentKind.choices, campaigns=campaigns
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        campaign = next((c for c in campaigns if c.pk == data.get("campaign")), None)
        unit = campaign.unit if campaign else _home_unit(request.user)
        try:
            if unit is None:
                raise NotFound(message=_("Your account is not attached to a unit."))
            content = services.content_create(
                acting_user=request.user,
                unit=unit,
                kind=data["kind"],
                title=data["title"],
                summary=data.get("summary") or "",
                body=data["body"],
                campaign=campaign,
                priority=data["priority"],
                dx_section=data.get("dx_section", False),
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The draft has been saved."))
            return redirect("outreach:content_detail", pk=content.pk)
    context = {
        "form": form,
        "heading": _("Draft content"),
        "crumbs": _crumbs((reverse("outreach:contents"), _("Content"))),
    }
    return render(request, "outreach/content_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def content_edit(request, pk: int):
    """Change a draft; from review on the text is frozen (the service refuses)."""
    _require(request, OUTREACH_EDIT)
    content = _content_or_404(request, pk)
    campaigns = list(_campaign_choices(request))
    initial = {
        "kind": content.kind,
        "title": content.title,
        "summary": content.summary,
        "body": content.body,
        "campaign": content.campaign_id,
        "priority": content.priority,
        "dx_section": content.dx_section,
    }
    form = ContentForm(
        request.POST or None,
        initial=initial,
        kinds=[(content.kind, content.get_kind_display())],
        campaigns=campaigns,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.content_update(
                acting_user=request.user,
                content=content,
                title=data["title"],
                summary=data.get("summary") or "",
                body=data["body"],
                campaign=next((c for c in campaigns if c.pk == data.get("campaign")), None),
                priority=data["priority"],
                dx_section=data.get("dx_section", False),
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The draft has been saved."))
            return redirect("outreach:content_detail", pk=content.pk)
    context = {
        "form": form,
        "heading": _("Edit the draft"),
        "crumbs": _crumbs(
            (reverse("outreach:contents"), _("Content")),
            (reverse("outreach:content_detail", args=[content.pk]), content.title),
        ),
    }
    return render(request, "outreach/content_form.html", context)


def _home_unit(user) -> Unit | None:
    """The unit new content belongs to when no campaign says: the user's own."""
    unit = scope_unit(user)
    if unit is None and user.is_superuser:
        unit = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    return unit


def _content_or_404(request, pk: int) -> Content:
    return _get_scoped(
        Content.objects.select_related("unit", "campaign", "approved_by"), request, "unit", pk
    )


def _trail(content: Content) -> list:
    """The content's audit events, and those of its broadcasts, oldest first."""
    slot_ids = [str(pk) for pk in content.slots.values_list("pk", flat=True)]
    events = list(
        AuditEvent.objects.filter(
            Q(object_type="outreach.content", object_id=str(content.pk))
            | Q(object_type="outreach.broadcastslot", object_id__in=slot_ids)
        )
        .select_related("actor")
        .order_by("occurred_at", "id")
    )
    for event in events:
        verb = event.action.rsplit(".", 1)[-1].rsplit("_", 1)[-1]
        event.label = AUDIT_LABELS.get(verb) or event.action
        if event.actor is not None:
            event.who = event.actor.full_name or event.actor_label
        else:
            event.who = _("system") if event.actor_label in {"", "system"} else event.actor_label
    return events


def _content_actions(request, content: Content) -> list[dict]:
    labels = _action_labels()
    needs = {
        workflow.SUBMIT: OUTREACH_EDIT,
        workflow.RETURN: OUTREACH_APPROVE,
        workflow.APPROVE: OUTREACH_APPROVE,
        workflow.RELEASE: OUTREACH_RELEASE,
        workflow.WITHDRAW: OUTREACH_APPROVE,
    }
    actions = []
    for action in workflow.CONTENT_FLOW.allowed(content.status):
        # Releasing an article, a message or a bulletin has its own controls below.
        if action == workflow.RELEASE:
            continue
        if user_can(request.user, needs[action]):
            actions.append(
                {
                    "code": action,
                    "label": labels[action],
                    "primary": action in {workflow.SUBMIT, workflow.APPROVE},
                }
            )
    return actions


def _radio_clusters(request):
    return (
        _scoped(Cluster.objects.select_related("station"), request, "station__unit", OUTREACH_VIEW)
        .filter(is_active=True)
        .order_by("station__name", "name")
    )


@login_required
@require_GET
def content_detail(request, pk: int, schedule_form=None):
    _require(request, OUTREACH_VIEW)
    content = _content_or_404(request, pk)
    can_release = user_can(request.user, OUTREACH_RELEASE)
    actions = _content_actions(request, content)
    context = {
        "content": content,
        "crumbs": _crumbs((reverse("outreach:contents"), _("Content"))),
        "can_upload": content.kind == ContentKind.RADIO
        and user_can(request.user, OUTREACH_EDIT)
        and content.status in {workflow.DRAFT, workflow.REVIEW},
        "can_tts": content.kind == ContentKind.RADIO and content.is_approved and can_release,
        "can_edit": content.status in workflow.EDITABLE_STATES
        and user_can(request.user, OUTREACH_EDIT),
        "actions": actions,
        "needs_note": any(a["code"] == workflow.RETURN for a in actions),
        "review_form": ReviewForm(),
        "trail": _trail(content),
        "dispatches": list(content.dispatches.order_by("-created_at")[:20]),
    }
    if content.kind == ContentKind.RADIO:
        context["slots"] = list(
            content.slots.select_related("cluster", "preempted_by__content").order_by("starts_at")
        )
        if content.is_approved and can_release:
            context["schedule_form"] = schedule_form or ScheduleForm(
                clusters=_radio_clusters(request),
                initial={"starts_at": timezone.localtime().replace(second=0, microsecond=0)},
            )
    elif content.is_approved and can_release:
        labels = dict(ChannelKind.choices)
        context["dispatch_channels"] = [
            {
                "value": channel.value,
                "label": _("Publish on the portal")
                if channel == ChannelKind.PORTAL
                else _("Send by %(channel)s") % {"channel": labels[channel]},
            }
            for channel in DISPATCH_CHANNELS.get(content.kind, [])
        ]
    return render(request, "outreach/content_detail.html", context)


@login_required
@require_POST
def content_action(request, pk: int):
    content = _content_or_404(request, pk)
    action = request.POST.get("action", "")
    note = request.POST.get("note", "").strip()
    transition = {
        workflow.SUBMIT: lambda: services.content_submit(acting_user=request.user, content=content),
        workflow.RETURN: lambda: services.content_return(
            acting_user=request.user, content=content, note=note
        ),
        workflow.APPROVE: lambda: services.content_approve(
            acting_user=request.user, content=content, note=note
        ),
        workflow.WITHDRAW: lambda: services.content_withdraw(
            acting_user=request.user, content=content, note=note
        ),
    }.get(action)
    if transition is None:
        messages.error(request, _("This action is not available."))
        return redirect("outreach:content_detail", pk=content.pk)
    try:
        transition()
    except DomainError as exc:
        _show_error(request, exc)
    else:
        done = {
            workflow.SUBMIT: _("Sent for review."),
            workflow.RETURN: _("Returned to the author."),
            workflow.APPROVE: _("Approved."),
            workflow.WITHDRAW: _("Withdrawn."),
        }
        messages.success(request, done.get(action, _("Done.")))
    return redirect("outreach:content_detail", pk=content.pk)


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The first range of a ``Range: bytes=a-b`` header, clamped to the file, or None."""
    unit, _sep, spec = header.partition("=")
    if unit.strip() != "bytes" or not spec:
        return None
    first, _dash, last = spec.split(",")[0].strip().partition("-")
    try:
        if first == "":
            start, end = max(0, size - int(last)), size - 1
        else:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
    except ValueError:
        return None
    return (start, end) if 0 <= start <= end else None


@login_required
@require_GET
def content_audio(request, pk: int):
    """The bulletin's audio for the <audio> element, with byte ranges (players seek with
    them, and Safari will not play media served without them)."""
    content = _content_or_404(request, pk)
    if not content.audio_id:
        raise Http404
    stored = content.audio
    size = stored.size
    wanted = _byte_range(request.headers.get("Range", ""), size)
    if request.headers.get("Range") and wanted is None:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if wanted is None:
        response = FileResponse(stored.file.open("rb"), content_type=stored.content_type)
        response["Content-Length"] = str(size)
    else:
        start, end = wanted
        with stored.file.open("rb") as handle:
            handle.seek(start)
            data = handle.read(end - start + 1)
        response = HttpResponse(data, status=206, content_type=stored.content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(len(data))
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_POST
def content_tts(request, pk: int):
    content = _content_or_404(request, pk)
    try:
        services.bulletin_render_audio(acting_user=request.user, content=content)
    except DomainError as exc:
        _show_error(request, exc)
    else:
        messages.success(request, _("The audio has been generated."))
    return redirect(reverse("outreach:content_detail", args=[content.pk]) + "#audio-title")


@login_required
@require_POST
def content_audio_upload(request, pk: int):
    content = _content_or_404(request, pk)
    upload = request.FILES.get("audio")
    if upload is None:
        messages.error(request, _("Choose an audio file to upload."))
    else:
        try:
            services.bulletin_upload_audio(
                acting_user=request.user, content=content, uploaded_file=upload
            )
        except DomainError as exc:
            _show_error(request, exc)
        else:
            messages.success(request, _("The recording has been uploaded."))
    return redirect(reverse("outreach:content_detail", args=[content.pk]) + "#audio-title")


@login_required
@require_POST
def content_schedule(request, pk: int):
    content = _content_or_404(request, pk)
    clusters = list(_radio_clusters(request))
    form = ScheduleForm(request.POST, clusters=clusters)
    if form.is_valid():
        cluster = next(c for c in clusters if c.pk == form.cleaned_data["cluster"])
        try:
            services.slot_schedule(
                acting_user=request.user,
                content=content,
                cluster=cluster,
                starts_at=form.cleaned_data["starts_at"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The bulletin has been scheduled."))
            return redirect(reverse("outreach:content_detail", args=[content.pk]) + "#slots-title")
    return content_detail(request, pk, schedule_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def content_dispatch(request, pk: int):
    """Send approved content on a channel: choose the channel and the recipients (units,
    audiences, addresses); then the delivery summary of the new dispatch is shown."""
    _require(request, OUTREACH_RELEASE)
    content = _content_or_404(request, pk)
    labels = dict(ChannelKind.choices)
    channels = [(c.value, labels[c]) for c in DISPATCH_CHANNELS.get(content.kind, [])]
    units = _units_under(content.unit, request, OUTREACH_RELEASE)
    initial = {"channel": request.GET.get("channel", "")}
    form = DispatchForm(request.POST or None, channels=channels, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["units"])
        try:
            dispatch = services.dispatch_create(
                acting_user=request.user,
                content=content,
                channel=form.cleaned_data["channel"],
                addresses=form.address_list(),
                units=[u for u in units if str(u.pk) in chosen],
                audiences=form.cleaned_data["audiences"],
            )
        except DomainError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Release started: see the deliveries."))
            return redirect(reverse("outreach:deliveries") + f"?dispatch={dispatch.pk}")
    context = {
        "form": form,
        "content": content,
        "heading": _("Send on a channel"),
        "crumbs": _crumbs(
            (reverse("outreach:contents"), _("Content")),
            (reverse("outreach:content_detail", args=[content.pk]), content.title),
        ),
        "dispatches": _with_summary(
            selectors.with_delivery_counts(content.dispatches.all()).order_by("-created_at")[:10]
        ),
    }
    return render(request, "outreach/dispatch_form.html", context)


def _with_summary(dispatches) -> list[Dispatch]:
    """Dispatches with ``summary``: the delivery statuses that have rows, with their counts."""
    labels = dict(Delivery.Status.choices)
    dispatches = list(dispatches)
    for dispatch in dispatches:
        dispatch.summary = [
            {"label": labels.get(status, status), "count": count}
            for status, count in selectors.dispatch_summary(dispatch).items()
            if count
        ]
    return dispatches


# --- radio -------------------------------------------------------------------------------------


def _date_param(request, name: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default


@login_required
@require_GET
def radio_schedule(request):
    _require(request, OUTREACH_VIEW)
    clusters = list(_radio_clusters(request))
    cluster = None
    if request.GET.get("cluster", "").isdigit():
        cluster = next((c for c in clusters if c.pk == int(request.GET["cluster"])), None)
    start = _date_param(request, "from", timezone.localdate())
    end = start + dt.timedelta(days=SCHEDULE_DAYS - 1)
    begin = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    finish = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    slots = _scoped(
        BroadcastSlot.objects.select_related(
            "cluster__station", "content", "preempted_by__content"
        ),
        request,
        "cluster__station__unit",
    ).filter(starts_at__lt=finish, ends_at__gt=begin)
    if cluster:
        slots = slots.filter(cluster=cluster)
    context = {
        "clusters": clusters,
        "cluster": cluster,
        "start": start,
        "end": end,
        "slots": list(slots.order_by("starts_at", "pk")[:LIST_LIMIT]),
        "can_log": user_can(request.user, OUTREACH_RADIO),
    }
    return render(request, "outreach/radio_schedule.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def play_log(request):
    _require(request, OUTREACH_RADIO)
    clusters = list(_radio_clusters(request))
    bulletins = list(
        _scoped(Content.objects.all(), request, "unit")
        .filter(kind=ContentKind.RADIO, status__in=workflow.RELEASABLE_STATES)
        .order_by("-approved_at", "-pk")[:100]
    )
    initial = {"started_at": timezone.localtime().replace(second=0, microsecond=0)}
    if request.GET.get("cluster", "").isdigit():
        initial["cluster"] = int(request.GET["cluster"])
    form = PlayLogForm(
        request.POST or None, clusters=clusters, bulletins=bulletins, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.playlog_record(
                acting_user=request.user,
                cluster=next(c for c in clusters if c.pk == data["cluster"]),
                content=next(b for b in bulletins if b.pk == data["content"]),
                started_at=data["started_at"],
                duration_seconds=round(float(data["minutes"]) * 60),
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The play log has been saved."))
            return redirect("outreach:play_log")
    recent = list(
        _scoped(
            PlayLog.objects.select_related("cluster", "content"),
            request,
            "cluster__station__unit",
        ).order_by("-started_at")[:10]
    )
    for play in recent:
        play.minutes = round(play.duration_seconds / 60, 1)
    context = {
        "form": form,
        "recent": recent,
        "crumbs": _crumbs((reverse("outreach:radio_schedule"), _("Radio schedule"))),
    }
    return render(request, "outreach/play_log.html", context)


PERIOD_WEEKS = {"1": 1, "4": 4, "13": 13}


@login_required
@require_GET
def compliance(request):
    """Per commune: did it air its DX section at least weekly, 7–10 minutes?"""
    _require(request, OUTREACH_VIEW)
    weeks = request.GET.get("weeks", "1")
    if weeks not in PERIOD_WEEKS:
        weeks = "1"
    end = timezone.localdate()
    start = radio.monday(end) - dt.timedelta(days=7 * (PERIOD_WEEKS[weeks] - 1))
    rows = []
    for item in selectors.compliance_for_user(request.user, start=start, end=end):
        longest = max((w.longest_dx_seconds for w in item.weeks), default=0)
        rows.append(
            {
                "commune": item.commune,
                "compliant": item.compliant,
                "compliant_weeks": item.compliant_weeks,
                "weeks": item.weeks,
                "longest": round(longest / 60, 1) if longest else 0,
            }
        )
    context = {
        "rows": rows,
        "start": start,
        "end": end,
        "weeks": weeks,
        "period_choices": [
            ("1", _("This week")),
            ("4", _("The last 4 weeks")),
            ("13", _("The last 13 weeks")),
        ],
    }
    return render(request, "outreach/compliance.html", context)


# --- channel deliveries --------------------------------------------------------------------------


FAILING = [Dispatch.Status.FAILED, Dispatch.Status.PARTLY_FAILED, Dispatch.Status.RETRYING]


@login_required
@require_GET
def deliveries(request):
    _require(request, OUTREACH_VIEW)
    dispatches = _scoped(Dispatch.objects.select_related("content"), request, "content__unit")
    status = request.GET.get("status", "")
    if status in Dispatch.Status.values:
        dispatches = dispatches.filter(status=status)
    selected = None
    if request.GET.get("dispatch", "").isdigit():
        selected = dispatches.filter(pk=int(request.GET["dispatch"])).first()
    dispatches = list(
        dispatches.annotate(
            sent=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
            failed=Count(
                "deliveries",
                filter=Q(
                    deliveries__status__in=[
                        Delivery.Status.FAILED,
                        Delivery.Status.REFUSED_INVALID,
                    ]
                ),
            ),
            refused=Count(
                "deliveries", filter=Q(deliveries__status=Delivery.Status.REFUSED_OPT_OUT)
            ),
            waiting=Count(
                "deliveries",
                filter=Q(
                    deliveries__status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING]
                ),
            ),
        ).order_by("-created_at", "-pk")[:LIST_LIMIT]
    )
    for dispatch in dispatches:
        dispatch.can_retry = dispatch.status in FAILING
        dispatch.counts = [
            {"label": label, "count": count}
            for label, count in [
                (_("Sent"), dispatch.sent),
                (_("Failed"), dispatch.failed),
                (_("Refused: opted out"), dispatch.refused),
                (_("Waiting"), dispatch.waiting),
            ]
            if count
        ]
    delivery_rows = []
    if selected is not None:
        delivery_rows = list(selected.deliveries.order_by("pk")[:500])
        for delivery in delivery_rows:
            delivery.masked_address = _mask_address(delivery.address)
    context = {
        "dispatches": dispatches,
        "statuses": Dispatch.Status.choices,
        "status": status,
        "failing_count": sum(1 for d in dispatches if d.status in FAILING),
        "selected": selected,
        "deliveries": delivery_rows,
        "can_release": user_can(request.user, OUTREACH_RELEASE),
    }
    return render(request, "outreach/deliveries.html", context)


def _mask_address(address: str) -> str:
    """An e-mail or a Zalo id with its middle hidden (personal data, Decree 13/2023)."""
    if "@" in address:
        name, _sep, domain = address.partition("@")
        return (name[:2] + "***@" + domain) if name else address
    if len(address) <= 6:
        return "*" * len(address)
    return address[:3] + "*" * (len(address) - 6) + address[-3:]


@login_required
@require_POST
def dispatch_retry(request, pk: int):
    _require(request, OUTREACH_RELEASE)
    dispatch = _get_scoped(Dispatch.objects.all(), request, "content__unit", pk)
    try:
        services.dispatch_retry(acting_user=request.user, dispatch=dispatch)
    except DomainError as exc:
        _show_error(request, exc)
    else:
        messages.success(request, _("Retrying the failed deliveries."))
    return redirect(reverse("outreach:deliveries") + f"?dispatch={dispatch.pk}")


# --- community digital-technology teams --------------------------------------------------------


def _my_teams(request) -> list[Team]:
    return list(
        Team.objects.filter(is_active=True, members__user=request.user, members__is_active=True)
        .distinct()
        .order_by("name")
    )


def _loggable_teams(request) -> list[Team]:
    """Teams the user may log for: their own, and those in scope for officials in charge."""
    return list(selectors.teams_user_can_log_for(request.user).order_by("name"))


@login_required
@require_GET
def team_list(request):
    my_teams = _my_teams(request)
    if not user_can(request.user, OUTREACH_VIEW) and not my_teams:
        raise PermissionDenied
    teams = (
        selectors.teams_for_user(request.user)
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("unit__path", "name")[:LIST_LIMIT]
    )
    context = {
        "teams": list(teams),
        "my_teams": my_teams,
        "can_manage": user_can(request.user, OUTREACH_TEAMS),
    }
    return render(request, "outreach/team_list.html", context)


@login_required
@require_GET
def team_detail(request, pk: int):
    is_member = any(team.pk == pk for team in _my_teams(request))
    try:
        team = selectors.team_get_for_user(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    activities = list(team.activities.order_by("-date", "-pk")[:20])
    for log in activities:
        log.people_guided = sum(getattr(log, field) for field in ActivityLogForm.SKILL_FIELD_NAMES)
    skill_labels = {key: SKILL_LABELS[key] for key in Skill.values}
    trainings = list(team.trainings.all())
    for training in trainings:
        training.skill_labels = [str(skill_labels.get(s, s)) for s in training.skills or []]
    totals = selectors.activity_totals(team.activities.all())
    context = {
        "team": team,
        "crumbs": _crumbs((reverse("outreach:teams"), _("Digital-technology teams"))),
        "members": list(team.members.filter(is_active=True).order_by("-role", "full_name")),
        "trainings": trainings,
        "activities": activities,
        "is_member": is_member,
        "show_phones": is_member or user_can(request.user, OUTREACH_TEAMS),
        "can_manage": user_can(request.user, OUTREACH_TEAMS)
        and unit_in_scope(request.user, team.unit, permission=OUTREACH_TEAMS),
        "totals": [
            {"label": _("Households visited"), "value": totals["households_visited"]},
            {"label": _("People guided"), "value": totals["people_guided"]},
            {"label": _("VNeID level 2 activated"), "value": totals["vneid_level2"]},
        ],
    }
    return render(request, "outreach/team_detail.html", context)


@require_GET
def team_service_worker(request):
    """The service worker of the team pages, served under their path so that its scope
    covers them (a worker served from /static/ could only control /static/)."""
    path = finders.find("outreach/activity-sw.js")
    if not path:
        raise Http404
    with open(path, encoding="utf-8") as handle:
        response = HttpResponse(handle.read(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def activity_log(request):
    """The phone-first activity-log form; offline drafts and sync live in activity-log.js.

    Posted without JavaScript (or by a browser that never went offline and lacks the script),
    the log is stored here through the same sync service, so a double tap stores it once.
    """
    teams = _loggable_teams(request)
    if not teams and not user_can(request.user, OUTREACH_VIEW):
        raise PermissionDenied
    initial = {}
    if request.GET.get("team", "").isdigit():
        initial["team"] = int(request.GET["team"])
    form = ActivityLogForm(request.POST or None, teams=teams, initial=initial)
    if request.method == "POST" and teams and form.is_valid():
        try:
            results = sync.activity_log_sync(acting_user=request.user, items=[form.item()])
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            result = results[0]
            if result.status in {"created", "duplicate"}:
                messages.success(request, _("The activity has been stored."))
                return redirect("outreach:activity_log")
            form.add_error(None, result.message or _("The log was refused."))
    recent = (
        list(
            ActivityLog.objects.filter(team__in=teams, recorded_by=request.user)
            .select_related("team")
            .order_by("-recorded_at")[:10]
        )
        if teams
        else []
    )
    context = {
        "form": form,
        "teams": teams,
        "recent": recent,
        "sync_url": reverse("api:activity_sync"),
        "service_worker_url": reverse("outreach:team_service_worker"),
    }
    return render(request, "outreach/activity_log.html", context)


# --- management: campaigns, teams, surveys -----------------------------------------------------

LOCAL_TYPES = [Unit.Type.XA, Unit.Type.PHUONG, Unit.Type.THI_TRAN, Unit.Type.DAC_KHU]
VILLAGE_TYPES = [Unit.Type.THON, Unit.Type.TO_DAN_PHO]
UNIT_CHOICES_LIMIT = 300


def _units_under(top: Unit | None, request, permission: str, types=None) -> list[Unit]:
    """Communes, wards and villages under ``top`` that are in the user's scope."""
    if top is None:
        return []
    units = Unit.objects.subtree(top, include_self=False).filter(
        type__in=types or [*LOCAL_TYPES, *VILLAGE_TYPES]
    )
    return [
        unit
        for unit in units.order_by("path")[:UNIT_CHOICES_LIMIT]
        if unit_in_scope(request.user, unit, permission=permission)
    ]


def _campaign_form_context(request, form, heading, crumbs) -> dict:
    return {"form": form, "heading": heading, "crumbs": crumbs}


def _campaign_arguments(form: CampaignForm, units: list[Unit]) -> dict:
    data = form.cleaned_data
    chosen = set(data["target_units"])
    return {
        "title": data["title"],
        "goal": data.get("goal") or "",
        "starts_on": data["starts_on"],
        "ends_on": data["ends_on"],
        "is_peak": data.get("is_peak", False),
        "target_units": [u for u in units if str(u.pk) in chosen],
        "audiences": data["audiences"],
        "key_messages": form.key_message_list(),
        "channels": data["channels"],
        "targets": form.targets(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request):
    _require(request, OUTREACH_EDIT)
    unit = _home_unit(request.user)
    if unit is None:
        raise PermissionDenied
    units = _units_under(unit, request, OUTREACH_EDIT)
    form = CampaignForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                acting_user=request.user, unit=unit, **_campaign_arguments(form, units)
            )
        except DomainError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The campaign has been saved."))
            return redirect("outreach:campaign_detail", pk=campaign.pk)
    crumbs = _crumbs((reverse("outreach:campaigns"), _("Campaigns")))
    return render(
        request,
        "outreach/campaign_form.html",
        _campaign_form_context(request, form, _("Plan a campaign"), crumbs),
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request, pk: int):
    _require(request, OUTREACH_EDIT)
    campaign = _get_scoped(
        Campaign.objects.select_related("unit"), request, "unit", pk, OUTREACH_EDIT
    )
    units = _units_under(campaign.unit, request, OUTREACH_EDIT)
    initial = {
        "title": campaign.title,
        "goal": campaign.goal,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "is_peak": campaign.is_peak,
        "target_units": [str(pk) for pk in campaign.target_units.values_list("pk", flat=True)],
        "audiences": campaign.audiences or [],
        "key_messages": "\n".join(campaign.key_messages or []),
        "channels": campaign.channels or [],
    }
    for key, value in (campaign.targets or {}).items():
        initial[f"target_{key}"] = value
    form = CampaignForm(request.POST or None, initial=initial, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(
                acting_user=request.user, campaign=campaign, **_campaign_arguments(form, units)
            )
        except DomainError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The campaign has been saved."))
            return redirect("outreach:campaign_detail", pk=campaign.pk)
    crumbs = _crumbs(
        (reverse("outreach:campaigns"), _("Campaigns")),
        (reverse("outreach:campaign_detail", args=[campaign.pk]), campaign.title),
    )
    return render(
        request,
        "outreach/campaign_form.html",
        _campaign_form_context(request, form, _("Edit the campaign"), crumbs),
    )


def _team_to_manage(request, pk: int) -> Team:
    _require(request, OUTREACH_TEAMS)
    return _get_scoped(Team.objects.select_related("unit"), request, "unit", pk, OUTREACH_TEAMS)


@login_required
@require_http_methods(["GET", "POST"])
def team_new(request):
    """A new team for a village or residential group, with its leader and members."""
    _require(request, OUTREACH_TEAMS)
    units = _units_under(_home_unit(request.user), request, OUTREACH_TEAMS, VILLAGE_TYPES)
    home = _home_unit(request.user)
    if home is not None and home.type in VILLAGE_TYPES:
        units = [home, *units]
    form = TeamForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = next(u for u in units if u.pk == data["unit"])
        try:
            with transaction.atomic():
                team = services.team_create(
                    acting_user=request.user,
                    unit=unit,
                    name=data["name"],
                    decision_ref=data.get("decision_ref") or "",
                    decision_date=data.get("decision_date"),
                )
                services.team_member_add(
                    acting_user=request.user,
                    team=team,
                    full_name=data["leader_name"],
                    phone=data.get("leader_phone") or "",
                    position=data.get("leader_position") or "",
                    role=TeamMember.Role.LEADER,
                )
                for row in form.member_rows():
                    services.team_member_add(acting_user=request.user, team=team, **row)
        except DomainError as exc:
            details = getattr(exc, "details", None) or []
            field = next((d.get("field") for d in details if isinstance(d, dict)), None)
            if field in {"full_name", "phone", "position"}:
                form.add_error("members" if form.member_rows() else "leader_name", str(exc.message))
            else:
                add_service_error(form, exc)
        else:
            messages.success(request, _("The team has been set up."))
            return redirect("outreach:team_detail", pk=team.pk)
    context = {
        "form": form,
        "heading": _("Set up a team"),
        "crumbs": _crumbs((reverse("outreach:teams"), _("Digital-technology teams"))),
        "no_units": not units,
    }
    return render(request, "outreach/team_form.html", context)


def _team_manage_page(request, team: Team, member_form=None, training_form=None):
    context = {
        "team": team,
        "heading": _("Manage the team"),
        "crumbs": _crumbs(
            (reverse("outreach:teams"), _("Digital-technology teams")),
            (reverse("outreach:team_detail", args=[team.pk]), team.name),
        ),
        "members": list(team.members.filter(is_active=True).order_by("-role", "full_name")),
        "member_form": member_form or MemberForm(),
        "training_form": training_form or TrainingForm(initial={"held_on": timezone.localdate()}),
    }
    return render(request, "outreach/team_manage.html", context)


@login_required
@require_GET
def team_manage(request, pk: int):
    return _team_manage_page(request, _team_to_manage(request, pk))


@login_required
@require_POST
def team_member_new(request, pk: int):
    team = _team_to_manage(request, pk)
    form = MemberForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.team_member_add(
                acting_user=request.user,
                team=team,
                full_name=data["full_name"],
                phone=data.get("phone") or "",
                role=data["role"],
                position=data.get("position") or "",
            )
        except DomainError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The member has been added."))
            return redirect("outreach:team_manage", pk=team.pk)
    return _team_manage_page(request, team, member_form=form)


@login_required
@require_POST
def team_member_deactivate(request, pk: int, member_pk: int):
    team = _team_to_manage(request, pk)
    member = team.members.filter(pk=member_pk, is_active=True).first()
    if member is None:
        raise Http404
    try:
        services.team_member_deactivate(acting_user=request.user, member=member)
    except DomainError as exc:
        _show_error(request, exc)
    else:
        messages.success(
            request, _("%(name)s is no longer a member of the team.") % {"name": member.full_name}
        )
    return redirect("outreach:team_manage", pk=team.pk)


@login_required
@require_POST
def team_training_new(request, pk: int):
    team = _team_to_manage(request, pk)
    form = TrainingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.training_record_create(
                acting_user=request.user,
                team=team,
                title=data["title"],
                held_on=data["held_on"],
                organiser=data.get("organiser") or "",
                hours=float(data.get("hours") or 0),
                attendees=data.get("attendees") or 0,
                skills=data["skills"],
            )
        except DomainError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The training has been recorded."))
            return redirect(reverse("outreach:team_detail", args=[team.pk]) + "#training-title")
    return _team_manage_page(request, team, training_form=form)


# --- survey management -------------------------------------------------------------------------


def _survey_to_manage(request, pk: int, permission: str = OUTREACH_SURVEYS) -> Survey:
    _require(request, permission)
    return _get_scoped(
        Survey.objects.select_related("unit", "campaign"), request, "unit", pk, permission
    )


@login_required
@require_GET
def survey_list(request):
    _require(request, OUTREACH_VIEW)
    surveys = list(
        selectors.surveys_for_user(request.user)
        .annotate(response_count=Count("responses"))
        .order_by("-created_at", "-pk")[:LIST_LIMIT]
    )
    context = {
        "surveys": surveys,
        "can_manage": user_can(request.user, OUTREACH_SURVEYS),
    }
    return render(request, "outreach/survey_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def survey_new(request):
    _require(request, OUTREACH_SURVEYS)
    unit = _home_unit(request.user)
    if unit is None:
        raise PermissionDenied
    campaigns = list(_campaign_choices(request))
    initial = {}
    if request.GET.get("campaign", "").isdigit():
        initial["campaign"] = int(request.GET["campaign"])
    form = SurveyForm(request.POST or None, campaigns=campaigns, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        campaign = next((c for c in campaigns if c.pk == data.get("campaign")), None)
        try:
            survey = services.survey_create(
                acting_user=request.user,
                unit=campaign.unit if campaign else unit,
                title=data["title"],
                description=data.get("description") or "",
                questions=form.questions(),
                campaign=campaign,
                phase=data["phase"],
                opens_on=data.get("opens_on"),
                closes_on=data.get("closes_on"),
            )
        except DomainError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The survey has been saved as a draft."))
            return redirect("outreach:survey_manage", pk=survey.pk)
    context = {
        "form": form,
        "heading": _("New survey"),
        "crumbs": _crumbs((reverse("outreach:surveys"), _("Surveys"))),
    }
    return render(request, "outreach/survey_form.html", context)


@login_required
@require_GET
def survey_manage(request, pk: int):
    survey = _survey_to_manage(request, pk, OUTREACH_VIEW)
    kinds = dict(Question.Kind.choices)
    questions = list(survey.questions.all())
    for question in questions:
        question.kind_label = kinds.get(question.kind, question.kind)
    context = {
        "survey": survey,
        "heading": survey.title,
        "crumbs": _crumbs((reverse("outreach:surveys"), _("Surveys"))),
        "questions": questions,
        "response_count": survey.responses.count(),
        "can_manage": user_can(request.user, OUTREACH_SURVEYS),
    }
    return render(request, "outreach/survey_manage.html", context)


@login_required
@require_POST
def survey_status(request, pk: int):
    survey = _survey_to_manage(request, pk)
    action = request.POST.get("action", "")
    change = {"open": services.survey_open, "close": services.survey_close}.get(action)
    if change is None:
        messages.error(request, _("This action is not available."))
        return redirect("outreach:survey_manage", pk=survey.pk)
    try:
        change(acting_user=request.user, survey=survey)
    except DomainError as exc:
        _show_error(request, exc)
    else:
        done = {"open": _("The survey is open for answers."), "close": _("The survey is closed.")}
        messages.success(request, done[action])
    return redirect("outreach:survey_manage", pk=survey.pk)


def _survey_result_rows(survey: Survey) -> dict:
    results = selectors.survey_results(survey)
    audiences = dict(Audience.choices)
    for row in results["by_audience"]:
        row["label"] = audiences.get(row["audience"], row["audience"])
    answer_labels = {"yes": _("Yes"), "no": _("No")}
    for question in results["questions"]:
        question["rows"] = [
            {"answer": answer_labels.get(answer, answer), "count": count}
            for answer, count in sorted(question["counts"].items())
        ]
    return results


@login_required
@require_GET
def survey_results(request, pk: int):
    survey = _survey_to_manage(request, pk, OUTREACH_VIEW)
    context = {
        "survey": survey,
        "heading": _("Results: %(title)s") % {"title": survey.title},
        "crumbs": _crumbs(
            (reverse("outreach:surveys"), _("Surveys")),
            (reverse("outreach:survey_manage", args=[survey.pk]), survey.title),
        ),
        "results": _survey_result_rows(survey),
    }
    return render(request, "outreach/survey_results.html", context)


@login_required
@require_GET
def survey_results_csv(request, pk: int):
    """The results by unit and by audience as CSV (UTF-8 with BOM so spreadsheets read it)."""
    survey = _survey_to_manage(request, pk, OUTREACH_VIEW)
    results = _survey_result_rows(survey)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="khao-sat-{survey.pk}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("Group"), _("Name"), _("Responses"), _("Awareness score")])
    for row in results["by_unit"]:
        writer.writerow([_("Unit"), _csv_cell(row["unit_name"]), row["responses"], row["score"]])
    for row in results["by_audience"]:
        writer.writerow([_("Audience"), _csv_cell(row["label"]), row["responses"], row["score"]])
    writer.writerow([_("Total"), "", results["responses"], results["score"]])
    return response


def _csv_cell(value) -> str:
    """A text cell that a spreadsheet will not run as a formula."""
    text = str(value or "")
    return "'" + text if text[:1] in {"=", "+", "-", "@"} else text
