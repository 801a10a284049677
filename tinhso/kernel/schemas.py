"""API schemas shared by every router."""

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    """The error envelope every API error answers with (see ``tinhso.api``)."""

    code: str
    message: str
    details: list[dict[str, Any]] | dict[str, Any] | None = None
