"""Community digital-technology teams, their activity logs and the offline sync contract."""

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection, connections

from tinhso.accounts.models import User
from tinhso.outreach import errors, selectors, services, sync
from tinhso.outreach.models import ActivityLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(world):
    team = services.team_create(
        acting_user=world.officer_a, unit=world.village_a1, name="Tổ CNSCĐ Xóm 1",
        decision_ref="123/QĐ-UBND", decision_date=dt.date(2025, 8, 1),
        targets={"households_reached": 200, "vneid_level2": 150},
    )  # fmt: skip
    services.team_member_add(
        acting_user=world.officer_a, team=team, full_name="Nguyễn Văn Trưởng",
        role="leader", position="Trưởng xóm", phone="0912000111",
    )  # fmt: skip
    return team


def _item(team, **extra):
    return {
        "client_uuid": str(uuid.uuid4()), "team_id": team.pk, "date": "2026-03-05",
        "place": "Nhà văn hóa Xóm 1", "kind": "evening_session", "households_visited": 12,
        "guided_public_services": 5, "guided_online_payment": 3, "vneid_level2": 4, **extra,
    }  # fmt: skip


def test_a_team_has_one_leader(world, team):
    with pytest.raises(errors.TeamLeaderExists):
        services.team_member_add(
            acting_user=world.officer_a, team=team, full_name="Người thứ hai", role="leader"
        )
    member = services.team_member_add(
        acting_user=world.officer_a, team=team, full_name="Đoàn viên", position="Bí thư chi đoàn"
    )
    assert member.role == "member" and team.members.count() == 2
    assert team.members.get(role="leader").phone == "84912000111"


def test_another_commune_cannot_manage_the_team(world, team):
    with pytest.raises(errors.UnitOutOfScope):
        services.team_member_add(acting_user=world.officer_b, team=team, full_name="X")
    with pytest.raises(errors.UnitOutOfScope):
        services.team_create(acting_user=world.officer_b, unit=world.village_a1, name="Tổ lạ")


def test_training_records(world, team):
    record = services.training_record_create(
        acting_user=world.officer_a, team=team, title="Tập huấn kỹ năng số cơ bản",
        held_on=dt.date(2025, 9, 10), organiser="Sở KH&CN cùng VNPT", hours=4, attendees=3,
        skills=["public_services", "safety_online"],
    )  # fmt: skip
    assert record.skills == ["public_services", "safety_online"]
    with pytest.raises(errors.ChoiceInvalid):
        services.training_record_create(
            acting_user=world.officer_a, team=team, title="x", held_on=dt.date(2025, 9, 10),
            skills=["bay"],
        )  # fmt: skip


def test_synced_twice_is_stored_once(world, team):
    item = _item(team)
    first = sync.activity_log_sync(acting_user=world.officer_a, items=[item])
    second = sync.activity_log_sync(acting_user=world.officer_a, items=[item, item])
    assert first[0].status == "created"
    assert [r.status for r in second] == ["duplicate", "duplicate"]
    assert {r.id for r in first + second} == {first[0].id}
    assert ActivityLog.objects.count() == 1
    log = ActivityLog.objects.get()
    assert log.source == "sync" and log.households_visited == 12 and log.vneid_level2 == 4


def test_one_bad_item_does_not_stop_the_others(world, team):
    items = [
        _item(team),
        _item(team, households_visited=-3),
        _item(team, date="không phải ngày"),
        _item(team, team_id=999999),
        {"team_id": team.pk, "date": "2026-03-05"},
        _item(team, date="2099-01-01"),
    ]
    results = sync.activity_log_sync(acting_user=world.officer_a, items=items)
    assert [r.status for r in results] == ["created"] + ["error"] * 5
    assert results[1].code == "outreach_choice_invalid"
    assert results[3].code == "outreach_choice_invalid"
    assert results[4].code == "outreach_field_empty"
    assert results[5].code == "outreach_period_invalid"
    assert ActivityLog.objects.count() == 1


def test_a_team_member_logs_for_their_own_team_only(world, team):
    member_user = User.objects.create_user(
        username="thanh_vien", password="x", kind=User.Kind.CITIZEN, full_name="Thành viên"
    )
    services.team_member_add(
        acting_user=world.officer_a, team=team, full_name="Thành viên", user=member_user
    )
    other = services.team_create(acting_user=world.officer_b, unit=world.village_b1, name="Tổ B")
    results = sync.activity_log_sync(acting_user=member_user, items=[_item(team), _item(other)])
    assert [r.status for r in results] == ["created", "error"]
    assert results[1].code == "not_team_member"
    assert list(selectors.teams_user_can_log_for(member_user)) == [team]
    assert list(selectors.teams_user_can_log_for(world.officer_b)) == [other]


def test_text_fields_of_a_log_are_nfc(world, team):
    import unicodedata

    place = unicodedata.normalize("NFD", "Nhà văn hóa  Xóm 1")
    results = sync.activity_log_sync(acting_user=world.officer_a, items=[_item(team, place=place)])
    assert ActivityLog.objects.get(pk=results[0].id).place == "Nhà văn hóa Xóm 1"


@pytest.mark.django_db(transaction=True)
def test_the_same_uuid_synced_concurrently_is_stored_once(world, team):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    item = _item(team)
    results, barrier = [], threading.Barrier(4)

    def worker():
        try:
            barrier.wait()
            results.extend(sync.activity_log_sync(acting_user=world.officer_a, items=[item]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status for r in results)
    assert statuses == ["created", "duplicate", "duplicate", "duplicate"]
    assert ActivityLog.objects.filter(client_uuid=item["client_uuid"]).count() == 1
