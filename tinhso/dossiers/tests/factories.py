"""Factories of the dossiers room (factory_boy), with traits for the common states.

``procedure_item(**overrides)``      a valid catalogue item (the data/procedures.json format):
                                     a fully online birth-registration-like procedure, 3 working
                                     days, two required papers, a fee of 15 000 đ.
``ProcedureFactory(**item fields)``  stores it through ``procedure_save`` (version 1).
``DossierFactory(...)``              a dossier of a new procedure, filed by a new citizen at a
                                     new commune desk, in the state the trait names:
    ``DossierFactory()``                       draft, answers and papers complete
    ``DossierFactory(papers=False)``           draft without papers
    ``DossierFactory(submitted=True)``         waiting for receipt (answers + papers complete)
    ``DossierFactory(received=True)``          received at the desk (code, clock)
    ``DossierFactory(processing=True)``        forwarded to the commune committee
    ``DossierFactory(overdue=True)``           processing, received long ago: late
    ``DossierFactory(result_ready=True)``      approved
    ``DossierFactory(returned=True)``          result returned
    Everything goes through the services, so each state is reached the way users reach it.
``desk_setup()``                     a commune with a desk, its committee, and officials holding
                                     the default roles' dossier permissions (SimpleNamespace).
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from types import SimpleNamespace

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tinhso.accounts.permissions import Perm
from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.dossiers import services
from tinhso.dossiers.catalogue import procedure_save
from tinhso.dossiers.models import Dossier, DossierPause, Procedure
from tinhso.dossiers.permissions import DossierPerm
from tinhso.units.tests.factories import AgencyFactory, CommuneFactory, official_with

_codes = itertools.count(1)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name: str = "giay-to.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


BASE_ITEM = {
    "code": "9.000001",
    "name": "Thủ tục thử nghiệm đăng ký khai sinh",
    "field_code": "G09-TP01",
    "field_name": "Hộ tịch",
    "levels": ["xa"],
    "agency_kinds": ["ubnd_xa"],
    "legal_basis": ["Luật Hộ tịch số 60/2014/QH13"],
    "papers": [
        {"code": "to_khai", "name": "Tờ khai", "required": True, "copies": 1},
        {"code": "giay_chung_sinh", "name": "Giấy chứng sinh", "required": True, "copies": 1},
        {"code": "uy_quyen", "name": "Văn bản ủy quyền", "required": False, "copies": 1},
    ],
    "fees": [{"code": "le_phi", "name": "Lệ phí", "amount": 15000, "note": ""}],
    "processing_days": 3,
    "online_mode": "full",
    "cutoff": True,
    "result_type": "both",
    "result_name": "Giấy khai sinh",
    "steps": [
        {"code": "tiep_nhan", "name": "Tiếp nhận hồ sơ", "days": 0, "agency_kind": "mot_cua"},
        {"code": "xu_ly", "name": "Thẩm định, trình ký", "days": 3, "agency_kind": "ubnd_xa"},
        {"code": "tra_ket_qua", "name": "Trả kết quả", "days": 0, "agency_kind": "mot_cua"},
    ],
    "form": {
        "steps": [
            {
                "title": "Người yêu cầu",
                "fields": [
                    {"name": "ho_ten", "label": "Họ, chữ đệm, tên", "type": "text",
                     "required": True, "prefill": "full_name", "max_length": 100},
                    {"name": "so_dinh_danh", "label": "Số định danh cá nhân", "type": "cccd",
                     "required": True, "prefill": "cccd"},
                    {"name": "dien_thoai", "label": "Số điện thoại", "type": "phone",
                     "required": False, "prefill": "phone"},
                ],
            },
            {
                "title": "Người được khai sinh",
                "fields": [
                    {"name": "ngay_sinh_tre", "label": "Ngày sinh của trẻ", "type": "date",
                     "required": True, "max": "today"},
                    {"name": "gioi_tinh_tre", "label": "Giới tính", "type": "select",
                     "required": True, "options": [{"value": "nam", "label": "Nam"},
                                                   {"value": "nu", "label": "Nữ"}]},
                    {"name": "so_ban_sao", "label": "Số bản sao", "type": "number",
                     "required": False, "min": 0, "max": 10},
                ],
            },
        ]
    },
}  # fmt: skip


def procedure_item(**overrides) -> dict:
    item = copy.deepcopy(BASE_ITEM)
    item.update(overrides)
    return item


def answers_for(user, **overrides) -> dict:
    answers = {
        "ho_ten": user.full_name,
        "so_dinh_danh": user.cccd,
        "ngay_sinh_tre": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
        "gioi_tinh_tre": "nu",
    }
    answers.update(overrides)
    return answers


class ProcedureFactory(factory.Factory):
    class Meta:
        model = Procedure

    code = factory.Sequence(lambda n: f"9.{n + 100:06d}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        version, _ = procedure_save(acting_user=None, data=procedure_item(**kwargs))
        return version.procedure

    _build = _create


def desk_setup(commune=None) -> SimpleNamespace:
    """A commune with its People's Committee, a one-stop desk under it, and officials: a desk
    officer, a case handler and a leader of the committee, a unit admin."""
    commune = commune or CommuneFactory()
    committee = AgencyFactory(unit=commune, name=f"UBND {commune.name}")
    desk = AgencyFactory(
        unit=commune, kind="mot_cua", parent=committee, name=f"Bộ phận một cửa {commune.name}"
    )
    n = next(_codes)
    return SimpleNamespace(
        commune=commune,
        committee=committee,
        desk=desk,
        desk_officer=official_with(
            desk, DossierPerm.VIEW, DossierPerm.RECEIVE, DossierPerm.VIEW_REGISTER,
            Perm.CITIZENS_VIEW_PERSONAL, username=f"motcua{n}", email=f"motcua{n}@example.vn",
        ),
        handler=official_with(
            committee, DossierPerm.VIEW, DossierPerm.PROCESS, username=f"chuyenvien{n}",
            email=f"chuyenvien{n}@example.vn",
        ),
        leader=official_with(
            committee, DossierPerm.VIEW, DossierPerm.PROCESS, DossierPerm.APPROVE,
            DossierPerm.VIEW_REGISTER, username=f"lanhdao{n}", email=f"lanhdao{n}@example.vn",
        ),
    )  # fmt: skip


class DossierFactory(factory.Factory):
    """See the module docstring. Extra arguments: ``setup`` (a ``desk_setup()``),
    ``procedure``, ``applicant``, ``received_at`` (moves the receipt back in time)."""

    class Meta:
        model = Dossier

    submitted = False
    received = False
    processing = False
    overdue = False
    result_ready = False
    returned = False

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        setup = kwargs.pop("setup", None) or desk_setup()
        procedure = kwargs.pop("procedure", None) or ProcedureFactory()
        applicant = kwargs.pop("applicant", None) or CitizenFactory(
            email=f"cong.dan{next(_codes)}@example.vn"
        )
        received_at = kwargs.pop("received_at", None)
        with_papers = kwargs.pop("papers", True)
        state = kwargs
        returned = state.get("returned")
        result_ready = state.get("result_ready") or returned
        overdue = state.get("overdue")
        processing = state.get("processing") or overdue or result_ready
        received = state.get("received") or processing
        submitted = state.get("submitted") or received
        dossier = services.dossier_draft_create(
            acting_user=applicant,
            procedure=procedure,
            agency=setup.desk,
            form_data=answers_for(applicant),
        )
        if with_papers:
            for code in ("to_khai", "giay_chung_sinh"):
                services.dossier_attach(
                    acting_user=applicant,
                    dossier=dossier,
                    paper_code=code,
                    uploaded_file=pdf_upload(),
                )
        if not submitted:
            return dossier
        dossier = services.dossier_submit(acting_user=applicant, dossier=dossier)
        if not received:
            return dossier
        dossier = services.dossier_receive(acting_user=setup.desk_officer, dossier=dossier)
        if overdue and received_at is None:
            received_at = timezone.now() - dt.timedelta(days=30)
        if received_at is not None:
            backdate(dossier, received_at)
        if not processing:
            return dossier
        services.dossier_forward(
            acting_user=setup.desk_officer,
            dossier=dossier,
            to_agency=setup.committee,
            to_officer=setup.handler,
            step_code="xu_ly",
        )
        if overdue and received_at is not None:
            backdate_steps(dossier, received_at)
        dossier.refresh_from_db()
        if not result_ready:
            return dossier
        dossier = services.dossier_approve(
            acting_user=setup.leader, dossier=dossier, result_title="Giấy khai sinh"
        )
        if returned:
            dossier = services.dossier_return_result(
                acting_user=setup.desk_officer, dossier=dossier
            )
        return dossier

    _build = _create


def backdate(dossier: Dossier, received_at: dt.datetime) -> None:
    """Move a received dossier's receipt (and so its deadlines) back in time."""
    from tinhso.dossiers import clocks

    dossier.received_at = received_at
    dossier.submitted_at = received_at
    dossier.legal_due_at = clocks.legal_due(dossier)
    dossier.due_at = dossier.legal_due_at
    Dossier.objects.filter(pk=dossier.pk).update(
        received_at=dossier.received_at,
        submitted_at=received_at,
        legal_due_at=dossier.legal_due_at,
        due_at=dossier.due_at,
    )
    backdate_steps(dossier, received_at)


def backdate_steps(dossier: Dossier, started_at: dt.datetime) -> None:
    from tinhso.dossiers import clocks

    for step in dossier.steps.all():
        step.started_at = started_at
        if step.done_at is not None:
            step.done_at = started_at
        step.due_at = clocks.step_due(step)
        step.save()


def pause(dossier: Dossier, start: dt.datetime, end: dt.datetime | None) -> DossierPause:
    return DossierPause.objects.create(dossier=dossier, paused_at=start, resumed_at=end)
