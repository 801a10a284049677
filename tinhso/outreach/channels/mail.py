"""E-mail client: Django's mail (``EMAIL_BACKEND``, SMTP in production)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email

from tinhso.outreach import errors
from tinhso.outreach.channels.base import OutgoingMessage, SendResult


class EmailClient:
    name = "email"

    def disabled_reason(self) -> str | None:
        return None  # Django always has a mail backend; the console one in development.

    def normalize_address(self, address: str) -> str:
        address = (address or "").strip().lower()
        try:
            validate_email(address)
        except ValidationError:
            raise errors.AddressInvalid() from None
        return address

    def send(self, *, address: str, message: OutgoingMessage) -> SendResult:
        mail = EmailMessage(
            subject=message.title,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers={"X-Tinhso-Request-Id": message.request_id},
        )
        try:
            mail.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            return SendResult.failure("smtp_refused", str(exc), retryable=False)
        except (smtplib.SMTPException, OSError) as exc:
            return SendResult.failure("smtp_error", f"{type(exc).__name__}: {exc}", retryable=True)
        return SendResult(ok=True, provider_message_id=message.request_id)
