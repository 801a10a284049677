"""The API for officials: receive, 409 with the allowed actions, supplement round trip, hand-over,
the queue, the register and its Excel export, in-person entry (idempotent), indicators, the
catalogue import."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.dossiers.catalogue import catalogue_export
from tinhso.dossiers.models import Dossier, Procedure
from tinhso.dossiers.tests.api_helpers import post, url
from tinhso.dossiers.tests.factories import DossierFactory, ProcedureFactory, answers_for

pytestmark = pytest.mark.django_db


def test_receive_then_a_forbidden_move_is_409_with_allowed_actions(client, setup):
    dossier = DossierFactory(setup=setup, submitted=True)
    client.force_login(setup.desk_officer)
    received = post(client, url("dossiers_receive", dossier.pk), {})
    assert received.status_code == 200
    body = received.json()
    assert body["status"] == "received" and body["code"].startswith(setup.desk.code)
    assert any(item["kind"] == "01" for item in body["files"])
    assert body["days_left"] == 3 or body["days_left"] is not None
    again = post(client, url("dossiers_receive", dossier.pk), {})
    assert again.status_code == 409
    assert again.json()["code"] == "transition_not_allowed"
    assert again.json()["details"]["allowed"] == [
        "forward", "request_supplement", "request_payment", "approve", "apologise", "stop",
        "withdraw",
    ]  # fmt: skip


def test_supplement_round_trip_and_hand_over(client, setup):
    dossier = DossierFactory(setup=setup, submitted=True)
    client.force_login(setup.desk_officer)
    asked = post(
        client, url("dossiers_request_supplement", dossier.pk), {"items": ["Bản sao tờ khai"]}
    )
    assert asked.json()["status"] == "supplement_requested"
    client.force_login(dossier.applicant)
    done = post(client, url("dossiers_supplement", dossier.pk), {})
    assert done.json()["status"] == "submitted"
    client.force_login(setup.desk_officer)
    post(client, url("dossiers_receive", dossier.pk), {})
    forwarded = post(
        client,
        url("dossiers_forward", dossier.pk),
        {
            "to_agency_id": setup.committee.pk,
            "to_officer_id": setup.handler.pk,
            "step_code": "xu_ly",
        },
    )
    assert forwarded.status_code == 200
    steps = forwarded.json()["steps"]
    assert [s["code"] for s in steps] == ["tiep_nhan", "xu_ly"]
    assert steps[0]["done_at"] and steps[1]["due_at"]
    wrong = post(
        client,
        url("dossiers_transfer", dossier.pk),
        {"to_agency_id": setup.committee.pk, "to_officer_id": setup.desk_officer.pk},
    )
    assert wrong.status_code in (403, 422)

    client.force_login(setup.handler)
    queue = client.get(url("dossiers_queue")).json()
    assert [item["dossier"]["id"] for item in queue] == [dossier.pk]
    assert queue[0]["days_left"] is not None
    moved = post(
        client,
        url("dossiers_transfer", dossier.pk),
        {"to_agency_id": setup.committee.pk, "to_officer_id": setup.desk_officer.pk},
    )
    assert moved.status_code == 422 and moved.json()["details"][0]["field"] == "to_officer"
    moved = post(
        client,
        url("dossiers_transfer", dossier.pk),
        {"to_agency_id": setup.committee.pk, "to_officer_id": setup.leader.pk, "note": "Trình ký"},
    )
    assert moved.status_code == 200 and moved.json()["current_officer"] == setup.leader.full_name
    client.force_login(setup.leader)
    approved = post(client, url("dossiers_approve", dossier.pk), {"result_title": "Giấy khai sinh"})
    assert approved.status_code == 200 and approved.json()["status"] == "result_ready"
    assert approved.json()["classification"] in ("early", "on_time")
    client.force_login(setup.desk_officer)
    returned = post(client, url("dossiers_return_result", dossier.pk), {})
    assert returned.json()["status"] == "returned"


def test_personal_data_is_masked_for_officers_without_the_permission(client, setup):
    dossier = DossierFactory(setup=setup, received=True)
    client.force_login(setup.handler)  # no accounts.view_personal_data
    applicant = client.get(url("dossiers_detail", dossier.pk)).json()["applicant"]
    assert "*" in applicant["cccd"] and applicant["cccd"] != dossier.applicant_cccd
    client.force_login(setup.desk_officer)
    applicant = client.get(url("dossiers_detail", dossier.pk)).json()["applicant"]
    assert applicant["cccd"] == dossier.applicant_cccd


def test_in_person_entry_is_idempotent(client, setup):
    procedure = ProcedureFactory(code="9.600001", online_mode="none")
    citizen = CitizenFactory()
    client.force_login(setup.desk_officer)
    body = {
        "procedure_code": procedure.code,
        "form_data": answers_for(citizen),
        "applicant_username": citizen.username,
    }
    first = post(client, url("dossiers_in_person"), body, key="tai-quay-1")
    second = post(client, url("dossiers_in_person"), body, key="tai-quay-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["status"] == "received" and first.json()["channel"] == "in_person"
    assert Dossier.objects.count() == 1
    client.force_login(setup.handler)  # no dossiers.receive
    assert post(client, url("dossiers_in_person"), body, key="k2").status_code == 403


def test_register_and_excel_export(client, setup):
    dossiers = [DossierFactory(setup=setup, received=True) for _ in range(2)]
    client.force_login(setup.desk_officer)
    listed = client.get(url("dossiers_register")).json()
    assert [item["code"] for item in listed["items"]] == [d.code for d in dossiers]
    response = client.get(url("dossiers_register_xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "Mã hồ sơ"
    assert [row[1] for row in rows[1:]] == [d.code for d in dossiers]
    client.force_login(setup.handler)  # no view_register
    assert client.get(url("dossiers_register")).status_code == 403


def test_indicators_endpoint_is_scoped(client, setup):
    DossierFactory(setup=setup, received=True)
    client.force_login(setup.desk_officer)
    # The indicator's dates are local (Asia/Ho_Chi_Minh): after 17:00 UTC it is tomorrow there.
    today = timezone.localdate(Dossier.objects.get().received_at).isoformat()
    values = client.get(url("dossiers_indicators"), {"start": today, "end": today}).json()
    by_code = {item["code"]: item["value"] for item in values}
    assert by_code["dossiers.received"] == 1
    outside = client.get(
        url("dossiers_indicators"),
        {"start": today, "end": today, "unit": CitizenFactory and setup.commune.parent.code},
    )
    assert outside.status_code == 404


def test_catalogue_import_through_the_api(client, django_user_model):
    ProcedureFactory(code="9.700001")
    exported = catalogue_export(file_format="csv").replace(b"9.700001", b"9.700002")
    admin = django_user_model.objects.create_superuser(username="qt", password="x", email="")
    client.force_login(admin)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("thu-tuc.csv", exported, content_type="text/csv")
    response = client.post(
        url("dossiers_catalogue_import"), {"file": upload}, headers={"Idempotency-Key": "nhap-1"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 1
    assert Procedure.objects.filter(code="9.700002").exists()
    export = client.get(url("dossiers_catalogue_export"), {"format": "xlsx"})
    assert export.status_code == 200


def test_list_endpoints_do_not_grow_queries_with_rows(client, setup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    procedure = ProcedureFactory()
    client.force_login(setup.desk_officer)

    def count(name):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(name)).status_code == 200
        return len(queries)

    DossierFactory(setup=setup, procedure=procedure, received=True)
    few = count("dossiers_register"), count("dossiers_queue")
    for _ in range(4):
        DossierFactory(setup=setup, procedure=procedure, received=True)
    assert (count("dossiers_register"), count("dossiers_queue")) == few


def test_register_prints_as_form_07(setup):
    from tinhso.dossiers import selectors

    DossierFactory(setup=setup, processing=True)
    content = selectors.register_pdf(setup.desk_officer, period="Tháng 11/2026")
    assert content is None or content.startswith(b"%PDF")
