"""The issue's journey through the API, with the real PDF forms and signature: a citizen files a
fully online procedure just before Tết 2026, the desk asks for a supplement, the citizen
completes it, the desk receives it after the 15:00 cut-off, two agencies process it, the fee is
paid online through the gateway protocol, the leader approves the signed result, the citizen
downloads it; the deadline at each step is the calendar's."""

import datetime as dt
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest

from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.dossiers.permissions import DossierPerm
from tinhso.dossiers.standin_gateway import StandinGateway
from tinhso.dossiers.tests.api_helpers import post, url
from tinhso.dossiers.tests.factories import ProcedureFactory, answers_for, pdf_upload
from tinhso.units.tests.factories import AgencyFactory, official_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_pdf")]
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args):
    return dt.datetime(*args, tzinfo=VN)


def day_of(text):
    return dt.datetime.fromisoformat(text).astimezone(VN).date()


def test_full_journey(client, setup, clock):
    from tinhso.dossiers import pdf, signing

    try:
        pdf.render_form("01", {"dossier_code": "X"})
    except pdf.PdfUnavailable:
        pytest.skip("WeasyPrint/Pango not installed here")
    police = AgencyFactory(unit=setup.commune, kind="cong_an", name="Công an xã")
    police_officer = official_with(police, DossierPerm.VIEW, DossierPerm.PROCESS)
    ProcedureFactory(
        code="9.900001",
        processing_days=3,
        steps=[
            {"code": "tiep_nhan", "name": "Tiếp nhận", "days": 0, "agency_kind": "mot_cua"},
            {"code": "xu_ly", "name": "Thẩm định", "days": 2, "agency_kind": "ubnd_xa"},
            {"code": "xac_minh", "name": "Xác minh cư trú", "days": 1, "agency_kind": "cong_an"},
        ],
    )
    citizen = CitizenFactory(email="hoa@example.vn")

    # Thursday 12/2/2026: the citizen files online.
    clock.set(at(2026, 2, 12, 10, 0))
    client.force_login(citizen)
    created = post(
        client,
        url("dossiers_create"),
        {
            "procedure_code": "9.900001",
            "agency_id": setup.desk.pk,
            "form_data": answers_for(citizen),
        },
    ).json()
    dossier_id = created["id"]
    for n, code in enumerate(["to_khai", "giay_chung_sinh"]):
        client.post(
            url("dossiers_attach", dossier_id),
            {"paper_code": code, "file": pdf_upload()},
            headers={"Idempotency-Key": f"p{n}"},
        )
    assert client.post(url("dossiers_submit", dossier_id)).json()["status"] == "submitted"

    # The desk asks for a supplement; the citizen completes it the next morning.
    clock.set(at(2026, 2, 12, 11, 0))
    client.force_login(setup.desk_officer)
    asked = post(
        client, url("dossiers_request_supplement", dossier_id), {"items": ["Giấy ủy quyền"]}
    ).json()
    assert asked["status"] == "supplement_requested"
    assert any(f["kind"] == "02" for f in asked["files"])
    clock.set(at(2026, 2, 13, 9, 0))
    client.force_login(citizen)
    client.post(
        url("dossiers_attach", dossier_id),
        {"paper_code": "uy_quyen", "file": pdf_upload()},
        headers={"Idempotency-Key": "p3"},
    )
    assert post(client, url("dossiers_supplement", dossier_id), {}).json()["status"] == "submitted"

    # Friday 13/2 at 16:00, after the cut-off: counted from Monday 23/2 (after Tết): due 26/2.
    clock.set(at(2026, 2, 13, 16, 0))
    client.force_login(setup.desk_officer)
    received = post(client, url("dossiers_receive", dossier_id), {}).json()
    assert received["code"].endswith("-260213-0001")
    assert day_of(received["due_at"]) == dt.date(2026, 2, 26)
    forwarded = post(
        client,
        url("dossiers_forward", dossier_id),
        {
            "to_agency_id": setup.committee.pk,
            "to_officer_id": setup.handler.pk,
            "step_code": "xu_ly",
        },
    ).json()
    assert day_of(forwarded["steps"][-1]["due_at"]) == dt.date(2026, 2, 24)
    # The receipt step counted from the completed resubmission (13/2 09:00): on time.
    assert forwarded["steps"][0]["classification"] == "on_time"

    # Monday 23/2: the committee hands it to the police to verify (1 day: due 24/2).
    clock.set(at(2026, 2, 23, 9, 0))
    client.force_login(setup.handler)
    moved = post(
        client,
        url("dossiers_transfer", dossier_id),
        {"to_agency_id": police.pk, "to_officer_id": police_officer.pk, "step_code": "xac_minh"},
    ).json()
    assert day_of(moved["steps"][-1]["due_at"]) == dt.date(2026, 2, 24)
    assert moved["steps"][-2]["classification"] == "early"

    # Tuesday 24/2: the police ask for the fee; the citizen pays online.
    clock.set(at(2026, 2, 24, 9, 0))
    client.force_login(police_officer)
    assert (
        post(client, url("dossiers_request_payment", dossier_id), {}).json()["fee_amount"] == 15000
    )
    client.force_login(citizen)
    started = post(
        client, url("dossiers_payment_start", dossier_id), {"return_url": "http://testserver/"},
    ).json()  # fmt: skip
    gateway = StandinGateway(clock=lambda: at(2026, 2, 24, 9, 5))
    answer = gateway.complete(
        gateway.parse(dict(parse_qsl(urlsplit(started["redirect_url"]).query))), approve=True
    )
    assert client.get(url("dossiers_payment_ipn"), answer).json()["RspCode"] == "00"

    # The police hand it back to the committee's leader, who approves on Wednesday 25/2.
    client.force_login(police_officer)
    post(
        client,
        url("dossiers_transfer", dossier_id),
        {"to_agency_id": setup.committee.pk, "to_officer_id": setup.leader.pk, "days": 1},
    )
    clock.set(at(2026, 2, 25, 10, 0))
    client.force_login(setup.leader)
    approved = post(
        client, url("dossiers_approve", dossier_id), {"result_title": "Giấy khai sinh"}
    ).json()
    assert approved["status"] == "result_ready" and approved["classification"] == "early"
    assert [s["agency"]["id"] for s in approved["steps"]] == [
        setup.desk.pk, setup.committee.pk, police.pk, setup.committee.pk, setup.desk.pk,
    ]  # fmt: skip

    # The citizen downloads the signed result; the desk marks it returned.
    client.force_login(citizen)
    result = next(f for f in approved["files"] if f["kind"] == "result")
    response = client.get(url("dossiers_file", dossier_id, result["id"]))
    report = signing.verify_pdf(b"".join(response.streaming_content))
    assert report.intact and report.valid
    client.force_login(setup.desk_officer)
    assert post(client, url("dossiers_return_result", dossier_id), {}).json()["status"] == (
        "returned"
    )
