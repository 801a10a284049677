"""Request context for the audit log: who acts, from which address, under which request id."""

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None
    request_id: str


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "tinhso_request_context", default=None
)


def current_request_context() -> RequestContext | None:
    return _current.get()


def client_ip(request) -> str | None:
    # Behind a trusted proxy the proxy count is configured for django-axes; reuse its answer so
    # the audit log and the lockout agree on who the client is.
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        token = _current.set(RequestContext(ip_address=client_ip(request), request_id=request_id))
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request_id
        return response
