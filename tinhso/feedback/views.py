"""Pages of the feedback room (phản ánh hiện trường): the citizen's report form, the public list
and map, "my reports", the hotline operator's intake, the handlers' queue and report page, and
the administrators' overview of categories and routing rules.

Thin like the API: forms parse, ``services`` write, ``selectors`` read, templates show. Every
refusal of a service (a ``DomainError``) is shown as its Vietnamese message on the page, never
a 500. Reports outside the user's scope answer 404 (``get_report_for_user``). The reporter's
identity is never on a public page; descriptions and answers are plain text, always escaped.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.accounts.permissions import Perm, user_can
from tinhso.feedback import errors, routing, selectors, services, workflow
from tinhso.feedback.forms import (
    FollowForm,
    HotlineForm,
    MessageForm,
    PublicFilterForm,
    QueueFilterForm,
    RatingForm,
    ReportForm,
)
from tinhso.feedback.models import Report, ReportPhoto, ReportUpdate
from tinhso.feedback.permissions import (
    FEEDBACK_HANDLE,
    FEEDBACK_INTAKE,
    FEEDBACK_MANAGE,
    FEEDBACK_MODERATE,
    FEEDBACK_VIEW,
)
from tinhso.kernel import ratelimit
from tinhso.kernel.calendar import calendar_from_db, working_days_between
from tinhso.kernel.errors import DomainError
from tinhso.units.models import Agency, Unit

PER_PAGE = 20
SENT_SESSION_KEY = "feedback_sent"
SUBMISSIONS_SESSION_KEY = "feedback_submissions"
SESSION_MEMORY = 20

# Where a service's ``details[].field`` lands on the report form.
FORM_FIELDS = {
    "category": "category",
    "description": "description",
    "address": "address",
    "commune": "commune",
    "email": "contact_email",
    "phone": "contact_phone",
    "name": "contact_name",
    "file": "photos",
}
LOCATION_CODES = {
    "location_required",
    "location_invalid",
    "location_outside_province",
    "commune_unknown",
}


def _action_label(action: str) -> str:
    # Literal msgids so that makemessages finds them.
    labels = {
        workflow.ACCEPT: _("Accept"),
        workflow.START: _("Start handling"),
        workflow.HOLD: _("Put on hold"),
        workflow.ASK_REPORTER: _("Ask the reporter"),
        workflow.RESUME: _("Resume"),
        workflow.RESOLVE: _("Mark handled with a public answer"),
        workflow.REJECT_NOT_COMPETENT: _("Reject: not competent"),
        workflow.REJECT_DUPLICATE: _("Reject: duplicate"),
        workflow.REJECT_SPAM: _("Reject: spam"),
        workflow.REOPEN: _("Reopen"),
        workflow.CLOSE: _("Close"),
    }
    return labels.get(action, action)


def _action_text_label(action: str) -> str:
    labels = {
        workflow.HOLD: _("Reason for the hold"),
        workflow.ASK_REPORTER: _("Question to the reporter"),
        workflow.RESOLVE: _("Official answer (published with the report)"),
        workflow.REJECT_NOT_COMPETENT: _("Reason"),
        workflow.REJECT_DUPLICATE: _("Reason"),
        workflow.REJECT_SPAM: _("Reason"),
        workflow.REOPEN: _("Reason"),
    }
    return labels.get(action, "")


# --- helpers ----------------------------------------------------------------------------------


def _user(request):
    return request.user if request.user.is_authenticated else None


def _error_message(exc: DomainError) -> str:
    return str(exc.message)


def _form_error(form, exc: DomainError) -> None:
    """Put a service's refusal on the field it names, else on the form."""
    details = exc.details
    if isinstance(details, dict):
        details = [details]
    fields = set()
    for item in details or []:
        if isinstance(item, dict) and item.get("field") in FORM_FIELDS:
            fields.add(FORM_FIELDS[item["field"]])
    if not fields and exc.code in LOCATION_CODES:
        fields.add("commune" if exc.code == "commune_unknown" else None)
    if not fields:
        fields.add(None)
    for name in fields:
        if name is not None and name not in form.fields:
            name = None
        form.add_error(name, _error_message(exc))


def _remember(request, key: str, value) -> None:
    remembered = list(request.session.get(key, []))
    if value in remembered:
        remembered.remove(value)
    remembered.append(value)
    request.session[key] = remembered[-SESSION_MEMORY:]


def _map_settings() -> dict:
    """The map is shown only when a tile server is configured: by default no request ever
    leaves for a third-party server."""
    tile_url = getattr(settings, "TINHSO_MAP_TILE_URL", "") or ""
    bounds = routing.province_bounds()
    center = None
    if bounds:
        center = ((bounds[0] + bounds[1]) / 2, (bounds[2] + bounds[3]) / 2)
    return {
        "tile_url": tile_url,
        "attribution": getattr(settings, "TINHSO_MAP_ATTRIBUTION", "") or "",
        "center": center,
    }


def _report_for_page(request, code: str) -> Report:
    try:
        return selectors.get_report_for_user(request.user, code)
    except errors.ReportNotFound as exc:
        raise Http404(_error_message(exc)) from exc


def _sent_report(request, code: str) -> Report:
    """The report this browser just sent (kept in its session) or that this user sent."""
    report = (
        Report.objects.select_related("agency", "category", "commune").filter(code=code).first()
    )
    if report is None:
        raise Http404
    mine = request.user.is_authenticated and report.reporter_id == request.user.pk
    if not mine and code not in request.session.get(SENT_SESSION_KEY, []):
        raise Http404
    return report


def _working_days_left(report: Report, calendar, now) -> int | None:
    if report.deadline is None or report.status not in workflow.OPEN_STATES:
        return None
    return working_days_between(now, report.deadline, calendar=calendar)


def _shows_personal_data(user) -> bool:
    return user_can(user, Perm.CITIZENS_VIEW_PERSONAL)


# --- the citizen's report ---------------------------------------------------------------------


def _create_from_form(request, form, *, channel: str) -> Report:
    data = form.cleaned_data
    return services.report_create(
        acting_user=_user(request),
        category=form.category_object(),
        description=data["description"],
        channel=channel,
        latitude=data.get("latitude") or None,
        longitude=data.get("longitude") or None,
        address=data.get("address", ""),
        commune_code=data.get("commune", ""),
        contact_name=data.get("contact_name", ""),
        contact_email=data.get("contact_email", ""),
        contact_phone=data.get("contact_phone", ""),
        is_anonymous=data.get("is_anonymous", False),
        photos=data.get("photos") or [],
    )


def _intake(request, form_class, *, channel_of, template: str, extra: dict | None = None):
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data.get("submission_key") or ""
        done = dict(request.session.get(SUBMISSIONS_SESSION_KEY, []))
        if key and key in done:
            # The same form sent twice (a double tap, a retry on a weak network).
            return redirect("feedback:report_sent", code=done[key])
        try:
            report = _create_from_form(request, form, channel=channel_of(form))
        except errors.CategoryNotFound as exc:
            form.add_error("category", _error_message(exc))
        except DomainError as exc:
            _form_error(form, exc)
        else:
            _remember(request, SENT_SESSION_KEY, report.code)
            if key:
                _remember(request, SUBMISSIONS_SESSION_KEY, [key, report.code])
            return redirect("feedback:report_sent", code=report.code)
    context = {"form": form, "map": _map_settings(), **(extra or {})}
    return render(request, template, context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("feedback.report_create")
def report_new(request):
    """The citizen's report form (phone first)."""
    return _intake(
        request,
        ReportForm,
        channel_of=lambda form: Report.Channel.PORTAL,
        template="feedback/report_form.html",
    )


@require_GET
def duplicates(request):
    """htmx: open reports of the same category near the point, to follow instead."""
    found = []
    code = request.GET.get("category", "")
    latitude, longitude = request.GET.get("latitude"), request.GET.get("longitude")
    if code and latitude and longitude:
        try:
            category = selectors.category_by_service_code(code)
        except DomainError:
            category = None
        if category is not None:
            found = selectors.nearby_open_reports(
                category=category, latitude=latitude, longitude=longitude
            )
    return render(request, "feedback/_duplicates.html", {"nearby": found})


@require_POST
def follow(request, code: str):
    """Follow a report instead of sending the same problem again (also from the public page)."""
    report = (
        Report.objects.select_related("category", "agency")
        .filter(code=code, duplicate_of__isnull=True)
        .exclude(status=workflow.REJECTED_SPAM)
        .first()
    )
    if report is None:
        raise Http404
    # The report form sends its own e-mail field; the public page sends "email".
    email = request.POST.get("email") or request.POST.get("contact_email") or ""
    try:
        services.report_follow(acting_user=request.user, report=report, email=email)
    except DomainError as exc:
        form = FollowForm(request.POST)
        form.is_valid()
        form.add_error("email", _error_message(exc))
        return render(request, "feedback/follow.html", {"report": report, "form": form}, status=422)
    return render(request, "feedback/followed.html", {"report": report})


@require_GET
def report_sent(request, code: str):
    """The confirmation: the code, the responsible agency, the deadline, what comes next."""
    report = _sent_report(request, code)
    return render(request, "feedback/report_sent.html", {"report": report})


# --- public pages -----------------------------------------------------------------------------


def _category_or_none(code: str):
    if not code:
        return None
    try:
        return selectors.category_by_service_code(code, active_only=False)
    except DomainError:
        return None


@require_GET
def public_list(request):
    """Handled reports with their official answer: list and (if configured) map."""
    form = PublicFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    within = None
    if data.get("commune"):
        within = Unit.objects.filter(code=data["commune"]).first()
    reports = selectors.public_reports(
        category=_category_or_none(data.get("category", "")),
        within=within,
        query=data.get("q", ""),
    )
    if data.get("status"):
        reports = reports.filter(status=data["status"])
    page = Paginator(reports, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "reports": page.object_list,
        "query_string": query.urlencode(),
        "map": _map_settings(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "feedback/_public_results.html", context)
    return render(request, "feedback/public_list.html", context)


@require_GET
def public_detail(request, code: str):
    try:
        report = selectors.public_report_get(code)
    except errors.ReportNotFound as exc:
        raise Http404(_error_message(exc)) from exc
    data = selectors.public_report_data(report)
    labels = dict(Report.Status.choices)
    for item in data["history"]:
        item["status_label"] = labels.get(item["status"], "")
    return render(
        request,
        "feedback/public_detail.html",
        {"report": report, "data": data, "follow_form": FollowForm(), "map": _map_settings()},
    )


@require_GET
def photo(request, file_id):
    """The bytes of a photo: approved ones of published reports for everyone; every photo for
    the reporter and the handlers in scope."""
    try:
        item = selectors.public_photo(file_id)
    except DomainError:
        item = None
    if item is None and request.user.is_authenticated:
        candidate = ReportPhoto.objects.select_related("report", "file").filter(file_id=file_id)
        candidate = candidate.first()
        if candidate is not None:
            try:
                report = selectors.get_report_for_user(request.user, candidate.report.code)
            except DomainError:
                report = None
            if (
                report is not None
                and selectors.report_photos(request.user, report).filter(pk=candidate.pk).exists()
            ):
                item = candidate
    if item is None:
        raise Http404
    response = FileResponse(item.file.file.open("rb"), content_type=item.file.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- the reporter's own reports ---------------------------------------------------------------


@login_required
@require_GET
def my_reports(request):
    reports = selectors.reports_for_user(request.user, mine=True)
    page = Paginator(reports, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "feedback/my_reports.html", {"page": page, "reports": page.object_list})


def _labelled(updates) -> list[ReportUpdate]:
    """History rows with the label of the status they moved to (``status_label``)."""
    labels = dict(Report.Status.choices)
    rows = list(updates)
    for row in rows:
        row.status_label = labels.get(row.status_to, "")
    return rows


def _reporter_history(report: Report) -> list[ReportUpdate]:
    return _labelled(
        report.updates.filter(
            Q(is_public=True) | Q(kind__in=[ReportUpdate.Kind.REPORTER, ReportUpdate.Kind.RATING])
        ).select_related("author")
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_report_detail(request, code: str):
    report = _report_for_page(request, code)
    if report.reporter_id != request.user.pk:
        # Officials have their own page for reports in their scope.
        raise Http404
    message_form = MessageForm(prefix="update")
    rating_form = RatingForm(prefix="rating")
    status = 200
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "update":
                message_form = MessageForm(request.POST, prefix="update")
                if message_form.is_valid():
                    services.report_reporter_update(
                        acting_user=request.user,
                        report=report,
                        message=message_form.cleaned_data["message"],
                    )
                    messages.success(request, _("Your information was added to the report."))
                    return redirect("feedback:my_report", code=report.code)
            elif what == "rating":
                rating_form = RatingForm(request.POST, prefix="rating")
                if rating_form.is_valid():
                    services.report_rate(
                        acting_user=request.user,
                        report=report,
                        rating=rating_form.cleaned_data["rating"],
                        comment=rating_form.cleaned_data["comment"],
                    )
                    messages.success(request, _("Thank you for rating the answer."))
                    return redirect("feedback:my_report", code=report.code)
            elif what == "photo" and request.FILES.get("photo"):
                services.report_add_photo(
                    acting_user=request.user, report=report, uploaded_file=request.FILES["photo"]
                )
                messages.success(request, _("The photo was added."))
                return redirect("feedback:my_report", code=report.code)
        except DomainError as exc:
            messages.error(request, _error_message(exc))
        status = 422
    context = {
        "report": report,
        "history": _reporter_history(report),
        "photos": selectors.report_photos(request.user, report),
        "message_form": message_form,
        "rating_form": rating_form,
        "can_rate": report.status == workflow.HANDLED and report.rating is None,
        "can_add_photo": report.status in workflow.OPEN_STATES,
    }
    return render(request, "feedback/my_report_detail.html", context, status=status)


# --- hotline operators ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def hotline(request):
    """An operator enters a call (kênh đường dây nóng) or a report made in person."""
    if not user_can(request.user, FEEDBACK_INTAKE):
        raise PermissionDenied
    return _intake(
        request,
        HotlineForm,
        channel_of=lambda form: form.cleaned_data["channel"],
        template="feedback/hotline.html",
    )


# --- handlers ---------------------------------------------------------------------------------


def _require_view(request) -> None:
    if not user_can(request.user, FEEDBACK_VIEW):
        raise PermissionDenied


@login_required
@require_GET
def queue(request):
    """The work queue: reports in the officer's scope, the nearest deadline first."""
    _require_view(request)
    form = QueueFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status", "open") if "status" in request.GET else "open"
    reports = selectors.reports_for_user(
        request.user,
        status=status or None,
        query=data.get("q", ""),
        overdue=True if data.get("overdue") else None,
    ).order_by(F("deadline").asc(nulls_last=True), "received_at")
    page = Paginator(reports, PER_PAGE).get_page(request.GET.get("page"))
    calendar, now = calendar_from_db(), timezone.now()
    rows = [
        {
            "report": report,
            "days_left": _working_days_left(report, calendar, now),
            "state": selectors.report_deadline_state(report, now=now),
        }
        for report in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "feedback/queue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "status": status,
            "query_string": query.urlencode(),
            "can_manage": user_can(request.user, FEEDBACK_MANAGE),
            "can_intake": user_can(request.user, FEEDBACK_INTAKE),
        },
    )


def _handler_context(request, report: Report) -> dict:
    user = request.user
    calendar, now = calendar_from_db(), timezone.now()
    actions = [
        {
            "code": action,
            "label": _action_label(action),
            "text_label": _action_text_label(action),
            "required": action
            not in {workflow.ACCEPT, workflow.START, workflow.RESUME, workflow.CLOSE},
        }
        for action in selectors.allowed_actions(user, report)
        if action != workflow.REPORTER_REPLIED
    ]
    can_handle = selectors.can_handle(user, report)
    return {
        "report": report,
        "history": _labelled(selectors.report_history(user, report)),
        "photos": selectors.report_photos(user, report),
        "actions": actions,
        "can_handle": can_handle,
        "is_open": report.status in workflow.OPEN_STATES,
        "can_moderate": user_can(user, FEEDBACK_MODERATE) and can_handle,
        "days_left": _working_days_left(report, calendar, now),
        "deadline_state": selectors.report_deadline_state(report, now=now),
        "unmasked": _shows_personal_data(user),
        "agencies": Agency.objects.filter(is_active=True).select_related("unit").order_by("name"),
        "max_extension": services.MAX_EXTENSION_DAYS,
    }


@login_required
@require_GET
def handle_detail(request, code: str):
    _require_view(request)
    report = _report_for_page(request, code)
    return render(request, "feedback/handle_detail.html", _handler_context(request, report))


def _agency_by_pk(value) -> Agency | None:
    try:
        return Agency.objects.filter(pk=int(value), is_active=True).first()
    except (TypeError, ValueError):
        return None


def _do_action(request, report: Report) -> str:
    """Run the posted action; return the success message."""
    post = request.POST
    action = post.get("action", "")
    text = post.get("message", "")
    user = request.user
    if action == "reassign":
        services.report_reassign(
            acting_user=user, report=report, agency=_agency_by_pk(post.get("agency")), reason=text
        )
        return _("The report was transferred.")
    if action == "extend":
        services.report_extend(acting_user=user, report=report, days=post.get("days"), reason=text)
        return _("The deadline was extended.")
    if action == "merge":
        target = selectors.get_report_for_user(user, (post.get("into") or "").strip())
        services.report_merge(acting_user=user, report=report, into=target, reason=text)
        return _("The report was merged into %(code)s.") % {"code": target.code}
    if action == "comment":
        services.report_comment(
            acting_user=user, report=report, message=text, is_public=bool(post.get("is_public"))
        )
        return _("The note was added.")
    if action == "publish":
        services.report_set_public(
            acting_user=user, report=report, is_public=post.get("is_public") == "1"
        )
        return _("Publication changed.")
    if action in {"approve_photo", "withdraw_photo"}:
        photo_item = selectors.report_photos(user, report).filter(pk=post.get("photo")).first()
        if photo_item is None:
            raise errors.PhotoNotFound()
        services.photo_approve(
            acting_user=user, photo=photo_item, approved=action == "approve_photo"
        )
        return (
            _("The photo was approved.")
            if action == "approve_photo"
            else _("The photo is no longer published.")
        )
    services.report_act(acting_user=user, report=report, action=action, message=text)
    return _("Done: %(status)s.") % {"status": report.get_status_display()}


@login_required
@require_POST
def handle_action(request, code: str):
    """One handler action (button); a refusal is shown on the report page as a message."""
    _require_view(request)
    report = _report_for_page(request, code)
    try:
        done = _do_action(request, report)
    except errors.ReportNotFound as exc:
        # The merge target is outside scope or unknown; the report itself was found.
        messages.error(request, _error_message(exc))
    except DomainError as exc:
        messages.error(request, _error_message(exc))
    else:
        messages.success(request, done)
        try:
            selectors.get_report_for_user(request.user, report.code)
        except errors.ReportNotFound:
            # Transferred out of this officer's scope: back to the queue.
            return redirect("feedback:queue")
        return redirect("feedback:handle", code=report.code)
    context = _handler_context(request, report)
    context["posted"] = request.POST
    return render(request, "feedback/handle_detail.html", context, status=422)


# --- administrators ---------------------------------------------------------------------------


@login_required
@require_GET
def settings_overview(request):
    """Categories and routing rules in the order they are tried; they are edited in the Django
    admin (``/quan-tri/feedback/``), which the core provides."""
    if not user_can(request.user, FEEDBACK_MANAGE):
        raise PermissionDenied
    return render(
        request,
        "feedback/settings.html",
        {
            "groups": selectors.category_groups(),
            "rules": selectors.routing_rules_for_user(request.user),
            "admin_ok": request.user.is_staff,
            "handle_ok": user_can(request.user, FEEDBACK_HANDLE),
        },
    )
