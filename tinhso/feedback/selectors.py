"""Every read of the feedback room that leaves it.

Scope (one rule, used for lists and fetches): an official with ``FEEDBACK_VIEW`` sees the
reports whose responsible agency — or, while unassigned, whose commune — lies in their unit's
subtree, plus those escalated to an agency there; a citizen sees the reports they sent; a
superuser sees all. The public sees only published reports through ``public_*``: handled or
closed, public category and report, not merged; never the reporter's identity or contact, and
only approved photos.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from tinhso.accounts.permissions import user_can
from tinhso.accounts.scope import scope_q
from tinhso.feedback import clocks, errors, routing, workflow
from tinhso.feedback.models import (
    ApiClient,
    Category,
    Report,
    ReportPhoto,
    ReportUpdate,
    RoutingRule,
)
from tinhso.feedback.permissions import FEEDBACK_HANDLE, FEEDBACK_MANAGE, FEEDBACK_VIEW
from tinhso.kernel.text import fold

DUPLICATE_RADIUS_M = 50


# --- categories -------------------------------------------------------------------------------


def categories_active() -> QuerySet[Category]:
    """Categories a report can be filed under (active, leaves of the tree), groups joined."""
    return (
        Category.objects.filter(is_active=True, children__isnull=True)
        .filter(Q(parent__isnull=True) | Q(parent__is_active=True))
        .select_related("parent")
        .order_by("parent__order", "parent__name", "order", "name")
    )


def category_groups() -> list[tuple[Category | None, list[Category]]]:
    """[(group, [categories])] for a two-level picker; categories without group under None."""
    groups: dict[int | None, tuple[Category | None, list[Category]]] = {}
    for category in categories_active():
        key = category.parent_id
        groups.setdefault(key, (category.parent, []))[1].append(category)
    return list(groups.values())


def category_by_service_code(service_code: str, *, active_only: bool = True) -> Category:
    qs = categories_active() if active_only else Category.objects.select_related("parent")
    category = qs.filter(service_code=service_code).first()
    if category is None:
        raise errors.CategoryNotFound()
    return category


def routing_rules_for_user(user) -> QuerySet[RoutingRule]:
    """Rules whose area lies in the user's scope (``FEEDBACK_MANAGE``); superusers see all,
    including the rules without an area."""
    qs = RoutingRule.objects.select_related("unit", "category", "agency").order_by("order", "pk")
    condition = scope_q(user, unit_field="unit", permission=FEEDBACK_MANAGE)
    return qs if condition is None else qs.filter(condition)


# --- reports for officials and reporters -----------------------------------------------------


def _report_scope(user) -> Q | None:
    by_agency = scope_q(
        user, unit_field="agency__unit", permission=FEEDBACK_VIEW, owner_field="reporter"
    )
    if by_agency is None:
        return None
    by_commune = scope_q(user, unit_field="commune", permission=FEEDBACK_VIEW)
    escalated = scope_q(user, unit_field="escalated_to__unit", permission=FEEDBACK_VIEW)
    return by_agency | (Q(agency__isnull=True) & by_commune) | escalated


def _base() -> QuerySet[Report]:
    return Report.objects.select_related(
        "category__parent", "agency__unit", "commune", "escalated_to"
    )


def reports_for_user(
    user,
    *,
    status: str | list[str] | None = None,
    category: Category | None = None,
    agency=None,
    within=None,
    channel: str | None = None,
    overdue: bool | None = None,
    query: str = "",
    mine: bool = False,
    now: dt.datetime | None = None,
) -> QuerySet[Report]:
    """Reports in the user's scope, newest first, with filters:

    - ``status``: one status, a list, or the words "open" / "done";
    - ``category`` (its group includes its categories), ``agency``, ``within`` (a unit: the
      report's commune lies in its subtree), ``channel``;
    - ``overdue``: running (not paused), past the deadline with its extensions;
    - ``query``: the report code or words of the description / address (diacritics matter
      only as typed, case ignored);
    - ``mine``: only the reports this user sent.
    """
    qs = _base()
    condition = _report_scope(user)
    if condition is not None:
        qs = qs.filter(condition)
    if mine:
        qs = qs.filter(reporter=user) if getattr(user, "is_authenticated", False) else qs.none()
    if status == "open":
        qs = qs.filter(status__in=workflow.OPEN_STATES)
    elif status == "done":
        qs = qs.filter(status__in=workflow.DONE_STATES)
    elif isinstance(status, list | tuple | set | frozenset):
        qs = qs.filter(status__in=list(status))
    elif status:
        qs = qs.filter(status=status)
    if category is not None:
        qs = qs.filter(Q(category=category) | Q(category__parent=category))
    if agency is not None:
        qs = qs.filter(agency=agency)
    if within is not None:
        from tinhso.units.models import subtree_bounds

        low, high = subtree_bounds(within.path)
        qs = qs.filter(commune__path__gte=low, commune__path__lt=high)
    if channel:
        qs = qs.filter(channel=channel)
    if overdue is not None:
        now = now or timezone.now()
        late = Q(
            status__in=workflow.OPEN_STATES - workflow.PAUSED_STATES,
            deadline__isnull=False,
            deadline__lt=now,
        )
        qs = qs.filter(late) if overdue else qs.exclude(late)
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(code__iexact=query) | Q(description__icontains=query) | Q(address__icontains=query)
        )
    return qs.distinct() if condition is not None else qs


def get_report_for_user(user, code: str) -> Report:
    """One report in the user's scope by its code, or ``report_not_found`` (404)."""
    qs = _base().select_related("reporter", "duplicate_of")
    condition = _report_scope(user)
    if condition is not None:
        qs = qs.filter(condition)
    report = qs.filter(code=code).first()
    if report is None:
        raise errors.ReportNotFound()
    return report


def can_handle(user, report: Report) -> bool:
    from tinhso.accounts.scope import unit_in_scope

    unit = report.agency.unit if report.agency_id else report.commune
    return user_can(user, FEEDBACK_HANDLE) and unit_in_scope(user, unit, permission=FEEDBACK_HANDLE)


def allowed_actions(user, report: Report) -> list[str]:
    """The workflow actions this user may take on the report now (for buttons)."""
    if not can_handle(user, report):
        return []
    return workflow.REPORT_FLOW.allowed(report.status)


def report_history(user, report: Report) -> QuerySet[ReportUpdate]:
    """The whole history for a handler in scope; the public entries for anyone else."""
    qs = report.updates.select_related("author", "agency_from", "agency_to")
    if can_handle(user, report) or (user_can(user, FEEDBACK_VIEW) and _in_view_scope(user, report)):
        return qs
    return qs.filter(is_public=True)


def _in_view_scope(user, report: Report) -> bool:
    condition = _report_scope(user)
    return condition is None or Report.objects.filter(condition, pk=report.pk).exists()


def report_photos(user, report: Report) -> QuerySet[ReportPhoto]:
    """Every photo for the reporter and handlers in scope; the approved ones for others."""
    qs = report.photos.select_related("file")
    reporter = getattr(user, "is_authenticated", False) and report.reporter_id == user.pk
    if reporter or (user_can(user, FEEDBACK_VIEW) and _in_view_scope(user, report)):
        return qs
    return qs.filter(is_approved=True)


def reporter_identity(user, report: Report) -> dict[str, str] | None:
    """Who sent the report, as a handler may see it: ``{"name", "email", "phone"}`` with the
    phone and e-mail masked unless the user may see personal data; ``None`` when the report is
    anonymous (even handlers do not see the sender) or was anonymised. The reporter always
    sees their own. Never use this on a public page."""
    from tinhso.accounts.permissions import Perm
    from tinhso.kernel.audit import mask_value

    own = getattr(user, "is_authenticated", False) and report.reporter_id == user.pk
    if report.anonymised_at or (report.is_anonymous and not own):
        return None
    if not own and not (user_can(user, FEEDBACK_VIEW) and _in_view_scope(user, report)):
        return None
    person = report.reporter
    name = report.contact_name or (person.full_name if person else "")
    email = report.contact_email or (person.email if person else "")
    phone = report.contact_phone or (person.phone if person else "")
    if not own and not user_can(user, Perm.CITIZENS_VIEW_PERSONAL):
        email, phone = mask_value("phone", email), mask_value("phone", phone)
    return {"name": name, "email": email, "phone": phone}


def report_deadline_state(report: Report, *, now: dt.datetime | None = None) -> str:
    """ "paused" | "overdue" | "extended" | "running" | "done" — for the badge beside the
    deadline (an extended report is never shown as overdue for its extra days)."""
    if report.status in workflow.PAUSED_STATES:
        return "paused"
    if report.status not in workflow.OPEN_STATES:
        return "done"
    if clocks.is_overdue(report, now=now):
        return "overdue"
    return "extended" if report.extension_days else "running"


# --- duplicates -------------------------------------------------------------------------------


@dataclass
class Nearby:
    report: Report
    distance_m: float


def nearby_open_reports(
    *,
    category: Category,
    latitude,
    longitude,
    radius_m: float = DUPLICATE_RADIUS_M,
    limit: int = 5,
    exclude: Report | None = None,
) -> list[Nearby]:
    """Open, unmerged reports of the same category within ``radius_m`` (default 50 m) of the
    point, nearest first: suggested at submission ("follow this one instead"). A bounding box
    on the indexed columns first, then the exact haversine distance."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return []
    lat_min, lat_max, lon_min, lon_max = routing.bounding_box(lat, lon, radius_m)
    qs = (
        Report.objects.filter(
            category=category,
            status__in=workflow.OPEN_STATES,
            duplicate_of__isnull=True,
            latitude__gte=Decimal(f"{lat_min:.6f}"),
            latitude__lte=Decimal(f"{lat_max:.6f}"),
            longitude__gte=Decimal(f"{lon_min:.6f}"),
            longitude__lte=Decimal(f"{lon_max:.6f}"),
        )
        .select_related("category", "commune")
        .order_by("-received_at")[:200]
    )
    found = []
    for report in qs:
        if exclude is not None and report.pk == exclude.pk:
            continue
        distance = routing.haversine_m(lat, lon, float(report.latitude), float(report.longitude))
        if distance <= radius_m:
            found.append(Nearby(report, round(distance, 1)))
    found.sort(key=lambda item: item.distance_m)
    return found[:limit]


# --- publication ------------------------------------------------------------------------------


def _public() -> QuerySet[Report]:
    return _base().filter(
        status__in=workflow.ANSWERED_STATES,
        is_public=True,
        category__is_public=True,
        duplicate_of__isnull=True,
    )


def public_reports(
    *,
    category: Category | None = None,
    within=None,
    query: str = "",
    bbox: tuple[float, float, float, float] | None = None,
) -> QuerySet[Report]:
    """Published reports (handled or closed, public), newest answer first. ``bbox`` =
    (lat_min, lat_max, long_min, long_max) for the map. Never expose ``reporter`` or the
    contact fields of these rows: use ``public_report_data``."""
    qs = _public().order_by("-handled_at", "-pk")
    if category is not None:
        qs = qs.filter(Q(category=category) | Q(category__parent=category))
    if within is not None:
        from tinhso.units.models import subtree_bounds

        low, high = subtree_bounds(within.path)
        qs = qs.filter(commune__path__gte=low, commune__path__lt=high)
    if bbox is not None:
        lat_min, lat_max, lon_min, lon_max = bbox
        qs = qs.filter(
            latitude__gte=lat_min, latitude__lte=lat_max, longitude__gte=lon_min,
            longitude__lte=lon_max,
        )  # fmt: skip
    query = (query or "").strip()
    if query:
        words = fold(query)
        qs = qs.filter(
            Q(code__iexact=query)
            | Q(description__icontains=query)
            | Q(public_answer__icontains=query)
            | Q(category__search_name__icontains=words)
        )
    return qs


def public_report_get(code: str) -> Report:
    report = _public().filter(code=code).first()
    if report is None:
        raise errors.ReportNotFound()
    return report


def public_report_data(report: Report) -> dict:
    """What may be published about a report: no reporter, no contact, no device; approved
    photos only; the public history without officials' names."""
    return {
        "code": report.code,
        "category": report.category.name,
        "group": report.category.group,
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "description": report.description,
        "address": report.address,
        "commune": report.commune.name if report.commune_id else "",
        "latitude": float(report.latitude) if report.latitude is not None else None,
        "longitude": float(report.longitude) if report.longitude is not None else None,
        "agency": report.agency.name if report.agency_id else "",
        "received_at": report.received_at,
        "handled_at": report.handled_at,
        "answer": report.public_answer,
        "photo_ids": [str(photo.file_id) for photo in report.photos.filter(is_approved=True)],
        "history": [
            {"at": update.created_at, "status": update.status_to, "message": update.message}
            for update in report.updates.filter(is_public=True).exclude(
                kind=ReportUpdate.Kind.REPORTER
            )
        ],
    }


def public_photo(file_id) -> ReportPhoto:
    """An approved photo of a published report, or 404 (for the page that serves the bytes)."""
    photo = (
        ReportPhoto.objects.select_related("file", "report")
        .filter(file_id=file_id, is_approved=True, report__in=_public())
        .first()
    )
    if photo is None:
        raise errors.PhotoNotFound()
    return photo


# --- Open311 --------------------------------------------------------------------------------


def api_client_by_key(api_key: str) -> ApiClient | None:
    from tinhso.feedback.services import api_key_hash

    if not api_key:
        return None
    return ApiClient.objects.filter(key_hash=api_key_hash(api_key), is_active=True).first()


def report_by_token(token: str) -> Report | None:
    try:
        value = uuid.UUID(str(token))
    except ValueError:
        return None
    return Report.objects.filter(token=value).first()


def open311_reports() -> QuerySet[Report]:
    """What the Open311 read endpoints show: every report except spam (a request's status is
    public, its reporter never), with private categories and withheld reports hidden."""
    return (
        _base()
        .exclude(status=workflow.REJECTED_SPAM)
        .filter(is_public=True, category__is_public=True)
    )
