"""Grassroots radio: clash rules, text-to-speech, play logs, weekly DX compliance."""

import datetime as dt
import io
import itertools
import shutil
import struct
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from tinhso.kernel.models import AuditEvent
from tinhso.outreach import errors, radio, services, tts
from tinhso.outreach.models import BroadcastSlot
from tinhso.outreach.tests.conftest import approved

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day, hour, minute=0, month=3):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=VN)


@pytest.fixture
def radio_world(world):
    station = services.station_create(
        acting_user=world.officer_a, unit=world.commune_a, code="DAI-A", name="Đài xã Anh Sơn"
    )
    cluster, key = services.cluster_create(
        acting_user=world.officer_a, station=station, code="CUM-A1", name="Cụm loa Xóm 1",
        area=world.village_a1,
    )  # fmt: skip
    world.station, world.cluster, world.cluster_key = station, cluster, key
    return world


def bulletin(world, priority="normal", title="Bản tin", **extra):
    return approved(
        world, kind="radio", unit=world.commune_a, title=title, body="Nội dung bản tin",
        priority=priority, **extra,
    )  # fmt: skip


def schedule(world, content, start, minutes=10):
    return services.slot_schedule(
        acting_user=world.officer_a, cluster=world.cluster, content=content,
        starts_at=start, duration_seconds=minutes * 60,
    )  # fmt: skip


# --- clash rules ------------------------------------------------------------------------------


def test_normal_after_normal_fits_and_a_normal_overlap_is_a_clash(radio_world):
    w = radio_world
    first = schedule(w, bulletin(w), at(2, 6)).slot
    schedule(w, bulletin(w), at(2, 6, 10))  # touching is not overlapping
    with pytest.raises(errors.ScheduleClash) as caught:
        schedule(w, bulletin(w), at(2, 6, 5))
    assert caught.value.code == "schedule_clash"
    assert caught.value.details["slot"] == first.pk


def test_priority_goes_before_normal_which_moves_to_the_next_gap(radio_world):
    w = radio_world
    normal_1 = schedule(w, bulletin(w, title="Thường 1"), at(2, 6)).slot
    normal_2 = schedule(w, bulletin(w, title="Thường 2"), at(2, 6, 10)).slot
    fixed = schedule(w, bulletin(w, title="Thường 3"), at(2, 6, 30)).slot
    outcome = schedule(w, bulletin(w, "priority", title="Ưu tiên"), at(2, 6, 5))
    assert outcome.slot.starts_at == at(2, 6, 5)
    moved = {s.pk: s for s in outcome.moved}
    assert set(moved) == {normal_1.pk, normal_2.pk}
    # Normal 1 (6:00–6:10) goes after the priority slot (ends 6:15) → 6:15–6:25; normal 2 can
    # no longer fit before the 6:30 slot → after it, 6:40–6:50.
    assert moved[normal_1.pk].starts_at == at(2, 6, 15)
    assert moved[normal_2.pk].starts_at == at(2, 6, 40)
    assert moved[normal_1.pk].moved_from == at(2, 6)
    assert BroadcastSlot.objects.get(pk=fixed.pk).starts_at == at(2, 6, 30)
    assert AuditEvent.objects.filter(action="outreach.slot_move").count() == 2


def test_priority_does_not_displace_priority(radio_world):
    w = radio_world
    schedule(w, bulletin(w, "priority"), at(2, 6))
    with pytest.raises(errors.ScheduleClash):
        schedule(w, bulletin(w, "priority"), at(2, 6, 5))


def test_an_emergency_preempts_and_is_logged(radio_world):
    w = radio_world
    normal = schedule(w, bulletin(w), at(2, 6)).slot
    priority = schedule(w, bulletin(w, "priority"), at(2, 6, 10)).slot
    later = schedule(w, bulletin(w), at(2, 7)).slot
    storm = bulletin(w, "emergency", title="Khẩn: bão số 3")
    outcome = schedule(w, storm, at(2, 6, 5))
    assert {s.pk for s in outcome.preempted} == {normal.pk, priority.pk}
    for slot in (normal, priority):
        slot.refresh_from_db()
        assert slot.status == "preempted" and slot.preempted_by == outcome.slot
    assert BroadcastSlot.objects.get(pk=later.pk).status == "scheduled"
    assert AuditEvent.objects.filter(action="outreach.slot_preempt").count() == 2


def test_an_emergency_without_a_time_starts_now_and_emergencies_queue(radio_world):
    w = radio_world
    before = timezone.now()
    first = services.slot_schedule(
        acting_user=w.officer_a, cluster=w.cluster, content=bulletin(w, "emergency"),
        duration_seconds=120,
    ).slot  # fmt: skip
    assert before <= first.starts_at <= timezone.now()
    second = services.slot_schedule(
        acting_user=w.officer_a, cluster=w.cluster, content=bulletin(w, "emergency"),
        duration_seconds=60,
    ).slot  # fmt: skip
    assert second.starts_at == first.ends_at
    with pytest.raises(errors.FieldEmpty):
        services.slot_schedule(acting_user=w.officer_a, cluster=w.cluster, content=bulletin(w))


def test_plan_slot_is_pure():
    busy = [(at(1, 6), at(1, 6, 10)), (at(1, 6, 20), at(1, 6, 30))]
    assert radio.next_free_start(busy, at(1, 6), dt.timedelta(minutes=10)) == at(1, 6, 10)
    assert radio.next_free_start(busy, at(1, 6), dt.timedelta(minutes=11)) == at(1, 6, 30)


def test_another_commune_cannot_schedule_on_the_cluster(radio_world):
    w = radio_world
    content = bulletin(w)
    with pytest.raises(errors.UnitOutOfScope):
        services.slot_schedule(
            acting_user=w.officer_b, cluster=w.cluster, content=content, starts_at=at(2, 6)
        )


# --- text-to-speech and audio -----------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng is not installed")
def test_tts_produces_a_real_wav(radio_world):
    w = radio_world
    content = bulletin(w, title="Bản tin chuyển đổi số", dx_section=True)
    content = services.bulletin_render_audio(acting_user=w.officer_a, content=content)
    data = content.audio.file.read()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    assert content.audio_seconds > 0.5 and tts.wav_duration(data) == pytest.approx(
        content.audio_seconds, abs=0.01
    )
    assert content.audio.content_type == "audio/wav" and content.audio_source == "tts:espeak-ng"
    # The slot takes the audio's length by default.
    slot = services.slot_schedule(
        acting_user=w.officer_a, cluster=w.cluster, content=content, starts_at=at(2, 6)
    ).slot
    assert slot.duration_seconds == int(content.audio_seconds) + 1


def test_missing_espeak_is_a_clear_error(radio_world, settings, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    settings.TINHSO_ESPEAK_NG = "/khong/co/espeak-ng"
    with pytest.raises(errors.TtsUnavailable) as caught:
        services.bulletin_render_audio(
            acting_user=radio_world.officer_a, content=bulletin(radio_world)
        )
    assert caught.value.status == 503 and "espeak-ng" in str(caught.value.message)
    assert not tts.is_available()


def _wav(seconds=1.0, rate=8000):
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"\x00\x00" * int(rate * seconds))
    return buffer.getvalue()


def test_an_uploaded_recording_is_checked_by_content(world):
    content = services.content_create(
        acting_user=world.officer, unit=world.province, kind="radio", title="Ghi âm", body="x"
    )
    upload = SimpleUploadedFile("ban-tin.wav", _wav(2.0), content_type="audio/wav")
    content = services.bulletin_upload_audio(
        acting_user=world.officer, content=content, uploaded_file=upload
    )
    assert content.audio_seconds == 2.0 and content.audio_source == "upload"
    fake = SimpleUploadedFile("ban-tin.wav", b"MZ\x90\x00 not audio", content_type="audio/wav")
    with pytest.raises(errors.AudioInvalid):
        services.bulletin_upload_audio(
            acting_user=world.officer, content=content, uploaded_file=fake
        )
    renamed = SimpleUploadedFile("ban-tin.mp3", _wav(), content_type="audio/mpeg")
    with pytest.raises(errors.AudioInvalid):
        services.bulletin_upload_audio(
            acting_user=world.officer, content=content, uploaded_file=renamed
        )


def test_a_recording_cannot_replace_approved_audio(world):
    content = approved(world, kind="radio")
    upload = SimpleUploadedFile("ban-tin.wav", _wav(), content_type="audio/wav")
    with pytest.raises(errors.ContentNotEditable):
        services.bulletin_upload_audio(
            acting_user=world.officer, content=content, uploaded_file=upload
        )


# --- play log and compliance ------------------------------------------------------------------


def _play(world, content, start, seconds, report_id=""):
    return services.playlog_record(
        acting_user=world.officer_a, cluster=world.cluster, content=content,
        started_at=start, duration_seconds=seconds, report_id=report_id,
    )  # fmt: skip


def test_weekly_compliance_needs_a_7_to_10_minute_dx_section_every_week(radio_world):
    w = radio_world
    dx = bulletin(w, title="Chuyên mục chuyển đổi số", dx_section=True)
    other = bulletin(w, title="Thông báo tiêm chủng")
    # Week of Monday 2 March 2026: an 8-minute DX section → compliant.
    _play(w, dx, at(4, 18), 8 * 60)
    # Week of 9 March: only 5 minutes of DX and a long non-DX bulletin → not compliant.
    _play(w, dx, at(10, 18), 5 * 60)
    _play(w, other, at(11, 18), 9 * 60)
    # Week of 16 March: 12 minutes (too long) then exactly 7 minutes → compliant.
    _play(w, dx, at(16, 18), 12 * 60)
    _play(w, dx, at(18, 18), 7 * 60)
    result = radio.commune_compliance(
        commune=w.commune_a, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 22)
    )
    assert [week.week_start for week in result.weeks] == [
        dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 3, 16),
    ]  # fmt: skip
    assert [week.compliant for week in result.weeks] == [True, False, True]
    assert result.weeks[1].longest_dx_seconds == 300 and result.weeks[2].dx_plays == 2
    assert not result.compliant and result.compliant_weeks == 2 and result.rate == 66.7
    only_first = radio.commune_compliance(
        commune=w.commune_a, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 8)
    )
    assert only_first.compliant
    # Commune B has no station: it is listed by nobody and never compliant.
    b = radio.commune_compliance(
        commune=w.commune_b, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 8)
    )
    assert not b.has_station and not b.compliant
    listed = radio.compliance_under(
        unit=w.province, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 8)
    )
    assert [c.commune for c in listed] == [w.commune_a]


def test_a_play_marks_its_slot_aired_and_is_stored_once(radio_world):
    w = radio_world
    content = bulletin(w, dx_section=True)
    slot = schedule(w, content, timezone.now() - dt.timedelta(hours=2), minutes=8).slot
    results = services.playlog_report(
        cluster=w.cluster,
        items=[{"report_id": "loa-1", "content_id": content.pk, "slot_id": slot.pk,
                "started_at": slot.starts_at, "duration_seconds": 480}] * 2,
    )  # fmt: skip
    assert [r.status for r in results] == ["created", "duplicate"]
    assert results[0].id == results[1].id
    slot.refresh_from_db()
    assert slot.status == "aired"
    w.cluster.refresh_from_db()
    assert w.cluster.last_seen_at is not None


def test_cluster_key(radio_world):
    w = radio_world
    assert services.cluster_authenticate(code="CUM-A1", key=w.cluster_key) == w.cluster
    with pytest.raises(errors.ClusterKeyInvalid):
        services.cluster_authenticate(code="CUM-A1", key="sai")
    new_key = services.cluster_rotate_key(acting_user=w.officer_a, cluster=w.cluster)
    with pytest.raises(errors.ClusterKeyInvalid):
        services.cluster_authenticate(code="CUM-A1", key=w.cluster_key)
    assert services.cluster_authenticate(code="CUM-A1", key=new_key) == w.cluster


# --- property: after any plan, the scheduled slots of a cluster never overlap ------------------


def _fake_slot(pk, start_minute, minutes, priority):
    slot = BroadcastSlot(
        pk=pk, priority=priority, starts_at=at(1, 0) + dt.timedelta(minutes=start_minute),
        ends_at=at(1, 0) + dt.timedelta(minutes=start_minute + minutes),
    )  # fmt: skip
    return slot


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 240), st.integers(1, 30),
            st.sampled_from(["normal", "priority", "emergency"]),
        ),
        max_size=12,
    )
)  # fmt: skip
def test_planned_schedules_never_overlap(requests):
    scheduled: list[BroadcastSlot] = []
    for pk, (start, minutes, priority) in enumerate(requests, start=1):
        plan = radio.plan_slot(
            priority=priority, starts_at=at(1, 0) + dt.timedelta(minutes=start),
            length=dt.timedelta(minutes=minutes), existing=scheduled,
        )  # fmt: skip
        if plan.clash is not None:
            assert radio.PRIORITY_RANK[plan.clash.priority] >= radio.PRIORITY_RANK[priority]
            assert priority != "emergency"
            continue
        assert plan.ends_at - plan.starts_at == dt.timedelta(minutes=minutes)
        preempted = {slot.pk for slot in plan.preempt}
        scheduled = [slot for slot in scheduled if slot.pk not in preempted]
        for slot, new_start in plan.move:
            assert slot.priority == "normal" and new_start >= plan.ends_at
            length = slot.ends_at - slot.starts_at
            slot.starts_at, slot.ends_at = new_start, new_start + length
        scheduled.append(_fake_slot(pk, 0, 1, priority))
        scheduled[-1].starts_at, scheduled[-1].ends_at = plan.starts_at, plan.ends_at
        spans = sorted((slot.starts_at, slot.ends_at) for slot in scheduled)
        for (_s1, e1), (s2, _e2) in itertools.pairwise(spans):
            assert e1 <= s2
