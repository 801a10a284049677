"""The API for citizens: the catalogue, prefill, creating (idempotent), attaching, submitting,
field-level errors, the look-up, rating."""

import pytest

from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.tests.api_helpers import post, url
from tinhso.dossiers.tests.factories import (
    DossierFactory,
    ProcedureFactory,
    answers_for,
    pdf_upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def procedure():
    return ProcedureFactory(code="9.500001")


def test_catalogue_is_public(client, procedure, setup):
    body = client.get(url("dossiers_procedure_list"), {"q": "khai sinh"}).json()
    assert body["count"] == 1 and body["items"][0]["code"] == "9.500001"
    detail = client.get(url("dossiers_procedure_detail", "9.500001")).json()
    assert detail["data"]["form"]["steps"][0]["fields"][0]["name"] == "ho_ten"
    agencies = client.get(url("dossiers_procedure_agencies", "9.500001")).json()
    assert setup.desk.pk in [agency["id"] for agency in agencies]
    missing = client.get(url("dossiers_procedure_detail", "0.000000"))
    assert missing.status_code == 404 and missing.json()["code"] == "procedure_not_found"


def test_a_citizen_files_through_the_api(client, procedure, setup):
    citizen = CitizenFactory()
    client.force_login(citizen)
    prefill = client.get(url("dossiers_procedure_prefill", "9.500001")).json()
    assert prefill["so_dinh_danh"] == citizen.cccd
    body = {
        "procedure_code": "9.500001",
        "agency_id": setup.desk.pk,
        "form_data": {**prefill, **answers_for(citizen)},
    }
    created = post(client, url("dossiers_create"), body, key="ho-so-1")
    assert created.status_code == 201
    dossier_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    assert created.json()["allowed_actions"] == ["submit", "withdraw"]
    assert {p["code"] for p in created.json()["missing_papers"]} == {"to_khai", "giay_chung_sinh"}

    # A retry with the same key answers the first result and creates nothing.
    again = post(client, url("dossiers_create"), body, key="ho-so-1")
    assert again.status_code == 201 and again.json()["id"] == dossier_id
    assert Dossier.objects.count() == 1
    reused = post(client, url("dossiers_create"), {**body, "form_data": {}}, key="ho-so-1")
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    assert post(client, url("dossiers_create"), body, key=None).status_code == 400

    submit = client.post(url("dossiers_submit", dossier_id))
    assert submit.status_code == 422 and submit.json()["code"] == "paper_missing"
    assert submit.json()["message"] == "Chưa đính kèm đủ các giấy tờ bắt buộc."

    for code in ("to_khai", "giay_chung_sinh"):
        attached = client.post(
            url("dossiers_attach", dossier_id),
            {"paper_code": code, "file": pdf_upload()},
            headers={"Idempotency-Key": f"tep-{code}"},
        )
        assert attached.status_code == 201, attached.json()
    submitted = client.post(url("dossiers_submit", dossier_id))
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    mine = client.get(url("dossiers_mine")).json()
    assert [item["id"] for item in mine["items"]] == [dossier_id]


def test_form_errors_are_field_level_422(client, procedure, setup):
    citizen = CitizenFactory()
    client.force_login(citizen)
    created = post(
        client,
        url("dossiers_create"),
        {
            "procedure_code": "9.500001",
            "agency_id": setup.desk.pk,
            "form_data": {"so_dinh_danh": "0401", "gioi_tinh_tre": "x"},
            "submit": True,
        },
    )
    assert created.status_code == 422
    body = created.json()
    assert body["code"] == "form_invalid"
    assert body["message"] == "Một số câu trả lời trong tờ khai còn thiếu hoặc không hợp lệ."
    fields = {item["field"]: item["code"] for item in body["details"]}
    assert fields["ho_ten"] == "required"
    assert fields["so_dinh_danh"] == "cccd_format"
    assert fields["gioi_tinh_tre"] == "choice_invalid"
    assert not Dossier.objects.exists()  # all or nothing


def test_officers_cannot_file_for_themselves(client, procedure, setup):
    client.force_login(setup.desk_officer)
    response = post(
        client, url("dossiers_create"), {"procedure_code": "9.500001", "agency_id": setup.desk.pk}
    )
    assert response.status_code == 422 and response.json()["code"] == "applicant_required"


def test_public_lookup_and_rating(client, setup):
    dossier = DossierFactory(setup=setup, returned=True)
    found = client.get(url("dossiers_lookup", dossier.code)).json()
    assert found["status"] == "returned"
    assert "applicant_name" not in found
    client.force_login(dossier.applicant)
    rated = client.post(
        url("dossiers_rate", dossier.pk), {"rating": 5, "comment": "Nhanh"},
        content_type="application/json",
    )  # fmt: skip
    assert rated.status_code == 200 and rated.json()["rating"] == 5
    twice = client.post(
        url("dossiers_rate", dossier.pk), {"rating": 4}, content_type="application/json"
    )
    assert twice.status_code == 409 and twice.json()["code"] == "rating_not_allowed"
    bad = client.post(
        url("dossiers_rate", dossier.pk), {"rating": 9}, content_type="application/json"
    )
    assert bad.status_code == 422


def test_result_download_is_scoped(client, setup):
    dossier = DossierFactory(setup=setup, returned=True)
    result = dossier.files.get(kind="result")
    client.force_login(dossier.applicant)
    response = client.get(url("dossiers_file", dossier.pk, result.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(CitizenFactory())
    assert client.get(url("dossiers_file", dossier.pk, result.pk)).status_code == 404
