"""The whole journey of a dossier in a real browser (Playwright + Debian's Chromium).

A citizen files a fully online procedure from a 360 px phone; the one-stop desk asks for a
supplement, the citizen completes it, the desk receives it and forwards it to the commune's
People's Committee (a second agency), which asks for the fee; the citizen pays through the
stand-in payment gateway (mounted at /cong-thanh-toan-thu/, calling our IPN URL server to
server); the leader approves and signs the result, the desk returns it, and the citizen
downloads the signed PDF (checked with /usr/bin/pdfsig) and rates the service. At each step
the promised date shown is the one the kernel calendar gives. Every page opened passes axe.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.dossiers.models import Dossier, Payment, Status
from tinhso.dossiers.tests.factories import PDF_BYTES, ProcedureFactory, desk_setup
from tinhso.kernel.calendar import add_working_days, calendar_from_db, working_days_between
from tinhso.portal.tests.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDFSIG = "/usr/bin/pdfsig"


def sign_in(page, live_server, user) -> None:
    """Put a session of ``user`` into the page's browser context."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def fits_phone(page) -> None:
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= 360


def shown_date(page) -> str:
    return page.locator("#promised-date").inner_text().strip()


def expected_text(due) -> str:
    local = timezone.localtime(due)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def days_left_text(due) -> str:
    """What the page says about the working days left, computed from the kernel calendar."""
    calendar = calendar_from_db()
    now = timezone.now()
    if now > due:
        return f"Quá hạn {max(working_days_between(due, now, calendar=calendar), 1)} ngày làm việc"
    left = working_days_between(now, due, calendar=calendar)
    return "Đến hạn hôm nay" if left == 0 else f"Còn {left} ngày làm việc"


@pytest.mark.usefixtures("real_pdf")
def test_a_dossier_from_a_phone_to_the_signed_result(
    phone_page, desktop_page, live_server, settings, tmp_path
):
    settings.TINHSO_PUBLIC_URL = live_server.url
    setup = desk_setup()
    ProcedureFactory(name="Thủ tục thử nghiệm đăng ký khai sinh")
    citizen = CitizenFactory(email="cong.dan.hanh.trinh@example.vn")
    paper = tmp_path / "giay-to.pdf"
    paper.write_bytes(PDF_BYTES)
    phone, desk = phone_page, desktop_page

    # --- The citizen finds the procedure (without accents) and files it from a phone. -----
    sign_in(phone, live_server, citizen)
    phone.goto("/dich-vu-cong/")
    assert_accessible(phone)
    fits_phone(phone)
    phone.fill("#procedure-q", "dang ky khai sinh")
    phone.locator("#procedure-results a", has_text="đăng ký khai sinh").first.wait_for()
    assert_accessible(phone)
    phone.locator("#procedure-results a", has_text="đăng ký khai sinh").first.click()
    phone.wait_for_url(re.compile(r"/thu-tuc/"))
    assert_accessible(phone)
    assert phone.get_by_text("15.000 đ").count() >= 1
    phone.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    phone.wait_for_url(re.compile(r"/nop/$"))
    assert_accessible(phone)
    phone.select_option("#start-agency", str(setup.desk.pk))
    phone.get_by_role("button", name="Bắt đầu khai").click()

    phone.wait_for_url(re.compile(r"/buoc/1/$"))
    assert_accessible(phone)
    fits_phone(phone)
    assert phone.locator(".prefilled").first.inner_text() == "Đã điền sẵn từ hồ sơ công dân"
    assert phone.input_value("#f-so_dinh_danh") == citizen.cccd
    phone.get_by_role("button", name="Tiếp tục").click()

    phone.wait_for_url(re.compile(r"/buoc/2/$"))
    assert_accessible(phone)
    # Nothing filled: the services' messages beside the fields, and a summary.
    phone.get_by_role("button", name="Tiếp tục").click()
    phone.locator("#error-summary").wait_for()
    assert_accessible(phone)
    assert phone.locator("#f-ngay_sinh_tre-error").is_visible()
    birthday = timezone.localdate() - timezone.timedelta(days=2)
    phone.fill("#f-ngay_sinh_tre", birthday.isoformat())
    phone.select_option("#f-gioi_tinh_tre", "nu")
    phone.get_by_role("button", name="Tiếp tục").click()

    phone.wait_for_url(re.compile(r"/giay-to/$"))
    assert_accessible(phone)
    phone.set_input_files("#paper-to_khai", str(paper))
    phone.set_input_files("#paper-giay_chung_sinh", str(paper))
    phone.get_by_role("button", name="Tiếp tục").click()

    phone.wait_for_url(re.compile(r"/xem-lai/$"))
    assert_accessible(phone)
    fits_phone(phone)
    phone.get_by_role("button", name="Nộp hồ sơ").click()
    phone.wait_for_url(re.compile(r"/ho-so/\d+/$"))
    assert_accessible(phone)
    dossier = Dossier.objects.get(applicant=citizen)
    assert dossier.status == Status.SUBMITTED
    assert "Chờ tiếp nhận" in phone.locator(".dossier-status").inner_text()

    # --- The desk asks for a supplement before receiving it. -------------------------------
    sign_in(desk, live_server, setup.desk_officer)
    desk.goto("/dich-vu-cong/can-bo/?pham_vi=agency")
    assert_accessible(desk)
    desk.locator(".dossier-card__title a").first.click()
    desk.wait_for_url(re.compile(rf"/ho-so/{dossier.pk}/$"))
    assert_accessible(desk)
    desk.get_by_role("link", name="Yêu cầu bổ sung hồ sơ").click()
    assert_accessible(desk)
    desk.fill("#id_items", "Bản chụp giấy chứng sinh rõ nét hơn")
    desk.get_by_role("button", name="Yêu cầu bổ sung hồ sơ").click()
    desk.wait_for_url(re.compile(rf"/ho-so/{dossier.pk}/$"))
    assert_accessible(desk)
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT_REQUESTED

    # --- The citizen completes it. ----------------------------------------------------------
    phone.goto("/dich-vu-cong/ho-so-cua-toi/")
    assert_accessible(phone)
    phone.locator(".dossier-card__title a").first.click()
    phone.wait_for_url(re.compile(rf"/ho-so/{dossier.pk}/$"))
    assert_accessible(phone)
    assert "Bản chụp giấy chứng sinh rõ nét hơn" in phone.locator("#supplement-items").inner_text()
    phone.set_input_files("#paper-giay_chung_sinh", str(paper))
    phone.get_by_role("button", name="Gửi hồ sơ bổ sung").click()
    phone.wait_for_url(re.compile(rf"/ho-so/{dossier.pk}/$"))
    assert_accessible(phone)
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED

    # --- The desk receives it: the code and the promised date from the calendar. -----------
    desk.goto(f"/dich-vu-cong/ho-so/{dossier.pk}/xu-ly/receive/")
    assert_accessible(desk)
    desk.get_by_role("button", name="Tiếp nhận").click()
    desk.wait_for_url(re.compile(rf"/ho-so/{dossier.pk}/$"))
    assert_accessible(desk)
    dossier.refresh_from_db()
    expected_due = add_working_days(
        dossier.received_at, 3, calendar=calendar_from_db(), cutoff=dossier_cutoff(dossier)
    )
    assert dossier.due_at == expected_due
    assert dossier.code and desk.locator("#dossier-code").inner_text() == dossier.code
    assert shown_date(desk) == expected_text(expected_due)
    assert desk.locator(".deadline").first.inner_text() == days_left_text(expected_due)

    # Forwarded to the commune's People's Committee (the second agency).
    desk.get_by_role("link", name="Chuyển xử lý").click()
    assert_accessible(desk)
    desk.select_option("#id_to_agency", str(setup.committee.pk))
    desk.select_option("#id_to_officer", str(setup.handler.pk))
    desk.select_option("#id_step_code", "xu_ly")
    desk.fill("#id_note", "Chuyển thẩm định")
    desk.get_by_role("button", name="Chuyển xử lý").click()
    desk.wait_for_url(re.compile(rf"/ho-so/{dossier.pk}/$"))
    assert_accessible(desk)
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert dossier.current_agency == setup.committee

    # The citizen sees the same date on the phone.
    phone.goto(f"/dich-vu-cong/ho-so/{dossier.pk}/")
    assert_accessible(phone)
    assert shown_date(phone) == expected_text(expected_due)
    assert phone.locator(".deadline").first.inner_text() == days_left_text(expected_due)

    # --- The handler's queue, then the fee. ------------------------------------------------
    sign_in(desk, live_server, setup.handler)
    desk.goto("/dich-vu-cong/can-bo/")
    assert_accessible(desk)
    card = desk.locator(".dossier-card", has_text=dossier.code)
    assert card.locator(".deadline").inner_text() == days_left_text(expected_due)
    desk.goto(f"/dich-vu-cong/ho-so/{dossier.pk}/xu-ly/request_payment/")
    assert_accessible(desk)
    assert desk.input_value("#id_amount") == "15000"
    desk.get_by_role("button", name="Thông báo nghĩa vụ tài chính").click()
    desk.wait_for_url(re.compile(rf"/ho-so/{dossier.pk}/$"))
    assert_accessible(desk)

    # --- The citizen pays through the stand-in gateway. ------------------------------------
    phone.goto(f"/dich-vu-cong/ho-so/{dossier.pk}/")
    assert_accessible(phone)
    assert phone.locator("#fee-amount").inner_text() == "15.000 đ"
    phone.get_by_role("button", name="Thanh toán trực tuyến").click()
    phone.wait_for_url(re.compile(r"/cong-thanh-toan-thu/"))
    assert_accessible(phone)
    phone.locator("button[value=pay]").click()
    phone.wait_for_url(re.compile(r"/thanh-toan/ket-qua/"))
    assert_accessible(phone)
    assert "Thanh toán thành công" in phone.locator("#payment-outcome").inner_text()
    payment = Payment.objects.get(dossier=dossier)
    assert payment.state == Payment.State.PAID and payment.transaction_no
    dossier.refresh_from_db()
    assert dossier.status == Status.FEE_PAID and dossier.paid_online

    # --- The leader approves and signs; the desk returns the result. -----------------------
    sign_in(desk, live_server, setup.leader)
    desk.goto(f"/dich-vu-cong/ho-so/{dossier.pk}/")
    assert_accessible(desk)
    assert shown_date(desk) == expected_text(expected_due)
    desk.get_by_role("link", name="Phê duyệt, ký số kết quả").click()
    assert_accessible(desk)
    desk.fill("#id_result_body", "Đăng ký khai sinh cho trẻ.")
    desk.get_by_role("button", name="Phê duyệt, ký số kết quả").click()
    desk.wait_for_url(re.compile(rf"/ho-so/{dossier.pk}/$"), timeout=60_000)
    assert_accessible(desk)
    sign_in(desk, live_server, setup.desk_officer)
    desk.goto(f"/dich-vu-cong/ho-so/{dossier.pk}/xu-ly/return_result/")
    assert_accessible(desk)
    desk.get_by_role("button", name="Trả kết quả").click()
    desk.wait_for_url(re.compile(rf"/ho-so/{dossier.pk}/$"))
    assert_accessible(desk)
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED

    # --- The citizen downloads the signed result and rates the service. ---------------------
    phone.goto(f"/dich-vu-cong/ho-so/{dossier.pk}/")
    assert_accessible(phone)
    with phone.expect_download() as download:
        phone.locator("#result-download").click()
    result = tmp_path / "ket-qua.pdf"
    download.value.save_as(result)
    check = subprocess.run([PDFSIG, str(result)], capture_output=True, text=True, check=False)
    assert "Signature #1" in check.stdout, check.stdout + check.stderr
    assert "Signature is Valid" in check.stdout, check.stdout
    phone.locator("label", has_text="5 – Rất hài lòng").click()
    phone.get_by_role("button", name="Gửi đánh giá").click()
    phone.wait_for_url(re.compile(rf"/ho-so/{dossier.pk}/$"))
    assert_accessible(phone)
    dossier.refresh_from_db()
    assert dossier.rating == 5

    # --- Anyone may look it up by its code: no personal data. ------------------------------
    phone.context.clear_cookies()
    phone.goto(f"/dich-vu-cong/tra-cuu/?ma={dossier.code}")
    assert_accessible(phone)
    fits_phone(phone)
    body = phone.locator("main").inner_text()
    assert dossier.code in body
    assert citizen.full_name not in body and citizen.cccd not in body


def dossier_cutoff(dossier):
    from tinhso.dossiers.clocks import cutoff_for

    return cutoff_for(dossier.procedure_version)


def test_the_desk_enters_an_in_person_dossier_and_reads_the_register(
    desktop_page, live_server, tmp_path
):
    setup = desk_setup()
    procedure = ProcedureFactory(name="Thủ tục thử nghiệm chứng thực bản sao")
    paper = tmp_path / "to-khai.pdf"
    paper.write_bytes(PDF_BYTES)
    page = desktop_page
    sign_in(page, live_server, setup.desk_officer)

    page.goto("/dich-vu-cong/can-bo/nhan-truc-tiep/?q=chung thuc")
    assert_accessible(page)
    page.get_by_role("link", name=procedure.name).click()
    page.wait_for_url(re.compile(r"thu_tuc="))
    assert_accessible(page)
    page.fill("#id_applicant_name", "Phạm Văn Bình")
    page.fill("#f-ho_ten", "Phạm Văn Bình")
    page.fill("#f-so_dinh_danh", "123")
    page.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    page.locator("#error-summary").wait_for()
    assert_accessible(page)
    assert page.locator("#f-so_dinh_danh-error").is_visible()

    page.fill("#f-so_dinh_danh", CitizenFactory.build().cccd)
    page.fill("#f-ngay_sinh_tre", (timezone.localdate() - timezone.timedelta(days=1)).isoformat())
    page.select_option("#f-gioi_tinh_tre", "nam")
    page.set_input_files("#paper-to_khai", str(paper))
    page.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    page.wait_for_url(re.compile(r"/ho-so/\d+/$"))
    assert_accessible(page)
    dossier = Dossier.objects.get(applicant_name="Phạm Văn Bình")
    assert dossier.status == Status.RECEIVED
    assert page.locator("#dossier-code").inner_text() == dossier.code
    expected_due = add_working_days(
        dossier.received_at, 3, calendar=calendar_from_db(), cutoff=dossier_cutoff(dossier)
    )
    assert shown_date(page) == expected_text(expected_due)

    page.goto("/dich-vu-cong/so-theo-doi/?channel=in_person")
    assert_accessible(page)
    assert page.locator("table", has_text=dossier.code).count() == 1
    with page.expect_download() as download:
        page.get_by_role("link", name="Xuất Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
