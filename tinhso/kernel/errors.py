"""Errors as codes: every refusal carries a machine-readable code and a Vietnamese message.

The API turns a ``DomainError`` into ``{"code", "message", "details"}`` with its HTTP status
(``tinhso.api``); pages show the message. Modules list their own codes in ``errors.py``.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "bad_request"
    default_message = _("The request could not be processed.")

    def __init__(
        self,
        code: str | None = None,
        message: Any = None,
        *,
        status: int | None = None,
        details: Any = None,
    ) -> None:
        self.code = code or self.code
        self.message = message if message is not None else self.default_message
        if status is not None:
            self.status = status
        self.details = details
        super().__init__(f"{self.code}: {self.message}")

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.details is not None:
            body["details"] = self.details
        return body


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"
    default_message = _("The data sent is not valid.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = _("You do not have permission to do this.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("The request conflicts with the current state.")
