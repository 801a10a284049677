"""Every read of the dossiers room that leaves it, always taking the acting user for scope.

The one scope rule (``dossier_scope_q``): an official holding ``dossiers.view`` sees the
dossiers whose ``unit`` (the receiving agency's unit) lies in the subtree of their agency's
unit, plus those that were handed to their own agency at some step (a processing agency
elsewhere); a citizen or business sees their own; a superuser sees all. Lists apply it with
``dossiers_for_user``, single fetches with ``get_dossier_for_user`` (404 outside scope).

The catalogue is public. The public look-up by code shows no personal data.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.db.models import DateTimeField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tinhso.accounts.permissions import user_can
from tinhso.accounts.scope import scope_q, scope_unit
from tinhso.dossiers import clocks, errors
from tinhso.dossiers.catalogue import prefill_values
from tinhso.dossiers.models import (
    Dossier,
    DossierEvent,
    DossierFile,
    DossierStep,
    Field,
    Procedure,
    ProcedureVersion,
    Status,
)
from tinhso.dossiers.permissions import DossierPerm
from tinhso.dossiers.workflow import CLOCK_RUNNING, DOSSIER_FLOW, Action
from tinhso.kernel.calendar import calendar_from_db
from tinhso.kernel.text import fold
from tinhso.units.models import Agency, Unit, subtree_bounds

# --- the catalogue (public) -------------------------------------------------------------------


def fields_list() -> QuerySet[Field]:
    """The fields of procedures (lĩnh vực) that have a procedure in use."""
    return Field.objects.filter(procedures__is_active=True).distinct().order_by("name")


def procedures_public(
    *,
    query: str = "",
    field_code: str | None = None,
    online_mode: str | None = None,
    level: str | None = None,
    agency_kind: str | None = None,
) -> QuerySet[Procedure]:
    """The procedures offered, with their current version, filtered: words of the name or the
    code (diacritics ignored), field, online mode (full/partial/none), level (tinh/xa)."""
    qs = Procedure.objects.filter(is_active=True, current_version__isnull=False).select_related(
        "field", "current_version"
    )
    for word in fold(query or "").split():
        qs = qs.filter(search_name__contains=word)
    if field_code:
        qs = qs.filter(field__code=field_code)
    if online_mode:
        qs = qs.filter(online_mode=online_mode)
    procedures = qs.order_by("field__name", "name")
    if level or agency_kind:
        # JSON lists: filter in Python-free SQL where the backend allows, else by code.
        codes = [
            p.code
            for p in procedures
            if (not level or level in (p.levels or []))
            and (not agency_kind or agency_kind in (p.agency_kinds or []))
        ]
        procedures = procedures.filter(code__in=codes)
    return procedures


def procedure_get(code: str, *, include_inactive: bool = False) -> Procedure:
    """One procedure by its national code, with its current version; ``procedure_not_found``."""
    qs = Procedure.objects.select_related("field", "current_version")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    procedure = qs.filter(code=code, current_version__isnull=False).first()
    if procedure is None:
        raise errors.ProcedureNotFound()
    return procedure


def procedure_versions(procedure: Procedure) -> QuerySet[ProcedureVersion]:
    """Every version of a procedure, newest first."""
    return procedure.versions.order_by("-number")


def receiving_agencies(procedure: Procedure, *, within: Unit | None = None) -> QuerySet[Agency]:
    """The open agencies where a dossier of ``procedure`` may be filed (its desks), optionally
    only on ``within``'s subtree."""
    from tinhso.dossiers.services import COMMUNE_TYPES, DESK_KINDS, PROVINCE_TYPES

    kinds = set(DESK_KINDS) | set(procedure.agency_kinds or [])
    types: set[str] = set()
    levels = set(procedure.levels or [])
    if "xa" in levels:
        types |= COMMUNE_TYPES
    if "tinh" in levels:
        types |= PROVINCE_TYPES
    qs = Agency.objects.filter(is_active=True, kind__in=kinds).select_related("unit")
    if types:
        qs = qs.filter(unit__type__in=types)
    if within is not None:
        low, high = subtree_bounds(within.path)
        qs = qs.filter(unit__path__gte=low, unit__path__lt=high)
    # A desk is preferred where the unit has one: list desks first.
    return qs.order_by("unit__path", "kind", "name")


def dossier_prefill(user, procedure: Procedure) -> dict[str, Any]:
    """The form answers known from the person's account (citizen record: name, CCCD, date of
    birth, sex, phone, e-mail, address, tax code) for ``procedure``'s current version."""
    return prefill_values(user, procedure.current_version)


# --- scope ------------------------------------------------------------------------------------


def dossier_scope_q(user) -> Q | None:
    """The condition a dossier must meet to be visible to ``user``; None = every dossier."""
    condition = scope_q(
        user, unit_field="unit", permission=DossierPerm.VIEW, owner_field="applicant"
    )
    if condition is None:
        return None
    if (
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.agency_id
        and user_can(user, DossierPerm.VIEW)
        # A closed agency has no scope left, also over what was handed to it.
        and scope_unit(user) is not None
    ):
        handed = DossierStep.objects.filter(dossier=OuterRef("pk"), agency_id=user.agency_id)
        condition |= Q(Exists(handed)) | Q(current_agency_id=user.agency_id)
    return condition


def _base() -> QuerySet[Dossier]:
    return Dossier.objects.select_related(
        "procedure",
        "procedure_version",
        "unit",
        "receiving_agency__unit",
        "current_agency__unit",
        "current_officer",
    )


def dossiers_for_user(user) -> QuerySet[Dossier]:
    """Every dossier ``user`` may see (drafts only to their applicant)."""
    condition = dossier_scope_q(user)
    qs = _base()
    if condition is not None:
        qs = qs.filter(condition)
    if user is None or not user.is_authenticated:
        return qs.none()
    return qs.exclude(Q(status=Status.DRAFT) & ~Q(applicant_id=user.pk))


def get_dossier_for_user(user, pk: int) -> Dossier:
    """One dossier in ``user``'s scope; ``dossier_not_found`` (404) otherwise."""
    dossier = dossiers_for_user(user).filter(pk=pk).first()
    if dossier is None:
        raise errors.DossierNotFound()
    return dossier


def get_dossier_by_code_for_user(user, code: str) -> Dossier:
    dossier = dossiers_for_user(user).filter(code=code).first()
    if dossier is None:
        raise errors.DossierNotFound()
    return dossier


def my_dossiers(user, *, status: str | None = None) -> QuerySet[Dossier]:
    """The citizen's (or business's) own dossiers, newest first, drafts included."""
    if user is None or not user.is_authenticated:
        return Dossier.objects.none()
    qs = _base().filter(applicant=user)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def dossier_timeline(dossier: Dossier) -> QuerySet[DossierEvent]:
    """The dossier's moves, oldest first, with who and which agency."""
    return dossier.events.select_related("actor", "agency").order_by("at", "pk")


def dossier_steps(dossier: Dossier) -> QuerySet[DossierStep]:
    """The hand-over log (form 06): each step with its agency, officer, due and done times."""
    return dossier.steps.select_related("agency", "officer", "handed_over_by").order_by("sequence")


def dossier_files(dossier: Dossier, *, kind: str | None = None) -> QuerySet[DossierFile]:
    qs = dossier.files.select_related("file").filter(superseded=False)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("created_at", "pk")


def dossier_missing_papers(dossier: Dossier) -> list[dict]:
    """The required papers not attached yet (``{code, name}``)."""
    from tinhso.dossiers.services import missing_papers

    return missing_papers(dossier)


_ACTION_PERMISSION = {
    Action.RECEIVE: DossierPerm.RECEIVE,
    Action.REFUSE: DossierPerm.RECEIVE,
    Action.FORWARD: DossierPerm.RECEIVE,
    Action.PAY: DossierPerm.RECEIVE,
    Action.RETURN_RESULT: DossierPerm.RECEIVE,
    Action.TRANSFER: DossierPerm.PROCESS,
    Action.APOLOGISE: DossierPerm.PROCESS,
    Action.REQUEST_PAYMENT: DossierPerm.PROCESS,
    Action.STOP: DossierPerm.PROCESS,
    Action.APPROVE: DossierPerm.APPROVE,
}
_APPLICANT_ACTIONS = {Action.SUBMIT, Action.SUPPLEMENT, Action.WITHDRAW}


def dossier_allowed_actions(user, dossier: Dossier) -> list[str]:
    """The actions ``user`` may take on ``dossier`` now: the workflow's allowed moves that the
    user's permissions (or being the applicant) permit. Pages show these as buttons."""
    from tinhso.dossiers.services import _may_act

    allowed = []
    for action in DOSSIER_FLOW.allowed(dossier.status):
        if action in _APPLICANT_ACTIONS:
            if user is not None and user.is_authenticated and user.pk == dossier.applicant_id:
                allowed.append(action)
            continue
        if action == Action.REQUEST_SUPPLEMENT:
            permission = (
                DossierPerm.PROCESS if dossier.received_at is not None else DossierPerm.RECEIVE
            )
        else:
            permission = _ACTION_PERMISSION.get(action)
        if permission and _may_act(user, dossier, permission):
            allowed.append(action)
    return allowed


# --- public look-up ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicStatus:
    """What anyone may learn from a dossier code: no name, no number, no address."""

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


def dossier_public_lookup(code: str) -> PublicStatus:
    """The public look-up (tra cứu hồ sơ) by dossier code; ``dossier_not_found``."""
    code = (code or "").strip().upper()
    dossier = (
        Dossier.objects.select_related("procedure", "receiving_agency")
        .filter(code=code)
        .exclude(code="")
        .first()
    )
    if dossier is None:
        raise errors.DossierNotFound()
    return PublicStatus(
        code=dossier.code,
        procedure_name=dossier.procedure_version.name,
        agency_name=dossier.receiving_agency.name,
        status=dossier.status,
        status_label=str(Status(dossier.status).label),
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        resolved_at=dossier.resolved_at,
        returned_at=dossier.returned_at,
        classification=dossier.classification,
    )


# --- officers' work queues --------------------------------------------------------------------

QUEUE_STATES = frozenset({Status.SUBMITTED, *CLOCK_RUNNING, Status.RESULT_READY})


@dataclass
class QueueItem:
    dossier: Dossier
    days_left: int | None  # working days to the promised date; negative = late; None = no clock
    step_due_at: dt.datetime | None
    step_days_left: int | None


QUEUE_PAGE_SIZE = 50
_NO_DEADLINE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
QUEUE_MAX_PAGE_SIZE = 1000

# The columns a queue row shows (the page, the API's DossierOut) and the scope rule reads: no
# form answers, fee items or other JSON the list does not show. The procedure version (its
# name lives in its JSON) is fetched once per distinct version, not once per row.
_QUEUE_COLUMNS = (
    "id",
    "code",
    "status",
    "channel",
    "applicant_id",
    "applicant_name",
    "organisation_name",
    "unit_id",
    "procedure__id",
    "procedure__code",
    "procedure_version_id",
    "receiving_agency__id",
    "receiving_agency__code",
    "receiving_agency__name",
    "receiving_agency__kind",
    "receiving_agency__unit__id",
    "receiving_agency__unit__code",
    "receiving_agency__unit__name",
    "current_agency__id",
    "current_agency__code",
    "current_agency__name",
    "current_agency__kind",
    "current_agency__unit__id",
    "current_agency__unit__code",
    "current_agency__unit__name",
    "current_officer__id",
    "current_officer__username",
    "current_officer__full_name",
    "created_at",
    "submitted_at",
    "received_at",
    "due_at",
    "legal_due_at",
    "resolved_at",
    "returned_at",
    "classification",
    "fee_amount",
    "result_delivery",
)


@dataclass
class QueuePage:
    """One page of a work queue: ``items`` from ``offset`` on, of ``total`` in the queue."""

    items: list[QueueItem]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def previous_offset(self) -> int | None:
        return max(self.offset - self.limit, 0) if self.offset > 0 else None

    @property
    def first(self) -> int:
        """The position (from 1) of the page's first item; 0 on an empty page."""
        return self.offset + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.items)


def _queue_queryset(user, *, scope: str, order: str, status: str | None) -> QuerySet[Dossier]:
    """The queue's rows in the database's order, scope applied (``dossiers_for_user``); only
    the dossier table and the units (for the scope's subtree) are read."""
    qs = dossiers_for_user(user).filter(status__in=QUEUE_STATES, current_agency_id=user.agency_id)
    if scope == "mine":
        qs = qs.filter(Q(current_officer=user) | Q(current_officer__isnull=True))
    if status:
        qs = qs.filter(status=status)
    if order == "newest":
        return qs.order_by("-created_at", "-pk")
    # Soonest deadline (and late) first; no clock yet (waiting for receipt): by submission.
    # The deadline is sorted as an expression on purpose: ordered by the bare column,
    # PostgreSQL walks the whole table's due_at index hoping to meet the agency's open
    # dossiers early (90 ms at a million rows); this way it seeks dossier_queue_idx and sorts
    # the agency's open dossiers (a few thousand at most), as SQLite does.
    return qs.order_by(
        Coalesce("due_at", Value(_NO_DEADLINE, output_field=DateTimeField())).asc(),
        Coalesce("submitted_at", "created_at").asc(),
        "pk",
    )


def _queue_items(user, ids: list[int], *, now: dt.datetime) -> list[QueueItem]:
    """The queue rows ``ids`` (in that order): three queries whatever their number (the rows
    with their agencies, the distinct procedure versions, the open hand-over steps)."""
    if not ids:
        return []
    # Fetched again through the scope rule: a dossier that moved away since is not shown.
    rows = (
        dossiers_for_user(user)
        .filter(pk__in=ids, status__in=QUEUE_STATES, current_agency_id=user.agency_id)
        .select_related(None)
        .select_related(
            "procedure", "receiving_agency__unit", "current_agency__unit", "current_officer"
        )
        .prefetch_related("procedure_version")
        .only(*_QUEUE_COLUMNS)
        .order_by()
    )
    by_pk = {dossier.pk: dossier for dossier in rows}
    open_step_due: dict[int, dt.datetime | None] = {}
    for dossier_id, due_at in (
        DossierStep.objects.filter(dossier_id__in=list(by_pk), done_at__isnull=True)
        .order_by("dossier_id", "sequence")
        .values_list("dossier_id", "due_at")
    ):
        open_step_due[dossier_id] = due_at  # the last open step wins, as on the dossier page
    calendar = calendar_from_db()
    items = []
    for pk in ids:
        dossier = by_pk.get(pk)
        if dossier is None:
            continue
        step_due_at = open_step_due.get(pk)
        items.append(
            QueueItem(
                dossier=dossier,
                days_left=clocks.working_days_left(dossier.due_at, now=now, calendar=calendar),
                step_due_at=step_due_at,
                step_days_left=clocks.working_days_left(step_due_at, now=now, calendar=calendar),
            )
        )
    return items


def work_queue_page(
    user,
    *,
    scope: str = "mine",
    order: str = "deadline",
    status: str | None = None,
    limit: int = QUEUE_PAGE_SIZE,
    offset: int = 0,
    now: dt.datetime | None = None,
) -> QueuePage:
    """One page of ``work_queue`` (same scope, order and days left) with the queue's length.

    The database sorts and cuts the page (index ``dossier_queue_idx``: agency, status,
    deadline) and counts; only the page's rows are read, with the columns a row shows."""
    limit = max(1, min(int(limit), QUEUE_MAX_PAGE_SIZE))
    offset = max(0, int(offset))
    if user is None or not user.is_authenticated or not user.agency_id:
        return QueuePage(items=[], total=0, offset=offset, limit=limit)
    qs = _queue_queryset(user, scope=scope, order=order, status=status)
    total = qs.count()
    ids = list(qs.values_list("pk", flat=True)[offset : offset + limit]) if offset < total else []
    items = _queue_items(user, ids, now=now or timezone.now())
    return QueuePage(items=items, total=total, offset=offset, limit=limit)


def work_queue(
    user,
    *,
    scope: str = "mine",
    order: str = "deadline",
    status: str | None = None,
    now: dt.datetime | None = None,
) -> list[QueueItem]:
    """An official's work queue, sorted by deadline (soonest and late first; dossiers with no
    clock yet, i.e. waiting for receipt, by their submission time), each with the working days
    left shown plainly. ``scope``: ``"mine"`` (assigned to me, or to my agency and nobody in
    particular), ``"agency"`` (everything with my agency: the desk's queue for a desk officer).
    ``order``: ``"deadline"`` or ``"newest"``. The whole queue: pages use ``work_queue_page``."""
    if user is None or not user.is_authenticated or not user.agency_id:
        return []
    qs = _queue_queryset(user, scope=scope, order=order, status=status)
    return _queue_items(user, list(qs.values_list("pk", flat=True)), now=now or timezone.now())


def days_left(dossier: Dossier, *, now: dt.datetime | None = None) -> int | None:
    """Working days left to the dossier's promised date (negative = late, None = no clock)."""
    return clocks.working_days_left(dossier.due_at, now=now)


# --- the register (form 07) -------------------------------------------------------------------


def register(
    user,
    *,
    unit: Unit | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    procedure_code: str | None = None,
    field_code: str | None = None,
    status: str | None = None,
    channel: str | None = None,
    classification: str | None = None,
    agency: Agency | None = None,
    query: str = "",
) -> QuerySet[Dossier]:
    """The dossier register (sổ theo dõi hồ sơ, form 07): received dossiers in scope, by date of
    receipt (``start``..``end`` inclusive, local dates), filtered. Needs
    ``dossiers.view_register`` (otherwise empty)."""
    if not user_can(user, DossierPerm.VIEW_REGISTER):
        return Dossier.objects.none()
    qs = dossiers_for_user(user).exclude(code="")
    if unit is not None:
        low, high = subtree_bounds(unit.path)
        qs = qs.filter(unit__path__gte=low, unit__path__lt=high)
    tz = timezone.get_current_timezone()
    if start:
        qs = qs.filter(received_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end:
        qs = qs.filter(
            received_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    if procedure_code:
        qs = qs.filter(procedure__code=procedure_code)
    if field_code:
        qs = qs.filter(procedure__field__code=field_code)
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if classification:
        qs = qs.filter(classification=classification)
    if agency is not None:
        qs = qs.filter(receiving_agency=agency)
    query = (query or "").strip()
    if query:
        qs = qs.filter(Q(code__icontains=query) | Q(applicant_name__icontains=query))
    return qs.order_by("received_at", "code")


REGISTER_COLUMNS = [
    "STT",
    "Mã hồ sơ",
    "Thủ tục",
    "Người nộp",
    "Hình thức",
    "Ngày tiếp nhận",
    "Hẹn trả",
    "Ngày có kết quả",
    "Ngày trả",
    "Trạng thái",
    "Đúng hạn",
]


def register_rows(dossiers) -> list[list[Any]]:
    """The register's rows (form 07 and the Excel export), in ``REGISTER_COLUMNS`` order."""

    def local(moment):
        return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""

    rows = []
    for number, dossier in enumerate(dossiers, start=1):
        rows.append(
            [
                number,
                dossier.code,
                dossier.procedure_version.name,
                dossier.organisation_name or dossier.applicant_name,
                str(dossier.get_channel_display()),
                local(dossier.received_at),
                local(dossier.due_at),
                local(dossier.resolved_at),
                local(dossier.returned_at),
                str(dossier.get_status_display()),
                str(dossier.get_classification_display()) if dossier.classification else "",
            ]
        )
    return rows


def register_xlsx(user, **filters: Any) -> bytes:
    """The register as an Excel workbook (same filters as ``register``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "So theo doi ho so"
    sheet.append(REGISTER_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in register_rows(register(user, **filters)):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def register_pdf(user, *, period: str = "", **filters: Any) -> bytes | None:
    """The register printed as form 07 (A4 landscape); None while ``pdf.py`` is missing.
    ``period`` is the heading (e.g. "Tháng 11/2026")."""
    try:
        from tinhso.dossiers import pdf
    except ImportError:
        return None
    dossiers = register(user, **filters).prefetch_related("steps__agency")
    rows = []
    for dossier in dossiers:
        agencies = [step.agency.name for step in dossier.steps.all()]
        handed = [name for name in agencies if name != dossier.receiving_agency.name]
        rows.append(
            {
                "dossier_code": dossier.code,
                "procedure_name": dossier.procedure_version.name,
                "copies": 1,
                "applicant_name": dossier.organisation_name or dossier.applicant_name,
                "applicant_address": dossier.applicant_address,
                "agency_name": dossier.receiving_agency.name,
                "received_at": dossier.received_at,
                "due_at": dossier.due_at,
                "transferred_to": ", ".join(dict.fromkeys(handed)),
                "done_at": dossier.resolved_at,
                "returned_at": dossier.returned_at,
                "note": str(dossier.get_status_display()),
            }
        )
    agency = getattr(user, "agency", None)
    return pdf.render_form(
        "07",
        {
            "rows": rows,
            "period": period,
            "agency_name": getattr(agency, "name", ""),
            "unit_name": getattr(getattr(agency, "unit", None), "name", ""),
        },
    )


def dossier_document_pdf(dossier: Dossier, form: str, **extra: Any) -> bytes | None:
    """A form of the dossier rendered now (e.g. the current hand-over log, form 06); None while
    ``pdf.py`` is missing. The caller has fetched ``dossier`` through the scope rule."""
    try:
        from tinhso.dossiers import pdf
    except ImportError:
        return None
    from tinhso.dossiers.services import document_context

    return pdf.render_form(form, document_context(dossier, **extra))
