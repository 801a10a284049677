"""A field report end to end in a real Chromium, on a 360 px phone (Playwright + axe-core).

A citizen reports a pothole with a photo from where she stands, is offered a nearby report of
the same kind, declines it; the report is routed to her commune; an official of that commune
handles it with a public answer; the answer appears on the public page without her name.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tinhso.feedback import services
from tinhso.feedback.models import Report
from tinhso.feedback.tests.factories import VINH, ReportFactory, near
from tinhso.portal.tests.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORTER_NAME = "Phạm Thị Dân Phản Ánh"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 80, 70)).save(buffer, format="JPEG")
    return buffer.getvalue()


def sign_in(page, username: str) -> None:
    page.goto("/tai-khoan/dang-nhap/")
    assert_accessible(page)
    page.fill("#id_username", username)
    page.fill("#id_password", "mat-khau-thu-nghiem")
    page.locator("form.stack-form button[type=submit]").click()
    page.wait_for_load_state()
    assert_accessible(page)


def test_pothole_reported_on_a_phone_routed_handled_and_published(
    world, phone_page, desktop_page, live_server
):
    # Commune centre points: the phone's position resolves to commune A.
    services.commune_centroid_set(
        acting_user=None, unit=world.commune_a, latitude=VINH[0], longitude=VINH[1]
    )
    far = near(VINH, metres_north=6000)
    services.commune_centroid_set(
        acting_user=None, unit=world.commune_b, latitude=far[0], longitude=far[1]
    )
    existing = ReportFactory(
        category=world.roads, latitude=VINH[0], longitude=VINH[1], description="Ổ gà cũ."
    )
    here = near(VINH, metres_north=15)
    page = phone_page
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": here[0], "longitude": here[1]})

    # The citizen's form, in Vietnamese, on a 360 px phone.
    page.goto("/phan-anh/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Phản ánh hiện trường nơi bạn sống")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)
    page.get_by_label("Phản ánh về việc gì?").select_option(label="Ổ gà, hư hỏng mặt đường")
    page.get_by_label("Mô tả sự việc bạn thấy").fill(
        "Ổ gà sâu khoảng 20 cm giữa làn xe máy, <b>rất nguy hiểm</b> khi trời tối."
    )
    page.get_by_role("button", name="Dùng vị trí của tôi").click()
    expect(page.locator("#location-status")).to_contain_text("Đã ghi nhận vị trí")

    # A nearby open report of the same kind is suggested; she declines it.
    nearby = page.locator("[data-feedback-nearby]")
    expect(nearby).to_be_visible()
    expect(nearby).to_contain_text(existing.code)
    expect(nearby.get_by_role("button", name="Theo dõi phản ánh này")).to_be_visible()
    assert_accessible(page)
    nearby.get_by_role("button", name="Vẫn gửi phản ánh mới").click()
    expect(page.locator("[data-feedback-nearby]")).to_have_count(0)

    page.get_by_label("Ảnh (không bắt buộc)").set_input_files(
        {"name": "o-ga.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}
    )
    page.get_by_label("Họ và tên").fill(REPORTER_NAME)
    page.get_by_label("Thư điện tử").fill("dan.phan.anh@example.vn")
    page.get_by_role("button", name="Gửi phản ánh").click()

    # Confirmation: the code, the commune's committee responsible, the deadline.
    expect(page.get_by_role("heading", level=1)).to_have_text("Phản ánh của bạn đã được gửi")
    assert_accessible(page)
    code = page.locator("#report-code").inner_text().strip()
    assert re.fullmatch(r"PA-\d{4}-\d{6}", code)
    expect(page.locator("#responsible-agency")).to_have_text("UBND Xã Anh Sơn Thử")
    report = Report.objects.get(code=code)
    assert report.commune == world.commune_a
    assert report.agency == world.agency_a
    assert report.photos.count() == 1
    assert report.duplicate_of is None and report.pk != existing.pk
    # The draft kept on the phone was dropped once the report was sent.
    assert page.evaluate("localStorage.getItem('feedback-report-draft')") is None

    # An official of commune A handles it with a public answer.
    desk = desktop_page
    sign_in(desk, world.handler_a.username)
    desk.goto("/phan-anh/xu-ly/")
    assert_accessible(desk)
    desk.get_by_role("link", name=re.compile(code)).click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text(code)
    assert_accessible(desk)
    desk.get_by_role("button", name="Tiếp nhận", exact=True).click()
    expect(desk.locator("#messages")).to_contain_text("Đã thực hiện")
    assert_accessible(desk)
    desk.get_by_role("button", name="Bắt đầu xử lý").click()
    expect(desk.locator("#messages")).to_contain_text("Đã thực hiện")
    assert_accessible(desk)
    desk.locator("#action-resolve summary").click()
    desk.get_by_label("Trả lời chính thức (công khai cùng phản ánh)").fill(
        "UBND xã đã vá ổ gà ngày 23/11. Cảm ơn người dân đã phản ánh."
    )
    assert_accessible(desk)
    desk.locator("#action-resolve form button[type=submit]").click()
    expect(desk.locator("#messages")).to_contain_text("Đã xử lý")
    assert_accessible(desk)
    report.refresh_from_db()
    assert report.status == "handled"

    # Published with the answer, never with her name.
    page.goto("/phan-anh/cong-khai/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Phản ánh đã xử lý")
    expect(page.locator("#public-results")).to_contain_text(code)
    expect(page.locator("#public-results")).to_contain_text("UBND xã đã vá ổ gà ngày 23/11.")
    assert REPORTER_NAME not in page.content()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(code)).click()
    expect(page.locator("#official-answer")).to_contain_text("UBND xã đã vá ổ gà ngày 23/11.")
    expect(page.locator("#report-description")).to_contain_text("<b>rất nguy hiểm</b>")
    content = page.content()
    assert REPORTER_NAME not in content and "dan.phan.anh@example.vn" not in content
    assert_accessible(page)


def test_draft_is_kept_on_the_phone_and_restored(world, phone_page):
    page = phone_page
    page.goto("/phan-anh/")
    assert_accessible(page)
    page.get_by_label("Phản ánh về việc gì?").select_option(label="Ổ gà, hư hỏng mặt đường")
    page.get_by_label("Mô tả sự việc bạn thấy").fill("Nháp: ổ gà trước chợ.")
    page.get_by_label("Địa chỉ hoặc điểm mốc").fill("Trước chợ Anh Sơn")
    page.wait_for_function("() => localStorage.getItem('feedback-report-draft') !== null")
    page.wait_for_timeout(400)
    page.reload()
    expect(page.get_by_label("Mô tả sự việc bạn thấy")).to_have_value("Nháp: ổ gà trước chợ.")
    expect(page.get_by_label("Địa chỉ hoặc điểm mốc")).to_have_value("Trước chợ Anh Sơn")
    expect(page.locator("#draft-notice")).to_contain_text("Bản nháp chưa gửi đã được khôi phục")
    assert_accessible(page)


def test_map_picker_when_a_tile_server_is_configured(world, phone_page, settings):
    # Any local image stands in for the tile server: nothing leaves the machine.
    settings.TINHSO_MAP_TILE_URL = "/static/vendor/leaflet/images/marker-icon.png?{z}/{x}/{y}"
    page = phone_page
    page.goto("/phan-anh/")
    expect(page.locator("#feedback-map.leaflet-container")).to_be_visible()
    assert_accessible(page)
    page.locator("#feedback-map").click(position={"x": 150, "y": 120})
    expect(page.locator("#location-status")).to_contain_text("Đã ghi nhận vị trí")
    assert page.input_value("#id_latitude") != ""
    assert page.input_value("#id_longitude") != ""
    expect(page.get_by_role("button", name="Bỏ vị trí")).to_be_visible()


def test_hotline_call_and_the_reporters_rating_on_a_phone(world, phone_page):
    from tinhso.feedback.permissions import FEEDBACK_INTAKE, FEEDBACK_VIEW
    from tinhso.units.tests.factories import official_with

    official_with(world.agency_a, FEEDBACK_INTAKE, FEEDBACK_VIEW, username="tong_dai")
    page = phone_page
    sign_in(page, "tong_dai")
    page.goto("/phan-anh/duong-day-nong/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhập cuộc gọi đường dây nóng")
    assert_accessible(page)
    page.get_by_label("Lĩnh vực").select_option(label="Ổ gà, hư hỏng mặt đường")
    page.get_by_label("Nội dung người gọi phản ánh").fill("Người gọi báo ổ gà trước trường học.")
    page.get_by_label("Xã, phường").select_option(label="Xã Anh Sơn Thử")
    page.get_by_label("Họ tên người gọi").fill("Lê Văn Gọi")
    page.get_by_label("Số điện thoại người gọi").fill("0912 345 678")
    page.get_by_role("button", name="Ghi nhận cuộc gọi").click()
    expect(page.locator("#responsible-agency")).to_have_text("UBND Xã Anh Sơn Thử")
    assert_accessible(page)
    code = page.locator("#report-code").inner_text().strip()
    assert Report.objects.get(code=code).channel == "hotline"


def test_reporter_rates_the_answer_on_a_phone(world, phone_page):
    report = ReportFactory(category=world.roads, commune_code=world.commune_a.code,
                           reporter=world.reporter, handled=True)  # fmt: skip
    page = phone_page
    page.goto("/tai-khoan/dang-nhap/")
    assert_accessible(page)
    page.fill("#id_username", world.reporter.username)
    page.fill("#id_password", "mat-khau-thu")
    page.locator("form.stack-form button[type=submit]").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.goto("/phan-anh/cua-toi/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(report.code)).click()
    expect(page.get_by_role("heading", name="Đánh giá câu trả lời")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("5 – Rất hài lòng").check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.locator("#messages")).to_contain_text("Cảm ơn bạn đã đánh giá câu trả lời.")
    assert_accessible(page)
    report.refresh_from_db()
    assert report.rating == 5 and report.status == "closed"
