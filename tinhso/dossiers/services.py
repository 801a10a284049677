"""Every write of the dossiers room (dịch vụ công, một cửa): filing, the desk, processing,
fees, results, ratings, and the catalogue's versions.

Each function is keyword-only, takes ``acting_user`` (``None`` = the system), runs in one
transaction, locks the dossier row, asks ``workflow.DOSSIER_FLOW`` whether the move is allowed
(409 ``transition_not_allowed`` with the allowed actions otherwise), writes a timeline row
(``DossierEvent``) and an audit row, and queues notifications that leave only on commit.
Nothing a citizen submitted is ever deleted: drafts and dossiers are withdrawn, refused or
stopped.

Scope: an official acts on a dossier when it lies in the subtree of their agency's unit (for
the permission the action needs) or sits with their own agency now; otherwise the dossier
"does not exist" (404). The applicant acts on their own dossier.

Documents of the desk (forms 01-06 and the result) are rendered by ``dossiers.pdf`` and signed
by ``dossiers.signing`` (the documents engineer's modules); while they are missing the moves
still work and simply issue no PDF.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.permissions import require, user_can
from tinhso.accounts.scope import scope_unit, unit_in_scope
from tinhso.dossiers import clocks, errors
from tinhso.dossiers.catalogue import form_clean, form_fields, procedure_save
from tinhso.dossiers.models import (
    ApplicantKind,
    Channel,
    CodeCounter,
    Dossier,
    DossierEvent,
    DossierFile,
    DossierPause,
    DossierStep,
    Payment,
    Procedure,
    ProcedureVersion,
    ResultType,
    Status,
)
from tinhso.dossiers.permissions import DossierPerm
from tinhso.dossiers.workflow import DOSSIER_FLOW, FINAL, Action
from tinhso.kernel.audit import audit_record, diff
from tinhso.kernel.calendar import calendar_from_db
from tinhso.kernel.errors import Forbidden, InvalidInput
from tinhso.kernel.files import DOCUMENT_TYPES, store_upload
from tinhso.kernel.notifications import notify
from tinhso.kernel.text import normalize
from tinhso.units.models import Agency

logger = logging.getLogger(__name__)

__all__ = [
    "PaymentOutcome",
    "allocate_code",
    "dossier_apologise",
    "dossier_approve",
    "dossier_attach",
    "dossier_draft_create",
    "dossier_draft_update",
    "dossier_enter_in_person",
    "dossier_file",
    "dossier_forward",
    "dossier_pay_at_desk",
    "dossier_payment_confirm",
    "dossier_payment_start",
    "dossier_rate",
    "dossier_receive",
    "dossier_refuse",
    "dossier_request_payment",
    "dossier_request_supplement",
    "dossier_return_result",
    "dossier_stop",
    "dossier_submit",
    "dossier_supplement",
    "dossier_transfer",
    "dossier_withdraw",
    "procedure_save",
    "procedure_set_active",
]

COMMUNE_TYPES = frozenset({"xa", "phuong", "thi_tran", "dac_khu"})
PROVINCE_TYPES = frozenset({"tinh", "thanh_pho_trung_uong"})
DESK_KINDS = frozenset({Agency.Kind.MOT_CUA, Agency.Kind.TRUNG_TAM})


# --- documents (pdf.py / signing.py / payments.py belong to the documents engineer) ----------


def _pdf_module():
    try:
        from tinhso.dossiers import pdf
    except ImportError:  # not written yet: the move works without its PDF
        return None
    return pdf


def _signing_module():
    try:
        from tinhso.dossiers import signing
    except ImportError:
        return None
    return signing


def _gateway():
    from tinhso.dossiers.payments import get_gateway

    return get_gateway()


def lookup_url(code: str) -> str:
    """The public look-up address of a dossier code (the QR code's target)."""
    from django.conf import settings
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse("dossiers:lookup")
    except NoReverseMatch:
        path = "/dich-vu-cong/tra-cuu/"
    base = getattr(settings, "TINHSO_PUBLIC_URL", "").rstrip("/")
    return f"{base}{path}?ma={code}"


def document_context(dossier: Dossier, **extra: Any) -> dict[str, Any]:
    """The context every form PDF gets (see ``pdf.render_form``), plus ``extra``."""
    version = dossier.procedure_version
    officer = extra.pop("officer", None)
    context: dict[str, Any] = {
        "dossier_code": dossier.code,
        "procedure_name": version.name,
        "procedure_code": dossier.procedure.code,
        "applicant_name": dossier.organisation_name or dossier.applicant_name,
        "applicant_address": dossier.applicant_address,
        "applicant_phone": dossier.applicant_phone,
        "applicant_email": dossier.applicant_email,
        "agency_name": dossier.receiving_agency.name,
        "parent_agency_name": (
            dossier.receiving_agency.parent.name if dossier.receiving_agency.parent_id else ""
        ),
        "processing_days": version.processing_days,
        "unit_name": dossier.unit.name,
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "officer_name": getattr(officer, "full_name", "") or str(officer or ""),
        "lookup_url": lookup_url(dossier.code) if dossier.code else "",
        "papers": [
            {"name": paper.get("name", ""), "copies": paper.get("copies", 1)}
            for paper in version.papers
        ],
        "fees": version.fees,
        "fee_amount": dossier.fee_amount,
        "result_name": version.data.get("result_name", ""),
        "steps": [
            {
                "agency": step.agency.name,
                "officer": step.officer.full_name if step.officer_id else "",
                "name": step.name,
                "received_at": step.started_at,
                "due_at": step.due_at,
                "done_at": step.done_at,
                "classification": step.classification,
                "note": step.note,
            }
            for step in dossier.steps.select_related("agency", "officer").order_by("sequence")
        ],
    }
    context.update(extra)
    return context


def _store_pdf(*, acting_user, content: bytes, name: str, purpose: str):
    return store_upload(
        acting_user=acting_user,
        uploaded_file=ContentFile(content, name=name),
        purpose=purpose,
        allowed_types={"pdf"},
        max_bytes=50 * 1024 * 1024,
    )


def _issue(dossier: Dossier, form: str, *, acting_user, **extra: Any) -> DossierFile | None:
    """Render one of the desk's forms as a PDF and keep it with the dossier (None while the
    renderer is not installed)."""
    pdf = _pdf_module()
    if pdf is None:
        return None
    try:
        content = pdf.render_form(form, document_context(dossier, officer=acting_user, **extra))
    except getattr(pdf, "PdfUnavailable", ()) as exc:  # no Pango on this machine
        logger.warning("Form %s of dossier %s not rendered: %s", form, dossier.pk, exc)
        return None
    stored = _store_pdf(
        acting_user=acting_user,
        content=content,
        name=f"mau-{form}-{dossier.code or dossier.pk}.pdf",
        purpose=f"dossiers.form_{form}",
    )
    return DossierFile.objects.create(
        dossier=dossier, kind=form, file=stored, created_by=_person(acting_user)
    )


# --- shared helpers ---------------------------------------------------------------------------


def _person(user):
    return user if getattr(user, "is_authenticated", False) and user.pk else None


def _lock(dossier: Dossier) -> Dossier:
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "procedure_version", "unit", "receiving_agency")
        .get(pk=dossier.pk)
    )


def _state(dossier: Dossier) -> dict[str, Any]:
    return {
        "status": dossier.status,
        "code": dossier.code,
        "current_agency": dossier.current_agency_id,
        "current_officer": dossier.current_officer_id,
        "due_at": dossier.due_at,
        "legal_due_at": dossier.legal_due_at,
        "fee_amount": dossier.fee_amount,
        "classification": dossier.classification,
    }


def _move(
    dossier: Dossier,
    action: str,
    *,
    acting_user,
    note: str = "",
    agency: Agency | None = None,
    before: dict | None = None,
    save: bool = True,
) -> str:
    """Apply ``action`` (checked by the table), write the timeline and the audit rows."""
    before = before if before is not None else _state(dossier)
    source = dossier.status
    dossier.status = DOSSIER_FLOW.target(source, action)
    now = timezone.now()
    if dossier.status in FINAL and dossier.closed_at is None:
        dossier.closed_at = now
        # A closed dossier has no clock left: end its pauses and open steps.
        dossier.pauses.filter(resumed_at__isnull=True).update(resumed_at=now)
        _close_step(dossier, at=now)
    if save:
        dossier.save()
    DossierEvent.objects.create(
        dossier=dossier,
        at=now,
        actor=_person(acting_user),
        action=action,
        from_status=source,
        to_status=dossier.status,
        agency=agency or (acting_user.agency if getattr(acting_user, "agency_id", None) else None),
        note=note[:2000],
    )
    audit_record(
        actor=acting_user,
        action=f"dossiers.{action}",
        obj=dossier,
        summary=f"{dossier} {source} → {dossier.status}",
        changes=diff(before, _state(dossier)),
    )
    return dossier.status


def _may_act(user, dossier: Dossier, permission: str) -> bool:
    if user is None:
        return True
    if not user_can(user, permission):
        return False
    if user.is_superuser:
        return True
    if (
        user.agency_id
        and user.agency_id in (dossier.current_agency_id, dossier.receiving_agency_id)
        and scope_unit(user) is not None  # a closed agency acts no more
    ):
        return True
    return unit_in_scope(user, dossier.unit, permission=permission)


def _require_official(user, dossier: Dossier, permission: str) -> None:
    """The official may act on the dossier with ``permission``; 404 outside scope, 403
    inside scope without the permission."""
    if user is None:
        return
    if _may_act(user, dossier, permission):
        return
    if _visible(user, dossier):
        require(user, permission)  # raises Forbidden
        raise Forbidden()  # the permission, but not over this dossier
    raise errors.DossierNotFound()


def _visible(user, dossier: Dossier) -> bool:
    """Whether ``user`` may see the dossier: the selectors' one rule (hand-overs included),
    so that "in sight but not yours to act on" is 403 and only "out of sight" is 404."""
    from tinhso.dossiers.selectors import dossiers_for_user

    return dossiers_for_user(user).filter(pk=dossier.pk).exists()


def _require_applicant(user, dossier: Dossier) -> None:
    if user is None or (user.is_authenticated and user.pk == dossier.applicant_id):
        return
    if _visible(user, dossier):
        raise errors.NotApplicant()
    raise errors.DossierNotFound()


def _reason(text: str, field: str = "reason") -> str:
    text = normalize(text or "")
    if not text:
        raise errors.with_fields(
            errors.ReasonRequired(),
            [errors.field_problem(field, "reason_required", errors.ReasonRequired.default_message)],
        )
    return text


def _tell_applicant(dossier: Dossier, subject: str, body: str) -> None:
    """E-mail the applicant (if they gave an address); sent only on commit."""
    address = dossier.applicant_email or (dossier.applicant.email if dossier.applicant else "")
    if not address:
        return
    notify(recipient=dossier.applicant, address=address, subject=subject, body=body)


def _status_words(dossier: Dossier) -> str:
    return str(Status(dossier.status).label)


def _pauses(dossier: Dossier) -> list:
    return clocks.pauses_of(dossier)


def refresh_deadlines(dossier: Dossier) -> None:
    """Recompute the legal deadline (and the promised one, unless an apology moved it) and
    the open step's deadline after a pause ended. Saves nothing."""
    calendar = calendar_from_db()
    pauses = _pauses(dossier)
    old_legal = dossier.legal_due_at
    new_legal = clocks.legal_due(dossier, calendar=calendar, pauses=pauses)
    if new_legal is None:
        return
    dossier.legal_due_at = new_legal
    if dossier.due_at is None or dossier.due_at == old_legal or dossier.due_at < new_legal:
        dossier.due_at = new_legal
    for step in dossier.steps.filter(done_at__isnull=True):
        step.due_at = clocks.step_due(step, calendar=calendar, pauses=pauses)
        step.save(update_fields=["due_at"])


# --- the catalogue ----------------------------------------------------------------------------


@transaction.atomic
def procedure_set_active(*, acting_user, procedure: Procedure, active: bool) -> Procedure:
    """Offer a procedure again or stop offering it (dossiers already filed are not touched)."""
    from tinhso.dossiers.catalogue import require_catalogue_manager

    require_catalogue_manager(acting_user)
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    before = {"is_active": procedure.is_active}
    procedure.is_active = active
    procedure.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=acting_user,
        action="dossiers.procedure_set_active",
        obj=procedure,
        summary=procedure.code,
        changes=diff(before, {"is_active": active}),
    )
    return procedure


# --- filing -----------------------------------------------------------------------------------


def _check_receiving_agency(procedure: Procedure, agency: Agency) -> None:
    """``agency`` may receive dossiers of ``procedure``: open, a desk (or an agency of a kind
    that implements it), on a unit of one of the procedure's levels."""
    kinds_ok = agency.kind in DESK_KINDS or agency.kind in (procedure.agency_kinds or [])
    levels = set(procedure.levels or [])
    unit_type = agency.unit.type
    level_ok = (
        not levels
        or ("xa" in levels and unit_type in COMMUNE_TYPES)
        or ("tinh" in levels and unit_type in PROVINCE_TYPES)
        or ("huyen" in levels and unit_type not in COMMUNE_TYPES | PROVINCE_TYPES)
    )
    if not (agency.is_active and kinds_ok and level_ok):
        raise errors.with_fields(
            errors.AgencyInvalid(),
            [
                errors.field_problem(
                    "agency", "agency_invalid", errors.AgencyInvalid.default_message
                )
            ],
        )


def _procedure_offered(procedure: Procedure) -> ProcedureVersion:
    procedure = Procedure.objects.select_related("current_version").get(pk=procedure.pk)
    if not procedure.is_active or procedure.current_version is None:
        raise errors.ProcedureInactive()
    return procedure.current_version


def _applicant_snapshot(user) -> dict[str, Any]:
    business = user.kind == "business"
    if business and not user.tax_code:
        raise errors.TaxCodeRequired()
    return {
        "applicant": user,
        "applicant_kind": ApplicantKind.BUSINESS if business else ApplicantKind.CITIZEN,
        "applicant_name": user.full_name or user.organisation_name or user.get_username(),
        "applicant_cccd": "" if business else (user.cccd or ""),
        "applicant_tax_code": user.tax_code or "",
        "organisation_name": user.organisation_name if business else "",
        "applicant_phone": user.phone or "",
        "applicant_email": user.email or "",
        "applicant_address": user.address or "",
    }


def _clean_delivery(value: str | None, version: ProcedureVersion) -> str:
    allowed = ResultType.values
    if value in (None, ""):
        return version.data.get("result_type", ResultType.BOTH)
    if value not in allowed:
        raise errors.with_fields(
            InvalidInput("result_delivery_invalid", _("Choose how to receive the result.")),
            [
                errors.field_problem(
                    "result_delivery",
                    "result_delivery_invalid",
                    _("Choose how to receive the result."),
                )
            ],
        )
    return value


@transaction.atomic
def dossier_draft_create(
    *,
    acting_user,
    procedure: Procedure,
    agency: Agency,
    form_data: Mapping[str, Any] | None = None,
    result_delivery: str | None = None,
) -> Dossier:
    """Start a draft (hồ sơ nháp) of ``procedure`` to be received by ``agency``, for the acting
    citizen or business. The answers are kept as given (unknown fields dropped); they are
    checked on submit. Refusals: ``procedure_inactive``, ``procedure_not_online``,
    ``agency_invalid``, ``tax_code_required``."""
    if acting_user is None or not acting_user.is_authenticated or acting_user.is_official:
        raise errors.ApplicantRequired()
    version = _procedure_offered(procedure)
    if version.online_mode == "none":
        raise errors.ProcedureNotOnline()
    _check_receiving_agency(procedure, agency)
    names = {field["name"] for field in form_fields(version)}
    data = {key: value for key, value in (form_data or {}).items() if key in names}
    dossier = Dossier.objects.create(
        procedure=procedure,
        procedure_version=version,
        status=Status.DRAFT,
        channel=Channel.ONLINE,
        form_data=data,
        unit=agency.unit,
        receiving_agency=agency,
        current_agency=agency,
        result_delivery=_clean_delivery(result_delivery, version),
        **_applicant_snapshot(acting_user),
    )
    DossierEvent.objects.create(
        dossier=dossier, at=timezone.now(), actor=acting_user, action="create", to_status="draft"
    )
    audit_record(
        actor=acting_user,
        action="dossiers.draft_create",
        obj=dossier,
        summary=procedure.code,
        changes={"procedure": procedure.code, "agency": agency.code},
    )
    return dossier


@transaction.atomic
def dossier_draft_update(
    *,
    acting_user,
    dossier: Dossier,
    form_data: Mapping[str, Any],
    result_delivery: str | None = None,
) -> Dossier:
    """Change a draft's answers (merged into the saved ones; unknown fields dropped).
    Refusals: ``not_applicant`` (403), ``dossier_not_draft`` (409)."""
    dossier = _lock(dossier)
    _require_applicant(acting_user, dossier)
    if dossier.status != Status.DRAFT:
        raise errors.DossierNotDraft()
    names = {field["name"] for field in form_fields(dossier.procedure_version)}
    merged = dict(dossier.form_data)
    merged.update({key: value for key, value in form_data.items() if key in names})
    dossier.form_data = merged
    if result_delivery is not None:
        dossier.result_delivery = _clean_delivery(result_delivery, dossier.procedure_version)
    dossier.save(update_fields=["form_data", "result_delivery", "updated_at"])
    audit_record(
        actor=acting_user, action="dossiers.draft_update", obj=dossier, summary=str(dossier)
    )
    return dossier


def _paper_codes(version: ProcedureVersion) -> dict[str, dict]:
    return {paper["code"]: paper for paper in version.papers}


ATTACHABLE_BY_APPLICANT = frozenset({Status.DRAFT, Status.SUPPLEMENT_REQUESTED, Status.PAUSED})


@transaction.atomic
def dossier_attach(*, acting_user, dossier: Dossier, paper_code: str, uploaded_file) -> DossierFile:
    """Attach one paper (giấy tờ) to a dossier: the applicant to a draft or while a supplement
    is requested; the desk (``dossiers.receive``) to any open dossier (scanning the papers of
    an in-person dossier digitises it). The file passes the kernel's checks (size, real type,
    name). ``paper_code`` is one of the version's papers or ``"other"``. Refusals:
    ``paper_unknown``, the kernel's ``file_*`` codes, ``transition_not_allowed``."""
    dossier = _lock(dossier)
    if acting_user is not None and acting_user.pk == dossier.applicant_id:
        if dossier.status not in ATTACHABLE_BY_APPLICANT:
            raise errors.DossierNotDraft()
    else:
        _require_official(acting_user, dossier, DossierPerm.RECEIVE)
        if dossier.status in FINAL:
            raise errors.DossierNotDraft()
    papers = _paper_codes(dossier.procedure_version)
    if paper_code not in papers and paper_code != "other":
        raise errors.with_fields(
            errors.PaperUnknown(),
            [
                errors.field_problem(
                    "paper_code", "paper_unknown", errors.PaperUnknown.default_message
                )
            ],
        )
    stored = store_upload(
        acting_user=acting_user,
        uploaded_file=uploaded_file,
        purpose="dossiers.paper",
        allowed_types=DOCUMENT_TYPES,
    )
    attachment = DossierFile.objects.create(
        dossier=dossier,
        kind=DossierFile.Kind.PAPER,
        paper_code=paper_code,
        file=stored,
        created_by=_person(acting_user),
    )
    if dossier.received_at is not None and not dossier.digitised and not missing_papers(dossier):
        # The desk scanned the last required paper of a received dossier: it is digitised.
        dossier.digitised = True
        dossier.save(update_fields=["digitised", "updated_at"])
    audit_record(
        actor=acting_user,
        action="dossiers.attach",
        obj=dossier,
        summary=f"{paper_code} {stored.pk}",
    )
    return attachment


def missing_papers(dossier: Dossier) -> list[dict]:
    """The required papers with no file attached yet (each ``{code, name}``)."""
    attached = set(
        dossier.files.filter(kind=DossierFile.Kind.PAPER, superseded=False).values_list(
            "paper_code", flat=True
        )
    )
    return [
        {"code": paper["code"], "name": paper.get("name", "")}
        for paper in dossier.procedure_version.papers
        if paper.get("required") and paper["code"] not in attached
    ]


def _check_complete(dossier: Dossier, *, papers: bool = True) -> None:
    """The answers are valid (``form_invalid`` with field-level codes) and every required
    paper is attached (``paper_missing`` listing them)."""
    dossier.form_data = form_clean(dossier.procedure_version, dossier.form_data)
    if papers:
        missing = missing_papers(dossier)
        if missing:
            raise errors.with_fields(
                errors.PaperMissing(),
                [
                    errors.field_problem(
                        f"papers.{paper['code']}",
                        "paper_missing",
                        _("Attach: %(name)s") % {"name": paper["name"]},
                    )
                    for paper in missing
                ],
            )


@transaction.atomic
def dossier_submit(*, acting_user, dossier: Dossier) -> Dossier:
    """Submit a draft online (nộp hồ sơ): answers checked against the form, required papers
    present; the dossier waits for the desk (``submitted``). Refusals: ``form_invalid``,
    ``paper_missing``, ``transition_not_allowed``."""
    dossier = _lock(dossier)
    _require_applicant(acting_user, dossier)
    DOSSIER_FLOW.target(dossier.status, Action.SUBMIT)
    _check_complete(dossier)
    dossier.submitted_at = timezone.now()
    _move(dossier, Action.SUBMIT, acting_user=acting_user, agency=dossier.receiving_agency)
    _tell_applicant(
        dossier,
        _("Your dossier was submitted"),
        _("Your dossier for “%(procedure)s” was submitted and waits for the desk to receive it.")
        % {"procedure": dossier.procedure_version.name},
    )
    return dossier


@transaction.atomic
def dossier_file(
    *,
    acting_user,
    procedure: Procedure,
    agency: Agency,
    form_data: Mapping[str, Any],
    papers: Mapping[str, Iterable[Any]] | None = None,
    result_delivery: str | None = None,
) -> Dossier:
    """Create, attach and submit in one go (the API's one-shot filing): ``papers`` maps paper
    codes to uploaded files. All or nothing."""
    dossier = dossier_draft_create(
        acting_user=acting_user,
        procedure=procedure,
        agency=agency,
        form_data=form_data,
        result_delivery=result_delivery,
    )
    for code, files in (papers or {}).items():
        for uploaded in files:
            dossier_attach(
                acting_user=acting_user, dossier=dossier, paper_code=code, uploaded_file=uploaded
            )
    return dossier_submit(acting_user=acting_user, dossier=dossier)


@transaction.atomic
def dossier_enter_in_person(
    *,
    acting_user,
    procedure: Procedure,
    form_data: Mapping[str, Any],
    applicant=None,
    applicant_name: str = "",
    applicant_cccd: str = "",
    applicant_phone: str = "",
    applicant_email: str = "",
    applicant_address: str = "",
    papers: Mapping[str, Iterable[Any]] | None = None,
    result_delivery: str | None = None,
    agency: Agency | None = None,
    receive: bool = True,
) -> Dossier:
    """The desk enters a dossier brought in person (tiếp nhận trực tiếp) for a citizen:
    ``applicant`` (their account) or the person's name and details. The paper originals are
    checked at the desk, so missing scans do not block it; when every required paper is
    scanned the dossier counts as digitised. With ``receive`` (the default) it is received at
    once: code, receipt (form 01), clock. Needs ``dossiers.receive``; ``agency`` defaults to
    the officer's own."""
    require(acting_user, DossierPerm.RECEIVE)
    agency = agency or acting_user.agency
    if agency is None:
        raise errors.AgencyInvalid()
    if not acting_user.is_superuser and not unit_in_scope(
        acting_user, agency.unit, permission=DossierPerm.RECEIVE
    ):
        raise errors.AgencyInvalid()
    version = _procedure_offered(procedure)
    _check_receiving_agency(procedure, agency)
    if applicant is not None:
        snapshot = _applicant_snapshot(applicant)
    else:
        name = normalize(applicant_name)
        if not name:
            raise errors.with_fields(
                errors.ApplicantRequired(),
                [
                    errors.field_problem(
                        "applicant_name",
                        "applicant_required",
                        errors.ApplicantRequired.default_message,
                    )
                ],
            )
        snapshot = {
            "applicant": None,
            "applicant_kind": ApplicantKind.CITIZEN,
            "applicant_name": name,
            "applicant_cccd": applicant_cccd,
            "applicant_phone": applicant_phone,
            "applicant_email": applicant_email,
            "applicant_address": normalize(applicant_address),
        }
    names = {field["name"] for field in form_fields(version)}
    dossier = Dossier(
        procedure=procedure,
        procedure_version=version,
        status=Status.SUBMITTED,
        channel=Channel.IN_PERSON,
        form_data={key: value for key, value in form_data.items() if key in names},
        unit=agency.unit,
        receiving_agency=agency,
        current_agency=agency,
        entered_by=acting_user,
        submitted_at=timezone.now(),
        result_delivery=_clean_delivery(result_delivery, version),
        **snapshot,
    )
    dossier.form_data = form_clean(version, dossier.form_data)
    dossier.save()
    DossierEvent.objects.create(
        dossier=dossier,
        at=timezone.now(),
        actor=acting_user,
        action="enter",
        to_status=Status.SUBMITTED,
        agency=agency,
    )
    audit_record(
        actor=acting_user, action="dossiers.enter_in_person", obj=dossier, summary=procedure.code
    )
    for code, files in (papers or {}).items():
        for uploaded in files:
            dossier_attach(
                acting_user=acting_user, dossier=dossier, paper_code=code, uploaded_file=uploaded
            )
    if receive:
        dossier = dossier_receive(acting_user=acting_user, dossier=dossier)
    return dossier


@transaction.atomic
def dossier_withdraw(*, acting_user, dossier: Dossier, reason: str = "") -> Dossier:
    """The applicant withdraws their dossier (rút hồ sơ); it is kept, marked withdrawn."""
    dossier = _lock(dossier)
    _require_applicant(acting_user, dossier)
    _move(dossier, Action.WITHDRAW, acting_user=acting_user, note=normalize(reason))
    return dossier


# --- the code ---------------------------------------------------------------------------------


def allocate_code(*, agency_code: str, day: dt.date) -> str:
    """The next dossier code ``<agency code>-YYMMDD-XXXX`` for ``agency_code`` on ``day``.

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on the counter row (SQLite ≥ 3.35,
    PostgreSQL): the row stays locked until the caller's transaction ends, so concurrent
    receipts queue behind each other, and a rollback gives the number back — no duplicates, no
    gaps. Must run inside the receiving transaction.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("allocate_code() must run inside the receiving transaction.")
    table = connection.ops.quote_name(CodeCounter._meta.db_table)
    last = connection.ops.quote_name("last")
    sql = (
        f"INSERT INTO {table} (agency_code, day, {last}) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (agency_code, day) DO UPDATE SET {last} = {table}.{last} + 1 "
        f"RETURNING {last}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [agency_code, day])
        (number,) = cursor.fetchone()
    return f"{agency_code}-{day:%y%m%d}-{number:04d}"


# --- the desk ---------------------------------------------------------------------------------


def _open_step(
    dossier: Dossier,
    *,
    agency: Agency,
    officer=None,
    code: str = "",
    name: str = "",
    days: int | None = None,
    handed_over_by=None,
    note: str = "",
    started_at: dt.datetime | None = None,
) -> DossierStep:
    version_steps = {step["code"]: step for step in dossier.procedure_version.steps}
    spec = version_steps.get(code, {})
    if days is None:
        if spec:
            days = int(spec.get("days", 0))
        else:
            left = clocks.working_days_left(dossier.due_at)
            days = max(left or 0, 0)
    last = dossier.steps.order_by("-sequence").first()
    step = DossierStep(
        dossier=dossier,
        sequence=(last.sequence + 1) if last else 1,
        code=code,
        name=name or spec.get("name", "") or agency.name,
        agency=agency,
        officer=officer,
        handed_over_by=_person(handed_over_by),
        days=days,
        started_at=started_at or timezone.now(),
        note=note,
    )
    step.due_at = clocks.step_due(step, pauses=_pauses(dossier))
    step.save()
    return step


def _close_step(dossier: Dossier, *, note: str = "", at: dt.datetime | None = None) -> None:
    at = at or timezone.now()
    calendar = calendar_from_db()
    for step in dossier.steps.filter(done_at__isnull=True):
        step.done_at = at
        step.classification = clocks.classify_done(at, step.due_at, calendar=calendar)
        if note:
            step.note = f"{step.note}\n{note}".strip()
        step.save(update_fields=["done_at", "classification", "note"])


def _first_step_spec(version: ProcedureVersion) -> dict:
    steps = version.steps
    return steps[0] if steps else {"code": "tiep_nhan", "name": _("Receipt"), "days": 0}


@transaction.atomic
def dossier_receive(*, acting_user, dossier: Dossier, note: str = "") -> Dossier:
    """The desk receives the dossier (tiếp nhận): it gets its code, the clock starts (cut-off
    and calendar), the receipt step is logged, the receipt with the promised date (form 01) is
    issued and the applicant told. Needs ``dossiers.receive``."""
    dossier = _lock(dossier)
    _require_official(acting_user, dossier, DossierPerm.RECEIVE)
    before = _state(dossier)
    DOSSIER_FLOW.target(dossier.status, Action.RECEIVE)
    now = timezone.now()
    calendar = calendar_from_db()
    dossier.received_at = now
    dossier.code = allocate_code(
        agency_code=dossier.receiving_agency.code, day=timezone.localtime(now).date()
    )
    dossier.legal_due_at = clocks.legal_due(dossier, calendar=calendar, pauses=[])
    dossier.due_at = dossier.legal_due_at
    dossier.digitised = not missing_papers(dossier)
    dossier.current_officer = _person(acting_user)
    spec = _first_step_spec(dossier.procedure_version)
    _move(
        dossier,
        Action.RECEIVE,
        acting_user=acting_user,
        note=normalize(note),
        agency=dossier.receiving_agency,
        before=before,
    )
    _open_step(
        dossier,
        agency=dossier.receiving_agency,
        officer=_person(acting_user),
        code=spec.get("code", ""),
        name=spec.get("name", ""),
        days=int(spec.get("days", 0)),
        started_at=dossier.submitted_at or now,
    )
    _issue(dossier, "01", acting_user=acting_user)
    _tell_applicant(
        dossier,
        _("Dossier %(code)s received") % {"code": dossier.code},
        _("Your dossier %(code)s was received. Promised return date: %(due)s.")
        % {"code": dossier.code, "due": _format_due(dossier.due_at)},
    )
    return dossier


def _format_due(moment: dt.datetime | None) -> str:
    if moment is None:
        return "-"
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


@transaction.atomic
def dossier_refuse(*, acting_user, dossier: Dossier, reasons: str) -> Dossier:
    """The desk refuses to receive the dossier (từ chối tiếp nhận) with reasons; the refusal
    (form 03) is issued and the applicant told. Needs ``dossiers.receive``."""
    dossier = _lock(dossier)
    _require_official(acting_user, dossier, DossierPerm.RECEIVE)
    reasons = _reason(reasons, "reasons")
    _move(dossier, Action.REFUSE, acting_user=acting_user, note=reasons)
    _issue(dossier, "03", acting_user=acting_user, reasons=[reasons])
    _tell_applicant(
        dossier,
        _("Your dossier was refused"),
        _("Your dossier for “%(procedure)s” was refused. Reasons: %(reasons)s")
        % {"procedure": dossier.procedure_version.name, "reasons": reasons},
    )
    return dossier


@transaction.atomic
def dossier_request_supplement(
    *, acting_user, dossier: Dossier, items: list[str], reason: str = ""
) -> Dossier:
    """Ask the applicant to supplement the dossier (yêu cầu bổ sung, form 02) with ``items``.

    Before receipt (the desk, ``dossiers.receive``) no clock runs yet; after receipt (the
    processing officer, ``dossiers.process``) the clock stops until the applicant completes
    it (``dossier_supplement``)."""
    dossier = _lock(dossier)
    received = dossier.received_at is not None
    _require_official(
        acting_user, dossier, DossierPerm.PROCESS if received else DossierPerm.RECEIVE
    )
    items = [normalize(item) for item in items or [] if normalize(item)]
    if not items:
        raise errors.with_fields(
            errors.ReasonRequired(_("List what must be supplemented.")),
            [
                errors.field_problem(
                    "items", "reason_required", _("List what must be supplemented.")
                )
            ],
        )
    note = normalize(reason)
    _move(dossier, Action.REQUEST_SUPPLEMENT, acting_user=acting_user, note=note)
    DossierPause.objects.create(
        dossier=dossier,
        paused_at=timezone.now(),
        reason=note,
        items=items,
        requested_by=_person(acting_user),
        counts=received,
    )
    _issue(
        dossier,
        "02",
        acting_user=acting_user,
        supplement_items=items,
        reasons=[note] if note else [],
    )
    _tell_applicant(
        dossier,
        _("Please supplement your dossier"),
        _("Your dossier %(ref)s needs: %(items)s")
        % {"ref": dossier.code or dossier.pk, "items": "; ".join(items)},
    )
    return dossier


@transaction.atomic
def dossier_supplement(
    *, acting_user, dossier: Dossier, form_data: Mapping[str, Any] | None = None, note: str = ""
) -> Dossier:
    """The applicant completes the supplement (papers attached beforehand with
    ``dossier_attach``; answers may be corrected): the clock runs again and the deadlines move
    by the paused working days. Refusals: ``form_invalid``, ``paper_missing``."""
    dossier = _lock(dossier)
    _require_applicant(acting_user, dossier)
    DOSSIER_FLOW.target(dossier.status, Action.SUPPLEMENT)
    if form_data:
        names = {field["name"] for field in form_fields(dossier.procedure_version)}
        merged = dict(dossier.form_data)
        merged.update({key: value for key, value in form_data.items() if key in names})
        dossier.form_data = merged
    _check_complete(dossier)
    now = timezone.now()
    dossier.pauses.filter(resumed_at__isnull=True).update(resumed_at=now)
    if dossier.received_at is not None:
        refresh_deadlines(dossier)
    else:
        # Complete again: the desk's receipt step counts from this resubmission.
        dossier.submitted_at = now
    _move(dossier, Action.SUPPLEMENT, acting_user=acting_user, note=normalize(note))
    return dossier


def _check_officer(agency: Agency, officer) -> None:
    if officer is not None and officer.agency_id != agency.pk:
        raise errors.with_fields(
            errors.OfficerInvalid(),
            [
                errors.field_problem(
                    "to_officer", "officer_invalid", errors.OfficerInvalid.default_message
                )
            ],
        )


def _hand_over(
    dossier: Dossier,
    action: str,
    *,
    acting_user,
    to_agency: Agency,
    to_officer,
    step_code: str,
    days: int | None,
    note: str,
) -> DossierStep:
    if not to_agency.is_active:
        raise errors.AgencyInvalid()
    _check_officer(to_agency, to_officer)
    before = _state(dossier)
    _close_step(dossier, note=note)
    dossier.current_agency = to_agency
    dossier.current_officer = to_officer
    _move(dossier, action, acting_user=acting_user, note=note, agency=to_agency, before=before)
    step = _open_step(
        dossier,
        agency=to_agency,
        officer=to_officer,
        code=step_code,
        days=days,
        handed_over_by=acting_user,
        note=note,
    )
    return step


@transaction.atomic
def dossier_forward(
    *,
    acting_user,
    dossier: Dossier,
    to_agency: Agency,
    to_officer=None,
    step_code: str = "",
    days: int | None = None,
    note: str = "",
) -> DossierStep:
    """The desk hands a received dossier to the processing agency (chuyển xử lý): the receipt
    step closes, a new step opens with its own allowed time (the version's step ``step_code``,
    or ``days``, or the working days left). Needs ``dossiers.receive``."""
    dossier = _lock(dossier)
    _require_official(acting_user, dossier, DossierPerm.RECEIVE)
    DOSSIER_FLOW.target(dossier.status, Action.FORWARD)
    return _hand_over(
        dossier,
        Action.FORWARD,
        acting_user=acting_user,
        to_agency=to_agency,
        to_officer=to_officer,
        step_code=step_code,
        days=days,
        note=normalize(note),
    )


@transaction.atomic
def dossier_transfer(
    *,
    acting_user,
    dossier: Dossier,
    to_agency: Agency,
    to_officer=None,
    step_code: str = "",
    days: int | None = None,
    note: str = "",
) -> DossierStep:
    """Hand the dossier to another officer or agency (luân chuyển), logged as a new step of the
    hand-over log (form 06) with its own due date. Needs ``dossiers.process``."""
    dossier = _lock(dossier)
    _require_official(acting_user, dossier, DossierPerm.PROCESS)
    DOSSIER_FLOW.target(dossier.status, Action.TRANSFER)
    return _hand_over(
        dossier,
        Action.TRANSFER,
        acting_user=acting_user,
        to_agency=to_agency,
        to_officer=to_officer,
        step_code=step_code,
        days=days,
        note=normalize(note),
    )


@transaction.atomic
def dossier_stop(*, acting_user, dossier: Dossier, reasons: str) -> Dossier:
    """Stop processing (dừng giải quyết) with reasons; form 05 is issued and the applicant
    told. Needs ``dossiers.process``."""
    dossier = _lock(dossier)
    _require_official(acting_user, dossier, DossierPerm.PROCESS)
    reasons = _reason(reasons, "reasons")
    DOSSIER_FLOW.target(dossier.status, Action.STOP)
    _close_step(dossier, note=reasons)
    dossier.pauses.filter(resumed_at__isnull=True).update(resumed_at=timezone.now())
    _move(dossier, Action.STOP, acting_user=acting_user, note=reasons)
    _issue(dossier, "05", acting_user=acting_user, reasons=[reasons])
    _tell_applicant(
        dossier,
        _("Processing of dossier %(code)s stopped") % {"code": dossier.code},
        _("Processing of your dossier %(code)s was stopped. Reasons: %(reasons)s")
        % {"code": dossier.code, "reasons": reasons},
    )
    return dossier


@transaction.atomic
def dossier_apologise(
    *, acting_user, dossier: Dossier, new_due_date: dt.date, reason: str
) -> Dossier:
    """A late (or about to be late) dossier: the apology with a new return date (form 04) is
    issued and sent to the applicant (e-mail; the paper copy at the desk). The promised date
    moves; the legal one does not, so the dossier still counts late. Needs
    ``dossiers.process``. Refusals: ``apology_not_needed`` (more than one working day left),
    ``new_due_invalid``."""
    dossier = _lock(dossier)
    _require_official(acting_user, dossier, DossierPerm.PROCESS)
    reason = _reason(reason)
    DOSSIER_FLOW.target(dossier.status, Action.APOLOGISE)
    calendar = calendar_from_db()
    left = clocks.working_days_left(dossier.due_at, calendar=calendar)
    if left is None or left > 1:
        raise errors.ApologyNotNeeded()
    current_day = timezone.localtime(dossier.due_at).date() if dossier.due_at else None
    if (
        not isinstance(new_due_date, dt.date)
        or (current_day and new_due_date <= current_day)
        or not calendar.is_working_day(new_due_date)
        or new_due_date < timezone.localdate()
    ):
        raise errors.with_fields(
            errors.NewDueInvalid(),
            [
                errors.field_problem(
                    "new_due_date", "new_due_invalid", errors.NewDueInvalid.default_message
                )
            ],
        )
    before = _state(dossier)
    dossier.due_at = clocks.new_due_from_date(new_due_date, calendar=calendar)
    _move(dossier, Action.APOLOGISE, acting_user=acting_user, note=reason, before=before)
    _issue(
        dossier,
        "04",
        acting_user=acting_user,
        reasons=[reason],
        new_due_at=dossier.due_at,
        due_at=before["due_at"],
    )
    _tell_applicant(
        dossier,
        _("Apology: dossier %(code)s is late") % {"code": dossier.code},
        _(
            "We apologise: your dossier %(code)s could not be settled on time (%(reason)s). "
            "The new return date is %(due)s."
        )
        % {"code": dossier.code, "reason": reason, "due": _format_due(dossier.due_at)},
    )
    return dossier


# --- money ------------------------------------------------------------------------------------


@transaction.atomic
def dossier_request_payment(
    *,
    acting_user,
    dossier: Dossier,
    amount: int | None = None,
    items: list[dict] | None = None,
    note: str = "",
) -> Dossier:
    """Notify the financial obligation (thông báo nghĩa vụ tài chính): the fee due (default:
    the version's fee schedule) and its items; the dossier waits for payment. Needs
    ``dossiers.process``."""
    dossier = _lock(dossier)
    _require_official(acting_user, dossier, DossierPerm.PROCESS)
    DOSSIER_FLOW.target(dossier.status, Action.REQUEST_PAYMENT)
    version = dossier.procedure_version
    if items is None:
        items = [
            {
                "code": fee.get("code", ""),
                "name": fee.get("name", ""),
                "amount": fee.get("amount", 0),
            }
            for fee in version.fees
            if int(fee.get("amount") or 0) > 0
        ]
    if amount is None:
        amount = sum(int(item.get("amount") or 0) for item in items)
    if not isinstance(amount, int) or amount < 0:
        raise errors.AmountInvalid()
    before = _state(dossier)
    dossier.fee_amount = amount
    dossier.fee_items = items
    _move(
        dossier,
        Action.REQUEST_PAYMENT,
        acting_user=acting_user,
        note=normalize(note),
        before=before,
    )
    _tell_applicant(
        dossier,
        _("Fee due for dossier %(code)s") % {"code": dossier.code},
        _("Please pay %(amount)s đồng for your dossier %(code)s, online or at the desk.")
        % {"amount": f"{amount:,}".replace(",", "."), "code": dossier.code},
    )
    return dossier


def _new_reference(dossier: Dossier) -> str:
    return f"HS{dossier.pk}T{secrets.token_hex(6).upper()}"


@transaction.atomic
def dossier_payment_start(
    *, acting_user, dossier: Dossier, return_url: str, client_ip: str
) -> tuple[Payment, str]:
    """The applicant starts paying online: a pending ``Payment`` with a fresh reference and the
    gateway's redirect URL. Refusal: ``payment_not_due``."""
    dossier = _lock(dossier)
    _require_applicant(acting_user, dossier)
    if dossier.status != Status.AWAITING_PAYMENT or dossier.fee_amount <= 0:
        raise errors.PaymentNotDue()
    payment = Payment.objects.create(
        dossier=dossier,
        reference=_new_reference(dossier),
        amount=dossier.fee_amount,
        method=Payment.Method.ONLINE,
        created_by=_person(acting_user),
    )
    url = _gateway().start(
        reference=payment.reference,
        amount=payment.amount,
        description=f"Thanh toan phi ho so {dossier.code}",
        return_url=return_url,
        client_ip=client_ip or "127.0.0.1",
    )
    audit_record(
        actor=acting_user,
        action="dossiers.payment_start",
        obj=payment,
        summary=f"{dossier.code} {payment.reference} {payment.amount}",
    )
    return payment, url


@dataclass(frozen=True)
class PaymentOutcome:
    """What an IPN callback did: ``rsp_code``/``message`` are the gateway's answer
    (``00`` confirmed, ``01`` unknown order, ``02`` already confirmed, ``04`` wrong amount,
    ``97`` bad signature)."""

    rsp_code: str
    message: str
    payment: Payment | None = None
    changed: bool = False


def _record_paid(dossier: Dossier, payment: Payment, *, acting_user, online: bool) -> None:
    before = _state(dossier)
    dossier.paid_online = online
    _move(
        dossier,
        Action.PAY,
        acting_user=acting_user,
        note=f"{payment.reference} {payment.transaction_no}".strip(),
        before=before,
    )
    _tell_applicant(
        dossier,
        _("Payment received for dossier %(code)s") % {"code": dossier.code},
        _("We received %(amount)s đồng for your dossier %(code)s (transaction %(ref)s).")
        % {
            "amount": f"{payment.amount:,}".replace(",", "."),
            "code": dossier.code,
            "ref": payment.transaction_no or payment.reference,
        },
    )


@transaction.atomic
def dossier_payment_confirm(*, params: Mapping[str, str]) -> PaymentOutcome:
    """The gateway's server-to-server callback (IPN). The signature is verified first; a forged
    or replayed callback changes nothing. A successful payment of the right amount marks the
    payment paid (transaction number, bank, time, raw parameters kept) and the fee paid."""
    try:
        result = _gateway().verify(params)
    except InvalidInput:
        return PaymentOutcome("97", "Invalid signature")
    payment = Payment.objects.select_for_update().filter(reference=result.reference).first()
    if payment is None:
        return PaymentOutcome("01", "Order not found")
    if payment.state != Payment.State.PENDING:
        return PaymentOutcome("02", "Order already confirmed", payment)
    if int(result.amount) != payment.amount:
        return PaymentOutcome("04", "Invalid amount", payment)
    dossier = _lock(payment.dossier)
    payment.transaction_no = result.transaction_no or ""
    payment.bank_code = result.bank_code or ""
    payment.raw = dict(result.raw or {})
    if not result.success:
        payment.state = Payment.State.FAILED
        payment.save()
        audit_record(
            actor=None, action="dossiers.payment_failed", obj=payment, summary=payment.reference
        )
        return PaymentOutcome("00", "Confirm Success", payment, changed=True)
    payment.state = Payment.State.PAID
    payment.paid_at = result.paid_at or timezone.now()
    payment.save()
    audit_record(
        actor=None,
        action="dossiers.payment_paid",
        obj=payment,
        summary=f"{payment.reference} {payment.transaction_no}",
    )
    if DOSSIER_FLOW.can(dossier.status, Action.PAY):
        _record_paid(dossier, payment, acting_user=None, online=True)
    return PaymentOutcome("00", "Confirm Success", payment, changed=True)


@transaction.atomic
def dossier_pay_at_desk(*, acting_user, dossier: Dossier, receipt_no: str = "") -> Payment:
    """The desk takes the fee in cash (or by card at the counter) and records its receipt
    number. Needs ``dossiers.receive``."""
    dossier = _lock(dossier)
    _require_official(acting_user, dossier, DossierPerm.RECEIVE)
    DOSSIER_FLOW.target(dossier.status, Action.PAY)
    payment = Payment.objects.create(
        dossier=dossier,
        reference=_new_reference(dossier),
        amount=dossier.fee_amount,
        method=Payment.Method.CASH,
        state=Payment.State.PAID,
        transaction_no=normalize(receipt_no)[:64],
        paid_at=timezone.now(),
        created_by=_person(acting_user),
    )
    _record_paid(dossier, payment, acting_user=acting_user, online=False)
    return payment


# --- the result -------------------------------------------------------------------------------


@transaction.atomic
def dossier_approve(
    *,
    acting_user,
    dossier: Dossier,
    result_title: str = "",
    result_body: str = "",
    uploaded_file=None,
    note: str = "",
) -> Dossier:
    """The leader approves the result (phê duyệt, ký): the result PDF (the uploaded one, or one
    rendered from ``result_title``/``result_body``) is signed (PAdES) and kept; the dossier is
    resolved and classified early / on time / late against its legal deadline. Needs
    ``dossiers.approve``. Refusal: ``result_missing``."""
    dossier = _lock(dossier)
    _require_official(acting_user, dossier, DossierPerm.APPROVE)
    DOSSIER_FLOW.target(dossier.status, Action.APPROVE)
    title = normalize(result_title)
    if uploaded_file is None and not title:
        raise errors.with_fields(
            errors.ResultMissing(),
            [
                errors.field_problem(
                    "result_title", "result_missing", errors.ResultMissing.default_message
                )
            ],
        )
    now = timezone.now()
    before = _state(dossier)
    content: bytes | None = None
    if uploaded_file is not None:
        uploaded_file.seek(0)
        content = uploaded_file.read()
    else:
        pdf = _pdf_module()
        if pdf is not None:
            content = pdf.render_form(
                "result",
                document_context(
                    dossier,
                    officer=acting_user,
                    result_title=title,
                    result_body=result_body,
                    approved_at=now,
                ),
            )
    if content is not None:
        signing = _signing_module()
        if signing is not None:
            content = signing.sign_pdf(
                content,
                signer_name=getattr(acting_user, "full_name", "") or "tinhso",
                reason=_("Result of dossier %(code)s") % {"code": dossier.code},
                location=dossier.unit.name,
            )
        stored = _store_pdf(
            acting_user=acting_user,
            content=content,
            name=f"ket-qua-{dossier.code}.pdf",
            purpose="dossiers.result",
        )
        DossierFile.objects.create(
            dossier=dossier,
            kind=DossierFile.Kind.RESULT,
            file=stored,
            created_by=_person(acting_user),
        )
        dossier.result_file = stored
    dossier.result_title = title or getattr(uploaded_file, "name", "")[:500]
    dossier.resolved_at = now
    dossier.pauses.filter(resumed_at__isnull=True).update(resumed_at=now)
    dossier.classification = clocks.classify_done(now, dossier.legal_due_at)
    _close_step(dossier, note=normalize(note), at=now)
    dossier.current_agency = dossier.receiving_agency
    dossier.current_officer = None
    _move(dossier, Action.APPROVE, acting_user=acting_user, note=normalize(note), before=before)
    _open_step(
        dossier,
        agency=dossier.receiving_agency,
        code="tra_ket_qua",
        name=_("Return the result"),
        days=0,
        handed_over_by=acting_user,
        started_at=now,
    )
    _tell_applicant(
        dossier,
        _("The result of dossier %(code)s is ready") % {"code": dossier.code},
        _("The result of your dossier %(code)s is ready.") % {"code": dossier.code},
    )
    return dossier


@transaction.atomic
def dossier_return_result(
    *,
    acting_user,
    dossier: Dossier,
    electronically: bool | None = None,
    on_paper: bool | None = None,
    note: str = "",
) -> Dossier:
    """The desk returns the result (trả kết quả): electronically (the signed PDF in the
    applicant's account) and/or on paper, by default as the applicant chose. Needs
    ``dossiers.receive``."""
    dossier = _lock(dossier)
    _require_official(acting_user, dossier, DossierPerm.RECEIVE)
    DOSSIER_FLOW.target(dossier.status, Action.RETURN_RESULT)
    if electronically is None:
        electronically = dossier.result_delivery in (ResultType.ELECTRONIC, ResultType.BOTH)
    if on_paper is None:
        on_paper = dossier.result_delivery in (ResultType.PAPER, ResultType.BOTH)
    electronically = bool(electronically and dossier.result_file_id)
    now = timezone.now()
    before = _state(dossier)
    dossier.returned_at = now
    dossier.returned_electronically = electronically
    _close_step(dossier, note=normalize(note), at=now)
    _move(
        dossier, Action.RETURN_RESULT, acting_user=acting_user, note=normalize(note), before=before
    )
    _tell_applicant(
        dossier,
        _("Dossier %(code)s: result returned") % {"code": dossier.code},
        _("The result of your dossier %(code)s was returned. Please rate the service.")
        % {"code": dossier.code},
    )
    dossier.returned_on_paper = bool(on_paper)
    return dossier


@transaction.atomic
def dossier_rate(*, acting_user, dossier: Dossier, rating: int, comment: str = "") -> Dossier:
    """The applicant rates the service once the result is ready or returned (1 to 5 stars, a
    comment). Refusals: ``rating_invalid``, ``rating_not_allowed`` (before the result, or
    twice)."""
    dossier = _lock(dossier)
    _require_applicant(acting_user, dossier)
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise errors.with_fields(
            errors.RatingInvalid(),
            [
                errors.field_problem(
                    "rating", "rating_invalid", errors.RatingInvalid.default_message
                )
            ],
        )
    if dossier.status not in (Status.RESULT_READY, Status.RETURNED) or dossier.rating is not None:
        raise errors.RatingNotAllowed()
    dossier.rating = rating
    dossier.rating_comment = normalize(comment)[:2000]
    dossier.rated_at = timezone.now()
    dossier.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
    audit_record(
        actor=acting_user, action="dossiers.rate", obj=dossier, summary=f"{dossier} {rating}"
    )
    return dossier


# --- reminders (called by tasks.py) -----------------------------------------------------------


@transaction.atomic
def dossier_mark_reminded(*, dossier: Dossier, escalated: bool = False) -> bool:
    """Record that the reminder (or the escalation) for ``dossier`` went out; False when it
    already had (so a tick never sends twice)."""
    dossier = _lock(dossier)
    field = "escalated_at" if escalated else "reminded_at"
    if getattr(dossier, field) is not None:
        return False
    setattr(dossier, field, timezone.now())
    dossier.save(update_fields=[field, "updated_at"])
    return True
