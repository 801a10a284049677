"""Notifications: written in the transaction, sent only after it commits, outcome recorded."""

import pytest
from django.core import mail
from django.db import transaction

from tinhso.kernel import notifications
from tinhso.kernel.errors import InvalidInput
from tinhso.kernel.models import Notification
from tinhso.kernel.notifications import notify, register_channel
from tinhso.kernel.tasks import send_notification
from tinhso.kernel.tests.factories import NotificationFactory


class Boom(Exception):
    pass


class BrokenChannel:
    def send(self, notification):
        raise ConnectionError("SMS gateway unreachable")


class RecordingChannel:
    def __init__(self):
        self.sent = []

    def send(self, notification):
        self.sent.append(notification.pk)


@pytest.fixture
def channels(monkeypatch):
    # Register test channels in a copy so no test leaks one into another.
    monkeypatch.setattr(notifications, "_channels", dict(notifications._channels))


@pytest.mark.django_db
class TestNotify:
    def test_sent_only_after_commit(self, official, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            notification = notify(recipient=official, subject="Hồ sơ", body="Đã tiếp nhận.")
        assert notification.status == Notification.Status.QUEUED
        assert notification.address == "canbo@example.vn"
        assert mail.outbox == []
        assert len(callbacks) == 1

        callbacks[0]()  # the commit
        notification.refresh_from_db()
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["canbo@example.vn"]
        assert mail.outbox[0].subject == "Hồ sơ"
        assert notification.status == Notification.Status.SENT
        assert notification.attempts == 1
        assert notification.sent_at is not None

    def test_nothing_is_sent_when_the_transaction_rolls_back(
        self, official, django_capture_on_commit_callbacks
    ):
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(Boom),
            transaction.atomic(),
        ):
            notify(recipient=official, subject="Hồ sơ", body="Đã tiếp nhận.")
            raise Boom
        assert callbacks == []
        assert mail.outbox == []
        assert not Notification.objects.exists()

    def test_an_explicit_address(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            notify(address="dan@example.vn", subject="Kết quả", body="Có kết quả.")
        assert mail.outbox[0].to == ["dan@example.vn"]

    def test_no_address_is_refused(self, django_user_model):
        person = django_user_model.objects.create_user(username="khong_email", email="")
        with pytest.raises(InvalidInput) as caught:
            notify(recipient=person, subject="A", body="B")
        assert caught.value.code == "notification_no_address"
        assert not Notification.objects.exists()

    def test_an_unknown_channel_is_a_programming_error(self):
        with pytest.raises(ValueError):
            notify(address="0912345678", channel="pigeon", subject="A", body="B")

    def test_a_registered_channel_delivers(self, channels, django_capture_on_commit_callbacks):
        sms = RecordingChannel()
        register_channel("sms", sms)
        with django_capture_on_commit_callbacks(execute=True):
            notification = notify(address="0912345678", channel="sms", subject="A", body="B")
        assert sms.sent == [notification.pk]
        assert mail.outbox == []


@pytest.mark.django_db
class TestSendTask:
    def test_failure_is_recorded_and_retry_counts(self, channels):
        register_channel("sms", BrokenChannel())
        notification = NotificationFactory(channel="sms", address="0912345678")
        assert send_notification.call(notification.pk) == "failed"
        notification.refresh_from_db()
        assert notification.status == Notification.Status.FAILED
        assert notification.attempts == 1
        assert notification.last_error == "ConnectionError: SMS gateway unreachable"
        assert notification.sent_at is None

        send_notification.enqueue(notification.pk)
        notification.refresh_from_db()
        assert notification.attempts == 2

    def test_email_failure_is_recorded(self, settings):
        settings.EMAIL_BACKEND = "tinhso.kernel.tests.test_notifications.FailingEmailBackend"
        notification = NotificationFactory()
        send_notification.enqueue(notification.pk)
        notification.refresh_from_db()
        assert notification.status == Notification.Status.FAILED
        assert "mail server refused" in notification.last_error

    def test_a_sent_notification_is_not_sent_again(self):
        notification = NotificationFactory()
        send_notification.enqueue(notification.pk)
        send_notification.enqueue(notification.pk)
        notification.refresh_from_db()
        assert len(mail.outbox) == 1
        assert notification.attempts == 1

    def test_a_missing_notification(self):
        assert send_notification.call(123456) == "missing"


class FailingEmailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("mail server refused the connection")
