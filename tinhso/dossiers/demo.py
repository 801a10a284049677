"""Demo data for this module, loaded by ``tinhso demo`` after the province, agencies and users.

The catalogue comes from ``data/procedures.json``; then, in each demo commune that has a
one-stop desk, dossiers in every state of the workflow, filed by the demo citizens and moved
by the demo officials through the services (so codes, clocks, forms and audit rows are real).
One dossier is overdue (received weeks ago) and one was entered in person at the desk.
Idempotent: the catalogue import leaves unchanged procedures alone, and a commune that already
has dossiers gets no more.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.accounts.permissions import user_can
from tinhso.dossiers import catalogue, clocks, services
from tinhso.dossiers.models import Dossier, Procedure
from tinhso.dossiers.permissions import DossierPerm
from tinhso.units.models import Agency, Unit, subtree_bounds

logger = logging.getLogger(__name__)

# A one-page PDF to stand for the scanned papers the demo citizens attach.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
BIRTH = "1.001193"  # birth registration: fully online, commune level
MARITAL = "1.004873"  # marital status certificate: fully online, with a fee
CERTIFIED_COPY = "2.000815"  # certified copy: at the desk only


def _demo_value(spec: dict, citizen: User, index: int):
    kind = spec.get("type", "text")
    today = timezone.localdate()
    if kind == "date":
        return (today - dt.timedelta(days=5 + index)).isoformat()
    if kind == "select":
        options = spec.get("options") or [{"value": ""}]
        return str(options[0]["value"])
    if kind == "checkbox":
        return True
    if kind == "number":
        return int(spec.get("min") or 1)
    if kind == "cccd":
        return citizen.cccd
    if kind == "phone":
        return citizen.phone or "0912345678"
    if kind == "email":
        return citizen.email or "congdan@demo.tinhso.vn"
    if kind == "tax_code":
        return "0100109106"
    if kind == "textarea":
        return "Đề nghị cơ quan xem xét, giải quyết."
    text = citizen.full_name if "ten" in spec.get("name", "") else "Nghệ An"
    limit = int(spec.get("max_length") or 100)
    return text[:limit]


def demo_answers(procedure: Procedure, citizen: User) -> dict:
    """Valid answers for the procedure's form: the citizen's record, then plausible values."""
    answers = catalogue.prefill_values(citizen, procedure.current_version)
    for index, spec in enumerate(catalogue.form_fields(procedure.current_version)):
        if spec["name"] not in answers and (spec.get("required") or spec.get("type") == "date"):
            answers[spec["name"]] = _demo_value(spec, citizen, index)
    return answers


def _paper(name: str) -> ContentFile:
    return ContentFile(DEMO_PDF, name=f"{name}.pdf")


def _draft(procedure, citizen, desk, *, papers=True) -> Dossier:
    dossier = services.dossier_draft_create(
        acting_user=citizen,
        procedure=procedure,
        agency=desk,
        form_data=demo_answers(procedure, citizen),
    )
    if papers:
        for paper in procedure.current_version.papers:
            if paper.get("required"):
                services.dossier_attach(
                    acting_user=citizen,
                    dossier=dossier,
                    paper_code=paper["code"],
                    uploaded_file=_paper(paper["code"]),
                )
    return dossier


def _submitted(procedure, citizen, desk) -> Dossier:
    return services.dossier_submit(acting_user=citizen, dossier=_draft(procedure, citizen, desk))


def _backdate(dossier: Dossier, days: int) -> None:
    """Move a received dossier's receipt ``days`` calendar days back (an overdue demo)."""
    moment = timezone.now() - dt.timedelta(days=days)
    dossier.received_at = moment
    dossier.legal_due_at = clocks.legal_due(dossier)
    Dossier.objects.filter(pk=dossier.pk).update(
        received_at=moment,
        submitted_at=moment,
        legal_due_at=dossier.legal_due_at,
        due_at=dossier.legal_due_at,
    )
    for step in dossier.steps.all():
        step.started_at = moment
        if step.done_at:
            step.done_at = moment
        step.due_at = clocks.step_due(step)
        step.save()


def _officials(agency: Agency, permission: str) -> list[User]:
    people = User.objects.filter(agency=agency, is_active=True).prefetch_related("roles")
    return [person for person in people if user_can(person, permission)]


def _leader_for(unit: Unit) -> User | None:
    """An official holding ``dossiers.approve`` whose scope covers ``unit``."""
    for agency in Agency.objects.filter(
        unit__in=unit.ancestors() | Unit.objects.filter(pk=unit.pk)
    ):
        people = _officials(agency, DossierPerm.APPROVE)
        if people:
            return people[0]
    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def _commune_dossiers(commune: Unit, citizens: list[User], procedures: dict) -> int:
    desk = Agency.objects.filter(unit=commune, kind=Agency.Kind.MOT_CUA, is_active=True).first()
    committee = Agency.objects.filter(unit=commune, kind=Agency.Kind.UBND_XA).first()
    if desk is None or committee is None:
        return 0
    desk_officers = _officials(desk, DossierPerm.RECEIVE)
    handlers = _officials(committee, DossierPerm.PROCESS)
    leader = _leader_for(commune)
    if not desk_officers or not handlers or leader is None:
        return 0
    officer, handler = desk_officers[0], handlers[0]
    birth, marital, copy = procedures[BIRTH], procedures[MARITAL], procedures[CERTIFIED_COPY]

    def who(n: int) -> User:
        return citizens[n % len(citizens)]

    def received(procedure, n):
        return services.dossier_receive(
            acting_user=officer, dossier=_submitted(procedure, who(n), desk)
        )

    def processing(procedure, n):
        dossier = received(procedure, n)
        services.dossier_forward(
            acting_user=officer, dossier=dossier, to_agency=committee, to_officer=handler,
            step_code=procedure.current_version.steps[1]["code"]
            if len(procedure.current_version.steps) > 1 else "",
        )  # fmt: skip
        dossier.refresh_from_db()
        return dossier

    made = []
    made.append(_draft(birth, who(0), desk, papers=False))  # draft
    made.append(_submitted(birth, who(1), desk))  # waiting for receipt
    asked = _submitted(marital, who(2), desk)
    made.append(
        services.dossier_request_supplement(
            acting_user=officer, dossier=asked,
            items=["Bản sao giấy tờ chứng minh nơi cư trú"], reason="Thiếu giấy tờ",
        )
    )  # fmt: skip
    refused = _submitted(birth, who(3), desk)
    made.append(
        services.dossier_refuse(
            acting_user=officer, dossier=refused,
            reasons="Trẻ sinh tại địa bàn khác, đề nghị nộp tại nơi cư trú của cha, mẹ.",
        )
    )  # fmt: skip
    made.append(received(birth, 4))  # newly received
    made.append(processing(marital, 5))  # processing
    paused = processing(marital, 0)
    made.append(
        services.dossier_request_supplement(
            acting_user=handler, dossier=paused, items=["Trích lục ly hôn (bản sao)"]
        )
    )
    awaiting = processing(marital, 1)
    made.append(services.dossier_request_payment(acting_user=handler, dossier=awaiting))
    paid = processing(marital, 2)
    services.dossier_request_payment(acting_user=handler, dossier=paid)
    services.dossier_pay_at_desk(acting_user=officer, dossier=paid, receipt_no="BL-000123")
    made.append(paid)
    stopped = processing(marital, 3)
    made.append(
        services.dossier_stop(
            acting_user=handler, dossier=stopped, reasons="Người yêu cầu đề nghị dừng giải quyết."
        )
    )
    ready = processing(birth, 4)
    made.append(
        services.dossier_approve(
            acting_user=leader, dossier=ready, result_title="Giấy khai sinh",
            result_body="Ủy ban nhân dân đã đăng ký khai sinh theo đề nghị của công dân.",
        )
    )  # fmt: skip
    done = processing(birth, 5)
    services.dossier_approve(
        acting_user=leader, dossier=done, result_title="Giấy khai sinh",
        result_body="Ủy ban nhân dân đã đăng ký khai sinh theo đề nghị của công dân.",
    )  # fmt: skip
    services.dossier_return_result(acting_user=officer, dossier=done)
    services.dossier_rate(acting_user=who(5), dossier=done, rating=5, comment="Nhanh, tận tình.")
    made.append(done)
    withdrawn = _submitted(birth, who(0), desk)
    made.append(services.dossier_withdraw(acting_user=who(0), dossier=withdrawn, reason="Nộp nhầm"))
    late = processing(marital, 1)
    _backdate(late, 21)  # overdue: the queue shows it in red, the tick escalates it
    made.append(late)
    made.append(
        services.dossier_enter_in_person(
            acting_user=officer, procedure=copy, form_data=demo_answers(copy, who(2)),
            applicant=who(2),
            papers={p["code"]: [_paper(p["code"])] for p in copy.current_version.papers
                    if p.get("required")},
        )
    )  # fmt: skip
    return len(made)


def load_demo(*, province) -> None:
    """Idempotent: a second run changes nothing."""
    catalogue.catalogue_load_json(acting_user=None)
    procedures = {
        p.code: p
        for p in Procedure.objects.select_related("current_version").filter(
            code__in=[BIRTH, MARITAL, CERTIFIED_COPY]
        )
    }
    if len(procedures) < 3:
        logger.warning("Demo procedures missing from data/procedures.json; no demo dossiers.")
        return
    citizens = list(User.objects.filter(kind=User.Kind.CITIZEN, is_active=True).order_by("pk")[:6])
    if not citizens:
        return
    low, high = subtree_bounds(province.path)
    communes = (
        Unit.objects.filter(path__gte=low, path__lt=high, agencies__kind=Agency.Kind.MOT_CUA)
        .distinct()
        .order_by("path")
    )
    for commune in communes:
        if Dossier.objects.filter(unit=commune).exists():
            continue
        with transaction.atomic():
            _commune_dossiers(commune, citizens, procedures)
