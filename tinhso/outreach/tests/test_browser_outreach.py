"""Outreach in a real browser (Playwright + Debian's Chromium), every page checked with axe.

1. A team member on a 360 px phone logs an activity while offline: it is kept on the phone
   and counted as not synced; back online it syncs, and even when the first answer is lost
   (the server stored the log, the phone never heard) the log is stored exactly once.
   With the page kept by the service worker, the form even opens with no network.
2. A communication officer approves a radio bulletin, has its audio generated and plays it,
   schedules it on a loudspeaker cluster, enters the play log, and the compliance page shows
   the commune as compliant.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from tinhso.outreach import services
from tinhso.outreach.models import ActivityLog, BroadcastSlot, PlayLog
from tinhso.outreach.tests.test_views import build_world, make_bulletin, publish_news
from tinhso.portal.tests.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user) -> None:
    """Give the browser a session of ``user`` (the sign-in page has its own tests)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_a_team_member_logs_an_activity_offline_and_it_syncs_once(phone_page, live_server):
    page = phone_page
    world = build_world()
    sign_in(page, live_server, world.people["member"])

    page.goto("/truyen-thong/to-cong-nghe/nhat-ky/")
    expect(page.locator("h1")).to_have_text("Ghi nhật ký hoạt động")
    counter = page.locator(".offline-status__count")
    expect(counter).to_have_text("Chưa đồng bộ (0)")
    sync_now = page.get_by_role("button", name="Đồng bộ ngay")
    expect(sync_now).to_be_hidden()
    assert_accessible(page)

    # No signal in the village.
    page.context.set_offline(True)
    page.get_by_label("Địa điểm").fill("Xóm Đông, thôn Một")
    page.get_by_label("Số hộ đã đến").fill("14")
    page.get_by_label("Dịch vụ công trực tuyến").fill("6")
    page.get_by_label("Kích hoạt VNeID mức 2").fill("4")
    page.get_by_role("button", name="Lưu nhật ký").click()

    expect(counter).to_have_text("Chưa đồng bộ (1)")
    expect(page.locator("#offline-state")).to_contain_text("Không có mạng")
    expect(page.locator("#offline-list")).to_contain_text("Xóm Đông, thôn Một")
    # The form is ready for the next visit of the same outing: place kept, counts cleared.
    expect(page.get_by_label("Số hộ đã đến")).to_have_value("0")
    assert ActivityLog.objects.count() == 0
    assert_accessible(page)

    # Back online, the first answer is lost on the way: the server stored the log, but the
    # phone heard only an error, so it keeps the log and sends it again later.
    calls = []

    def lose_first_answer(route):
        calls.append(route.request.post_data_json)
        response = route.fetch()
        if len(calls) == 1:
            route.fulfill(status=503, json={"code": "unavailable", "message": "mất kết nối"})
        else:
            route.fulfill(response=response)

    page.route("**/api/v1/outreach/activity-logs/sync", lose_first_answer)
    page.context.set_offline(False)
    expect(page.locator("#offline-state")).to_contain_text("Không kết nối được máy chủ")
    expect(counter).to_have_text("Chưa đồng bộ (1)")
    assert ActivityLog.objects.count() == 1

    sync_now.click()
    expect(counter).to_have_text("Chưa đồng bộ (0)")
    expect(sync_now).to_be_hidden()
    expect(page.locator("#offline-state")).to_contain_text("Đã gửi")
    assert len(calls) == 2
    assert calls[0]["items"][0]["client_uuid"] == calls[1]["items"][0]["client_uuid"]

    log = ActivityLog.objects.get()
    assert str(log.client_uuid) == calls[0]["items"][0]["client_uuid"]
    assert (log.households_visited, log.guided_public_services, log.vneid_level2) == (14, 6, 4)
    assert log.place == "Xóm Đông, thôn Một"
    assert log.team == world.objects["team"]
    assert log.recorded_by == world.people["member"]
    assert_accessible(page)

    # A new visit of the page finds nothing left on the phone, and the log on the server.
    page.unroute("**/api/v1/outreach/activity-logs/sync")
    page.wait_for_load_state("networkidle")  # the favicon too: a reload would abort it
    page.reload()
    expect(counter).to_have_text("Chưa đồng bộ (0)")
    expect(page.locator("main")).to_contain_text("Xóm Đông, thôn Một")
    assert_accessible(page)
    assert ActivityLog.objects.count() == 1

    # The service worker kept a copy: the form opens with no network at all.
    page.wait_for_function("() => navigator.serviceWorker && !!navigator.serviceWorker.controller")
    page.wait_for_load_state("networkidle")
    page.reload()  # online, through the worker: this copy is the one kept
    page.wait_for_load_state("networkidle")
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("h1")).to_have_text("Ghi nhật ký hoạt động")
    expect(counter).to_have_text("Chưa đồng bộ (0)")
    assert_accessible(page)
    page.get_by_label("Địa điểm").fill("Xóm Tây")
    page.get_by_label("Số hộ đã đến").fill("3")
    page.get_by_role("button", name="Lưu nhật ký").click()
    expect(counter).to_have_text("Chưa đồng bộ (1)")
    page.context.set_offline(False)
    expect(counter).to_have_text("Chưa đồng bộ (0)")
    assert ActivityLog.objects.count() == 2
    assert ActivityLog.objects.filter(place="Xóm Tây", households_visited=3).count() == 1


def test_an_officer_approves_schedules_and_the_commune_complies(desktop_page, live_server):
    page = desktop_page
    world = build_world()
    bulletin = make_bulletin(world, status="review", title="Chuyên mục chuyển đổi số tuần này")
    sign_in(page, live_server, world.people["a"])

    page.goto(f"/truyen-thong/noi-dung/{bulletin.pk}/")
    expect(page.locator("h1")).to_have_text("Chuyên mục chuyển đổi số tuần này")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Duyệt", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("Đã duyệt.")
    expect(page.locator(".trail")).to_contain_text("Đã duyệt phát hành")
    assert_accessible(page)

    if shutil.which("espeak-ng"):
        with page.expect_navigation():
            page.get_by_role("button", name="Tạo âm thanh từ văn bản").click()
        expect(page.locator("#messages")).to_contain_text("Đã tạo âm thanh.")
        audio = page.locator("audio.bulletin-audio")
        expect(audio).to_have_count(1)
        # The browser fetched and decoded the WAV: it knows how long it lasts.
        # Nothing is downloaded before "play" (preload="none": phones on mobile data).
        assert audio.get_attribute("preload") == "none"
        audio.evaluate("a => { a.muted = true; return a.play(); }")
        page.wait_for_function(
            "() => { const a = document.querySelector('audio.bulletin-audio');"
            " return a.currentTime > 0 && a.duration > 0 && a.buffered.length"
            " && a.buffered.end(0) >= a.duration - 0.01; }"
        )
        audio.evaluate("a => a.pause()")
        assert_accessible(page)

    start = timezone.localtime() - dt.timedelta(minutes=30)
    if start.date() != timezone.localdate():
        start = timezone.localtime().replace(second=0, microsecond=0)
    page.get_by_label("Cụm loa", exact=True).select_option(str(world.objects["cluster"].pk))
    page.get_by_label("Bắt đầu lúc").fill(start.strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        page.get_by_role("button", name="Xếp lịch", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("Đã xếp lịch phát bản tin.")
    expect(page.locator(".trail")).to_contain_text("Đã xếp lịch trên cụm loa")
    assert BroadcastSlot.objects.filter(content=bulletin).count() == 1
    assert_accessible(page)

    page.goto("/truyen-thong/truyen-thanh/")
    expect(page.locator("main table")).to_contain_text("Chuyên mục chuyển đổi số tuần này")
    assert_accessible(page)

    page.goto("/truyen-thong/truyen-thanh/tuan-thu/")
    row = page.locator("tr", has_text="Xã An")
    expect(row).to_contain_text("Chưa đạt")
    assert_accessible(page)

    # The cluster cannot report: the operator enters what it aired, 8 minutes.
    page.goto("/truyen-thong/truyen-thanh/nhat-ky-phat/")
    page.get_by_label("Bản tin", exact=True).select_option(str(bulletin.pk))
    page.get_by_label("Thời điểm phát").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Số phút đã phát").fill("8")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu nhật ký phát").click()
    expect(page.locator("#messages")).to_contain_text("Đã lưu nhật ký phát.")
    assert PlayLog.objects.get().duration_seconds == 480
    assert_accessible(page)

    page.goto("/truyen-thong/truyen-thanh/tuan-thu/")
    row = page.locator("tr", has_text="Xã An")
    expect(row.locator(".badge")).to_have_text("Đạt")
    assert_accessible(page)


def test_every_other_outreach_page_passes_axe_on_a_phone(phone_page, live_server):
    page = phone_page
    world = build_world()
    news = publish_news(world)
    survey = services.survey_create(
        acting_user=None,
        unit=world.units["a"],
        title="Khảo sát nhận thức về chuyển đổi số",
        questions=[
            {"text": "Bạn đã cài đặt VNeID chưa?", "kind": "yes_no"},
            {"text": "Bạn hiểu về dịch vụ công trực tuyến đến mức nào?", "kind": "scale"},
            {"text": "Góp ý của bạn", "kind": "text"},
        ],
    )
    services.survey_open(acting_user=None, survey=survey)
    campaign = world.objects["campaign"]
    team = world.objects["team"]

    # Public pages, signed out.
    for url in ["/truyen-thong/", f"/truyen-thong/tin/{news.slug}/"]:
        page.goto(url)
        expect(page.locator("main")).to_contain_text("Hướng dẫn cài đặt VNeID")
        assert_accessible(page)
    page.goto(f"/truyen-thong/khao-sat/{survey.pk}/")
    assert_accessible(page)
    page.get_by_text("Có", exact=True).click()
    page.locator("label", has_text="4").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi câu trả lời").click()
    expect(page.locator("h1")).to_have_text("Cảm ơn bạn đã trả lời")
    assert survey.responses.count() == 1
    assert_accessible(page)

    sign_in(page, live_server, world.people["a"])
    for url, text in [
        ("/truyen-thong/chien-dich/", "Chiến dịch cao điểm VNeID"),
        ("/truyen-thong/chien-dich/lich/", "Chiến dịch cao điểm VNeID"),
        (f"/truyen-thong/chien-dich/{campaign.pk}/", "Mức độ đạt so với chỉ tiêu"),
        ("/truyen-thong/noi-dung/", "Hướng dẫn cài đặt VNeID"),
        ("/truyen-thong/noi-dung/moi/", "Soạn nội dung"),
        ("/truyen-thong/gui-tin/", "Hướng dẫn cài đặt VNeID"),
        ("/truyen-thong/to-cong-nghe/", "Tổ CNS thôn Một"),
        (f"/truyen-thong/to-cong-nghe/{team.pk}/", "Tập huấn kỹ năng số cơ bản"),
    ]:
        page.goto(url)
        expect(page.locator("main")).to_contain_text(text)
        assert_accessible(page)
