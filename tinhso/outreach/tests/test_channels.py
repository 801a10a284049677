"""Each channel client against its stand-in server over real loopback HTTP: success, failure
with retry and back-off, opt-out, disabled channel, rate limit."""

import datetime as dt
import time

import pytest
from django.core import mail
from django.utils import timezone

from tinhso.kernel.models import AuditEvent
from tinhso.outreach import channels, errors, services, tasks
from tinhso.outreach.channels.base import OutgoingMessage, RateLimiter
from tinhso.outreach.models import Delivery, Dispatch
from tinhso.outreach.tests.conftest import approved

pytestmark = pytest.mark.django_db


def _message(text="Xin chào"):
    return OutgoingMessage(content_id=0, title="Tiêu đề", text=text, request_id="req-1")


# --- SMS (eSMS.vn JSON API) ----------------------------------------------------------------


def test_sms_client_speaks_the_esms_protocol(sms):
    result = channels.get_client("sms").send(address="84912345678", message=_message("Chào bà con"))
    assert result.ok and result.provider_message_id == "sms-1"
    body = sms.received[0]
    assert body["ApiKey"] == "khoa-thu" and body["Brandname"] == "TINHSO"
    assert body["Phone"] == "84912345678" and body["Content"] == "Chào bà con"
    assert body["IsUnicode"] == "1" and body["SmsType"] == "2" and body["RequestId"] == "req-1"


def test_sms_refusals_are_final_or_retryable_by_code(sms, settings):
    client = channels.get_client("sms")
    sms.fail_next(1, 200, {"CodeResult": "104", "ErrorMessage": "Brandname not registered"})
    result = client.send(address="84912345678", message=_message())
    assert not result.ok and result.error_code == "esms_104" and not result.retryable
    sms.fail_next(1, 503, {"error": "busy"})
    assert client.send(address="84912345678", message=_message()).retryable
    sms.fail_next(1, 429, {"error": "slow down"}, {"Retry-After": "120"})
    result = client.send(address="84912345678", message=_message())
    assert result.retryable and result.retry_after == 120
    settings.TINHSO_SMS_API_KEY = "sai"
    result = client.send(address="84912345678", message=_message())
    assert result.error_code == "esms_101" and not result.retryable


def test_an_unreachable_gateway_is_retryable(world, settings):
    settings.TINHSO_SMS_URL = "http://127.0.0.1:9"  # discard port: connection refused
    settings.TINHSO_SMS_API_KEY = "k"
    result = channels.get_client("sms").send(address="84912345678", message=_message())
    assert not result.ok and result.retryable and result.error_code == "network"


def test_phone_numbers_are_normalised():
    client = channels.get_client("sms")
    assert client.normalize_address("0912 345 678") == "84912345678"
    assert client.normalize_address("+84 912.345.678") == "84912345678"
    for bad in ["12345", "0212345678", "84912345", "abc"]:
        with pytest.raises(errors.AddressInvalid):
            client.normalize_address(bad)


def test_a_dispatch_delivers_and_stores_a_result_per_recipient(world, sms):
    content = approved(world, kind="sms", body="Cài VNeID tại nhà văn hóa xóm")
    dispatch = services.dispatch_create(
        acting_user=world.officer, content=content, channel="sms",
        addresses=["0912345678", "0987654321", "84912345678", "không-phải-số"],
    )  # fmt: skip
    dispatch = services.dispatch_run(dispatch_id=dispatch.pk)
    rows = {d.address: d for d in dispatch.deliveries.all()}
    assert set(rows) == {"84912345678", "84987654321", "không-phải-số"}
    assert rows["84912345678"].status == "sent" and rows["84912345678"].provider_message_id
    assert rows["không-phải-số"].status == "refused_invalid"
    assert [b["Phone"] for b in sms.received] == ["84912345678", "84987654321"]
    assert dispatch.status == "partly_failed"
    content.refresh_from_db()
    assert content.status == "released"


def test_a_failing_gateway_is_retried_with_back_off_then_succeeds(world, sms):
    content = approved(world, kind="sms")
    dispatch = services.dispatch_create(
        acting_user=world.officer, content=content, channel="sms", addresses=["0912345678"]
    )
    sms.fail_next(2, 503, {"error": "down"})
    start = timezone.now()
    dispatch = services.dispatch_run(dispatch_id=dispatch.pk, now=start)
    delivery = dispatch.deliveries.get()
    assert delivery.status == "retrying" and delivery.attempts == 1
    assert delivery.next_attempt_at == start + dt.timedelta(seconds=60)
    assert dispatch.status == "retrying" and "http_503" in dispatch.last_error
    # Not due yet: nothing is sent.
    services.dispatch_run(dispatch_id=dispatch.pk, now=start + dt.timedelta(seconds=30))
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1
    second = start + dt.timedelta(seconds=61)
    services.dispatch_run(dispatch_id=dispatch.pk, now=second)
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == second + dt.timedelta(seconds=120)  # doubled
    dispatch = services.dispatch_run(dispatch_id=dispatch.pk, now=second + dt.timedelta(hours=1))
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 3 and delivery.error_code == ""
    assert dispatch.status == "done" and len(sms.received) == 1


def test_a_channel_that_keeps_failing_ends_failed_and_visible(world, sms):
    content = approved(world, kind="sms")
    dispatch = services.dispatch_create(
        acting_user=world.officer, content=content, channel="sms", addresses=["0912345678"]
    )
    sms.fail_next(10, 500, {"error": "down"})
    moment = timezone.now()
    for _attempt in range(services.MAX_ATTEMPTS):
        dispatch = services.dispatch_run(dispatch_id=dispatch.pk, now=moment)
        moment += dt.timedelta(hours=2)
    delivery = dispatch.deliveries.get()
    assert delivery.status == "failed" and delivery.attempts == services.MAX_ATTEMPTS
    assert dispatch.status == "failed" and "http_500" in dispatch.last_error
    assert AuditEvent.objects.filter(action="outreach.dispatch_failed").exists()
    assert dispatch in services_failed(world)
    # An operator retries once the gateway is back.
    services.dispatch_retry(acting_user=world.officer, dispatch=dispatch)
    sms.fail_next(0, 0, {})
    sms._failures.clear()
    dispatch = services.dispatch_run(dispatch_id=dispatch.pk)
    assert dispatch.status == "done"


def services_failed(world):
    from tinhso.outreach import selectors

    return list(selectors.failed_dispatches_for_user(world.officer))


def test_the_tick_sends_retries_that_are_due(world, sms):
    content = approved(world, kind="sms")
    dispatch = services.dispatch_create(
        acting_user=world.officer, content=content, channel="sms", addresses=["0912345678"]
    )
    sms.fail_next(1, 503, {})
    services.dispatch_run(dispatch_id=dispatch.pk, now=timezone.now() - dt.timedelta(hours=1))
    assert tasks.run_tick() == {"dispatches": 1}
    assert Dispatch.objects.get(pk=dispatch.pk).status == "done"


def test_sms_to_an_opted_out_number_is_refused(world, sms):
    services.optout_add(
        acting_user=None, channel="sms", address="0912 345 678", reason="Không muốn"
    )
    content = approved(world, kind="sms")
    with pytest.raises(errors.RecipientOptedOut) as caught:
        services.dispatch_create(
            acting_user=world.officer, content=content, channel="sms", addresses=["0912345678"]
        )
    assert caught.value.code == "recipient_opted_out"
    # In a list, the opted-out number is stored as refused and never reaches the gateway.
    dispatch = services.dispatch_create(
        acting_user=world.officer, content=content, channel="sms",
        addresses=["0912345678", "0987654321"],
    )  # fmt: skip
    dispatch = services.dispatch_run(dispatch_id=dispatch.pk)
    statuses = dict(dispatch.deliveries.values_list("address", "status"))
    assert statuses == {"84912345678": "refused_opt_out", "84987654321": "sent"}
    assert [b["Phone"] for b in sms.received] == ["84987654321"]
    assert dispatch.status == "done"


def test_an_opt_out_after_queueing_is_honoured_at_send_time(world, sms):
    content = approved(world, kind="sms")
    dispatch = services.dispatch_create(
        acting_user=world.officer, content=content, channel="sms", addresses=["0912345678"]
    )
    services.optout_add(acting_user=None, channel="sms", address="+84912345678")
    dispatch = services.dispatch_run(dispatch_id=dispatch.pk)
    assert dispatch.deliveries.get().status == "refused_opt_out"
    assert sms.received == []


def test_an_unconfigured_channel_is_disabled_with_a_clear_message(world, settings):
    settings.TINHSO_SMS_URL = ""
    settings.TINHSO_ZALO_URL = ""
    content = approved(world, kind="sms")
    with pytest.raises(errors.ChannelDisabled) as caught:
        services.dispatch_create(
            acting_user=world.officer, content=content, channel="sms", addresses=["0912345678"]
        )
    assert "TINHSO_SMS_URL" in str(caught.value.message)
    assert channels.get_client("zalo").disabled_reason()


def test_contacts_are_the_recipients_by_unit_and_audience(world, sms):
    for phone, unit, audience in [
        ("0911111111", world.village_a1, "elderly"),
        ("0922222222", world.commune_a, "youth"),
        ("0933333333", world.commune_b, "elderly"),
    ]:
        services.contact_create(
            acting_user=None, unit=unit, phone=phone, audience=audience, full_name="Người nhận"
        )
    content = approved(world, kind="sms")
    dispatch = services.dispatch_create(
        acting_user=world.officer, content=content, channel="sms",
        units=[world.commune_a], audiences=["elderly"],
    )  # fmt: skip
    assert list(dispatch.deliveries.values_list("address", flat=True)) == ["84911111111"]


def test_the_rate_limiter_spaces_sends():
    limiter = RateLimiter(20)  # one every 50 ms
    start = time.monotonic()
    for _ in range(5):
        limiter.wait()
    assert time.monotonic() - start >= 0.19


def test_sms_sends_respect_the_configured_rate(world, sms, settings):
    settings.TINHSO_SMS_RATE_PER_SECOND = 10
    content = approved(world, kind="sms")
    dispatch = services.dispatch_create(
        acting_user=world.officer, content=content, channel="sms",
        addresses=["0911111111", "0922222222", "0933333333", "0944444444"],
    )  # fmt: skip
    start = time.monotonic()
    services.dispatch_run(dispatch_id=dispatch.pk)
    assert time.monotonic() - start >= 0.29
    assert len(sms.received) == 4


# --- Zalo OA ---------------------------------------------------------------------------------


def test_zalo_client_speaks_the_oa_protocol(zalo):
    result = channels.get_client("zalo").send(address="1001", message=_message("Tin Zalo"))
    assert result.ok and result.provider_message_id == "zmsg-1"
    assert zalo.received[0] == {"recipient": {"user_id": "1001"}, "message": {"text": "Tin Zalo"}}
    headers = {key.lower(): value for key, value in zalo.headers[0].items()}
    assert headers["access_token"] == "token-thu"


def test_zalo_errors(world, zalo, settings):
    client = channels.get_client("zalo")
    result = client.send(address="9999", message=_message())  # not a follower
    assert not result.ok and result.error_code == "zalo_-213" and not result.retryable
    assert "followed" in result.error_message
    zalo.fail_next(1, 200, {"error": -32, "message": "Rate limit exceeded"})
    assert client.send(address="1001", message=_message()).retryable
    settings.TINHSO_ZALO_ACCESS_TOKEN = "het-han"
    result = client.send(address="1001", message=_message())
    assert result.error_code == "zalo_-216" and result.retryable


def test_a_zalo_dispatch_with_retry(world, zalo):
    content = approved(world, kind="zalo", body="Tham gia khảo sát nhận thức chuyển đổi số")
    dispatch = services.dispatch_create(
        acting_user=world.officer, content=content, channel="zalo",
        addresses=["1001", "1002", "9999"],
    )  # fmt: skip
    zalo.fail_next(1, 502, {"error": -1, "message": "bad gateway"})
    moment = timezone.now()
    dispatch = services.dispatch_run(dispatch_id=dispatch.pk, now=moment)
    assert dispatch.status == "retrying"
    dispatch = services.dispatch_run(dispatch_id=dispatch.pk, now=moment + dt.timedelta(hours=1))
    statuses = dict(dispatch.deliveries.values_list("address", "status"))
    assert statuses == {"1001": "sent", "1002": "sent", "9999": "failed"}
    assert dispatch.status == "partly_failed" and "zalo_-213" in dispatch.last_error


# --- e-mail ----------------------------------------------------------------------------------


def test_email_goes_through_django_mail(world):
    content = approved(world, kind="email", title="Bản tin chuyển đổi số", body="Nội dung thư")
    dispatch = services.dispatch_create(
        acting_user=world.officer, content=content, channel="email",
        addresses=["Dan@Example.vn", "sai-dia-chi"],
    )  # fmt: skip
    dispatch = services.dispatch_run(dispatch_id=dispatch.pk)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["dan@example.vn"]
    assert mail.outbox[0].subject == "Bản tin chuyển đổi số"
    statuses = dict(dispatch.deliveries.values_list("address", "status"))
    assert statuses == {"dan@example.vn": "sent", "sai-dia-chi": "refused_invalid"}


def test_content_goes_only_to_its_channel(world, sms):
    article = approved(world, kind="article")
    with pytest.raises(errors.ContentKindInvalid):
        services.dispatch_create(
            acting_user=world.officer, content=article, channel="sms", addresses=["0912345678"]
        )


def test_a_retry_is_enqueued_for_when_it_is_due(world, sms, django_capture_on_commit_callbacks):
    from django_tasks import default_task_backend
    from django_tasks_db.models import DBTaskResult

    if not default_task_backend.supports_defer:
        pytest.skip("the configured task backend cannot defer a task")

    content = approved(world, kind="sms")
    with django_capture_on_commit_callbacks(execute=True):
        dispatch = services.dispatch_create(
            acting_user=world.officer, content=content, channel="sms", addresses=["0912345678"]
        )
    first = DBTaskResult.objects.get()
    assert first.task_path.endswith("dispatch_send") and first.args_kwargs["args"] == [dispatch.pk]
    sms.fail_next(1, 503, {})
    with django_capture_on_commit_callbacks(execute=True):
        dispatch = services.dispatch_run(dispatch_id=dispatch.pk)
    retry = DBTaskResult.objects.exclude(pk=first.pk).get()
    assert retry.run_after == dispatch.next_attempt_at
    # The task run early (a worker picking it before its time) sends nothing yet.
    assert tasks.dispatch_send.call(dispatch.pk) == "retrying"
    assert len(sms.received) == 0


def test_a_dispatch_being_sent_is_not_sent_twice(world, sms):
    content = approved(world, kind="sms")
    dispatch = services.dispatch_create(
        acting_user=world.officer, content=content, channel="sms", addresses=["0912345678"]
    )
    later = timezone.now() + dt.timedelta(minutes=5)
    Dispatch.objects.filter(pk=dispatch.pk).update(status="sending", locked_until=later)
    services.dispatch_run(dispatch_id=dispatch.pk)
    assert sms.received == [] and Dispatch.objects.get(pk=dispatch.pk).status == "sending"
    # A run that died: once its lease has passed, the tick takes the dispatch up again.
    assert dispatch.pk not in services.dispatches_due()
    Dispatch.objects.filter(pk=dispatch.pk).update(locked_until=timezone.now())
    assert dispatch.pk in services.dispatches_due(timezone.now() + dt.timedelta(seconds=1))
    tasks.run_tick()
    assert Dispatch.objects.get(pk=dispatch.pk).status == "done" and len(sms.received) == 1
