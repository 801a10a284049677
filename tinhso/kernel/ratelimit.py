"""One rate limiter for every module: fixed windows counted in Django's shared cache.

Submissions (a dossier started or submitted, a field report, a question, an Open311 request)
call ``check(request, "<module>.<verb>")`` before anything is created. Each signed-in user and
each client address has its own count per kind; over the limit the request is refused with
``RateLimited`` (429, code ``rate_limited``, a Vietnamese message and ``Retry-After``).

The counters live in the default cache, which every process shares: files under ``var/`` in
the embedded mode (counted under a file lock, so two gunicorn workers never lose a hit) and
Redis in production (atomic ``INCR``). Limits come from settings: ``TINHSO_RATE_LIMIT_WINDOW``,
``TINHSO_RATE_LIMIT_PER_USER``, ``TINHSO_RATE_LIMIT_PER_IP`` and per-kind overrides in
``TINHSO_RATE_LIMITS``; 0 turns a limit off.

This room knows no domain words: callers name their kind of submission.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.filebased import FileBasedCache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tinhso.kernel.errors import DomainError
from tinhso.kernel.middleware import client_ip

KEY_PREFIX = "tinhso:rl"


class RateLimited(DomainError):
    """Too many requests from this user or address in the current window."""

    status = 429
    code = "rate_limited"
    default_message = _("Too many requests. Please wait a minute and try again.")

    def __init__(self, *args, retry_after: int = 60, **kwargs) -> None:
        self.retry_after = max(1, int(retry_after))
        if not args and "message" not in kwargs:
            minutes = max(1, math.ceil(self.retry_after / 60))
            kwargs["message"] = ngettext(
                "You have sent too many requests. Please try again in %(minutes)d minute.",
                "You have sent too many requests. Please try again in %(minutes)d minutes.",
                minutes,
            ) % {"minutes": minutes}
        super().__init__(*args, **kwargs)


@dataclass(frozen=True)
class Limit:
    user: int
    ip: int
    window: int


def limit_for(scope: str) -> Limit:
    """The limits of one kind of submission: the global settings, then its override."""
    override = getattr(settings, "TINHSO_RATE_LIMITS", {}).get(scope, {})
    user = override.get("user", getattr(settings, "TINHSO_RATE_LIMIT_PER_USER", 20))
    ip = override.get("ip", getattr(settings, "TINHSO_RATE_LIMIT_PER_IP", 100))
    window = override.get("window", getattr(settings, "TINHSO_RATE_LIMIT_WINDOW", 600))
    return Limit(user=int(user), ip=int(ip), window=max(1, int(window)))


@contextlib.contextmanager
def _counting_lock() -> Iterator[None]:
    """Make add-then-increment atomic where the cache itself is not (files on one machine)."""
    backend = caches["default"]
    if not isinstance(backend, FileBasedCache):
        # Redis INCR and the local-memory cache are atomic already.
        yield
        return
    directory = Path(backend._dir)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".ratelimit.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def hit(bucket: str, limit: int, window: int) -> int | None:
    """Count one request in ``bucket``; return the seconds to wait when it is over ``limit``.

    ``None`` means the request may go on. A limit of 0 or less is no limit (nothing counted).
    """
    if limit <= 0:
        return None
    now = time.time()
    slot = int(now // window)
    key = f"{KEY_PREFIX}:{bucket}:{window}:{slot}"
    with _counting_lock():
        if cache.add(key, 1, window + 5):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, window + 5)
                count = 1
    if count > limit:
        return max(1, math.ceil((slot + 1) * window - now))
    return None


def check(request: HttpRequest, scope: str, *, user=None) -> None:
    """Count this request against ``scope``'s limits; raise ``RateLimited`` when over one.

    The user (``request.user`` unless given) is counted first, so a refused user does not use
    up the address's allowance that others behind the same address share.
    """
    limit = limit_for(scope)
    if user is None:
        user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        wait = hit(f"{scope}:user:{user.pk}", limit.user, limit.window)
        if wait is not None:
            raise RateLimited(retry_after=wait)
    address = client_ip(request) or "unknown"
    wait = hit(f"{scope}:ip:{address}", limit.ip, limit.window)
    if wait is not None:
        raise RateLimited(retry_after=wait)


def limit_posts(scope: str):
    """Decorate a page view: every POST is counted against ``scope`` before the view runs."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                check(request, scope)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def too_many_requests(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    """The 429 answer: the API's envelope for API clients, a page for people."""
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse(exc.as_dict(), status=429)
    else:
        response = render(
            request,
            "429.html",
            {"message": exc.message, "retry_after": exc.retry_after},
            status=429,
        )
    response["Retry-After"] = str(exc.retry_after)
    return response


class RateLimitMiddleware:
    """Turn a ``RateLimited`` raised by a page view into the 429 answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited):
            return too_many_requests(request, exception)
        return None
