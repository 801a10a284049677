"""Content approval: draft → review → approved → released; nothing unapproved goes out."""

import datetime as dt
import unicodedata

import pytest
from django.utils import timezone

from tinhso.kernel.errors import Conflict, Forbidden
from tinhso.kernel.models import AuditEvent
from tinhso.outreach import errors, services
from tinhso.outreach.models import Content, News
from tinhso.outreach.tests.conftest import approved

pytestmark = pytest.mark.django_db


def _draft(world, kind="sms", **extra):
    return services.content_create(
        acting_user=world.officer, unit=world.province, kind=kind, title="Tin thử",
        body="Nội dung thử", **extra,
    )  # fmt: skip


def test_text_is_stored_nfc_with_paragraphs_kept(world):
    decomposed = unicodedata.normalize("NFD", "Chuyển đổi số")
    content = _draft(world, kind="article")
    content = services.content_update(
        acting_user=world.officer,
        content=content,
        title=f"  {decomposed}   toàn dân ",
        body=f"{decomposed}\r\n\r\nĐoạn hai  ",
    )
    assert content.title == "Chuyển đổi số toàn dân"
    assert unicodedata.is_normalized("NFC", content.title)
    assert content.body == "Chuyển đổi số\n\nĐoạn hai"


def test_the_flow_is_audited_and_freezes_the_text(world):
    content = _draft(world)
    services.content_submit(acting_user=world.officer, content=content)
    with pytest.raises(errors.ContentNotEditable):
        services.content_update(acting_user=world.officer, content=content, body="Khác")
    services.content_return(acting_user=world.leader, content=content, note="Sửa câu 2")
    content.refresh_from_db()
    assert content.status == "draft" and content.review_note == "Sửa câu 2"
    services.content_submit(acting_user=world.officer, content=content)
    services.content_approve(acting_user=world.leader, content=content)
    content.refresh_from_db()
    assert content.status == "approved" and content.approved_by == world.leader
    actions = list(
        AuditEvent.objects.filter(object_type="outreach.content", object_id=str(content.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "outreach.content_create",
        "outreach.content_submit",
        "outreach.content_return",
        "outreach.content_submit",
        "outreach.content_approve",
    ]


def test_a_forbidden_transition_is_a_conflict_listing_the_allowed_actions(world):
    content = _draft(world)
    with pytest.raises(Conflict) as caught:
        services.content_approve(acting_user=world.leader, content=content)
    assert caught.value.code == "transition_not_allowed"
    assert caught.value.details["allowed"] == ["submit"]


def test_a_viewer_cannot_approve(world):
    content = _draft(world, kind="sms")
    content.unit = world.commune_a
    content.save()
    services.content_submit(acting_user=world.officer_a, content=content)
    with pytest.raises(Forbidden) as caught:
        services.content_approve(acting_user=world.viewer_a, content=content)
    assert caught.value.code == "forbidden"


@pytest.mark.parametrize("status", ["draft", "review", "withdrawn"])
def test_nothing_unapproved_is_sent_published_aired_or_printed(world, status, settings):
    settings.TINHSO_SMS_URL = "http://127.0.0.1:9"
    settings.TINHSO_SMS_API_KEY = "k"
    sms = _draft(world, kind="sms")
    article = _draft(world, kind="article")
    bulletin = _draft(world, kind="radio")
    leaflet = _draft(world, kind="leaflet")
    station = services.station_create(
        acting_user=world.officer, unit=world.commune_a, code="DAI-A", name="Đài xã A"
    )
    cluster, _key = services.cluster_create(
        acting_user=world.officer, station=station, code="CUM-A1", name="Cụm loa xóm 1"
    )
    for content in (sms, article, bulletin, leaflet):
        Content.objects.filter(pk=content.pk).update(status=status)
    with pytest.raises(errors.ContentNotApproved):
        services.dispatch_create(
            acting_user=world.officer, content=sms, channel="sms", addresses=["0912345678"]
        )
    with pytest.raises(errors.ContentNotApproved):
        services.dispatch_create(acting_user=world.officer, content=article, channel="portal")
    with pytest.raises(errors.ContentNotApproved):
        services.slot_schedule(
            acting_user=world.officer, cluster=cluster, content=bulletin,
            starts_at=timezone.now() + dt.timedelta(hours=1),
        )  # fmt: skip
    with pytest.raises(errors.ContentNotApproved):
        services.bulletin_render_audio(acting_user=world.officer, content=bulletin)
    with pytest.raises(errors.ContentNotApproved):
        services.leaflet_render(acting_user=world.officer, content=leaflet)
    with pytest.raises(errors.ContentNotApproved):
        services.playlog_record(
            acting_user=world.officer, cluster=cluster, content=bulletin,
            started_at=timezone.now(), duration_seconds=60,
        )  # fmt: skip
    results = services.playlog_report(
        cluster=cluster,
        items=[{"report_id": "r1", "content_id": bulletin.pk,
                "started_at": timezone.now(), "duration_seconds": 60}],
    )  # fmt: skip
    assert results[0].status == "error" and results[0].code == "content_not_approved"
    assert not News.objects.exists()


def test_release_publishes_news_and_withdraw_hides_it(world):
    article = approved(world, kind="article", title="Ngày Chuyển đổi số 10/10", summary="Tóm tắt")
    dispatch = services.dispatch_create(
        acting_user=world.officer, content=article, channel="portal"
    )
    assert dispatch.status == "done"
    article.refresh_from_db()
    assert article.status == "released" and article.released_at is not None
    news = News.objects.get(content=article)
    assert news.title == "Ngày Chuyển đổi số 10/10" and news.is_visible
    assert news.slug.startswith("ngay-chuyen-doi-so-1010")
    services.content_withdraw(acting_user=world.leader, content=article, note="Sai số liệu")
    news.refresh_from_db()
    assert not news.is_visible


def test_a_message_queued_before_withdrawal_is_not_sent(world, sms):
    content = approved(world, kind="sms", body="Kích hoạt VNeID mức 2")
    dispatch = services.dispatch_create(
        acting_user=world.officer, content=content, channel="sms", addresses=["0912345678"]
    )
    services.content_withdraw(acting_user=world.leader, content=content)
    dispatch = services.dispatch_run(dispatch_id=dispatch.pk)
    assert sms.received == []
    delivery = dispatch.deliveries.get()
    assert delivery.status == "failed" and delivery.error_code == "content_withdrawn"
    assert dispatch.status == "failed"


def test_templates_fill_placeholders(world):
    template = services.template_create(
        acting_user=None, kind="sms", name="Mời kích hoạt",
        title="Mời {xa} kích hoạt VNeID", body="Bà con {xa} đến {noi} để được hỗ trợ {khac}.",
    )  # fmt: skip
    content = services.content_create_from_template(
        acting_user=world.officer, template=template, unit=world.province,
        values={"xa": "xã Anh Sơn", "noi": "nhà văn hóa"},
    )  # fmt: skip
    assert content.title == "Mời xã Anh Sơn kích hoạt VNeID"
    assert content.body == "Bà con xã Anh Sơn đến nhà văn hóa để được hỗ trợ {khac}."
    assert content.template == template and content.status == "draft"


def test_an_approved_leaflet_renders_to_pdf(world):
    leaflet = approved(
        world, kind="leaflet", title="5 kỹ năng số cơ bản",
        body="Mỗi hộ có một người thành thạo:\n\n- Dịch vụ công trực tuyến\n- Thanh toán số",
    )  # fmt: skip
    stored = services.leaflet_render(acting_user=world.officer, content=leaflet)
    data = stored.file.read()
    assert data.startswith(b"%PDF-") and stored.content_type == "application/pdf"
    leaflet.refresh_from_db()
    assert leaflet.leaflet_pdf == stored and leaflet.status == "released"
    from tinhso.outreach import leaflet as leaflet_module

    html = leaflet_module.render_html(leaflet)
    assert "<li>Dịch vụ công trực tuyến</li>" in html and "5 kỹ năng số cơ bản" in html


def test_the_tick_command_runs_here_with_now(world, capsys):
    from django.core.management import call_command

    call_command("outreach_tick", "--now")
    assert capsys.readouterr().out.strip() == "dispatches=0"
