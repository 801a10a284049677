"""Zalo Official Account client: customer-service text messages (tin nhắn tư vấn).

Protocol (Zalo OA Open API v3): ``POST {TINHSO_ZALO_URL}/v3.0/oa/message/cs`` (the real base
URL is ``https://openapi.zalo.me``) with the header ``access_token: <OA access token>`` and the
JSON body ``{"recipient": {"user_id": "<follower id>"}, "message": {"text": "..."}}``.
The answer is always JSON: ``{"error": 0, "message": "Success", "data": {"message_id": ...,
"user_id": ...}}`` on success, else ``{"error": <negative code>, "message": "..."}``.

Codes treated as retryable: ``-32`` (rate limit exceeded), ``-216``/``-124`` (access token
expired or invalid: an operator may refresh it; retried later), and HTTP 429/5xx, time-outs
and connection errors. The rest (``-213`` the user does not follow the OA, ``-201`` bad
parameters, ...) are final.

Settings: ``TINHSO_ZALO_URL`` (unset = Zalo disabled), ``TINHSO_ZALO_ACCESS_TOKEN``,
``TINHSO_ZALO_RATE_PER_SECOND`` (default 10).
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

SEND_PATH = "/v3.0/oa/message/cs"
RETRYABLE_ERRORS = frozenset({-32, -216, -124})
MAX_TEXT = 2000  # Zalo's limit on a text message
_USER_ID_RE = re.compile(r"^[0-9]{1,32}$")
TIMEOUT = 10.0


class ZaloClient:
    name = "zalo"

    def __init__(self) -> None:
        self._limiter = LimiterSlot("TINHSO_ZALO_RATE_PER_SECOND", 10)

    @property
    def base_url(self) -> str:
        return setting("TINHSO_ZALO_URL").rstrip("/")

    def disabled_reason(self) -> str | None:
        if not self.base_url or not setting("TINHSO_ZALO_ACCESS_TOKEN"):
            return _("Zalo OA is disabled: set TINHSO_ZALO_URL and TINHSO_ZALO_ACCESS_TOKEN.")
        return None

    def normalize_address(self, address: str) -> str:
        address = (address or "").strip()
        if not _USER_ID_RE.match(address):
            raise errors.AddressInvalid()
        return address

    def limiter(self) -> RateLimiter:
        return self._limiter.get()

    def send(self, *, address: str, message: OutgoingMessage) -> SendResult:
        body = {"recipient": {"user_id": address}, "message": {"text": message.text[:MAX_TEXT]}}
        headers = {"access_token": setting("TINHSO_ZALO_ACCESS_TOKEN")}
        self.limiter().wait()
        try:
            response = post_json(self.base_url + SEND_PATH, body, headers=headers, timeout=TIMEOUT)
        except TransportError as exc:
            return SendResult.failure("network", str(exc), retryable=True)
        if response.status_code == 429 or response.status_code >= 500:
            return SendResult.failure(
                f"http_{response.status_code}", response.text[:200], retryable=True
            )
        try:
            data = response.json()
            error = int(data.get("error", -1))
        except (ValueError, TypeError, AttributeError):
            return SendResult.failure(
                f"http_{response.status_code}", "not JSON: " + response.text[:150], retryable=False
            )
        if error == 0:
            message_id = str((data.get("data") or {}).get("message_id", ""))
            return SendResult(ok=True, provider_message_id=message_id)
        return SendResult.failure(
            f"zalo_{error}", data.get("message", ""), retryable=error in RETRYABLE_ERRORS
        )
