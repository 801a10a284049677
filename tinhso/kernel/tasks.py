"""Background work of the kernel room (Django's task API, ``django_tasks``)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from tinhso.kernel.models import Notification
from tinhso.kernel.notifications import get_channel

logger = logging.getLogger(__name__)


@task()
def send_notification(notification_id: int) -> str:
    """Send one notification and record the outcome on its row; returns the new status.

    The attempt is counted and committed before the channel is called, and no lock is held
    while it talks to the outside world (SQLite has one writer). Delivery is at least once:
    a notification already sent is not sent again, but two runs started at the same moment
    could both send.
    """
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None:
            logger.warning("Notification %s no longer exists.", notification_id)
            return "missing"
        if notification.status == Notification.Status.SENT:
            return notification.status
        notification.attempts += 1
        notification.save(update_fields=["attempts"])

    try:
        get_channel(notification.channel).send(notification)
    except Exception as exc:
        notification.status = Notification.Status.FAILED
        notification.last_error = f"{type(exc).__name__}: {exc}"[:500]
        notification.save(update_fields=["status", "last_error"])
        logger.warning(
            "Notification %s on %s failed (attempt %s): %s",
            notification.pk,
            notification.channel,
            notification.attempts,
            type(exc).__name__,
        )
        return notification.status

    notification.status = Notification.Status.SENT
    notification.sent_at = timezone.now()
    notification.last_error = ""
    notification.save(update_fields=["status", "sent_at", "last_error"])
    return notification.status
