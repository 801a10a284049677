"""SMS brandname gateway client (tin nhắn thương hiệu), eSMS.vn's JSON API.

Protocol (eSMS.vn "SendMultipleMessage_V4_post_json", the most common Vietnamese brandname
API; the stand-in in ``outreach/standins.py`` speaks the same):

``POST {TINHSO_SMS_URL}/MainService.svc/json/SendMultipleMessage_V4_post_json/``
with a JSON body::

    {"ApiKey": ..., "SecretKey": ..., "Phone": "84912345678", "Content": "...",
     "Brandname": "TINHSO", "SmsType": "2", "IsUnicode": "1", "RequestId": "<unique>"}

answered ``200`` with ``{"CodeResult": "100", "SMSID": "...", "CountRegenerate": 0}`` on
success; any other ``CodeResult`` is a refusal with ``ErrorMessage`` (``"101"`` wrong keys,
``"103"`` balance too low, ``"104"`` unknown brandname, ``"118"`` invalid phone, ``"99"``
unknown error). HTTP 429 and 5xx, time-outs and connection errors are retried with back-off;
``"99"`` and ``"103"`` are retryable too, the others are final. ``RequestId`` lets the gateway
drop a retried request it already accepted.

Settings: ``TINHSO_SMS_URL`` (unset = SMS disabled), ``TINHSO_SMS_API_KEY``,
``TINHSO_SMS_SECRET_KEY``, ``TINHSO_SMS_BRANDNAME`` (default "TINHSO"),
``TINHSO_SMS_RATE_PER_SECOND`` (default 10).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from tinhso.outreach import errors
from tinhso.outreach.channels.base import (
    LimiterSlot,
    OutgoingMessage,
    RateLimiter,
    SendResult,
    TransportError,
    post_json,
    setting,
)

SEND_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
RETRYABLE_CODES = frozenset({"99", "103"})
_PHONE_RE = re.compile(r"^84[35789]\d{8}$")
TIMEOUT = 10.0


def normalize_phone(phone: str) -> str:
    """``"0912 345 678"``, ``"+84912345678"`` → ``"84912345678"``, or ``AddressInvalid``."""
    digits = re.sub(r"[\s.\-()]", "", phone or "")
    if digits.startswith("+"):
        digits = digits[1:]
    if digits.startswith("0"):
        digits = "84" + digits[1:]
    if not _PHONE_RE.match(digits):
        raise errors.AddressInvalid()
    return digits


def _retry_after(response) -> float | None:
    try:
        value = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), "")
        return float(value)
    except ValueError:
        return None


class SmsClient:
    name = "sms"

    def __init__(self) -> None:
        self._limiter = LimiterSlot("TINHSO_SMS_RATE_PER_SECOND", 10)

    @property
    def base_url(self) -> str:
        return setting("TINHSO_SMS_URL").rstrip("/")

    def disabled_reason(self) -> str | None:
        if not self.base_url:
            return _("SMS is disabled: set TINHSO_SMS_URL and TINHSO_SMS_API_KEY.")
        if not setting("TINHSO_SMS_API_KEY"):
            return _("SMS is disabled: set TINHSO_SMS_API_KEY.")
        return None

    def normalize_address(self, address: str) -> str:
        return normalize_phone(address)

    def limiter(self) -> RateLimiter:
        return self._limiter.get()

    def send(self, *, address: str, message: OutgoingMessage) -> SendResult:
        body = {
            "ApiKey": setting("TINHSO_SMS_API_KEY"),
            "SecretKey": setting("TINHSO_SMS_SECRET_KEY"),
            "Phone": address,
            "Content": message.text,
            "Brandname": setting("TINHSO_SMS_BRANDNAME", "TINHSO"),
            "SmsType": "2",
            "IsUnicode": "1",
            "RequestId": message.request_id,
        }
        self.limiter().wait()
        try:
            response = post_json(self.base_url + SEND_PATH, body, timeout=TIMEOUT)
        except TransportError as exc:
            return SendResult.failure("network", str(exc), retryable=True)
        if response.status_code == 429 or response.status_code >= 500:
            return SendResult.failure(
                f"http_{response.status_code}",
                response.text[:200],
                retryable=True,
                retry_after=_retry_after(response),
            )
        try:
            data = response.json()
        except ValueError:
            return SendResult.failure(
                f"http_{response.status_code}", "not JSON: " + response.text[:150], retryable=False
            )
        code = str(data.get("CodeResult", ""))
        if response.status_code == 200 and code == "100":
            return SendResult(ok=True, provider_message_id=str(data.get("SMSID", "")))
        return SendResult.failure(
            f"esms_{code or response.status_code}",
            data.get("ErrorMessage") or response.text[:200],
            retryable=code in RETRYABLE_CODES,
        )
