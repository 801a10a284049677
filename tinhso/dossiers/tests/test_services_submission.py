"""Filing: the form as data (field-level codes), prefill from the citizen record, drafts,
papers through the kernel's file checks, businesses with their tax code, and the desk entering
an in-person dossier for a citizen."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.dossiers import errors, selectors, services
from tinhso.dossiers.catalogue import form_clean
from tinhso.dossiers.models import Channel, DossierFile, Status
from tinhso.dossiers.tests.factories import (
    DossierFactory,
    ProcedureFactory,
    answers_for,
    pdf_upload,
    procedure_item,
)
from tinhso.kernel.errors import InvalidInput
from tinhso.units.tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def codes_of(exc):
    return {problem["field"]: problem["code"] for problem in exc.details}


def test_form_answers_are_checked_field_by_field():
    form = procedure_item()["form"]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    with pytest.raises(errors.FormInvalid) as caught:
        form_clean(
            form,
            {
                "ho_ten": "",
                "so_dinh_danh": "12345",
                "ngay_sinh_tre": tomorrow,
                "gioi_tinh_tre": "khac",
                "so_ban_sao": "11",
                "dien_thoai": "123",
                "not_a_field": "dropped",
            },
        )
    assert caught.value.code == "form_invalid"
    assert codes_of(caught.value) == {
        "ho_ten": "required",
        "so_dinh_danh": "cccd_format",
        "ngay_sinh_tre": "date_too_late",
        "gioi_tinh_tre": "choice_invalid",
        "so_ban_sao": "too_large",
        "dien_thoai": "phone_invalid",
    }


def test_clean_answers_are_normalised():
    citizen = CitizenFactory.build(full_name="Lê  Thị   Hoa", cccd="040185000123")
    clean = form_clean(
        procedure_item()["form"],
        {**answers_for(citizen), "so_ban_sao": "2", "dien_thoai": "+84 912 345 678", "x": 1},
    )
    assert clean["ho_ten"] == "Lê Thị Hoa"
    assert clean["so_ban_sao"] == 2
    assert clean["dien_thoai"] == "0912345678"
    assert "x" not in clean


def test_prefill_comes_from_the_citizen_record():
    procedure = ProcedureFactory()
    citizen = CitizenFactory(full_name="Hồ Thị Lan", phone="0912000111")
    prefill = selectors.dossier_prefill(citizen, procedure)
    assert prefill == {
        "ho_ten": "Hồ Thị Lan",
        "so_dinh_danh": citizen.cccd,
        "dien_thoai": "0912000111",
    }


def test_sex_prefills_onto_the_fields_options():
    item = procedure_item()
    item["form"]["steps"][0]["fields"].append(
        {"name": "gioi_tinh", "label": "Giới tính", "type": "select", "prefill": "sex",
         "options": [{"value": "nam", "label": "Nam"}, {"value": "nu", "label": "Nữ"}]}
    )  # fmt: skip
    procedure = ProcedureFactory(form=item["form"])
    citizen = CitizenFactory(sex="female")
    assert selectors.dossier_prefill(citizen, procedure)["gioi_tinh"] == "nu"


def test_a_draft_is_kept_until_submitted_and_missing_papers_are_named(setup):
    citizen = CitizenFactory()
    draft = services.dossier_draft_create(
        acting_user=citizen,
        procedure=ProcedureFactory(),
        agency=setup.desk,
        form_data={"ho_ten": "Nguyễn Thị Hoa"},
    )
    assert draft.status == Status.DRAFT and draft.code == ""
    services.dossier_draft_update(
        acting_user=citizen, dossier=draft, form_data=answers_for(citizen)
    )
    services.dossier_attach(
        acting_user=citizen, dossier=draft, paper_code="to_khai", uploaded_file=pdf_upload()
    )
    with pytest.raises(errors.PaperMissing) as caught:
        services.dossier_submit(acting_user=citizen, dossier=draft)
    assert codes_of(caught.value) == {"papers.giay_chung_sinh": "paper_missing"}
    assert "Giấy chứng sinh" in caught.value.details[0]["message"]
    services.dossier_attach(
        acting_user=citizen, dossier=draft, paper_code="giay_chung_sinh", uploaded_file=pdf_upload()
    )
    submitted = services.dossier_submit(acting_user=citizen, dossier=draft)
    assert submitted.status == Status.SUBMITTED and submitted.submitted_at


def test_attachments_pass_the_kernel_checks(setup):
    draft = DossierFactory(setup=setup, papers=False)
    fake = SimpleUploadedFile(
        "to-khai.pdf", b"just text, not a PDF", content_type="application/pdf"
    )
    with pytest.raises(InvalidInput) as caught:
        services.dossier_attach(
            acting_user=draft.applicant, dossier=draft, paper_code="to_khai", uploaded_file=fake
        )
    assert caught.value.code == "file_type_not_allowed"
    with pytest.raises(errors.PaperUnknown):
        services.dossier_attach(
            acting_user=draft.applicant, dossier=draft, paper_code="ho_chieu",
            uploaded_file=pdf_upload(),
        )  # fmt: skip
    assert not draft.files.exists()


def test_only_the_applicant_files_and_others_do_not_see_the_draft(setup):
    draft = DossierFactory(setup=setup)
    stranger = CitizenFactory()
    with pytest.raises(errors.DossierNotFound):
        services.dossier_submit(acting_user=stranger, dossier=draft)
    # A draft is not in the desk's sight yet, so it is "not found" to the desk as well (a 403
    # would tell an official that a citizen has a draft); NotApplicant is for dossiers the
    # official may see but only the applicant may move.
    with pytest.raises(errors.DossierNotFound):
        services.dossier_submit(acting_user=setup.desk_officer, dossier=draft)
    assert not selectors.dossiers_for_user(setup.desk_officer).filter(pk=draft.pk).exists()
    submitted = DossierFactory(setup=setup, submitted=True)
    assert selectors.dossiers_for_user(setup.desk_officer).filter(pk=submitted.pk).exists()
    with pytest.raises(errors.NotApplicant):
        services.dossier_withdraw(acting_user=setup.desk_officer, dossier=submitted)
    assert selectors.my_dossiers(draft.applicant).get() == draft


def test_a_business_files_with_its_tax_code(setup):
    business = User.objects.create_user(
        username="0100109106", password="x", kind=User.Kind.BUSINESS,
        tax_code="0100109106", organisation_name="Công ty TNHH Thử Nghiệm",
        full_name="Trần Văn Giám Đốc", email="ct@example.vn",
    )  # fmt: skip
    dossier = services.dossier_draft_create(
        acting_user=business, procedure=ProcedureFactory(), agency=setup.desk
    )
    assert dossier.applicant_kind == "business"
    assert dossier.applicant_tax_code == "0100109106"
    assert dossier.organisation_name == "Công ty TNHH Thử Nghiệm"
    no_code = User.objects.create_user(username="dn-khong-ma", password="x", kind="business")
    with pytest.raises(errors.TaxCodeRequired):
        services.dossier_draft_create(
            acting_user=no_code, procedure=ProcedureFactory(), agency=setup.desk
        )


def test_the_desk_enters_an_in_person_dossier_for_a_citizen_without_account(setup):
    procedure = ProcedureFactory(online_mode="none")
    citizen = CitizenFactory.build()
    dossier = services.dossier_enter_in_person(
        acting_user=setup.desk_officer,
        procedure=procedure,
        form_data=answers_for(citizen),
        applicant_name="Phạm Văn Tâm",
        applicant_phone="0912345678",
    )
    assert dossier.status == Status.RECEIVED
    assert dossier.channel == Channel.IN_PERSON
    assert dossier.applicant is None and dossier.entered_by == setup.desk_officer
    assert dossier.code.startswith(setup.desk.code)
    assert dossier.digitised is False  # no scans
    assert dossier.files.filter(kind=DossierFile.Kind.RECEIPT).exists()

    scanned = services.dossier_enter_in_person(
        acting_user=setup.desk_officer,
        procedure=procedure,
        form_data=answers_for(citizen),
        applicant=CitizenFactory(),
        papers={"to_khai": [pdf_upload()], "giay_chung_sinh": [pdf_upload()]},
    )
    assert scanned.digitised is True
    assert scanned.applicant is not None


def test_procedures_not_online_and_wrong_agencies_are_refused(setup):
    citizen = CitizenFactory()
    with pytest.raises(errors.ProcedureNotOnline):
        services.dossier_draft_create(
            acting_user=citizen, procedure=ProcedureFactory(online_mode="none"), agency=setup.desk
        )
    province_agency = AgencyFactory(province_level=True)
    with pytest.raises(errors.AgencyInvalid):
        services.dossier_draft_create(
            acting_user=citizen, procedure=ProcedureFactory(), agency=province_agency
        )


def test_inactive_procedure_cannot_be_filed(setup):
    procedure = ProcedureFactory()
    services.procedure_set_active(acting_user=None, procedure=procedure, active=False)
    with pytest.raises(errors.ProcedureInactive):
        services.dossier_draft_create(
            acting_user=CitizenFactory(), procedure=procedure, agency=setup.desk
        )


def test_scanning_the_papers_after_receipt_digitises_the_dossier(setup):
    citizen = CitizenFactory.build()
    dossier = services.dossier_enter_in_person(
        acting_user=setup.desk_officer,
        procedure=ProcedureFactory(online_mode="none"),
        form_data=answers_for(citizen),
        applicant_name="Phạm Văn Tâm",
    )
    assert dossier.digitised is False
    for code in ("to_khai", "giay_chung_sinh"):
        services.dossier_attach(
            acting_user=setup.desk_officer, dossier=dossier, paper_code=code,
            uploaded_file=pdf_upload(),
        )  # fmt: skip
    dossier.refresh_from_db()
    assert dossier.digitised is True
