"""The feedback pages through the test client: Vietnamese text, scope, escaping, privacy."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image

from tinhso.feedback import errors, services
from tinhso.feedback.models import Report, ReportFollower
from tinhso.feedback.permissions import FEEDBACK_INTAKE, FEEDBACK_VIEW
from tinhso.feedback.tests.factories import VINH, ReportFactory, citizen, near
from tinhso.units.tests.factories import official_with

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def png_file(name="o-ga.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (120, 90, 40)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def vi(message) -> str:
    with translation.override("vi"):
        return str(message)


def report_in(world, commune, **extra):
    extra.setdefault("category", world.roads)
    return ReportFactory(commune_code=commune.code, **extra)


def form_data(world, **extra):
    data = {
        "submission_key": "",
        "category": world.roads.service_code,
        "description": "Ổ gà sâu trước nhà số 12.",
        "latitude": "",
        "longitude": "",
        "address": "",
        "commune": world.commune_a.code,
        "contact_name": "",
        "contact_phone": "",
        "contact_email": "",
    }
    data.update(extra)
    return data


# --- the report form --------------------------------------------------------------------------


def test_form_is_vietnamese_with_two_level_categories_and_no_map_by_default(client, world):
    response = client.get(reverse("feedback:new"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Phản ánh hiện trường nơi bạn sống" in page
    assert '<optgroup label="Giao thông">' in page
    assert "Ổ gà, hư hỏng mặt đường" in page
    assert "Dùng vị trí của tôi" in page
    # No tile server configured: no map, no Leaflet, nothing for a third party.
    assert "data-feedback-map" not in page
    assert "leaflet" not in page
    assert world.commune_a.name in page


def test_map_shown_when_a_tile_server_is_configured(client, world, settings):
    settings.TINHSO_MAP_TILE_URL = "/tiles/{z}/{x}/{y}.png"
    page = client.get(reverse("feedback:new")).content.decode()
    assert 'data-feedback-map="pick"' in page
    assert 'data-tile-url="/tiles/{z}/{x}/{y}.png"' in page
    assert "vendor/leaflet/leaflet.js" in page


def test_anonymous_visitor_reports_with_photo_and_sees_code_agency_and_deadline(client, world):
    data = form_data(world, photos=png_file(), contact_email="dan@example.vn")
    response = client.post(reverse("feedback:new"), data)
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:report_sent", args=[report.code])
    assert report.channel == Report.Channel.PORTAL
    assert report.agency == world.agency_a
    assert report.photos.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Phản ánh của bạn đã được gửi" in page
    assert report.code in page
    assert "UBND Xã Anh Sơn Thử" in page
    assert "Cơ quan xử lý" in page
    assert "Hạn trả lời" in page


def test_confirmation_page_is_not_open_to_other_browsers(client, world):
    report = report_in(world, world.commune_a)
    response = client.get(reverse("feedback:report_sent", args=[report.code]))
    assert response.status_code == 404


def test_same_form_sent_twice_makes_one_report(client, world):
    data = form_data(world, submission_key="abc123")
    first = client.post(reverse("feedback:new"), data)
    second = client.post(reverse("feedback:new"), data)
    assert Report.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_signed_in_citizen_becomes_the_reporter(client, world):
    client.force_login(world.reporter)
    client.post(reverse("feedback:new"), form_data(world))
    assert Report.objects.get().reporter == world.reporter


def test_service_errors_shown_in_vietnamese_on_the_form(client, world):
    response = client.post(reverse("feedback:new"), form_data(world, commune=""))
    assert response.status_code == 422
    page = response.content.decode()
    assert vi(errors.LocationRequired.default_message) in page.replace("&#x27;", "'")
    assert "Vui lòng kiểm tra lại biểu mẫu:" in page
    assert Report.objects.count() == 0


def test_point_outside_the_province_is_refused_clearly(client, world):
    response = client.post(
        reverse("feedback:new"), form_data(world, commune="", latitude="10.7", longitude="106.6")
    )
    assert response.status_code == 422
    assert vi(errors.LocationOutsideProvince.default_message) in response.content.decode()


def test_a_file_that_is_not_an_image_is_refused(client, world):
    fake = io.BytesIO(b"%PDF-1.4 not a photo")
    fake.name = "anh.png"
    response = client.post(reverse("feedback:new"), form_data(world, photos=fake))
    assert response.status_code == 422
    assert Report.objects.count() == 0


# --- duplicates and following -----------------------------------------------------------------


def test_nearby_open_report_is_suggested_with_follow_and_decline(client, world):
    existing = ReportFactory(category=world.roads, latitude=VINH[0], longitude=VINH[1])
    lat, lng = near(VINH, metres_north=20)
    response = client.get(
        reverse("feedback:duplicates"),
        {"category": world.roads.service_code, "latitude": lat, "longitude": lng},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert existing.code in page
    assert "Theo dõi phản ánh này" in page
    assert "Vẫn gửi phản ánh mới" in page
    far = near(VINH, metres_north=400)
    response = client.get(
        reverse("feedback:duplicates"),
        {"category": world.roads.service_code, "latitude": far[0], "longitude": far[1]},
    )
    assert existing.code not in response.content.decode()


def test_follow_instead_with_an_email(client, world):
    existing = ReportFactory(category=world.roads)
    response = client.post(
        reverse("feedback:follow", args=[existing.code]),
        form_data(world, contact_email="hang.xom@example.vn"),
    )
    assert response.status_code == 200
    assert "Bạn đang theo dõi phản ánh này" in response.content.decode()
    assert ReportFollower.objects.filter(report=existing, email="hang.xom@example.vn").exists()
    assert Report.objects.count() == 1


def test_follow_without_email_shows_the_reason(client, world):
    existing = ReportFactory(category=world.roads)
    response = client.post(reverse("feedback:follow", args=[existing.code]), {"email": ""})
    assert response.status_code == 422
    assert vi(errors.ContactInvalid.default_message) in response.content.decode()


# --- public pages -----------------------------------------------------------------------------


def handled(world, commune, answer="Đã vá ổ gà ngày 20/11.", **extra):
    report = report_in(world, commune, **extra)
    for action in ("accept", "start"):
        services.report_act(acting_user=None, report=report, action=action)
    services.report_act(acting_user=None, report=report, action="resolve", message=answer)
    return report


def test_public_list_and_detail_show_the_answer_never_the_reporter(client, world):
    person = citizen(full_name="Nguyễn Thị Bí Mật", email="bimat@example.vn")
    report = handled(
        world,
        world.commune_a,
        reporter=person,
        contact_name="Nguyễn Thị Bí Mật",
        contact_phone="0912345678",
        contact_email="bimat@example.vn",
    )
    page = client.get(reverse("feedback:public_list")).content.decode()
    assert "Phản ánh đã xử lý" in page
    assert report.code in page
    assert "Đã vá ổ gà ngày 20/11." in page
    detail = client.get(reverse("feedback:public_detail", args=[report.code])).content.decode()
    assert "Trả lời chính thức" in detail
    assert "Đã vá ổ gà ngày 20/11." in detail
    for secret in ("Bí Mật", "bimat@example.vn", "0912345678", person.username):
        assert secret not in page
        assert secret not in detail


def test_open_report_is_not_public(client, world):
    report = report_in(world, world.commune_a)
    assert client.get(reverse("feedback:public_detail", args=[report.code])).status_code == 404
    assert report.code not in client.get(reverse("feedback:public_list")).content.decode()


def test_html_in_description_and_answer_is_shown_escaped(client, world):
    report = handled(
        world,
        world.commune_a,
        description='<script>alert("x")</script><b>Ổ gà</b>',
        answer="<img src=x onerror=alert(1)>Đã xử lý",
    )
    detail = client.get(reverse("feedback:public_detail", args=[report.code])).content.decode()
    assert "<script>alert" not in detail
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;Ổ gà&lt;/b&gt;" in detail
    assert "<img src=x" not in detail
    assert "&lt;img src=x onerror=alert(1)&gt;Đã xử lý" in detail
    listing = client.get(reverse("feedback:public_list")).content.decode()
    assert "<script>alert" not in listing and "<b>Ổ gà</b>" not in listing


def test_public_filters_by_category_and_commune(client, world):
    in_a = handled(world, world.commune_a)
    in_b = handled(world, world.commune_b)
    page = client.get(reverse("feedback:public_list"), {"commune": world.commune_b.code})
    assert in_b.code in page.content.decode() and in_a.code not in page.content.decode()
    page = client.get(reverse("feedback:public_list"), {"category": world.traffic.service_code})
    assert in_a.code in page.content.decode() and in_b.code in page.content.decode()
    page = client.get(reverse("feedback:public_list"), {"category": world.lights.service_code})
    assert in_a.code not in page.content.decode()
    fragment = client.get(
        reverse("feedback:public_list"), {"q": in_a.code}, headers={"HX-Request": "true"}
    )
    assert "<html" not in fragment.content.decode()
    assert in_a.code in fragment.content.decode()


def test_only_approved_photos_are_public(client, world):
    report = report_in(world, world.commune_a, photos=[png_file()])
    photo = report.photos.get()
    for action in ("accept", "start"):
        services.report_act(acting_user=None, report=report, action=action)
    services.report_act(acting_user=None, report=report, action="resolve", message="Xong.")
    url = reverse("feedback:photo", args=[photo.file_id])
    assert client.get(url).status_code == 404
    detail = client.get(reverse("feedback:public_detail", args=[report.code])).content.decode()
    assert url not in detail
    client.force_login(world.handler_a)
    assert client.get(url).status_code == 200
    response = client.post(
        reverse("feedback:handle_action", args=[report.code]),
        {"action": "approve_photo", "photo": photo.pk},
    )
    assert response.status_code == 302
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert url in client.get(reverse("feedback:public_detail", args=[report.code])).content.decode()


# --- handlers ---------------------------------------------------------------------------------


def test_queue_is_scoped_and_sorted_by_deadline(client, world):
    slow = report_in(world, world.commune_a)
    fast = report_in(world, world.commune_a, category=world.lights)  # 3 days, power dept.
    in_b = report_in(world, world.commune_b)
    client.force_login(world.handler_a)
    page = client.get(reverse("feedback:queue")).content.decode()
    assert "Phản ánh cần xử lý" in page
    assert slow.code in page and in_b.code not in page
    assert fast.code not in page  # routed to the provincial department, not commune A
    client.force_login(world.province_handler)
    page = client.get(reverse("feedback:queue")).content.decode()
    assert page.index(fast.code) < page.index(slow.code)
    assert "ngày làm việc" in page


def test_handler_of_commune_a_gets_404_on_commune_b(client, world):
    in_b = report_in(world, world.commune_b)
    client.force_login(world.handler_a)
    assert client.get(reverse("feedback:handle", args=[in_b.code])).status_code == 404
    response = client.post(
        reverse("feedback:handle_action", args=[in_b.code]), {"action": "accept"}
    )
    assert response.status_code == 404
    in_b.refresh_from_db()
    assert in_b.status == "reported"


def test_citizen_cannot_open_the_queue(client, world):
    client.force_login(world.reporter)
    assert client.get(reverse("feedback:queue")).status_code == 403


def test_handler_walks_a_report_to_handled(client, world):
    report = report_in(world, world.commune_a)
    client.force_login(world.handler_a)
    page = client.get(reverse("feedback:handle", args=[report.code])).content.decode()
    assert "Tiếp nhận" in page
    url = reverse("feedback:handle_action", args=[report.code])
    assert client.post(url, {"action": "accept"}).status_code == 302
    assert client.post(url, {"action": "start"}).status_code == 302
    response = client.post(url, {"action": "resolve", "message": "Đã vá xong."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "handled"
    assert report.public_answer == "Đã vá xong."


def test_service_refusal_is_a_vietnamese_message_never_a_500(client, world):
    report = report_in(world, world.commune_a)
    client.force_login(world.handler_a)
    url = reverse("feedback:handle_action", args=[report.code])
    # Not allowed from "reported": a 409 from the state table, shown on the page.
    response = client.post(url, {"action": "close"})
    assert response.status_code == 422
    assert "Phản ánh cần xử lý" in response.content.decode()
    client.post(url, {"action": "accept"})
    response = client.post(url, {"action": "resolve", "message": ""})
    assert response.status_code == 422
    assert vi(errors.AnswerRequired.default_message) in response.content.decode().replace(
        "&#x27;", "'"
    )
    for data in (
        {"action": "extend", "days": "99", "message": "Chờ vật tư"},
        {"action": "reassign", "agency": "not-a-number", "message": "Sai nơi"},
        {"action": "merge", "into": "PA-0000-000000", "message": ""},
        {"action": "hold", "message": ""},
        {"action": "no-such-action"},
    ):
        response = client.post(url, data)
        assert response.status_code == 422, data


def test_reassign_with_reason_moves_the_report_out_of_scope(client, world):
    report = report_in(world, world.commune_a)
    client.force_login(world.handler_a)
    response = client.post(
        reverse("feedback:handle_action", args=[report.code]),
        {"action": "reassign", "agency": world.agency_b.pk, "message": "Thuộc phường Bến Thủy"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:queue")
    report.refresh_from_db()
    assert report.agency == world.agency_b


def test_anonymous_reporter_is_hidden_from_the_handler(client, world):
    report = report_in(
        world, world.commune_a, is_anonymous=True, contact_name="Trần Văn Kín", reporter=None
    )
    client.force_login(world.handler_a)
    page = client.get(reverse("feedback:handle", args=[report.code])).content.decode()
    assert "Ẩn danh" in page
    assert "Trần Văn Kín" not in page


def test_handler_sees_html_escaped(client, world):
    report = report_in(world, world.commune_a, description="<script>alert(1)</script>")
    client.force_login(world.handler_a)
    page = client.get(reverse("feedback:handle", args=[report.code])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- hotline ----------------------------------------------------------------------------------


def test_hotline_operator_enters_a_call(client, world):
    operator = official_with(world.agency_a, FEEDBACK_INTAKE, FEEDBACK_VIEW)
    client.force_login(operator)
    page = client.get(reverse("feedback:hotline")).content.decode()
    assert "Nhập cuộc gọi đường dây nóng" in page
    response = client.post(
        reverse("feedback:hotline"),
        form_data(world, channel="hotline", contact_name="Lê Gọi", contact_phone="0912345678"),
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.channel == Report.Channel.HOTLINE
    assert report.entered_by == operator
    assert report.reporter is None
    assert report.contact_phone == "0912345678"


def test_hotline_needs_the_intake_permission(client, world):
    client.force_login(official_with(world.agency_a, FEEDBACK_VIEW))
    assert client.get(reverse("feedback:hotline")).status_code == 403


# --- my reports -------------------------------------------------------------------------------


def test_reporter_rates_and_adds_an_update_that_reopens(client, world):
    report = handled(world, world.commune_a, reporter=world.reporter)
    client.force_login(world.reporter)
    page = client.get(reverse("feedback:my_reports")).content.decode()
    assert "Phản ánh của tôi" in page and report.code in page
    url = reverse("feedback:my_report", args=[report.code])
    page = client.get(url).content.decode()
    assert "Đánh giá câu trả lời" in page
    response = client.post(url, {"what": "rating", "rating-rating": "5", "rating-comment": "Tốt"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "closed" and report.rating == 5
    response = client.post(url, {"what": "update", "update-message": "Ổ gà lại xuất hiện."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "reopened"
    page = client.get(url).content.decode()
    assert "Ổ gà lại xuất hiện." in page


def test_someone_else_cannot_open_my_report(client, world):
    report = report_in(world, world.commune_a, reporter=world.reporter)
    client.force_login(citizen())
    assert client.get(reverse("feedback:my_report", args=[report.code])).status_code == 404


def test_settings_overview_for_managers_only(client, world):
    from tinhso.feedback.permissions import FEEDBACK_MANAGE

    client.force_login(world.handler_a)
    assert client.get(reverse("feedback:settings")).status_code == 403
    manager = official_with(world.province_agency, FEEDBACK_MANAGE, FEEDBACK_VIEW)
    client.force_login(manager)
    page = client.get(reverse("feedback:settings")).content.decode()
    assert "Quy tắc chuyển xử lý" in page
    assert page.index("UBND Xã Anh Sơn Thử") < page.index("UBND Phường Bến Thủy")
