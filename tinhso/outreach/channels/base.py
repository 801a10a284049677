"""The one interface every outreach channel client implements.

A client turns one ``OutgoingMessage`` to one address into one ``SendResult``; it never
raises for a refusal of the remote side (that is a result, stored on the ``Delivery`` row),
only for a programming error. ``send`` is called only for approved content (``services``
checks the state first and ``deliver`` below checks it again) and never for an address that
opted out (``deliver`` refuses before any network traffic).

Configuration comes from settings or the environment (``setting``); a client without its
configuration is *disabled*: ``disabled_reason()`` says why in words an operator can act on,
and ``services.dispatch_create`` refuses with ``channel_disabled``.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings


def setting(name: str, default: str = "") -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, "") or default)


@dataclass(frozen=True)
class OutgoingMessage:
    content_id: int
    title: str
    text: str
    request_id: str  # unique per delivery attempt series: providers use it to de-duplicate
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    ok: bool
    provider_message_id: str = ""
    error_code: str = ""
    error_message: str = ""
    retryable: bool = False
    retry_after: float | None = None  # seconds the remote side asked us to wait

    @classmethod
    def failure(cls, code: str, message: str, *, retryable: bool, retry_after=None):
        return cls(
            ok=False,
            error_code=str(code)[:50],
            error_message=str(message)[:500],
            retryable=retryable,
            retry_after=retry_after,
        )


class ChannelClient(Protocol):
    name: str

    def disabled_reason(self) -> str | None:
        """``None`` when the channel can send; otherwise why not (shown to operators)."""

    def normalize_address(self, address: str) -> str:
        """The canonical form of ``address``, or ``errors.AddressInvalid``."""

    def send(self, *, address: str, message: OutgoingMessage) -> SendResult: ...


class RateLimiter:
    """At most ``per_second`` sends per second from this process (the provider's limit).

    A blocking spacing limiter: the caller sleeps until its turn. Several worker processes
    each keep their own limiter; the provider's 429 answer (retried with back-off) covers the
    rest.
    """

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            time.sleep(delay)


def rate_from_setting(name: str, default: float) -> float:
    """Sends per second allowed by setting ``name``; 0 = no limit."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return default


class LimiterSlot:
    """The limiter of one client, rebuilt when its setting changes."""

    def __init__(self, setting_name: str, default: float) -> None:
        self.setting_name, self.default = setting_name, default
        self._rate: float | None = None
        self._limiter: RateLimiter | None = None

    def get(self) -> RateLimiter:
        rate = rate_from_setting(self.setting_name, self.default)
        if self._limiter is None or rate != self._rate:
            self._rate, self._limiter = rate, RateLimiter(rate)
        return self._limiter


class TransportError(Exception):
    """The request never got an HTTP answer (refused, reset, timed out)."""


@dataclass(frozen=True)
class HttpAnswer:
    status_code: int
    text: str
    headers: dict

    def json(self):
        return json.loads(self.text)


def post_json(url: str, body: dict, *, headers: dict | None = None, timeout: float = 10.0):
    """POST ``body`` as JSON with the standard library (no extra dependency); an HTTP error
    status is an answer, not an exception."""
    request = urllib.request.Request(  # noqa: S310 - http(s) URL from our own settings
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return HttpAnswer(
                response.status, response.read().decode("utf-8", "replace"), dict(response.headers)
            )
    except urllib.error.HTTPError as exc:
        text = exc.read().decode("utf-8", "replace") if exc.fp else ""
        return HttpAnswer(exc.code, text, dict(exc.headers or {}))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}") from exc
