"""Pages of the dossiers room through Django's test client: what citizens and officers see
(in Vietnamese), scope (404 outside it), the services' errors shown beside their fields, and a
double submit that files once."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.dossiers import clocks, services
from tinhso.dossiers.models import Dossier, DossierEvent, Status
from tinhso.dossiers.tests.factories import (
    DossierFactory,
    ProcedureFactory,
    answers_for,
    desk_setup,
    pdf_upload,
)
from tinhso.kernel.calendar import add_working_days, calendar_from_db

pytestmark = pytest.mark.django_db


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|<[^>]+\sstyle\s*=", re.IGNORECASE)


def page(response) -> str:
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html)
    assert not INLINE_STYLE.search(html)
    return html


def text_of(html: str) -> str:
    """The visible text, spaces collapsed (for assertions on sentences)."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def procedure(db):
    return ProcedureFactory(name="Thủ tục thử nghiệm đăng ký khai sinh")


# --- catalogue and public pages -----------------------------------------------------------------


def test_catalogue_searches_without_diacritics_and_filters(client, procedure):
    ProcedureFactory(name="Cấp bản sao trích lục hộ tịch", online_mode="none")

    html = page(client.get(reverse("dossiers:catalogue"), {"q": "dang ky khai sinh"}))

    assert "Dịch vụ công trực tuyến" in html
    assert "Thủ tục thử nghiệm đăng ký khai sinh" in html
    assert "Cấp bản sao trích lục hộ tịch" not in html

    html = page(client.get(reverse("dossiers:catalogue"), {"muc_do": "none"}))
    assert "Cấp bản sao trích lục hộ tịch" in html
    assert "Thủ tục thử nghiệm đăng ký khai sinh" not in html


def test_catalogue_answers_only_the_results_to_htmx(client, procedure):
    response = client.get(
        reverse("dossiers:catalogue"), {"q": "khai sinh"}, headers={"HX-Request": "true"}
    )

    html = page(response)
    assert "<html" not in html
    assert "Thủ tục thử nghiệm đăng ký khai sinh" in html


def test_procedure_detail_shows_papers_fees_time_and_the_button(client, procedure):
    html = page(client.get(reverse("dossiers:procedure_detail", args=[procedure.code])))
    text = text_of(html)

    assert "Giấy chứng sinh" in text
    assert "15.000 đ" in text
    assert "3 ngày làm việc" in text
    assert "Luật Hộ tịch số 60/2014/QH13" in text
    assert "Nộp hồ sơ trực tuyến" in text
    assert reverse("dossiers:file_start", args=[procedure.code]) in html


def test_unknown_procedure_is_a_404(client, db):
    assert client.get(reverse("dossiers:procedure_detail", args=["0.000000"])).status_code == 404


def test_public_lookup_shows_the_status_but_no_personal_data(client, db):
    dossier = DossierFactory(received=True)

    response = client.get(reverse("dossiers:lookup"), {"ma": dossier.code.lower()})

    text = text_of(page(response))
    assert response.status_code == 200
    assert dossier.code in text
    assert "Ngày hẹn trả kết quả" in text
    assert dossier.applicant_name not in text
    assert dossier.applicant_cccd not in text
    missing = client.get(reverse("dossiers:lookup"), {"ma": "KHONG-CO"})
    assert missing.status_code == 404
    assert "Không có hồ sơ nào có mã này" in text_of(page(missing))


# --- filing online ------------------------------------------------------------------------------


def start_draft(client, procedure, setup) -> Dossier:
    response = client.post(
        reverse("dossiers:file_start", args=[procedure.code]), {"agency": setup.desk.pk}
    )
    dossier = Dossier.objects.latest("pk")
    assert response.status_code == 302
    assert response.url == reverse("dossiers:draft_step", args=[dossier.pk, 1])
    return dossier


def test_filing_step_by_step_with_prefill_errors_papers_and_one_submit(client, procedure, setup):
    citizen = CitizenFactory(email="hoa@example.vn")
    client.force_login(citizen)
    dossier = start_draft(client, procedure, setup)

    # Step 1: answers the State knows are filled in and marked.
    html = page(client.get(reverse("dossiers:draft_step", args=[dossier.pk, 1])))
    assert "Đã điền sẵn từ hồ sơ công dân" in html
    assert f'value="{citizen.cccd}"' in html
    assert "Bước 1 / 4" in text_of(html)

    # A wrong CCCD: the services' message beside the field, and a summary linking to it.
    response = client.post(
        reverse("dossiers:draft_step", args=[dossier.pk, 1]),
        {"ho_ten": citizen.full_name, "so_dinh_danh": "123"},
    )
    html = page(response)
    assert response.status_code == 422
    assert 'id="f-so_dinh_danh-error"' in html
    assert 'aria-invalid="true"' in html
    assert 'href="#f-so_dinh_danh"' in html
    assert "Vui lòng sửa các mục được đánh dấu" in text_of(html)
    # The draft keeps what was typed.
    dossier.refresh_from_db()
    assert dossier.form_data["so_dinh_danh"] == "123"

    response = client.post(
        reverse("dossiers:draft_step", args=[dossier.pk, 1]),
        {"ho_ten": citizen.full_name, "so_dinh_danh": citizen.cccd},
    )
    assert response.url == reverse("dossiers:draft_step", args=[dossier.pk, 2])
    answers = answers_for(citizen)
    response = client.post(
        reverse("dossiers:draft_step", args=[dossier.pk, 2]),
        {"ngay_sinh_tre": answers["ngay_sinh_tre"], "gioi_tinh_tre": "nu"},
    )
    assert response.url == reverse("dossiers:draft_papers", args=[dossier.pk])

    # Papers: continuing without the required ones says which are missing.
    response = client.post(reverse("dossiers:draft_papers", args=[dossier.pk]), {"next": "1"})
    assert response.status_code == 422
    html = page(response)
    assert 'id="paper-giay_chung_sinh-error"' in html
    assert "Vui lòng sửa các mục được đánh dấu" in text_of(html)
    response = client.post(
        reverse("dossiers:draft_papers", args=[dossier.pk]),
        {"next": "1", "paper-to_khai": pdf_upload(), "paper-giay_chung_sinh": pdf_upload()},
    )
    assert response.url == reverse("dossiers:draft_review", args=[dossier.pk])

    html = page(client.get(reverse("dossiers:draft_review", args=[dossier.pk])))
    token = re.search(r'name="once" value="([^"]+)"', html).group(1)
    assert "Nộp hồ sơ" in html

    # A double click: the same one-time token twice files once.
    first = client.post(
        reverse("dossiers:draft_review", args=[dossier.pk]),
        {"once": token, "result_delivery": "electronic"},
    )
    second = client.post(
        reverse("dossiers:draft_review", args=[dossier.pk]),
        {"once": token, "result_delivery": "electronic"},
    )
    detail = reverse("dossiers:dossier_detail", args=[dossier.pk])
    assert first.url == detail
    assert second.url == detail
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert dossier.result_delivery == "electronic"
    assert DossierEvent.objects.filter(dossier=dossier, action="submit").count() == 1

    html = page(client.get(detail))
    assert "Chờ tiếp nhận" in html


def test_review_shows_missing_answers_from_the_services(client, procedure, setup):
    citizen = CitizenFactory()
    client.force_login(citizen)
    dossier = start_draft(client, procedure, setup)

    response = client.post(reverse("dossiers:draft_review", args=[dossier.pk]), {"once": "x1"})

    text = text_of(page(response))
    assert response.status_code == 422
    assert "Một số câu trả lời trong tờ khai còn thiếu hoặc không hợp lệ" in text
    dossier.refresh_from_db()
    assert dossier.status == Status.DRAFT


def test_someone_elses_draft_is_a_404(client, procedure, setup):
    owner = CitizenFactory()
    client.force_login(owner)
    dossier = start_draft(client, procedure, setup)

    client.force_login(CitizenFactory())

    assert client.get(reverse("dossiers:draft_step", args=[dossier.pk, 1])).status_code == 404
    assert client.get(reverse("dossiers:dossier_detail", args=[dossier.pk])).status_code == 404


def test_filing_needs_sign_in(client, procedure):
    response = client.get(reverse("dossiers:file_start", args=[procedure.code]))

    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


# --- my dossiers --------------------------------------------------------------------------------


def test_my_dossiers_show_the_promised_date_and_working_days_left(client, db):
    dossier = DossierFactory(received=True)
    client.force_login(dossier.applicant)
    left = clocks.working_days_left(dossier.due_at)

    text = text_of(page(client.get(reverse("dossiers:my_dossiers"))))

    assert "Hồ sơ của tôi" in text
    assert dossier.code in text
    assert f"Còn {left} ngày làm việc" in text or "Đến hạn hôm nay" in text

    html = page(client.get(reverse("dossiers:dossier_detail", args=[dossier.pk])))
    text = text_of(html)
    assert "Ngày hẹn trả" in text
    assert "Bộ phận một cửa đã tiếp nhận" in text


def test_supplement_requested_then_completed_by_the_applicant(client, db):
    setup = desk_setup()
    dossier = DossierFactory(processing=True, setup=setup)
    services.dossier_request_supplement(
        acting_user=setup.handler, dossier=dossier, items=["Bản sao giấy chứng sinh rõ nét"]
    )
    client.force_login(dossier.applicant)

    html = page(client.get(reverse("dossiers:dossier_detail", args=[dossier.pk])))
    assert "Bản sao giấy chứng sinh rõ nét" in html
    assert "Bổ sung hồ sơ" in text_of(html)

    response = client.post(
        reverse("dossiers:dossier_supplement", args=[dossier.pk]),
        {"paper-giay_chung_sinh": pdf_upload("ban-sao.pdf"), "note": "Đã bổ sung"},
    )

    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING


def test_rating_after_the_result(client, db):
    dossier = DossierFactory(returned=True)
    client.force_login(dossier.applicant)

    html = page(client.get(reverse("dossiers:dossier_detail", args=[dossier.pk])))
    assert "Tải kết quả đã ký số (PDF)" in text_of(html)
    result = re.search(r'id="result-download" download href="([^"]+)"', html).group(1)
    download = client.get(result)
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")

    bad = client.post(reverse("dossiers:dossier_rate", args=[dossier.pk]), {"rating": "9"})
    assert bad.status_code == 422
    response = client.post(
        reverse("dossiers:dossier_rate", args=[dossier.pk]), {"rating": "5", "comment": "Tốt"}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.rating == 5


def test_payment_return_with_a_forged_answer_is_refused_not_a_500(client, db):
    dossier = DossierFactory(received=True)
    client.force_login(dossier.applicant)

    response = client.get(
        reverse("dossiers:payment_return"),
        {"vnp_TxnRef": "HS1TABC", "vnp_Amount": "1500000", "vnp_SecureHash": "00"},
    )

    assert response.status_code == 400
    assert "Không xác minh được phản hồi của cổng thanh toán" in text_of(page(response))


# --- officers -----------------------------------------------------------------------------------


def test_officer_of_another_commune_gets_404(client, db):
    dossier = DossierFactory(submitted=True)
    other = desk_setup()
    client.force_login(other.desk_officer)

    assert client.get(reverse("dossiers:dossier_detail", args=[dossier.pk])).status_code == 404
    assert (
        client.get(reverse("dossiers:dossier_action", args=[dossier.pk, "receive"])).status_code
        == 404
    )
    assert (
        client.post(reverse("dossiers:dossier_action", args=[dossier.pk, "receive"])).status_code
        == 404
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_citizen_cannot_open_the_work_queue(client, db):
    client.force_login(CitizenFactory())

    assert client.get(reverse("dossiers:work_queue")).status_code == 404
    assert client.get(reverse("dossiers:register")).status_code == 404


def test_desk_receives_from_the_queue_and_the_deadline_matches_the_calendar(client, db):
    setup = desk_setup()
    dossier = DossierFactory(submitted=True, setup=setup)
    client.force_login(setup.desk_officer)

    text = text_of(page(client.get(reverse("dossiers:work_queue"), {"pham_vi": "agency"})))
    assert "Hồ sơ cần xử lý" in text
    assert "Chờ tiếp nhận" in text

    html = page(client.get(reverse("dossiers:dossier_detail", args=[dossier.pk])))
    assert reverse("dossiers:dossier_action", args=[dossier.pk, "receive"]) in html
    url = reverse("dossiers:dossier_action", args=[dossier.pk, "receive"])
    token = re.search(r'name="once" value="([^"]+)"', page(client.get(url))).group(1)
    first = client.post(url, {"once": token, "note": ""})
    second = client.post(url, {"once": token, "note": ""})

    assert first.status_code == 302 and second.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    assert DossierEvent.objects.filter(dossier=dossier, action="receive").count() == 1
    expected = add_working_days(
        dossier.received_at,
        3,
        calendar=calendar_from_db(),
        cutoff=clocks.cutoff_for(dossier.procedure_version),
    )
    assert dossier.due_at == expected
    html = page(client.get(reverse("dossiers:dossier_detail", args=[dossier.pk])))
    assert expected.astimezone(dossier.due_at.tzinfo) is not None
    from django.utils import timezone

    assert timezone.localtime(expected).strftime("%d/%m/%Y") in html
    assert dossier.code in html


def test_refuse_without_reasons_shows_the_error_beside_the_field(client, db):
    setup = desk_setup()
    dossier = DossierFactory(submitted=True, setup=setup)
    client.force_login(setup.desk_officer)
    url = reverse("dossiers:dossier_action", args=[dossier.pk, "refuse"])

    response = client.post(url, {"reasons": "   "})

    html = page(response)
    assert response.status_code == 422
    assert 'id="id_reasons_error"' in html
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_an_action_not_allowed_now_is_a_clear_message_not_a_500(client, db):
    setup = desk_setup()
    dossier = DossierFactory(submitted=True, setup=setup)
    client.force_login(setup.desk_officer)

    response = client.post(
        reverse("dossiers:dossier_action", args=[dossier.pk, "return_result"]), {}
    )

    assert response.status_code == 409
    assert "Không thể thực hiện thao tác này" in text_of(page(response))


def test_forward_then_the_handler_sees_it_and_approves(client, db):
    setup = desk_setup()
    dossier = DossierFactory(received=True, setup=setup)
    client.force_login(setup.desk_officer)

    response = client.post(
        reverse("dossiers:dossier_action", args=[dossier.pk, "forward"]),
        {"to_agency": setup.committee.pk, "to_officer": setup.handler.pk, "step_code": "xu_ly"},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert dossier.current_agency == setup.committee

    client.force_login(setup.handler)
    text = text_of(page(client.get(reverse("dossiers:work_queue"))))
    assert dossier.code in text
    assert "ngày làm việc" in text or "Đến hạn hôm nay" in text

    # Wrong officer for the agency: the services' message beside the field.
    response = client.post(
        reverse("dossiers:dossier_action", args=[dossier.pk, "transfer"]),
        {"to_agency": setup.desk.pk, "to_officer": setup.handler.pk},
    )
    assert response.status_code == 422
    assert 'id="id_to_officer_error"' in page(response)

    client.force_login(setup.leader)
    response = client.post(
        reverse("dossiers:dossier_action", args=[dossier.pk, "approve"]),
        {"result_title": "Giấy khai sinh", "result_body": "Nội dung"},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY


def test_late_dossier_shows_days_late(client, db):
    setup = desk_setup()
    dossier = DossierFactory(overdue=True, setup=setup)
    client.force_login(setup.handler)

    text = text_of(page(client.get(reverse("dossiers:work_queue"))))

    late = -clocks.working_days_left(dossier.due_at)
    assert f"Quá hạn {late} ngày làm việc" in text


def test_in_person_entry_files_once_and_issues_the_code(client, procedure, setup):
    client.force_login(setup.desk_officer)
    url = reverse("dossiers:enter_in_person") + f"?thu_tuc={procedure.code}"
    html = page(client.get(url))
    token = re.search(r'name="once" value="([^"]+)"', html).group(1)
    data = {
        "once": token,
        "applicant_name": "Trần Văn Nam",
        "applicant_phone": "0912345678",
        "result_delivery": "paper",
        "ho_ten": "Trần Văn Nam",
        "so_dinh_danh": CitizenFactory.build().cccd,
        "ngay_sinh_tre": "2026-01-02",
        "gioi_tinh_tre": "nam",
    }

    first = client.post(url, data)
    second = client.post(url, data)

    assert first.status_code == 302
    assert second.url == first.url
    assert Dossier.objects.filter(applicant_name="Trần Văn Nam").count() == 1
    dossier = Dossier.objects.get(applicant_name="Trần Văn Nam")
    assert dossier.status == Status.RECEIVED and dossier.code


def test_in_person_entry_shows_form_errors_beside_fields(client, procedure, setup):
    client.force_login(setup.desk_officer)
    url = reverse("dossiers:enter_in_person") + f"?thu_tuc={procedure.code}"

    response = client.post(
        url, {"once": "t1", "applicant_name": "Lê Thị Mai", "result_delivery": "paper"}
    )

    html = page(response)
    assert response.status_code == 422
    assert 'id="f-ho_ten-error"' in html
    assert not Dossier.objects.filter(applicant_name="Lê Thị Mai").exists()


def test_bulk_receive(client, db):
    setup = desk_setup()
    first = DossierFactory(submitted=True, setup=setup)
    second = DossierFactory(submitted=True, setup=setup)
    client.force_login(setup.desk_officer)

    response = client.post(
        reverse("dossiers:bulk_receive"), {"dossier": [first.pk, second.pk]}, follow=True
    )

    assert "Đã tiếp nhận 2 hồ sơ" in text_of(page(response))
    assert set(Dossier.objects.values_list("status", flat=True)) == {Status.RECEIVED}


def test_register_page_and_excel_export(client, db):
    setup = desk_setup()
    dossier = DossierFactory(received=True, setup=setup)
    client.force_login(setup.desk_officer)

    text = text_of(page(client.get(reverse("dossiers:register"), {"channel": "online"})))
    assert "Sổ theo dõi hồ sơ" in text
    assert dossier.code in text

    response = client.get(reverse("dossiers:register_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert sheet.cell(row=2, column=2).value == dossier.code


def test_citizen_pays_through_the_gateway_redirect(client, db, settings):
    setup = desk_setup()
    dossier = DossierFactory(processing=True, setup=setup)
    services.dossier_request_payment(acting_user=setup.handler, dossier=dossier)
    client.force_login(dossier.applicant)

    html = page(client.get(reverse("dossiers:dossier_detail", args=[dossier.pk])))
    assert "15.000 đ" in html
    response = client.post(reverse("dossiers:payment_start", args=[dossier.pk]))

    assert response.status_code == 302
    assert "vnp_TxnRef=" in response.url


def test_every_action_page_renders_for_an_official_who_may_do_everything(client, db):
    from tinhso.dossiers.permissions import DossierPerm
    from tinhso.units.tests.factories import official_with

    setup = desk_setup()
    dossier = DossierFactory(processing=True, setup=setup)
    boss = official_with(
        setup.committee,
        DossierPerm.VIEW,
        DossierPerm.RECEIVE,
        DossierPerm.PROCESS,
        DossierPerm.APPROVE,
    )
    client.force_login(boss)
    html = page(client.get(reverse("dossiers:dossier_detail", args=[dossier.pk])))
    actions = re.findall(r'data-action="([a-z_]+)"', html)

    assert {"transfer", "request_supplement", "request_payment", "stop", "approve"} <= set(actions)
    for action in actions:
        response = client.get(reverse("dossiers:dossier_action", args=[dossier.pk, action]))
        assert response.status_code == 200, action
        page(response)


def test_late_dossier_gets_an_apology_with_a_new_date(client, db):
    setup = desk_setup()
    dossier = DossierFactory(overdue=True, setup=setup)
    client.force_login(setup.handler)
    calendar = calendar_from_db()
    from django.utils import timezone

    new_day = add_working_days(timezone.now(), 2, calendar=calendar)
    url = reverse("dossiers:dossier_action", args=[dossier.pk, "apologise"])

    bad = client.post(url, {"new_due_date": new_day.date().isoformat(), "reason": ""})
    assert bad.status_code == 422
    assert 'id="id_reason_error"' in page(bad)
    response = client.post(
        url,
        {"new_due_date": timezone.localtime(new_day).date().isoformat(), "reason": "Chờ xác minh"},
    )

    assert response.status_code == 302
    dossier.refresh_from_db()
    assert timezone.localtime(dossier.due_at).date() == timezone.localtime(new_day).date()
    assert dossier.events.filter(action="apologise").exists()


def test_fee_requested_then_paid_at_the_desk(client, db):
    setup = desk_setup()
    dossier = DossierFactory(processing=True, setup=setup)
    client.force_login(setup.handler)
    response = client.post(
        reverse("dossiers:dossier_action", args=[dossier.pk, "request_payment"]),
        {"amount": "15000"},
    )
    assert response.status_code == 302

    client.force_login(setup.desk_officer)
    response = client.post(
        reverse("dossiers:dossier_action", args=[dossier.pk, "pay"]), {"receipt_no": "BL-0001"}
    )

    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.FEE_PAID
    assert dossier.payments.get().transaction_no == "BL-0001"


def test_payment_return_shows_the_signed_outcome_even_without_the_session(client, db):
    from urllib.parse import parse_qsl, urlsplit

    from tinhso.dossiers.standin_gateway import StandinGateway

    setup = desk_setup()
    dossier = DossierFactory(processing=True, setup=setup)
    services.dossier_request_payment(acting_user=setup.handler, dossier=dossier)
    _payment, url = services.dossier_payment_start(
        acting_user=dossier.applicant,
        dossier=dossier,
        return_url="http://testserver/dich-vu-cong/thanh-toan/ket-qua/",
        client_ip="127.0.0.1",
    )
    gateway = StandinGateway()
    answer = gateway.complete(gateway.parse(dict(parse_qsl(urlsplit(url).query))), approve=True)

    response = client.get(reverse("dossiers:payment_return"), answer)

    text = text_of(page(response))
    assert response.status_code == 200
    assert "Thanh toán thành công" in text
    assert dossier.code in text
    assert dossier.applicant_name not in text
