"""HTTP API of the dossiers room (django-ninja router, mounted under /api/v1/dossiers).

Public (no sign-in):
    GET   /procedures                      the catalogue (q, field, online_mode, level; paginated)
    GET   /procedures/{code}               one procedure with its current version (form as data)
    GET   /procedures/{code}/agencies      where it can be filed
    GET   /fields                          fields of procedures (lĩnh vực)
    GET   /lookup/{code}                   public look-up by dossier code (no personal data)
    GET   /payments/ipn                    the payment gateway's callback (signature verified)
Citizens and businesses (signed in):
    GET   /procedures/{code}/prefill       answers known from the account
    POST  /                                start a dossier (draft; ``submit`` to file at once)
    GET   /mine                            my dossiers
    PATCH /{id}                            change a draft's answers
    POST  /{id}/attachments                attach a paper (multipart)
    POST  /{id}/submit | /supplement | /withdraw | /rating | /payments
Officials (in scope, by permission):
    POST  /in-person                       enter and receive a dossier brought to the desk
    GET   /queue                           work queue, sorted by deadline, with working days left
    GET   /register, /register.xlsx        the register (form 07) and its Excel export
    GET   /indicators                      the indicators of a unit subtree and period
    POST  /{id}/receive | refuse | request-supplement | forward | transfer | stop | apologise |
          request-payment | pay-at-desk | approve | return-result
Catalogue managers:
    POST  /procedures, /procedures/{code}/versions, /procedures/{code}/active
    POST  /catalogue/import (multipart CSV or Excel), GET /catalogue/export?format=csv|xlsx
Both:
    GET   /{id}                            one dossier (steps, timeline, files, allowed actions)
    GET   /{id}/files/{file_id}            download one of its files

Every create takes an ``Idempotency-Key``. A move the workflow does not allow answers 409
``transition_not_allowed`` with ``details.allowed``. Thin: parse → service/selector → schema.
"""

import datetime as dt
from typing import Any

from django.http import FileResponse, HttpResponse, JsonResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.security import django_auth
from pydantic import Field as PydField

from tinhso.accounts.permissions import require
from tinhso.accounts.personal_data import show_personal_data
from tinhso.accounts.validators import mask_address, mask_cccd, mask_phone
from tinhso.dossiers import catalogue, errors, indicators, selectors, services
from tinhso.dossiers.models import Dossier, DossierFile, Procedure
from tinhso.dossiers.permissions import DossierPerm
from tinhso.kernel import ratelimit
from tinhso.kernel.errors import InvalidInput, NotFound
from tinhso.kernel.idempotency import run_idempotent
from tinhso.kernel.pagination import MAX_LIMIT, MAX_OFFSET, PER_PAGE, LimitOffsetPagination
from tinhso.kernel.schemas import ErrorOut
from tinhso.units.models import Agency, Unit

router = Router(tags=["dossiers"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- schemas ----------------------------------------------------------------------------------


class FieldOut(Schema):
    code: str
    name: str


class ProcedureOut(Schema):
    code: str
    name: str
    field: FieldOut
    online_mode: str
    processing_days: int
    levels: list[str]
    agency_kinds: list[str]
    version: int


class ProcedureDetailOut(ProcedureOut):
    is_active: bool
    data: dict[str, Any] = PydField(description="The current version: the catalogue item.")


def procedure_out(procedure: Procedure) -> dict[str, Any]:
    version = procedure.current_version
    return {
        "code": procedure.code,
        "name": procedure.name,
        "field": {"code": procedure.field.code, "name": procedure.field.name},
        "online_mode": procedure.online_mode,
        "processing_days": procedure.processing_days,
        "levels": procedure.levels or [],
        "agency_kinds": procedure.agency_kinds or [],
        "version": version.number if version else 0,
        "is_active": procedure.is_active,
        "data": version.data if version else {},
    }


class ProcedureFilters(Schema):
    q: str | None = PydField(None, description="Words of the name or the code.")
    field: str | None = PydField(None, description="Field code (MX1X2-LV).")
    online_mode: str | None = None
    level: str | None = PydField(None, description="tinh or xa")


class AgencyOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    unit_code: str
    unit_name: str


def agency_out(agency: Agency | None) -> dict[str, Any] | None:
    if agency is None:
        return None
    return {
        "id": agency.pk,
        "code": agency.code,
        "name": agency.name,
        "kind": agency.kind,
        "unit_code": agency.unit.code,
        "unit_name": agency.unit.name,
    }


class PublicStatusOut(Schema):
    code: str
    procedure_name: str
    agency_name: str
    status: str
    status_label: str
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    resolved_at: dt.datetime | None
    returned_at: dt.datetime | None
    classification: str


class ApplicantOut(Schema):
    kind: str
    name: str
    organisation_name: str
    cccd: str
    tax_code: str
    phone: str
    email: str
    address: str


class DossierOut(Schema):
    id: int
    code: str
    procedure_code: str
    procedure_name: str
    procedure_version: int
    status: str
    status_label: str
    channel: str
    applicant_name: str
    receiving_agency: AgencyOut
    current_agency: AgencyOut
    current_officer: str | None
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    legal_due_at: dt.datetime | None
    days_left: int | None = PydField(description="Working days to the promised date; < 0 late.")
    resolved_at: dt.datetime | None
    returned_at: dt.datetime | None
    classification: str
    fee_amount: int
    result_delivery: str


class StepOut(Schema):
    sequence: int
    code: str
    name: str
    agency: AgencyOut
    officer: str | None
    days: int
    started_at: dt.datetime
    due_at: dt.datetime | None
    done_at: dt.datetime | None
    classification: str
    note: str


class EventOut(Schema):
    at: dt.datetime
    action: str
    from_status: str
    to_status: str
    agency: str | None
    note: str


class FileOut(Schema):
    id: int
    kind: str
    paper_code: str
    name: str
    size: int
    created_at: dt.datetime


class PaperOut(Schema):
    code: str
    name: str


class DossierDetailOut(DossierOut):
    applicant: ApplicantOut
    form_data: dict[str, Any]
    steps: list[StepOut]
    timeline: list[EventOut]
    files: list[FileOut]
    missing_papers: list[PaperOut]
    allowed_actions: list[str]
    rating: int | None
    rating_comment: str
    fee_items: list[dict[str, Any]]


def dossier_out(dossier: Dossier) -> dict[str, Any]:
    return {
        "id": dossier.pk,
        "code": dossier.code,
        "procedure_code": dossier.procedure.code,
        "procedure_name": dossier.procedure_version.name,
        "procedure_version": dossier.procedure_version.number,
        "status": dossier.status,
        "status_label": str(dossier.get_status_display()),
        "channel": dossier.channel,
        "applicant_name": dossier.organisation_name or dossier.applicant_name,
        "receiving_agency": agency_out(dossier.receiving_agency),
        "current_agency": agency_out(dossier.current_agency),
        "current_officer": dossier.current_officer.full_name if dossier.current_officer else None,
        "created_at": dossier.created_at,
        "submitted_at": dossier.submitted_at,
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "legal_due_at": dossier.legal_due_at,
        "days_left": selectors.days_left(dossier)
        if dossier.status in selectors.QUEUE_STATES
        else None,
        "resolved_at": dossier.resolved_at,
        "returned_at": dossier.returned_at,
        "classification": dossier.classification,
        "fee_amount": dossier.fee_amount,
        "result_delivery": dossier.result_delivery,
    }


def _file_out(item: DossierFile) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "paper_code": item.paper_code,
        "name": item.file.original_name,
        "size": item.file.size,
        "created_at": item.created_at,
    }


def dossier_detail_out(dossier: Dossier, viewer) -> dict[str, Any]:
    clear = show_personal_data(viewer, dossier.applicant, unit=dossier.unit) or (
        viewer.is_authenticated and viewer.pk == dossier.applicant_id
    )
    applicant = {
        "kind": dossier.applicant_kind,
        "name": dossier.applicant_name,
        "organisation_name": dossier.organisation_name,
        "cccd": dossier.applicant_cccd if clear else mask_cccd(dossier.applicant_cccd),
        "tax_code": dossier.applicant_tax_code,
        "phone": dossier.applicant_phone if clear else mask_phone(dossier.applicant_phone),
        "email": dossier.applicant_email if clear else "",
        "address": dossier.applicant_address if clear else mask_address(dossier.applicant_address),
    }
    return {
        **dossier_out(dossier),
        "applicant": applicant,
        "form_data": dossier.form_data if clear else {},
        "steps": [
            {
                "sequence": step.sequence,
                "code": step.code,
                "name": step.name,
                "agency": agency_out(step.agency),
                "officer": step.officer.full_name if step.officer else None,
                "days": step.days,
                "started_at": step.started_at,
                "due_at": step.due_at,
                "done_at": step.done_at,
                "classification": step.classification,
                "note": step.note,
            }
            for step in selectors.dossier_steps(dossier).select_related("agency__unit")
        ],
        "timeline": [
            {
                "at": event.at,
                "action": event.action,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "agency": event.agency.name if event.agency else None,
                "note": event.note,
            }
            for event in selectors.dossier_timeline(dossier)
        ],
        "files": [_file_out(item) for item in selectors.dossier_files(dossier)],
        "missing_papers": selectors.dossier_missing_papers(dossier),
        "allowed_actions": selectors.dossier_allowed_actions(viewer, dossier),
        "rating": dossier.rating,
        "rating_comment": dossier.rating_comment,
        "fee_items": dossier.fee_items or [],
    }


class DossierIn(Schema):
    procedure_code: str = PydField(..., max_length=30)
    agency_id: int = PydField(..., description="The agency (desk) that will receive it.")
    form_data: dict[str, Any] = PydField(default_factory=dict)
    result_delivery: str | None = PydField(None, description="electronic | paper | both")
    submit: bool = PydField(False, description="File at once (needs every required paper).")


class DraftPatch(Schema):
    form_data: dict[str, Any] = PydField(default_factory=dict)
    result_delivery: str | None = None


class InPersonIn(Schema):
    procedure_code: str = PydField(..., max_length=30)
    form_data: dict[str, Any] = PydField(default_factory=dict)
    applicant_username: str | None = PydField(
        None, description="The citizen's account (CCCD) or business's (tax code), if any."
    )
    applicant_name: str = PydField("", max_length=255)
    applicant_cccd: str = PydField("", max_length=12)
    applicant_phone: str = PydField("", max_length=15)
    applicant_email: str = PydField("", max_length=254)
    applicant_address: str = PydField("", max_length=255)
    result_delivery: str | None = None


class NoteIn(Schema):
    note: str = PydField("", max_length=2000)


class ReasonsIn(Schema):
    reasons: str = PydField(..., max_length=4000)


class SupplementRequestIn(Schema):
    items: list[str] = PydField(..., min_length=1)
    reason: str = PydField("", max_length=4000)


class SupplementIn(Schema):
    form_data: dict[str, Any] | None = None
    note: str = PydField("", max_length=2000)


class HandOverIn(Schema):
    to_agency_id: int
    to_officer_id: int | None = None
    step_code: str = PydField("", max_length=50)
    days: int | None = PydField(None, ge=0, le=365)
    note: str = PydField("", max_length=2000)


class ApologyIn(Schema):
    new_due_date: dt.date
    reason: str = PydField(..., max_length=4000)


class PaymentRequestIn(Schema):
    amount: int | None = PydField(None, ge=0)
    items: list[dict[str, Any]] | None = None
    note: str = PydField("", max_length=2000)


class PayAtDeskIn(Schema):
    receipt_no: str = PydField("", max_length=64)


class ApproveIn(Schema):
    result_title: str = PydField(..., max_length=500)
    result_body: str = PydField("", max_length=20000)
    note: str = PydField("", max_length=2000)


class ReturnIn(Schema):
    electronically: bool | None = None
    on_paper: bool | None = None
    note: str = PydField("", max_length=2000)


class RatingIn(Schema):
    rating: int = PydField(..., ge=1, le=5)
    comment: str = PydField("", max_length=2000)


class PaymentStartIn(Schema):
    return_url: str = PydField(..., max_length=500)


class PaymentStartOut(Schema):
    reference: str
    amount: int
    redirect_url: str


class QueueItemOut(Schema):
    dossier: DossierOut
    days_left: int | None
    step_due_at: dt.datetime | None
    step_days_left: int | None


class QueueWindow(Schema):
    limit: int = PydField(
        PER_PAGE, ge=1, le=MAX_LIMIT, description="Dossiers per page (the soonest first)."
    )
    offset: int = PydField(0, ge=0, le=MAX_OFFSET, description="Dossiers to skip.")


class RegisterFilters(Schema):
    unit: str | None = PydField(None, description="Unit code: only its subtree.")
    start: dt.date | None = None
    end: dt.date | None = None
    procedure: str | None = None
    field: str | None = None
    status: str | None = None
    channel: str | None = None
    classification: str | None = None
    q: str | None = None


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    value: float | None


class ImportReportOut(Schema):
    rows: int
    created: int
    updated: int
    unchanged: int
    codes: list[str]


# --- helpers ----------------------------------------------------------------------------------


def _procedure(code: str) -> Procedure:
    return selectors.procedure_get(code)


def _procedure_from_body(code: str) -> Procedure:
    try:
        return selectors.procedure_get(code)
    except errors.ProcedureNotFound as exc:
        raise errors.with_fields(
            errors.ProcedureInvalid(errors.ProcedureNotFound.default_message),
            [
                errors.field_problem(
                    "procedure_code",
                    "procedure_not_found",
                    errors.ProcedureNotFound.default_message,
                )
            ],
        ) from exc


def _agency_from_body(pk: int, field: str = "agency_id") -> Agency:
    agency = Agency.objects.select_related("unit").filter(pk=pk, is_active=True).first()
    if agency is None:
        raise errors.with_fields(
            errors.AgencyInvalid(),
            [errors.field_problem(field, "agency_invalid", errors.AgencyInvalid.default_message)],
        )
    return agency


def _officer_from_body(pk: int | None):
    if pk is None:
        return None
    from tinhso.accounts.models import User

    officer = User.objects.filter(pk=pk, kind=User.Kind.OFFICIAL, is_active=True).first()
    if officer is None:
        raise errors.with_fields(
            errors.OfficerInvalid(),
            [
                errors.field_problem(
                    "to_officer_id", "officer_invalid", errors.OfficerInvalid.default_message
                )
            ],
        )
    return officer


def _dossier(request, dossier_id: int) -> Dossier:
    return selectors.get_dossier_for_user(request.auth, dossier_id)


def _detail(request, dossier: Dossier) -> dict[str, Any]:
    return dossier_detail_out(
        selectors.get_dossier_for_user(request.auth, dossier.pk), request.auth
    )


def _json(body: Any) -> Any:
    """A response body as the idempotency record stores it (JSON types only)."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


class _Mapped:
    """A queryset seen through a row → dict function, for the paginator: it counts in the
    database and converts only the page it slices."""

    def __init__(self, queryset, convert) -> None:
        self.queryset, self.convert = queryset, convert

    def __len__(self) -> int:
        return self.queryset.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.convert(row) for row in self.queryset[index]]
        return self.convert(self.queryset[index])


# --- public: the catalogue and the look-up ----------------------------------------------------


@router.get(
    "/procedures",
    response=list[ProcedureOut],
    url_name="dossiers_procedure_list",
    summary="The catalogue of procedures",
)
@paginate(LimitOffsetPagination)
def list_procedures(request, filters: Query[ProcedureFilters]):
    procedures = selectors.procedures_public(
        query=filters.q or "",
        field_code=filters.field,
        online_mode=filters.online_mode,
        level=filters.level,
    )
    return _Mapped(procedures, procedure_out)


@router.get(
    "/procedures/{code}",
    response={200: ProcedureDetailOut, 404: ErrorOut},
    url_name="dossiers_procedure_detail",
    summary="One procedure with its form",
)
def get_procedure(request, code: str):
    return procedure_out(_procedure(code))


@router.get(
    "/procedures/{code}/agencies",
    response={200: list[AgencyOut], 404: ErrorOut},
    url_name="dossiers_procedure_agencies",
    summary="Where a procedure can be filed",
)
def procedure_agencies(request, code: str, within: str | None = None):
    unit = Unit.objects.filter(code=within, valid_until__isnull=True).first() if within else None
    return [
        agency_out(agency) for agency in selectors.receiving_agencies(_procedure(code), within=unit)
    ]


@router.get(
    "/procedures/{code}/prefill",
    response={200: dict[str, Any], 404: ErrorOut},
    auth=django_auth,
    url_name="dossiers_procedure_prefill",
    summary="Answers known from my account",
)
def procedure_prefill(request, code: str):
    return selectors.dossier_prefill(request.auth, _procedure(code))


@router.get("/fields", response=list[FieldOut], url_name="dossiers_field_list", summary="Fields")
def list_fields(request):
    return list(selectors.fields_list())


@router.get(
    "/lookup/{code}",
    response={200: PublicStatusOut, 404: ErrorOut},
    url_name="dossiers_lookup",
    summary="Look up a dossier by its code (no personal data)",
)
def lookup(request, code: str):
    return selectors.dossier_public_lookup(code).__dict__


@router.get(
    "/payments/ipn",
    response=dict[str, str],
    url_name="dossiers_payment_ipn",
    summary="Payment gateway callback (IPN)",
)
def payment_ipn(request):
    outcome = services.dossier_payment_confirm(params={k: v for k, v in request.GET.items()})
    return JsonResponse({"RspCode": outcome.rsp_code, "Message": outcome.message})


# --- catalogue management ---------------------------------------------------------------------


def _save_procedure(request, data: dict[str, Any], scope: str):
    user = request.auth
    catalogue.require_catalogue_manager(user)

    def create():
        version, _outcome = catalogue.procedure_save(acting_user=user, data=data)
        procedure = Procedure.objects.select_related("field", "current_version").get(
            pk=version.procedure_id
        )
        return 201, _json(procedure_out(procedure))

    status, body = run_idempotent(request, scope=scope, payload=data, create=create)
    return Status(status, body)


@router.post(
    "/procedures",
    response={201: ProcedureDetailOut, **ERRORS},
    auth=django_auth,
    url_name="dossiers_procedure_create",
    summary="Add a procedure, or a new version of one (Idempotency-Key)",
)
def create_procedure(request, data: dict[str, Any]):
    return _save_procedure(request, data, "dossiers.procedure_save")


@router.post(
    "/procedures/{code}/versions",
    response={201: ProcedureDetailOut, **ERRORS},
    auth=django_auth,
    url_name="dossiers_procedure_version",
    summary="Edit a procedure: a new version (Idempotency-Key)",
)
def create_version(request, code: str, data: dict[str, Any]):
    if not Procedure.objects.filter(code=code).exists():
        raise errors.ProcedureNotFound()
    return _save_procedure(request, {**data, "code": code}, "dossiers.procedure_version")


class ActiveIn(Schema):
    active: bool


@router.post(
    "/procedures/{code}/active",
    response={200: ProcedureDetailOut, **ERRORS},
    auth=django_auth,
    url_name="dossiers_procedure_active",
    summary="Offer a procedure or stop offering it",
)
def set_active(request, code: str, data: ActiveIn):
    procedure = Procedure.objects.filter(code=code).first()
    if procedure is None:
        raise errors.ProcedureNotFound()
    services.procedure_set_active(acting_user=request.auth, procedure=procedure, active=data.active)
    return procedure_out(
        Procedure.objects.select_related("field", "current_version").get(pk=procedure.pk)
    )


@router.post(
    "/catalogue/import",
    response={200: ImportReportOut, **ERRORS},
    auth=django_auth,
    url_name="dossiers_catalogue_import",
    summary="Import the catalogue from CSV or Excel, all or nothing (Idempotency-Key)",
)
def import_catalogue(request, file: File[UploadedFile]):
    user = request.auth
    catalogue.require_catalogue_manager(user)
    content = file.read()
    file.seek(0)
    import hashlib

    payload = {"name": file.name, "sha256": hashlib.sha256(content).hexdigest()}

    def create():
        report = catalogue.catalogue_import(acting_user=user, file=file)
        return 200, _json(report.__dict__)

    status, body = run_idempotent(
        request, scope="dossiers.catalogue_import", payload=payload, create=create
    )
    return Status(status, body)


@router.get(
    "/catalogue/export",
    auth=django_auth,
    url_name="dossiers_catalogue_export",
    summary="Export the catalogue as CSV or Excel",
    response={200: None, 403: ErrorOut},
)
def export_catalogue(request, format: str = "csv"):
    catalogue.require_catalogue_manager(request.auth)
    if format not in ("csv", "xlsx"):
        raise InvalidInput("format_invalid", errors.CatalogueFileInvalid.default_message)
    content = catalogue.catalogue_export(file_format=format)
    kind = (
        "text/csv; charset=utf-8"
        if format == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="thu-tuc.{format}"'
    return response


# --- officials: queue, register, indicators, in-person ----------------------------------------


@router.get(
    "/queue",
    response=list[QueueItemOut],
    auth=django_auth,
    url_name="dossiers_queue",
    summary="My work queue, by deadline",
)
def queue(
    request,
    response: HttpResponse,
    window: Query[QueueWindow],
    scope: str = "mine",
    order: str = "deadline",
    status: str | None = None,
):
    """One page of the queue (``limit``/``offset``); the whole queue's length is in the
    ``X-Total-Count`` header and the neighbouring pages in ``Link`` (rel="next"/"prev")."""
    require(request.auth, DossierPerm.VIEW)
    page = selectors.work_queue_page(
        request.auth,
        scope=scope,
        order=order,
        status=status,
        limit=window.limit,
        offset=window.offset,
    )
    response["X-Total-Count"] = str(page.total)
    links = []
    for rel, offset in (("prev", page.previous_offset), ("next", page.next_offset)):
        if offset is not None:
            query = request.GET.copy()
            query["offset"], query["limit"] = str(offset), str(page.limit)
            url = f"{request.build_absolute_uri(request.path)}?{query.urlencode()}"
            links.append(f'<{url}>; rel="{rel}"')
    if links:
        response["Link"] = ", ".join(links)
    items = page.items
    return [
        {
            "dossier": dossier_out(item.dossier),
            "days_left": item.days_left,
            "step_due_at": item.step_due_at,
            "step_days_left": item.step_days_left,
        }
        for item in items
    ]


def _register_filters(filters: RegisterFilters) -> dict[str, Any]:
    unit = None
    if filters.unit:
        unit = Unit.objects.filter(code=filters.unit, valid_until__isnull=True).first()
        if unit is None:
            raise NotFound("unit_not_found")
    return {
        "unit": unit,
        "start": filters.start,
        "end": filters.end,
        "procedure_code": filters.procedure,
        "field_code": filters.field,
        "status": filters.status,
        "channel": filters.channel,
        "classification": filters.classification,
        "query": filters.q or "",
    }


@router.get(
    "/register",
    response={200: list[DossierOut], 403: ErrorOut, 404: ErrorOut},
    auth=django_auth,
    url_name="dossiers_register",
    summary="The dossier register (form 07)",
)
@paginate(LimitOffsetPagination)
def register(request, filters: Query[RegisterFilters]):
    require(request.auth, DossierPerm.VIEW_REGISTER)
    return _Mapped(selectors.register(request.auth, **_register_filters(filters)), dossier_out)


@router.get(
    "/register.xlsx",
    response={200: None, 403: ErrorOut, 404: ErrorOut},
    auth=django_auth,
    url_name="dossiers_register_xlsx",
    summary="The dossier register as Excel",
)
def register_xlsx(request, filters: Query[RegisterFilters]):
    require(request.auth, DossierPerm.VIEW_REGISTER)
    content = selectors.register_xlsx(request.auth, **_register_filters(filters))
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="so-theo-doi-ho-so.xlsx"'
    return response


@router.get(
    "/indicators",
    response={200: list[IndicatorOut], 403: ErrorOut, 404: ErrorOut},
    auth=django_auth,
    url_name="dossiers_indicators",
    summary="Indicators of a unit subtree for a period",
)
def get_indicators(request, start: dt.date, end: dt.date, unit: str | None = None):
    from tinhso.accounts.scope import scope_unit, unit_in_scope

    user = request.auth
    require(user, DossierPerm.VIEW_REGISTER)
    target = (
        Unit.objects.filter(code=unit, valid_until__isnull=True).first()
        if unit
        else scope_unit(user)
    )
    if target is None or not unit_in_scope(user, target, permission=DossierPerm.VIEW_REGISTER):
        raise NotFound("unit_not_found")
    values = indicators.compute_all(target, start, end)
    return [
        {"code": ind.code, "name": str(ind.name), "unit": str(ind.unit), "value": values[ind.code]}
        for ind in indicators.INDICATORS
    ]


@router.post(
    "/in-person",
    response={201: DossierDetailOut, **ERRORS},
    auth=django_auth,
    url_name="dossiers_in_person",
    summary="Enter and receive a dossier brought to the desk (Idempotency-Key)",
)
def enter_in_person(request, data: InPersonIn):
    user = request.auth
    require(user, DossierPerm.RECEIVE)

    def create():
        from tinhso.accounts.models import User

        applicant = None
        if data.applicant_username:
            applicant = User.objects.filter(
                username=data.applicant_username, kind__in=["citizen", "business"]
            ).first()
            if applicant is None:
                raise errors.with_fields(
                    errors.ApplicantRequired(),
                    [
                        errors.field_problem(
                            "applicant_username",
                            "applicant_required",
                            errors.ApplicantRequired.default_message,
                        )
                    ],
                )
        dossier = services.dossier_enter_in_person(
            acting_user=user,
            procedure=_procedure_from_body(data.procedure_code),
            form_data=data.form_data,
            applicant=applicant,
            applicant_name=data.applicant_name,
            applicant_cccd=data.applicant_cccd,
            applicant_phone=data.applicant_phone,
            applicant_email=data.applicant_email,
            applicant_address=data.applicant_address,
            result_delivery=data.result_delivery,
        )
        return 201, _json(_detail(request, dossier))

    status, body = run_idempotent(
        request,
        scope="dossiers.enter_in_person",
        payload=data.model_dump(mode="json"),
        create=create,
    )
    return Status(status, body)


# --- citizens: filing -------------------------------------------------------------------------


@router.get(
    "/mine",
    response=list[DossierOut],
    auth=django_auth,
    url_name="dossiers_mine",
    summary="My dossiers",
)
@paginate(LimitOffsetPagination)
def mine(request, status: str | None = None):
    return _Mapped(selectors.my_dossiers(request.auth, status=status), dossier_out)


@router.post(
    "/",
    response={201: DossierDetailOut, **ERRORS, 429: ErrorOut},
    auth=django_auth,
    url_name="dossiers_create",
    summary="Start a dossier (Idempotency-Key)",
)
def create_dossier(request, data: DossierIn):
    user = request.auth
    ratelimit.check(request, "dossiers.create", user=user)

    def create():
        dossier = services.dossier_draft_create(
            acting_user=user,
            procedure=_procedure_from_body(data.procedure_code),
            agency=_agency_from_body(data.agency_id),
            form_data=data.form_data,
            result_delivery=data.result_delivery,
        )
        if data.submit:
            dossier = services.dossier_submit(acting_user=user, dossier=dossier)
        return 201, _json(_detail(request, dossier))

    status, body = run_idempotent(
        request, scope="dossiers.create", payload=data.model_dump(mode="json"), create=create
    )
    return Status(status, body)


@router.get(
    "/{int:dossier_id}",
    response={200: DossierDetailOut, 404: ErrorOut},
    auth=django_auth,
    url_name="dossiers_detail",
    summary="One dossier in scope",
)
def get_dossier(request, dossier_id: int):
    return dossier_detail_out(_dossier(request, dossier_id), request.auth)


@router.patch(
    "/{int:dossier_id}",
    response={200: DossierDetailOut, **ERRORS},
    auth=django_auth,
    url_name="dossiers_update",
    summary="Change a draft's answers",
)
def update_draft(request, dossier_id: int, data: DraftPatch):
    dossier = services.dossier_draft_update(
        acting_user=request.auth,
        dossier=_dossier(request, dossier_id),
        form_data=data.form_data,
        result_delivery=data.result_delivery,
    )
    return _detail(request, dossier)


@router.post(
    "/{int:dossier_id}/attachments",
    response={201: FileOut, **ERRORS},
    auth=django_auth,
    url_name="dossiers_attach",
    summary="Attach a paper (multipart; Idempotency-Key)",
)
def attach(request, dossier_id: int, paper_code: Form[str], file: File[UploadedFile]):
    import hashlib

    dossier = _dossier(request, dossier_id)
    content = file.read()
    file.seek(0)
    payload = {
        "dossier": dossier.pk,
        "paper_code": paper_code,
        "name": file.name,
        "sha256": hashlib.sha256(content).hexdigest(),
    }

    def create():
        item = services.dossier_attach(
            acting_user=request.auth, dossier=dossier, paper_code=paper_code, uploaded_file=file
        )
        return 201, _json(_file_out(item))

    status, body = run_idempotent(request, scope="dossiers.attach", payload=payload, create=create)
    return Status(status, body)


@router.get(
    "/{int:dossier_id}/files/{int:file_id}",
    response={200: None, 404: ErrorOut},
    auth=django_auth,
    url_name="dossiers_file",
    summary="Download one of the dossier's files",
)
def download(request, dossier_id: int, file_id: int):
    dossier = _dossier(request, dossier_id)
    item = selectors.dossier_files(dossier).filter(pk=file_id).first()
    if item is None:
        raise NotFound()
    response = FileResponse(
        item.file.file.open("rb"),
        content_type=item.file.content_type,
        as_attachment=True,
        filename=item.file.original_name,
    )
    return response


def _act(path: str, name: str, summary: str, body_schema=None, *, limited: bool = False):
    """Register one move endpoint: POST /{id}/<path> → the detail of the dossier after it."""

    def decorator(func):
        return router.post(
            f"/{{int:dossier_id}}/{path}",
            response={200: DossierDetailOut, **ERRORS, **({429: ErrorOut} if limited else {})},
            auth=django_auth,
            url_name=f"dossiers_{name}",
            summary=summary,
        )(func)

    return decorator


@_act("submit", "submit", "Submit a draft", limited=True)
def submit(request, dossier_id: int):
    ratelimit.check(request, "dossiers.submit", user=request.auth)
    dossier = services.dossier_submit(
        acting_user=request.auth, dossier=_dossier(request, dossier_id)
    )
    return _detail(request, dossier)


@_act("supplement", "supplement", "Complete a requested supplement")
def supplement(request, dossier_id: int, data: SupplementIn):
    dossier = services.dossier_supplement(
        acting_user=request.auth,
        dossier=_dossier(request, dossier_id),
        form_data=data.form_data,
        note=data.note,
    )
    return _detail(request, dossier)


@_act("withdraw", "withdraw", "Withdraw my dossier")
def withdraw(request, dossier_id: int, data: NoteIn):
    dossier = services.dossier_withdraw(
        acting_user=request.auth, dossier=_dossier(request, dossier_id), reason=data.note
    )
    return _detail(request, dossier)


@_act("rating", "rate", "Rate the service after the result")
def rate(request, dossier_id: int, data: RatingIn):
    dossier = services.dossier_rate(
        acting_user=request.auth,
        dossier=_dossier(request, dossier_id),
        rating=data.rating,
        comment=data.comment,
    )
    return _detail(request, dossier)


@router.post(
    "/{int:dossier_id}/payments",
    response={201: PaymentStartOut, **ERRORS},
    auth=django_auth,
    url_name="dossiers_payment_start",
    summary="Start paying the fee online (Idempotency-Key)",
)
def payment_start(request, dossier_id: int, data: PaymentStartIn):
    dossier = _dossier(request, dossier_id)

    def create():
        payment, url = services.dossier_payment_start(
            acting_user=request.auth,
            dossier=dossier,
            return_url=data.return_url,
            client_ip=request.META.get("REMOTE_ADDR", ""),
        )
        return 201, {"reference": payment.reference, "amount": payment.amount, "redirect_url": url}

    status, body = run_idempotent(
        request,
        scope="dossiers.payment_start",
        payload={"dossier": dossier.pk, **data.model_dump(mode="json")},
        create=create,
    )
    return Status(status, body)


# --- officials: the moves ---------------------------------------------------------------------


@_act("receive", "receive", "Receive at the desk (code, receipt form 01)")
def receive(request, dossier_id: int, data: NoteIn):
    dossier = services.dossier_receive(
        acting_user=request.auth, dossier=_dossier(request, dossier_id), note=data.note
    )
    return _detail(request, dossier)


@_act("refuse", "refuse", "Refuse to receive (form 03)")
def refuse(request, dossier_id: int, data: ReasonsIn):
    dossier = services.dossier_refuse(
        acting_user=request.auth, dossier=_dossier(request, dossier_id), reasons=data.reasons
    )
    return _detail(request, dossier)


@_act("request-supplement", "request_supplement", "Ask for a supplement (form 02)")
def request_supplement(request, dossier_id: int, data: SupplementRequestIn):
    dossier = services.dossier_request_supplement(
        acting_user=request.auth,
        dossier=_dossier(request, dossier_id),
        items=data.items,
        reason=data.reason,
    )
    return _detail(request, dossier)


def _hand_over(request, dossier_id: int, data: HandOverIn, service):
    """Forward and transfer take the same body and differ only in the service they call."""
    dossier = _dossier(request, dossier_id)
    service(
        acting_user=request.auth,
        dossier=dossier,
        to_agency=_agency_from_body(data.to_agency_id, "to_agency_id"),
        to_officer=_officer_from_body(data.to_officer_id),
        step_code=data.step_code,
        days=data.days,
        note=data.note,
    )
    return _detail(request, dossier)


@_act("forward", "forward", "Hand a received dossier to the processing agency")
def forward(request, dossier_id: int, data: HandOverIn):
    return _hand_over(request, dossier_id, data, services.dossier_forward)


@_act("transfer", "transfer", "Transfer to another officer or agency (form 06)")
def transfer(request, dossier_id: int, data: HandOverIn):
    return _hand_over(request, dossier_id, data, services.dossier_transfer)


@_act("stop", "stop", "Stop processing (form 05)")
def stop(request, dossier_id: int, data: ReasonsIn):
    dossier = services.dossier_stop(
        acting_user=request.auth, dossier=_dossier(request, dossier_id), reasons=data.reasons
    )
    return _detail(request, dossier)


@_act("apologise", "apologise", "Apologise for a delay with a new date (form 04)")
def apologise(request, dossier_id: int, data: ApologyIn):
    dossier = services.dossier_apologise(
        acting_user=request.auth,
        dossier=_dossier(request, dossier_id),
        new_due_date=data.new_due_date,
        reason=data.reason,
    )
    return _detail(request, dossier)


@_act("request-payment", "request_payment", "Notify the fee due")
def request_payment(request, dossier_id: int, data: PaymentRequestIn):
    dossier = services.dossier_request_payment(
        acting_user=request.auth,
        dossier=_dossier(request, dossier_id),
        amount=data.amount,
        items=data.items,
        note=data.note,
    )
    return _detail(request, dossier)


@_act("pay-at-desk", "pay_at_desk", "Record a fee paid at the desk")
def pay_at_desk(request, dossier_id: int, data: PayAtDeskIn):
    dossier = _dossier(request, dossier_id)
    services.dossier_pay_at_desk(
        acting_user=request.auth, dossier=dossier, receipt_no=data.receipt_no
    )
    return _detail(request, dossier)


@_act("approve", "approve", "Approve and sign the result")
def approve(request, dossier_id: int, data: ApproveIn):
    dossier = services.dossier_approve(
        acting_user=request.auth,
        dossier=_dossier(request, dossier_id),
        result_title=data.result_title,
        result_body=data.result_body,
        note=data.note,
    )
    return _detail(request, dossier)


@_act("return-result", "return_result", "Return the result")
def return_result(request, dossier_id: int, data: ReturnIn):
    dossier = services.dossier_return_result(
        acting_user=request.auth,
        dossier=_dossier(request, dossier_id),
        electronically=data.electronically,
        on_paper=data.on_paper,
        note=data.note,
    )
    return _detail(request, dossier)
