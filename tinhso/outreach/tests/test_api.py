"""The JSON API: creates with Idempotency-Key, scope per unit subtree, 409 on forbidden
transitions, the cluster play report, the sync endpoint, public surveys and news."""

import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from tinhso.outreach import services
from tinhso.outreach.models import ActivityLog, Campaign, Content, PlayLog
from tinhso.outreach.tests.conftest import approved

pytestmark = pytest.mark.django_db
BASE = "/api/v1/outreach"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def post(client, path, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(BASE + path, body, content_type="application/json", **headers)


def test_campaign_create_is_idempotent_and_scoped(world):
    a = client_for(world.officer_a)
    body = {
        "unit_code": world.commune_a.code, "title": "Cao điểm 2 tháng", "starts_on": "2026-08-08",
        "ends_on": "2026-10-10", "is_peak": True, "target_unit_codes": [world.village_a1.code],
        "audiences": ["elderly", "ethnic_minorities"], "channels": ["radio", "sms"],
        "key_messages": ["Kích hoạt VNeID mức 2"], "targets": {"vneid_level2": 500},
    }  # fmt: skip
    assert post(a, "/campaigns", body).status_code == 400  # no Idempotency-Key
    first = post(a, "/campaigns", body, key="chien-dich-1")
    again = post(a, "/campaigns", body, key="chien-dich-1")
    assert first.status_code == 201 and again.status_code == 201
    assert first.json() == again.json() and Campaign.objects.count() == 1
    assert first.json()["target_units"] == [{"code": world.village_a1.code, "name": "Xóm 1"}]
    campaign_id = first.json()["id"]
    detail = a.get(f"{BASE}/campaigns/{campaign_id}").json()
    vneid = next(p for p in detail["progress"] if p["metric"] == "vneid_level2")
    assert vneid["target"] == 500 and vneid["actual"] == 0
    # Commune B's officer neither sees it nor may create in commune A.
    b = client_for(world.officer_b)
    assert b.get(f"{BASE}/campaigns/{campaign_id}").status_code == 404
    assert b.get(f"{BASE}/campaigns").json()["count"] == 0
    refused = post(b, "/campaigns", {**body, "target_unit_codes": []}, key="x")
    assert refused.status_code == 403 and refused.json()["code"] == "outreach_unit_out_of_scope"
    calendar = a.get(f"{BASE}/campaigns/calendar?start=2026-09-01&end=2026-09-30").json()
    assert calendar[0]["starts_on"] == "2026-09-01" and calendar[0]["is_peak"]


def test_content_flow_over_the_api_with_409_and_vietnamese_messages(world):
    a = client_for(world.officer_a)
    created = post(a, "/contents", {
        "unit_code": world.commune_a.code, "kind": "radio", "title": "Bản tin số 1",
        "body": "Nội dung", "priority": "priority", "dx_section": True,
    }, key="noi-dung-1")  # fmt: skip
    assert created.status_code == 201, created.content
    content = created.json()
    assert content["status"] == "draft" and content["allowed_actions"] == ["submit"]
    path = f"/contents/{content['id']}"
    wrong = post(a, path + "/approve", {})
    assert wrong.status_code == 409
    assert wrong.json()["code"] == "transition_not_allowed"
    assert wrong.json()["message"] == "Không được thực hiện thao tác này ở trạng thái hiện tại."
    assert wrong.json()["details"]["allowed"] == ["submit"]
    assert post(a, path + "/submit", {}).json()["status"] == "review"
    assert (
        a.patch(BASE + path, {"title": "Khác"}, content_type="application/json").status_code == 409
    )
    approved_ = post(a, path + "/approve", {"note": "Đạt"})
    assert approved_.json()["status"] == "approved"
    assert approved_.json()["allowed_actions"] == ["release", "withdraw"]
    viewer = client_for(world.viewer_a)
    assert post(viewer, path + "/withdraw", {}).status_code == 403


def test_dispatch_and_opt_out_over_the_api(world, sms):
    content = approved(world, kind="sms")
    client = client_for(world.officer)
    optout = post(Client(), "/opt-outs", {"channel": "sms", "address": "0912345678"}, key="o1")
    assert optout.status_code == 201
    refused = post(client, "/dispatches", {
        "content_id": content.pk, "channel": "sms", "addresses": ["0912345678"],
    }, key="d1")  # fmt: skip
    assert refused.status_code == 422 and refused.json()["code"] == "recipient_opted_out"
    assert refused.json()["message"] == "Người nhận này đã từ chối nhận tin qua kênh này."
    made = post(client, "/dispatches", {
        "content_id": content.pk, "channel": "sms", "addresses": ["0987654321"],
    }, key="d2")  # fmt: skip
    assert made.status_code == 201 and made.json()["counts"]["pending"] == 1
    services.dispatch_run(dispatch_id=made.json()["id"])
    detail = client.get(f"{BASE}/dispatches/{made.json()['id']}").json()
    assert detail["status"] == "done" and detail["deliveries"][0]["status"] == "sent"
    draft = services.content_create(
        acting_user=world.officer, unit=world.province, kind="sms", title="Nháp", body="x"
    )
    unapproved = post(client, "/dispatches", {
        "content_id": draft.pk, "channel": "sms", "addresses": ["0987654321"],
    }, key="d3")  # fmt: skip
    assert unapproved.status_code == 409 and unapproved.json()["code"] == "content_not_approved"


def test_radio_over_the_api(world):
    a = client_for(world.officer_a)
    station = post(a, "/stations", {"unit_code": world.commune_a.code, "code": "DAI-A",
                                     "name": "Đài xã"}, key="s1").json()  # fmt: skip
    cluster = post(a, "/clusters", {"station_id": station["id"], "code": "CUM-1",
                                     "name": "Cụm 1"}, key="c1").json()  # fmt: skip
    key = cluster["api_key"]
    assert len(key) > 20
    normal = approved(world, kind="radio", unit=world.commune_a, dx_section=True)
    storm = approved(world, kind="radio", unit=world.commune_a, priority="emergency")
    start = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    slot = post(a, "/slots", {"cluster_id": cluster["id"], "content_id": normal.pk,
                              "starts_at": start, "duration_seconds": 480}, key="l1")  # fmt: skip
    assert slot.status_code == 201, slot.content
    clash = post(a, "/slots", {"cluster_id": cluster["id"], "content_id": normal.pk,
                               "starts_at": start, "duration_seconds": 60}, key="l2")  # fmt: skip
    assert clash.status_code == 409 and clash.json()["code"] == "schedule_clash"
    emergency = post(a, "/slots", {"cluster_id": cluster["id"], "content_id": storm.pk,
                                   "starts_at": start, "duration_seconds": 60},
                     key="l3")  # fmt: skip
    assert emergency.json()["preempted"][0]["id"] == slot.json()["slot"]["id"]
    # The cluster reports its play with its key; the same report_id twice is stored once.
    item = {"report_id": "p-1", "content_id": normal.pk, "duration_seconds": 480,
            "started_at": (timezone.now() - dt.timedelta(minutes=20)).isoformat()}  # fmt: skip
    anonymous = Client()
    bad = anonymous.post(f"{BASE}/clusters/CUM-1/plays", {"items": [item]},
                         content_type="application/json", HTTP_X_CLUSTER_KEY="sai")  # fmt: skip
    assert bad.status_code == 403 and bad.json()["code"] == "cluster_key_invalid"
    good = anonymous.post(f"{BASE}/clusters/CUM-1/plays", {"items": [item, item]},
                          content_type="application/json", HTTP_X_CLUSTER_KEY=key)  # fmt: skip
    assert [r["status"] for r in good.json()] == ["created", "duplicate"]
    assert PlayLog.objects.count() == 1
    today = timezone.localdate()
    rows = a.get(f"{BASE}/compliance?start={today}&end={today}").json()
    assert rows[0]["commune"]["code"] == world.commune_a.code and rows[0]["compliant"]
    assert (
        client_for(world.officer_b).get(f"{BASE}/compliance?start={today}&end={today}").json() == []
    )


def test_activity_sync_endpoint_and_scope(world):
    team = services.team_create(acting_user=None, unit=world.village_a1, name="Tổ Xóm 1")
    item = {"client_uuid": str(uuid.uuid4()), "team_id": team.pk, "date": "2026-03-05",
            "households_visited": 4, "vneid_level2": 2}  # fmt: skip
    a = client_for(world.officer_a)
    first = post(a, "/activity-logs/sync", {"items": [item]})
    second = post(a, "/activity-logs/sync", {"items": [item]})
    assert first.json()[0]["status"] == "created" and second.json()[0]["status"] == "duplicate"
    assert ActivityLog.objects.count() == 1
    b = post(client_for(world.officer_b), "/activity-logs/sync", {"items": [
        {**item, "client_uuid": str(uuid.uuid4())}]}).json()  # fmt: skip
    assert b[0]["status"] == "error" and b[0]["code"] == "not_team_member"
    assert client_for(world.officer_b).get(f"{BASE}/activity-logs").json()["count"] == 0
    assert a.get(f"{BASE}/activity-logs").json()["count"] == 1
    assert Client().post(BASE + "/activity-logs/sync", {"items": []},
                         content_type="application/json").status_code == 401  # fmt: skip


def test_public_survey_answer_and_indicators(world):
    survey = services.survey_create(
        acting_user=None, unit=world.province, title="Khảo sát",
        questions=[{"text": "Biết VNeID?", "kind": "yes_no"}],
    )  # fmt: skip
    anonymous = Client()
    assert anonymous.get(f"{BASE}/public/surveys/{survey.pk}").status_code == 404
    services.survey_open(acting_user=None, survey=survey)
    question = anonymous.get(f"{BASE}/public/surveys/{survey.pk}").json()["questions"][0]
    answer = post(anonymous, f"/public/surveys/{survey.pk}/responses", {
        "unit_code": world.commune_a.code, "answers": {str(question["id"]): "yes"},
        "audience": "elderly",
    }, key="tra-loi-1")  # fmt: skip
    assert answer.status_code == 201 and answer.json()["score"] == 100.0
    as_team = post(anonymous, f"/public/surveys/{survey.pk}/responses", {
        "unit_code": world.commune_a.code, "answers": {str(question["id"]): "yes"},
        "channel": "team",
    }, key="tra-loi-2")  # fmt: skip
    assert as_team.status_code == 403
    values = {row["code"]: row["value"] for row in client_for(world.officer_a).get(
        f"{BASE}/indicators").json()}  # fmt: skip
    assert values["outreach.awareness_score"] == 100.0
    out = client_for(world.officer_a).get(f"{BASE}/indicators?unit_code={world.commune_b.code}")
    assert out.status_code == 403


def test_news_is_public(world):
    article = approved(world, kind="article", title="Tin chuyển đổi số")
    services.dispatch_create(acting_user=world.officer, content=article, channel="portal")
    news = Client().get(f"{BASE}/news").json()["items"]
    assert news[0]["title"] == "Tin chuyển đổi số"
    assert Client().get(f"{BASE}/news/{news[0]['slug']}").status_code == 200
    assert Content.objects.get(pk=article.pk).status == "released"


def test_list_endpoints_do_not_query_per_row(world, sms, django_assert_max_num_queries):
    for n in range(4):
        campaign = services.campaign_create(
            acting_user=world.officer, unit=world.province, title=f"Chiến dịch {n}",
            starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 4, 1),
            target_units=[world.commune_a, world.commune_b],
        )  # fmt: skip
        content = approved(world, kind="sms", campaign=campaign)
        services.dispatch_create(
            acting_user=world.officer, content=content, channel="sms", addresses=["0912345678"]
        )
        services.team_create(acting_user=None, unit=world.village_a1, name=f"Tổ {n}")
    client = client_for(world.officer)
    client.get(f"{BASE}/campaigns")  # warm the session and the user's scope
    for path in ["/campaigns", "/contents", "/dispatches", "/teams", "/activity-logs"]:
        with django_assert_max_num_queries(9):
            response = client.get(BASE + path)
        assert response.status_code == 200
    assert client.get(f"{BASE}/dispatches").json()["items"][0]["counts"]["pending"] == 1


def test_an_unknown_unit_is_a_field_error_in_vietnamese(world):
    response = post(client_for(world.officer), "/teams", {"unit_code": "khong-co", "name": "Tổ"},
                    key="t1")  # fmt: skip
    assert response.status_code == 422
    detail = response.json()["details"][0]
    assert detail["field"] == "unit_code" and detail["code"] == "unit_unknown"
    assert detail["message"] == "Không có đơn vị hành chính đang có hiệu lực nào mang mã này."


def test_slots_of_an_unknown_cluster_is_a_documented_404(world):
    # Found by the API fuzz: the 404 was answered but not in the contract.
    from tinhso.portal.management.commands.openapi import openapi_document

    response = client_for(world.officer).get(
        BASE + "/slots",
        {
            "start": "2026-01-01T00:00:00+07:00",
            "end": "2026-01-08T00:00:00+07:00",
            "cluster_id": 987654,
        },
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    document = json.loads(openapi_document())
    assert "404" in document["paths"]["/api/v1/outreach/slots"]["get"]["responses"]
