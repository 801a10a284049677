"""Notifications (thông báo): one way to tell a person something, whatever the channel.

``notify`` records a ``Notification`` row and queues its sending for after the caller's
transaction commits, so a rolled-back change never tells anyone anything. A background task
(``tinhso.kernel.tasks.send_notification``) hands the row to its channel's sender and records
the outcome. Channels (e-mail here; SMS, Zalo OA and others are registered by whoever provides
them) implement ``send(notification)`` and raise on failure.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tinhso.kernel.errors import InvalidInput
from tinhso.kernel.models import Notification


class Channel(Protocol):
    def send(self, notification: Notification) -> None:
        """Deliver the notification or raise."""


class EmailChannel:
    """E-mail through Django's configured e-mail backend."""

    def send(self, notification: Notification) -> None:
        send_mail(
            subject=notification.subject,
            message=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.address],
            fail_silently=False,
        )

    def address_for(self, user) -> str:
        return getattr(user, user.get_email_field_name(), "") or ""


_channels: dict[str, Channel] = {}


def register_channel(name: str, sender: Channel) -> None:
    """Make ``sender`` deliver the notifications of channel ``name`` (replaces any earlier
    sender of that name). A sender may also offer ``address_for(user) -> str`` so callers can
    name a recipient instead of an address."""
    if len(name) > Notification._meta.get_field("channel").max_length:
        raise ValueError(f"Channel name too long: {name!r}")
    _channels[name] = sender


def get_channel(name: str) -> Channel:
    try:
        return _channels[name]
    except KeyError:
        raise ValueError(f"No notification channel named {name!r} is registered.") from None


register_channel("email", EmailChannel())


def notify(
    *,
    recipient=None,
    address: str | None = None,
    channel: str = "email",
    subject: str,
    body: str,
) -> Notification:
    """Queue a message to ``recipient`` (a user) or to ``address`` on ``channel``.

    The row is written in the caller's transaction; sending starts only once it commits.
    Without ``address`` the channel looks up the recipient's address (e-mail: the user's
    e-mail); a person without one gets ``InvalidInput("notification_no_address")``.
    """
    sender = get_channel(channel)
    if not address and recipient is not None and hasattr(sender, "address_for"):
        address = sender.address_for(recipient)
    address = (address or "").strip()
    if not address:
        raise InvalidInput(
            "notification_no_address",
            _("There is no address to send this notification to."),
        )
    notification = Notification.objects.create(
        recipient=recipient,
        address=address[:255],
        channel=channel,
        subject=subject[:255],
        body=body,
    )
    transaction.on_commit(lambda: _enqueue(notification.pk))
    return notification


def _enqueue(notification_id: int) -> None:
    from tinhso.kernel.tasks import send_notification

    send_notification.enqueue(notification_id)
