"""HTTP API of the feedback room (django-ninja router, mounted under /api/v1/feedback).

Public (no sign-in):
    GET   /categories                          categories a report can be filed under
    GET   /nearby?category=&lat=&long=         open reports of the category within 50 m
    POST  /reports                             new report (Idempotency-Key; signed in or not)
    POST  /reports/{code}/follow               follow a report (signed in, or with an e-mail)
    GET   /public/reports                      published reports (handled, public)
    GET   /public/reports/{code}               one published report
Reporter (signed in):
    POST  /reports/{code}/photos               add a photo (multipart ``file``)
    POST  /reports/{code}/reporter-update      add information (reopens a closed report)
    POST  /reports/{code}/rating               rate the answer 1..5
Officials (signed in, in scope):
    GET   /reports                             reports in scope (filters, paginated)
    GET   /reports/{code}                      one report in scope, with history and actions
    POST  /reports/{code}/actions/{action}     accept, start, hold, ask_reporter, resume,
                                               resolve, reject_*, reopen, close
    POST  /reports/{code}/reassign | /extend | /merge | /comments
    POST  /photos/{id}/approve

A hotline operator posts to /reports with ``channel`` "hotline" (needs ``feedback.intake``).
Thin: parse → service/selector → schema; refusals are ``DomainError`` codes.
"""

import datetime as dt
from typing import Any

from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.security import django_auth

from tinhso.feedback import errors, selectors, services
from tinhso.feedback.models import Category, Report, ReportPhoto
from tinhso.feedback.open311 import throttle
from tinhso.kernel import ratelimit
from tinhso.kernel.errors import Forbidden, InvalidInput
from tinhso.kernel.idempotency import run_idempotent
from tinhso.kernel.pagination import LimitOffsetPagination
from tinhso.kernel.schemas import ErrorOut
from tinhso.units.models import Agency

router = Router(tags=["feedback"])


# --- schemas --------------------------------------------------------------------------------


API_CHANNELS = {"portal", "api", "hotline", "zalo", "in_person"}


def _from(obj, key: str, compute):
    """A resolver's answer for a model instance, or the value itself when the schema is
    rebuilt from a dict (an idempotent replay, a detail built from a list item)."""
    if isinstance(obj, dict):
        return obj.get(key)
    return compute(obj)


class CategoryOut(Schema):
    service_code: str
    name: str
    group: str
    description: str
    handling_days: int
    day_kind: str
    attributes: list[dict[str, Any]]


class NearbyOut(Schema):
    code: str
    category: str
    status: str
    status_label: str
    description: str
    address: str
    distance_m: float
    received_at: dt.datetime


class ReportIn(Schema):
    category: str = Field(..., description="service_code of the category", max_length=50)
    description: str = Field(..., max_length=4000)
    latitude: float | None = None
    longitude: float | None = None
    address: str = Field("", max_length=255)
    commune_code: str = Field("", max_length=20)
    contact_name: str = Field("", max_length=150)
    contact_email: str = Field("", max_length=254)
    contact_phone: str = Field("", max_length=20)
    is_anonymous: bool = False
    attributes: dict[str, Any] = Field(default_factory=dict)
    channel: str = Field("portal", description="portal, api, hotline, zalo or in_person")


class ReportCreatedOut(Schema):
    code: str
    token: str
    status: str
    agency: str | None
    commune: str | None
    deadline: dt.datetime | None


class ReportListOut(Schema):
    code: str
    category: str
    channel: str
    status: str
    status_label: str
    agency: str | None
    commune: str | None
    address: str
    received_at: dt.datetime
    deadline: dt.datetime | None
    deadline_state: str

    @staticmethod
    def resolve_category(obj) -> str:
        return _from(obj, "category", lambda report: report.category.name)

    @staticmethod
    def resolve_status_label(obj) -> str:
        return _from(obj, "status_label", lambda report: str(report.get_status_display()))

    @staticmethod
    def resolve_agency(obj) -> str | None:
        return _from(obj, "agency", lambda r: r.agency.name if r.agency_id else None)

    @staticmethod
    def resolve_commune(obj) -> str | None:
        return _from(obj, "commune", lambda r: r.commune.name if r.commune_id else None)

    @staticmethod
    def resolve_deadline_state(obj) -> str:
        return _from(obj, "deadline_state", selectors.report_deadline_state)


class HistoryOut(Schema):
    at: dt.datetime
    kind: str
    status_from: str
    status_to: str
    message: str
    is_public: bool


class ReportDetailOut(ReportListOut):
    description: str
    latitude: float | None
    longitude: float | None
    public_answer: str
    is_public: bool
    is_anonymous: bool
    contact_name: str
    contact_email: str
    contact_phone: str
    original_deadline: dt.datetime | None
    extension_days: int
    duplicate_of: str | None
    rating: int | None
    allowed_actions: list[str]
    history: list[HistoryOut]
    photo_ids: list[int]


class ReportFilters(Schema):
    status: str | None = Field(None, description='A status, or "open" / "done".')
    category: str | None = Field(None, description="service_code")
    channel: str | None = None
    overdue: bool | None = None
    q: str | None = None
    mine: bool = False


class ActionIn(Schema):
    message: str = Field("", max_length=4000)
    is_public: bool | None = None
    duplicate_of: str | None = Field(None, description="code of the report it duplicates")


class ReassignIn(Schema):
    agency_id: int
    reason: str = Field(..., max_length=4000)


class ExtendIn(Schema):
    days: int
    reason: str = Field(..., max_length=4000)


class MergeIn(Schema):
    into: str = Field(..., description="code of the report to keep")
    reason: str = Field("", max_length=4000)


class CommentIn(Schema):
    message: str = Field(..., max_length=4000)
    is_public: bool = False


class FollowIn(Schema):
    email: str = Field("", max_length=254)


class MessageIn(Schema):
    message: str = Field(..., max_length=4000)


class RatingIn(Schema):
    rating: int
    comment: str = Field("", max_length=4000)


class ApproveIn(Schema):
    approved: bool = True


class OkOut(Schema):
    ok: bool = True


class PublicReportOut(Schema):
    code: str
    category: str
    group: str
    status: str
    status_label: str
    description: str
    address: str
    commune: str
    latitude: float | None
    longitude: float | None
    agency: str
    received_at: dt.datetime
    handled_at: dt.datetime | None
    answer: str
    photo_ids: list[str]
    history: list[dict[str, Any]]


# --- helpers ----------------------------------------------------------------------------------


def _user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _category(code: str) -> Category:
    try:
        return selectors.category_by_service_code(code)
    except errors.CategoryNotFound as exc:
        raise errors.CategoryUnknown(
            details=[{"field": "category", "code": "category_unknown"}]
        ) from exc


def _detail(user, report: Report) -> dict[str, Any]:
    who = selectors.reporter_identity(user, report) or {"name": "", "email": "", "phone": ""}
    data = ReportListOut.from_orm(report).model_dump()
    data.update(
        description=report.description,
        latitude=float(report.latitude) if report.latitude is not None else None,
        longitude=float(report.longitude) if report.longitude is not None else None,
        public_answer=report.public_answer,
        is_public=report.is_public,
        is_anonymous=report.is_anonymous,
        contact_name=who["name"],
        contact_email=who["email"],
        contact_phone=who["phone"],
        original_deadline=report.original_deadline,
        extension_days=report.extension_days,
        duplicate_of=report.duplicate_of.code if report.duplicate_of_id else None,
        rating=report.rating,
        allowed_actions=selectors.allowed_actions(user, report),
        history=[
            {
                "at": update.created_at,
                "kind": update.kind,
                "status_from": update.status_from,
                "status_to": update.status_to,
                "message": update.message,
                "is_public": update.is_public,
            }
            for update in selectors.report_history(user, report)
        ],
        photo_ids=list(selectors.report_photos(user, report).values_list("pk", flat=True)),
    )
    return data


def _fetch(request, code: str) -> Report:
    return selectors.get_report_for_user(request.auth, code)


# --- public ----------------------------------------------------------------------------------


@router.get("/categories", response=list[CategoryOut], url_name="feedback_categories")
def list_categories(request):
    return [
        {
            "service_code": c.service_code,
            "name": c.name,
            "group": c.group,
            "description": c.description,
            "handling_days": c.handling_days,
            "day_kind": c.day_kind,
            "attributes": c.attributes or [],
        }
        for c in selectors.categories_active()
    ]


@router.get(
    "/nearby",
    response={200: list[NearbyOut], 422: ErrorOut},
    url_name="feedback_nearby",
    summary="Open reports of the same category within 50 m (duplicate suggestion)",
)
def nearby(request, category: str, lat: float, long: float):
    found = selectors.nearby_open_reports(
        category=_category(category), latitude=lat, longitude=long
    )
    return [
        {
            "code": item.report.code,
            "category": item.report.category.name,
            "status": item.report.status,
            "status_label": str(item.report.get_status_display()),
            # Shortened: enough to recognise the same problem.
            "description": item.report.description[:200],
            "address": item.report.address,
            "distance_m": item.distance_m,
            "received_at": item.report.received_at,
        }
        for item in found
    ]


@router.post(
    "/reports",
    response={201: ReportCreatedOut, 400: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    url_name="feedback_report_create",
    summary="Send a field report (send an Idempotency-Key)",
)
def create_report(request, data: ReportIn):
    user = _user(request)
    throttle(request, write=True)
    ratelimit.check(request, "feedback.report_create", user=user)
    if data.channel not in API_CHANNELS:
        raise InvalidInput(details=[{"field": "channel", "code": "invalid"}])
    if data.channel in {Report.Channel.HOTLINE, Report.Channel.IN_PERSON} and user is None:
        # An operator enters calls and visits: signed in, with feedback.intake (the service
        # checks the permission).
        raise Forbidden()
    category = _category(data.category)

    def create():
        report = services.report_create(
            acting_user=user,
            category=category,
            description=data.description,
            channel=data.channel,
            latitude=data.latitude,
            longitude=data.longitude,
            address=data.address,
            commune_code=data.commune_code,
            contact_name=data.contact_name,
            contact_email=data.contact_email,
            contact_phone=data.contact_phone,
            is_anonymous=data.is_anonymous,
            attributes=data.attributes,
        )
        body = {
            "code": report.code,
            "token": str(report.token),
            "status": report.status,
            "agency": report.agency.name if report.agency_id else None,
            "commune": report.commune.name if report.commune_id else None,
            "deadline": report.deadline,
        }
        return 201, ReportCreatedOut(**body).model_dump(mode="json")

    status, body = run_idempotent(
        request, scope="feedback.report_create", payload=data.model_dump(mode="json"), create=create
    )
    return Status(status, body)


@router.post(
    "/reports/{code}/follow",
    response={200: OkOut, 404: ErrorOut, 422: ErrorOut},
    url_name="feedback_follow",
)
def follow(request, code: str, data: FollowIn):
    report = Report.objects.filter(code=code).first()
    if report is None:
        raise errors.ReportNotFound()
    services.report_follow(acting_user=_user(request), report=report, email=data.email)
    return {"ok": True}


class _PublicPage:
    """A lazy sequence for the paginator: only the page's reports are turned into data."""

    def __init__(self, queryset) -> None:
        self.queryset = queryset

    def __len__(self) -> int:
        return self.queryset.count()

    def __getitem__(self, window: slice):
        rows = self.queryset.prefetch_related("photos", "updates")[window]
        return [selectors.public_report_data(report) for report in rows]


@router.get("/public/reports", response=list[PublicReportOut], url_name="feedback_public_list")
@paginate(LimitOffsetPagination)
def public_list(request, category: str | None = None, q: str | None = None):
    return _PublicPage(
        selectors.public_reports(category=_category(category) if category else None, query=q or "")
    )


@router.get(
    "/public/reports/{code}",
    response={200: PublicReportOut, 404: ErrorOut},
    url_name="feedback_public_detail",
)
def public_detail(request, code: str):
    return selectors.public_report_data(selectors.public_report_get(code))


# --- reporter -------------------------------------------------------------------------------


def _own(request, code: str) -> Report:
    report = Report.objects.filter(code=code, reporter=request.auth).first()
    if report is None:
        raise errors.ReportNotFound()
    return report


@router.post(
    "/reports/{code}/photos",
    response={201: OkOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=django_auth,
    url_name="feedback_photo_add",
    summary="Add a photo (multipart; send an Idempotency-Key)",
)
def add_photo(request, code: str, file: File[UploadedFile]):
    import hashlib

    user = request.auth
    report = selectors.get_report_for_user(user, code)
    handler = selectors.can_handle(user, report)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    # A retry of an upload whose answer was lost (a dropped connection, a server restart)
    # gets the first answer instead of adding the same photo twice.
    payload = {"report": report.code, "name": file.name, "sha256": digest.hexdigest()}

    def create():
        services.report_add_photo(
            acting_user=user, report=report, uploaded_file=file, from_handler=handler
        )
        return 201, {"ok": True}

    status, body = run_idempotent(
        request, scope="feedback.photo_add", payload=payload, create=create
    )
    return Status(status, body)


@router.post(
    "/reports/{code}/reporter-update",
    response={200: ReportListOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=django_auth,
    url_name="feedback_reporter_update",
)
def reporter_update(request, code: str, data: MessageIn):
    report = _own(request, code)
    return services.report_reporter_update(
        acting_user=request.auth, report=report, message=data.message
    )


@router.post(
    "/reports/{code}/rating",
    response={200: ReportListOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=django_auth,
    url_name="feedback_rate",
)
def rate(request, code: str, data: RatingIn):
    report = _own(request, code)
    return services.report_rate(
        acting_user=request.auth, report=report, rating=data.rating, comment=data.comment
    )


# --- officials --------------------------------------------------------------------------------


@router.get("/reports", response=list[ReportListOut], auth=django_auth, url_name="feedback_reports")
@paginate(LimitOffsetPagination)
def list_reports(request, filters: Query[ReportFilters]):
    return selectors.reports_for_user(
        request.auth,
        status=filters.status,
        category=_category(filters.category) if filters.category else None,
        channel=filters.channel,
        overdue=filters.overdue,
        query=filters.q or "",
        mine=filters.mine,
    )


@router.get(
    "/reports/{code}",
    response={200: ReportDetailOut, 404: ErrorOut},
    auth=django_auth,
    url_name="feedback_report_detail",
)
def get_report(request, code: str):
    return _detail(request.auth, _fetch(request, code))


@router.post(
    "/reports/{code}/actions/{action}",
    response={200: ReportDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=django_auth,
    url_name="feedback_report_action",
)
def act(request, code: str, action: str, data: ActionIn):
    user = request.auth
    report = _fetch(request, code)
    extra: dict[str, Any] = {"is_public": data.is_public}
    if data.duplicate_of:
        extra["duplicate_of"] = selectors.get_report_for_user(user, data.duplicate_of)
    services.report_act(
        acting_user=user, report=report, action=action, message=data.message, **extra
    )
    return _detail(user, _fetch(request, code))


@router.post(
    "/reports/{code}/reassign",
    response={200: ReportDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=django_auth,
    url_name="feedback_reassign",
)
def reassign(request, code: str, data: ReassignIn):
    user = request.auth
    report = _fetch(request, code)
    agency = Agency.objects.filter(pk=data.agency_id, is_active=True).first()
    if agency is None:
        raise errors.AgencyInvalid(details=[{"field": "agency_id", "code": "invalid"}])
    services.report_reassign(acting_user=user, report=report, agency=agency, reason=data.reason)
    # The new agency may lie outside the user's scope: answer with what they just did.
    return _detail(user, report)


@router.post(
    "/reports/{code}/extend",
    response={200: ReportDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=django_auth,
    url_name="feedback_extend",
)
def extend(request, code: str, data: ExtendIn):
    user = request.auth
    services.report_extend(
        acting_user=user, report=_fetch(request, code), days=data.days, reason=data.reason
    )
    return _detail(user, _fetch(request, code))


@router.post(
    "/reports/{code}/merge",
    response={200: ReportDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=django_auth,
    url_name="feedback_merge",
)
def merge(request, code: str, data: MergeIn):
    user = request.auth
    into = selectors.get_report_for_user(user, data.into)
    services.report_merge(
        acting_user=user, report=_fetch(request, code), into=into, reason=data.reason
    )
    return _detail(user, _fetch(request, code))


@router.post(
    "/reports/{code}/comments",
    response={201: OkOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=django_auth,
    url_name="feedback_comment",
)
def comment(request, code: str, data: CommentIn):
    services.report_comment(
        acting_user=request.auth, report=_fetch(request, code), message=data.message,
        is_public=data.is_public,
    )  # fmt: skip
    return Status(201, {"ok": True})


@router.post(
    "/photos/{int:photo_id}/approve",
    response={200: OkOut, 403: ErrorOut, 404: ErrorOut},
    auth=django_auth,
    url_name="feedback_photo_approve",
)
def approve_photo(request, photo_id: int, data: ApproveIn):
    photo = ReportPhoto.objects.select_related("report").filter(pk=photo_id).first()
    if photo is None:
        raise errors.PhotoNotFound()
    selectors.get_report_for_user(request.auth, photo.report.code)
    services.photo_approve(acting_user=request.auth, photo=photo, approved=data.approved)
    return {"ok": True}
