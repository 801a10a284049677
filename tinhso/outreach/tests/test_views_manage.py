"""The management pages: campaign create/edit, teams (members, training), surveys (create,
open/close, results and CSV), sending content on a channel. Vietnamese text, scope, errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tinhso.outreach import services
from tinhso.outreach.models import Campaign, Survey, Team, TeamMember, TrainingRecord
from tinhso.outreach.tests.conftest import approved

pytestmark = pytest.mark.django_db


def test_campaign_create_and_edit(client, world):
    client.force_login(world.officer_a)
    page = client.get("/truyen-thong/chien-dich/moi/").content.decode()
    assert "Mục tiêu" in page and "Chỉ tiêu" in page and world.village_a1.name in page
    assert "Lập chiến dịch" in client.get("/truyen-thong/chien-dich/").content.decode()
    today = timezone.localdate()
    response = client.post(
        "/truyen-thong/chien-dich/moi/",
        {
            "title": "Cao điểm VNeID",
            "goal": "Mọi hộ dùng VNeID",
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=60)).isoformat(),
            "is_peak": "on",
            "target_units": [str(world.village_a1.pk)],
            "audiences": ["elderly"],
            "channels": ["radio", "sms"],
            "key_messages": "Cài VNeID\nThanh toán không tiền mặt",
            "target_households_reached": "300",
        },
    )
    campaign = Campaign.objects.get(title="Cao điểm VNeID")
    assert response.status_code == 302
    assert campaign.is_peak and campaign.targets == {"households_reached": 300}
    assert campaign.key_messages == ["Cài VNeID", "Thanh toán không tiền mặt"]
    assert list(campaign.target_units.all()) == [world.village_a1]
    edit = f"/truyen-thong/chien-dich/{campaign.pk}/sua/"
    assert "Cao điểm VNeID" in client.get(edit).content.decode()
    bad = client.post(edit, {"title": "X", "starts_on": today.isoformat(),
                             "ends_on": (today - dt.timedelta(days=1)).isoformat()})  # fmt: skip
    assert bad.status_code == 200
    assert 'id="id_ends_on_error"' in bad.content.decode()
    client.force_login(world.officer_b)
    assert client.get(edit).status_code == 404


def test_team_create_manage_and_scope(client, world):
    client.force_login(world.officer_a)
    assert "Thành lập tổ" in client.get("/truyen-thong/to-cong-nghe/moi/").content.decode()
    assert "Thành lập tổ" in client.get("/truyen-thong/to-cong-nghe/").content.decode()
    response = client.post(
        "/truyen-thong/to-cong-nghe/moi/",
        {
            "unit": world.village_a1.pk,
            "name": "Tổ CNS xóm 1",
            "decision_ref": "15/QĐ-UBND",
            "leader_name": "Nguyễn Văn Tổ",
            "leader_phone": "0912345678",
            "members": "Trần Thị Một; 0987654321; Bí thư chi đoàn\nLê Văn Hai",
        },
    )
    team = Team.objects.get(name="Tổ CNS xóm 1")
    assert response.status_code == 302
    assert team.members.filter(role="leader").count() == 1 and team.members.count() == 3
    manage = f"/truyen-thong/to-cong-nghe/{team.pk}/quan-ly/"
    assert "Trần Thị Một" in client.get(manage).content.decode()
    # A second leader is refused with the service's Vietnamese message, no 500.
    page = client.post(
        f"/truyen-thong/to-cong-nghe/{team.pk}/thanh-vien/",
        {"full_name": "Người Khác", "role": "leader"},
    )
    assert page.status_code == 200 and "Vui lòng kiểm tra" in page.content.decode()
    member = team.members.get(full_name="Lê Văn Hai")
    client.post(f"/truyen-thong/to-cong-nghe/{team.pk}/thanh-vien/{member.pk}/ngung/")
    assert not TeamMember.objects.get(pk=member.pk).is_active
    client.post(
        f"/truyen-thong/to-cong-nghe/{team.pk}/tap-huan/",
        {"title": "Tập huấn kỹ năng số", "held_on": timezone.localdate().isoformat(),
         "hours": "4", "attendees": "3", "skills": ["online_payment"]},
    )  # fmt: skip
    assert TrainingRecord.objects.filter(team=team, skills=["online_payment"]).exists()
    client.force_login(world.officer_b)
    assert client.get(manage).status_code == 404
    assert client.post(f"/truyen-thong/to-cong-nghe/{team.pk}/tap-huan/", {}).status_code == 404
    client.force_login(world.viewer_a)
    assert client.get(manage).status_code == 403


def test_team_form_errors_beside_fields(client, world):
    client.force_login(world.officer_a)
    page = client.post("/truyen-thong/to-cong-nghe/moi/", {"unit": world.village_a1.pk})
    assert page.status_code == 200
    assert 'id="id_name_error"' in page.content.decode()


def test_survey_create_open_results_csv(client, world):
    client.force_login(world.officer_a)
    response = client.post(
        "/truyen-thong/khao-sat/quan-ly/moi/",
        {
            "title": "Khảo sát nhận thức",
            "phase": "before",
            "q1_text": "Bạn đã cài VNeID chưa?",
            "q1_kind": "yes_no",
            "q2_text": "Kênh nào an toàn?",
            "q2_kind": "choice",
            "q2_choices": "Cổng dịch vụ công\nĐường link lạ",
            "q2_correct": "Cổng dịch vụ công",
            **{f"q{n}_kind": "yes_no" for n in range(3, 7)},
        },
    )
    survey = Survey.objects.get(title="Khảo sát nhận thức")
    assert response.status_code == 302 and survey.questions.count() == 2
    client.post(f"/truyen-thong/khao-sat/quan-ly/{survey.pk}/trang-thai/", {"action": "open"})
    survey.refresh_from_db()
    assert survey.status == "open"
    q1, q2 = survey.questions.order_by("order")
    services.survey_answer(acting_user=None, survey=survey, unit=world.commune_a,
                           answers={q1.pk: "yes", q2.pk: "Cổng dịch vụ công"},
                           audience="elderly")  # fmt: skip
    page = client.get(f"/truyen-thong/khao-sat/quan-ly/{survey.pk}/ket-qua/").content.decode()
    assert world.commune_a.name in page and "Người cao tuổi" in page
    assert "Theo địa bàn" in page and "Tải về dạng CSV" in page
    csv = client.get(f"/truyen-thong/khao-sat/quan-ly/{survey.pk}/ket-qua.csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert world.commune_a.name in csv.content.decode()
    # Opening twice: the service refuses, the page says so in Vietnamese.
    again = client.post(
        f"/truyen-thong/khao-sat/quan-ly/{survey.pk}/trang-thai/", {"action": "open"}, follow=True
    )
    assert again.status_code == 200
    client.force_login(world.officer_b)
    assert client.get(f"/truyen-thong/khao-sat/quan-ly/{survey.pk}/ket-qua/").status_code == 404


def test_survey_needs_a_question(client, world):
    client.force_login(world.officer_a)
    page = client.post("/truyen-thong/khao-sat/quan-ly/moi/", {"title": "T", "phase": "before"})
    assert page.status_code == 200 and 'id="id_q1_text_error"' in page.content.decode()


def test_dispatch_page_with_recipients(client, world, sms, django_capture_on_commit_callbacks):
    content = approved(world, kind="sms", unit=world.commune_a)
    client.force_login(world.officer_a)
    url = f"/truyen-thong/noi-dung/{content.pk}/gui/"
    page = client.get(url).content.decode()
    assert "Địa chỉ nhận" in page and "Gửi trên một kênh" in page
    response = client.post(url, {"channel": "sms", "addresses": "0912345678\n0987654321"})
    assert response.status_code == 302 and "dispatch=" in response["Location"]
    assert content.dispatches.count() == 1
    assert content.dispatches.get().deliveries.count() == 2
    client.force_login(world.officer_b)
    assert client.get(url).status_code == 404
