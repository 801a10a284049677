"""The outreach pages through the test client: Vietnamese text, permissions and scope.

::

    Tỉnh Thử (province)
    ├── Xã An (commune A)        officer "a" (communication role), station + cluster "Cụm loa 1"
    │   └── Thôn Một (village)   team "Tổ CNS thôn Một", member "member" (a citizen account)
    └── Xã Bình (commune B)      officer "b" (communication role)

The world is built through the room's services as the system (``acting_user=None``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.accounts.permissions import Perm
from tinhso.accounts.tests.factories import (
    AgencyFactory,
    CitizenFactory,
    OfficialFactory,
    RoleFactory,
    make_unit,
)
from tinhso.outreach import services
from tinhso.outreach.models import ActivityLog, Content, News, Survey
from tinhso.outreach.permissions import ALL as OUTREACH_ALL
from tinhso.units.models import Unit

pytestmark = pytest.mark.django_db


@dataclass
class World:
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)
    objects: dict[str, object] = field(default_factory=dict)


def build_world() -> World:
    w = World()
    w.units["province"] = make_unit("Tỉnh Thử", type=Unit.Type.TINH)
    w.units["a"] = make_unit("Xã An", parent=w.units["province"])
    w.units["village"] = make_unit("Thôn Một", parent=w.units["a"], type=Unit.Type.THON)
    w.units["b"] = make_unit("Xã Bình", parent=w.units["province"])
    role = RoleFactory(code="truyen-thong-thu", permissions=[Perm.UNITS_VIEW, *OUTREACH_ALL])
    viewer = RoleFactory(code="chi-xem-thu", permissions=[Perm.UNITS_VIEW])
    w.people["a"] = OfficialFactory(
        agency=AgencyFactory(unit=w.units["a"]), roles=[role], full_name="Lê Thị Truyền"
    )
    w.people["b"] = OfficialFactory(agency=AgencyFactory(unit=w.units["b"]), roles=[role])
    w.people["noperm"] = OfficialFactory(agency=AgencyFactory(unit=w.units["a"]), roles=[viewer])
    w.people["member"] = CitizenFactory(full_name="Phạm Văn Thành Viên")

    today = timezone.localdate()
    w.objects["campaign"] = services.campaign_create(
        acting_user=None,
        unit=w.units["a"],
        title="Chiến dịch cao điểm VNeID",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=50),
        is_peak=True,
        goal="Mọi hộ gia đình có ít nhất một người dùng VNeID mức 2.",
        targets={"households_reached": 200, "vneid_level2": 100},
        audiences=["elderly"],
        channels=["radio", "door_to_door"],
    )
    team = services.team_create(
        acting_user=None,
        unit=w.units["village"],
        name="Tổ CNS thôn Một",
        decision_ref="12/QĐ-UBND",
    )
    services.team_member_add(
        acting_user=None,
        team=team,
        full_name="Phạm Văn Thành Viên",
        phone="0912345678",
        role="leader",
        position="Trưởng thôn",
        user=w.people["member"],
    )
    services.training_record_create(
        acting_user=None,
        team=team,
        title="Tập huấn kỹ năng số cơ bản",
        held_on=today - dt.timedelta(days=20),
        organiser="Sở Khoa học và Công nghệ",
        hours=4,
        skills=["public_services", "safety_online"],
    )
    w.objects["team"] = team
    station = services.station_create(
        acting_user=None, unit=w.units["a"], code="DTT-AN", name="Đài truyền thanh xã An"
    )
    w.objects["cluster"], _key = services.cluster_create(
        acting_user=None, station=station, code="CL-AN-1", name="Cụm loa 1", area=w.units["village"]
    )
    return w


@pytest.fixture
def world(db) -> World:
    return build_world()


def make_bulletin(world: World, *, status: str = "review", title="Bản tin chuyển đổi số tuần"):
    content = services.content_create(
        acting_user=None,
        unit=world.units["a"],
        kind="radio",
        title=title,
        body="Bà con hãy cài đặt VNeID và kích hoạt tài khoản định danh mức 2.",
        campaign=world.objects["campaign"],
        dx_section=True,
    )
    if status in {"review", "approved"}:
        services.content_submit(acting_user=None, content=content)
    if status == "approved":
        services.content_approve(acting_user=None, content=content)
    content.refresh_from_db()
    return content


def publish_news(world: World, title="Hướng dẫn cài đặt VNeID") -> News:
    content = services.content_create(
        acting_user=None,
        unit=world.units["a"],
        kind="article",
        title=title,
        summary="Các bước cài đặt ứng dụng định danh điện tử.",
        body="Bước 1: tải ứng dụng VNeID.\nBước 2: đăng ký tài khoản.",
    )
    services.content_submit(acting_user=None, content=content)
    services.content_approve(acting_user=None, content=content)
    services.dispatch_create(acting_user=None, content=content, channel="portal")
    return News.objects.get(content=content)


def login(client, user):
    client.force_login(user)
    return client


# --- public --------------------------------------------------------------------------------------


def test_news_list_article_and_rss_are_public_and_vietnamese(client, world):
    news = publish_news(world)
    page = client.get("/truyen-thong/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Tin chuyển đổi số" in text
    assert "Hướng dẫn cài đặt VNeID" in text

    article = client.get(f"/truyen-thong/tin/{news.slug}/")
    assert article.status_code == 200
    assert "Bước 2: đăng ký tài khoản." in article.content.decode()

    feed = client.get("/truyen-thong/tin/rss/")
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/rss+xml")
    body = feed.content.decode()
    assert "<title>Hướng dẫn cài đặt VNeID</title>" in body
    assert f"/truyen-thong/tin/{news.slug}/" in body


def test_withdrawn_news_is_gone_from_the_list_the_page_and_the_feed(client, world):
    news = publish_news(world, title="Tin sẽ bị thu hồi")
    services.content_withdraw(acting_user=None, content=news.content)
    assert "Tin sẽ bị thu hồi" not in client.get("/truyen-thong/").content.decode()
    assert client.get(f"/truyen-thong/tin/{news.slug}/").status_code == 404
    assert "Tin sẽ bị thu hồi" not in client.get("/truyen-thong/tin/rss/").content.decode()


def test_an_open_survey_is_answered_on_the_portal_without_signing_in(client, world):
    survey = services.survey_create(
        acting_user=None,
        unit=world.units["a"],
        title="Khảo sát nhận thức về chuyển đổi số",
        questions=[
            {"text": "Bạn đã cài đặt VNeID chưa?", "kind": "yes_no"},
            {"text": "Bạn hiểu về dịch vụ công trực tuyến đến mức nào?", "kind": "scale"},
        ],
    )
    services.survey_open(acting_user=None, survey=survey)
    questions = list(survey.questions.all())
    url = f"/truyen-thong/khao-sat/{survey.pk}/"

    page = client.get(url)
    assert "Bạn đã cài đặt VNeID chưa?" in page.content.decode()

    missing = client.post(url, {"audience": "elderly", "unit": world.units["a"].pk})
    assert missing.status_code == 200
    assert "Vui lòng kiểm tra lại" in missing.content.decode() or missing.context["form"].errors

    answered = client.post(
        url,
        {
            "audience": "elderly",
            "unit": world.units["a"].pk,
            f"q{questions[0].pk}": "yes",
            f"q{questions[1].pk}": "4",
        },
    )
    assert answered.status_code == 302
    assert answered["Location"] == f"/truyen-thong/khao-sat/{survey.pk}/cam-on/"
    response = survey.responses.get()
    assert response.unit == world.units["a"]
    assert response.score == pytest.approx(87.5)


def test_a_draft_survey_is_not_public(client, world):
    survey = services.survey_create(
        acting_user=None,
        unit=world.units["a"],
        title="Chưa mở",
        questions=[{"text": "Câu hỏi?", "kind": "yes_no"}],
    )
    assert survey.status == Survey.Status.DRAFT
    assert client.get(f"/truyen-thong/khao-sat/{survey.pk}/").status_code == 404


# --- officials: permissions and scope ------------------------------------------------------------


STAFF_PAGES = [
    "/truyen-thong/chien-dich/",
    "/truyen-thong/chien-dich/lich/",
    "/truyen-thong/noi-dung/",
    "/truyen-thong/truyen-thanh/",
    "/truyen-thong/truyen-thanh/tuan-thu/",
    "/truyen-thong/gui-tin/",
]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_pages_ask_for_a_sign_in_then_a_permission(client, world, url):
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/tai-khoan/dang-nhap/")
    login(client, world.people["noperm"])
    assert client.get(url).status_code == 403
    client.logout()
    login(client, world.people["a"])
    assert client.get(url).status_code == 200


def test_campaigns_are_listed_in_scope_only(client, world):
    login(client, world.people["a"])
    page = client.get("/truyen-thong/chien-dich/").content.decode()
    assert "Chiến dịch cao điểm VNeID" in page
    assert "Chiến dịch cao điểm" in page

    client.logout()
    login(client, world.people["b"])
    page = client.get("/truyen-thong/chien-dich/").content.decode()
    assert "Chiến dịch cao điểm VNeID" not in page
    campaign = world.objects["campaign"]
    assert client.get(f"/truyen-thong/chien-dich/{campaign.pk}/").status_code == 404


def test_the_calendar_highlights_the_peak_period(client, world):
    login(client, world.people["a"])
    page = client.get("/truyen-thong/chien-dich/lich/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "calendar__peak" in text
    assert "giai đoạn cao điểm" in text
    assert "Chiến dịch cao điểm VNeID" in text
    empty = client.get("/truyen-thong/chien-dich/lich/?month=2020-01").content.decode()
    assert "calendar__peak" not in empty
    assert "Không có chiến dịch nào trong tháng này." in empty


def test_campaign_detail_shows_reach_against_targets(client, world):
    campaign = world.objects["campaign"]
    services.activity_log_create(
        acting_user=None,
        team=world.objects["team"],
        campaign=campaign,
        date=timezone.localdate(),
        place="Nhà văn hoá thôn Một",
        households_visited=50,
        vneid_level2=25,
    )
    login(client, world.people["a"])
    text = client.get(f"/truyen-thong/chien-dich/{campaign.pk}/").content.decode()
    assert "Mức độ đạt so với chỉ tiêu" in text
    assert "50 / 200 (25%)" in text
    assert "25 / 100 (25%)" in text


def test_content_approval_flow_through_the_pages_with_its_history(client, world):
    login(client, world.people["a"])
    created = client.post(
        "/truyen-thong/noi-dung/moi/",
        {
            "kind": "radio",
            "title": "Bản tin chuyển đổi số số 1",
            "body": "Nội dung bản tin.",
            "priority": "normal",
            "dx_section": "on",
            "campaign": world.objects["campaign"].pk,
        },
    )
    content = Content.objects.get(title="Bản tin chuyển đổi số số 1")
    assert created["Location"] == f"/truyen-thong/noi-dung/{content.pk}/"
    assert content.status == "draft" and content.dx_section

    page = client.get(created["Location"]).content.decode()
    assert "Trình duyệt" in page

    action_url = f"/truyen-thong/noi-dung/{content.pk}/thao-tac/"
    client.post(action_url, {"action": "submit"})
    client.post(action_url, {"action": "approve"})
    content.refresh_from_db()
    assert content.status == "approved"

    page = client.get(f"/truyen-thong/noi-dung/{content.pk}/").content.decode()
    assert "Lịch sử duyệt nội dung" in page
    for event in ["Soạn thảo", "Đã gửi duyệt", "Đã duyệt phát hành"]:
        assert event in page
    assert "Lê Thị Truyền" in page
    assert "Xếp lịch trên cụm loa" in page  # the schedule form of an approved bulletin


def test_an_action_not_allowed_shows_the_vietnamese_refusal(client, world):
    content = make_bulletin(world, status="draft")
    login(client, world.people["a"])
    answer = client.post(
        f"/truyen-thong/noi-dung/{content.pk}/thao-tac/", {"action": "approve"}, follow=True
    )
    assert answer.status_code == 200
    content.refresh_from_db()
    assert content.status == "draft"
    assert any(m.level_tag == "error" for m in answer.context["messages"])


def test_content_of_another_commune_is_not_found(client, world):
    content = make_bulletin(world)
    login(client, world.people["b"])
    assert client.get(f"/truyen-thong/noi-dung/{content.pk}/").status_code == 404
    client.post(f"/truyen-thong/noi-dung/{content.pk}/thao-tac/", {"action": "approve"})
    content.refresh_from_db()
    assert content.status == "review"


def test_schedule_play_log_and_compliance(client, world):
    content = make_bulletin(world, status="approved")
    cluster = world.objects["cluster"]
    login(client, world.people["a"])
    start = timezone.localtime() - dt.timedelta(hours=1)
    scheduled = client.post(
        f"/truyen-thong/noi-dung/{content.pk}/lich-phat/",
        {"cluster": cluster.pk, "starts_at": start.strftime("%Y-%m-%dT%H:%M")},
    )
    assert scheduled.status_code == 302
    schedule = client.get(f"/truyen-thong/truyen-thanh/?cluster={cluster.pk}").content.decode()
    assert "Bản tin chuyển đổi số tuần" in schedule

    before = client.get("/truyen-thong/truyen-thanh/tuan-thu/").content.decode()
    assert "Xã An" in before
    assert '<span class="badge badge--bad">Chưa đạt</span>' in before

    client.post(
        "/truyen-thong/truyen-thanh/nhat-ky-phat/",
        {
            "cluster": cluster.pk,
            "content": content.pk,
            "started_at": start.strftime("%Y-%m-%dT%H:%M"),
            "minutes": "8",
        },
    )
    after = client.get("/truyen-thong/truyen-thanh/tuan-thu/").content.decode()
    assert '<span class="badge badge--ok">Đạt</span>' in after
    assert "Chưa đạt" not in after


def test_an_emergency_pre_empts_and_the_schedule_shows_it(client, world):
    normal = make_bulletin(world, status="approved", title="Bản tin thường kỳ")
    emergency = services.content_create(
        acting_user=None,
        unit=world.units["a"],
        kind="radio",
        title="Khẩn cấp: bão số 3",
        body="Bà con di dời ngay.",
        priority="emergency",
    )
    services.content_submit(acting_user=None, content=emergency)
    services.content_approve(acting_user=None, content=emergency)
    cluster = world.objects["cluster"]
    start = timezone.now() + dt.timedelta(hours=2)
    services.slot_schedule(acting_user=None, cluster=cluster, content=normal, starts_at=start)
    services.slot_schedule(acting_user=None, cluster=cluster, content=emergency, starts_at=start)
    login(client, world.people["a"])
    text = client.get("/truyen-thong/truyen-thanh/").content.decode()
    assert "slot--preempted" in text
    assert "bởi “Khẩn cấp: bão số 3”" in text
    assert "Khẩn cấp: bão số 3" in text


def test_failed_deliveries_are_visible_and_can_be_retried(client, world, settings):
    content = services.content_create(
        acting_user=None, unit=world.units["a"], kind="sms", title="Tin nhắn", body="Cài VNeID."
    )
    services.content_submit(acting_user=None, content=content)
    services.content_approve(acting_user=None, content=content)
    from tinhso.outreach.models import Delivery, Dispatch

    dispatch = Dispatch.objects.create(content=content, channel="sms", status="failed")
    Delivery.objects.create(
        dispatch=dispatch,
        address="84912345678",
        status="failed",
        attempts=5,
        error_message="Cổng SMS không trả lời",
    )
    login(client, world.people["a"])
    page = client.get(f"/truyen-thong/gui-tin/?dispatch={dispatch.pk}").content.decode()
    assert "Thất bại" in page
    assert "Cổng SMS không trả lời" in page
    assert "84912345678" not in page  # a phone number is personal data: masked
    assert "Gửi lại ngay" in page
    client.post(f"/truyen-thong/gui-tin/{dispatch.pk}/gui-lai/")
    assert Delivery.objects.get().status in {"pending", "sent", "retrying", "failed"}
    assert Delivery.objects.get().attempts <= 1


# --- teams -----------------------------------------------------------------------------------


def test_a_team_member_sees_their_team_with_members_and_training(client, world):
    login(client, world.people["member"])
    team = world.objects["team"]
    listing = client.get("/truyen-thong/to-cong-nghe/").content.decode()
    assert "Tổ CNS thôn Một" in listing
    page = client.get(f"/truyen-thong/to-cong-nghe/{team.pk}/").content.decode()
    assert "Phạm Văn Thành Viên" in page
    assert "Tổ trưởng" in page
    assert "Tập huấn kỹ năng số cơ bản" in page


def test_a_citizen_outside_the_team_cannot_see_it(client, world):
    login(client, CitizenFactory())
    assert client.get("/truyen-thong/to-cong-nghe/").status_code == 403
    team = world.objects["team"]
    assert client.get(f"/truyen-thong/to-cong-nghe/{team.pk}/").status_code == 404


def test_the_activity_form_without_javascript_stores_a_log_once(client, world):
    login(client, world.people["member"])
    page = client.get("/truyen-thong/to-cong-nghe/nhat-ky/").content.decode()
    assert "Ghi nhật ký hoạt động" in page
    assert "Chưa đồng bộ" in page
    assert 'data-sync-url="/api/v1/outreach/activity-logs/sync"' in page
    key = str(uuid.uuid4())
    data = {
        "client_uuid": key,
        "team": world.objects["team"].pk,
        "date": timezone.localdate().isoformat(),
        "place": "Xóm Đông",
        "kind": "door_to_door",
        "households_visited": "12",
        "guided_public_services": "5",
        "vneid_level2": "3",
    }
    first = client.post("/truyen-thong/to-cong-nghe/nhat-ky/", data)
    assert first.status_code == 302
    again = client.post("/truyen-thong/to-cong-nghe/nhat-ky/", data)  # a double tap
    assert again.status_code == 302
    log = ActivityLog.objects.get()
    assert str(log.client_uuid) == key
    assert (log.households_visited, log.guided_public_services, log.vneid_level2) == (12, 5, 3)
    assert log.recorded_by == world.people["member"]


def test_the_activity_form_refuses_a_future_date_in_vietnamese(client, world):
    login(client, world.people["member"])
    answer = client.post(
        "/truyen-thong/to-cong-nghe/nhat-ky/",
        {
            "team": world.objects["team"].pk,
            "date": (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
            "place": "Xóm Đông",
            "kind": "door_to_door",
        },
    )
    assert answer.status_code == 200
    assert "Không thể ghi nhật ký cho một ngày trong tương lai." in answer.content.decode()
    assert not ActivityLog.objects.exists()


def test_someone_in_no_team_is_told_so(client, world):
    login(client, world.people["b"])
    page = client.get("/truyen-thong/to-cong-nghe/nhat-ky/").content.decode()
    # Officer b has outreach.teams over commune B only: no team there.
    assert "Bạn chưa là thành viên của tổ công nghệ số cộng đồng nào." in page


def test_a_draft_is_edited_but_content_in_review_is_frozen(client, world):
    content = make_bulletin(world, status="draft")
    login(client, world.people["a"])
    page = client.get(f"/truyen-thong/noi-dung/{content.pk}/").content.decode()
    assert "Sửa bản nháp" in page
    data = {
        "kind": "radio",
        "title": "Bản tin đã sửa",
        "body": "Nội dung mới.",
        "priority": "priority",
        "dx_section": "on",
    }
    edited = client.post(f"/truyen-thong/noi-dung/{content.pk}/sua/", data)
    assert edited.status_code == 302
    content.refresh_from_db()
    assert (content.title, content.priority) == ("Bản tin đã sửa", "priority")

    services.content_submit(acting_user=None, content=content)
    assert (
        "Sửa bản nháp" not in client.get(f"/truyen-thong/noi-dung/{content.pk}/").content.decode()
    )
    refused = client.post(f"/truyen-thong/noi-dung/{content.pk}/sua/", {**data, "title": "Khác"})
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors()
    content.refresh_from_db()
    assert content.title == "Bản tin đã sửa"
