"""The JSON API: intake with Idempotency-Key, handler actions, listings scoped per officer."""

import pytest

from tinhso.feedback.models import Report
from tinhso.feedback.permissions import FEEDBACK_INTAKE, FEEDBACK_VIEW
from tinhso.feedback.tests.factories import VINH, ReportFactory, near
from tinhso.units.tests.factories import official_with

pytestmark = pytest.mark.django_db
URL = "/api/v1/feedback/reports"


def _post(client, body, key="khoa-1", **headers):
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(URL, body, content_type="application/json", **headers)


def _body(**extra):
    body = {
        "category": "o-ga",
        "description": "Ổ gà <script>alert(1)</script> trước cổng chợ",
        "latitude": near(VINH, 10)[0],
        "longitude": VINH[1],
    }
    body.update(extra)
    return body


def test_a_citizen_sends_a_report_and_a_retry_returns_the_first(world, client):
    client.force_login(world.reporter)
    first = _post(client, _body())
    assert first.status_code == 201, first.json()
    again = _post(client, _body())
    assert again.status_code == 201 and again.json() == first.json()
    assert Report.objects.count() == 1
    report = Report.objects.get()
    assert report.reporter == world.reporter and report.channel == "portal"
    assert report.description == "Ổ gà <script>alert(1)</script> trước cổng chợ"
    assert first.json()["agency"] == world.agency_a.name
    reused = _post(client, _body(description="Khác"))
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"


def test_an_idempotency_key_is_required(world, client):
    response = _post(client, _body(), key=None)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"


def test_anonymous_reports_and_bad_input(world, client):
    response = _post(client, _body(is_anonymous=True, contact_email="dan@example.vn"))
    assert response.status_code == 201
    assert Report.objects.get().reporter is None
    response = _post(client, _body(latitude=21.03, longitude=105.85), key="khoa-2")
    assert response.status_code == 422
    assert response.json()["code"] == "location_outside_province"
    assert response.json()["message"] == "Vị trí này nằm ngoài địa bàn tỉnh sử dụng hệ thống."
    response = _post(client, _body(category="khong-co"), key="khoa-3")
    assert response.status_code == 422 and response.json()["code"] == "category_unknown"
    response = _post(client, _body(description="   "), key="khoa-4")
    assert response.status_code == 422 and response.json()["code"] == "description_required"


def test_hotline_intake_needs_the_intake_permission(world, client):
    response = _post(client, _body(channel="hotline"), key="khoa-0")
    assert response.status_code == 403
    response = _post(client, _body(channel="open311"), key="khoa-00")
    assert response.status_code == 422
    client.force_login(world.reporter)
    response = _post(client, _body(channel="hotline", contact_name="Bà Lan"))
    assert response.status_code == 403
    operator = official_with(world.agency_a, FEEDBACK_INTAKE, FEEDBACK_VIEW)
    client.force_login(operator)
    response = _post(client, _body(channel="hotline", contact_name="Bà Lan"), key="khoa-5")
    assert response.status_code == 201
    report = Report.objects.get()
    assert (report.channel, report.reporter, report.entered_by) == ("hotline", None, operator)


def test_scope_isolation(world, client):
    report_a = ReportFactory(category=world.roads, commune_code=world.commune_a.code)
    report_b = ReportFactory(category=world.roads, commune_code=world.commune_b.code)
    client.force_login(world.handler_a)
    codes = [item["code"] for item in client.get(URL).json()["items"]]
    assert codes == [report_a.code]
    assert client.get(f"{URL}/{report_b.code}").status_code == 404
    response = client.post(
        f"{URL}/{report_b.code}/actions/accept", {}, content_type="application/json"
    )
    assert response.status_code == 404
    client.force_login(world.province_handler)
    codes = {item["code"] for item in client.get(URL).json()["items"]}
    assert codes == {report_a.code, report_b.code}
    client.force_login(world.reporter)
    assert client.get(URL).json()["items"] == []


def test_handler_actions_through_the_api(world, client):
    report = ReportFactory(category=world.roads, commune_code=world.commune_a.code)
    client.force_login(world.handler_a)
    detail = client.get(f"{URL}/{report.code}").json()
    assert detail["allowed_actions"] == ["accept", *detail["allowed_actions"][1:]]
    for action, message in [("accept", ""), ("start", ""), ("resolve", "Đã vá.")]:
        response = client.post(
            f"{URL}/{report.code}/actions/{action}",
            {"message": message},
            content_type="application/json",
        )
        assert response.status_code == 200, response.json()
    assert response.json()["status"] == "handled"
    assert response.json()["status_label"] == "Đã xử lý"
    response = client.post(
        f"{URL}/{report.code}/actions/accept", {}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["code"] == "transition_not_allowed"
    public = client.get("/api/v1/feedback/public/reports").json()["items"]
    assert [item["code"] for item in public] == [report.code]


def test_extend_and_overdue_filter(world, client):
    report = ReportFactory(category=world.roads, commune_code=world.commune_a.code)
    client.force_login(world.handler_a)
    response = client.post(
        f"{URL}/{report.code}/extend",
        {"days": 5, "reason": "Chờ vật tư"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["extension_days"] == 5
    assert response.json()["deadline_state"] == "extended"
    assert client.get(URL, {"overdue": True}).json()["items"] == []


def test_anonymous_reporters_are_hidden_even_from_handlers(world, client):
    from tinhso.feedback import selectors, services

    named = services.report_create(
        acting_user=world.reporter, category=world.roads, description="Ổ gà",
        commune_code=world.commune_a.code, contact_phone="0912345678",
    )  # fmt: skip
    hidden = services.report_create(
        acting_user=world.reporter, category=world.roads, description="Ổ gà nữa",
        commune_code=world.commune_a.code, contact_phone="0912345678", is_anonymous=True,
    )  # fmt: skip
    # Masked: this handler's role does not include seeing personal data.
    assert selectors.reporter_identity(world.handler_a, named)["phone"] == "091****678"
    assert selectors.reporter_identity(world.handler_a, hidden) is None
    assert selectors.reporter_identity(world.reporter, hidden)["phone"] == "0912345678"
    assert selectors.reporter_identity(world.handler_b, named) is None
    client.force_login(world.handler_a)
    body = client.get(f"{URL}/{hidden.code}").json()
    assert body["contact_phone"] == "" and body["contact_name"] == ""


def test_the_list_does_not_grow_queries_with_rows(world, client, django_assert_max_num_queries):
    for _ in range(3):
        ReportFactory(category=world.roads, commune_code=world.commune_a.code)
    client.force_login(world.handler_a)
    client.get(URL)  # warm the per-process caches (calendar, permissions)
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    for _ in range(10):
        ReportFactory(category=world.roads, commune_code=world.commune_a.code)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(URL).json()["items"]) == 13
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        assert len(client.get("/open311/v2/requests.json").json()) == 13


def test_an_anonymous_visitor_through_the_service(world):
    from django.contrib.auth.models import AnonymousUser

    from tinhso.feedback import services

    report = services.report_create(
        acting_user=AnonymousUser(), category=world.roads, description="Ổ gà",
        commune_code=world.commune_a.code,
    )  # fmt: skip
    assert report.reporter is None and report.entered_by is None
    with pytest.raises(Exception) as caught:
        services.report_create(
            acting_user=world.reporter, category=world.roads, description="Ổ gà",
            commune_code=world.commune_a.code, reporter=world.handler_a,
        )  # fmt: skip
    assert caught.value.code == "not_reporter"
