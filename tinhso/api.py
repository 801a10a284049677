"""The HTTP API under /api/v1/: one NinjaAPI, one router per module, one error envelope.

Every error leaves as ``{"code": ..., "message": ..., "details": ...}`` with a Vietnamese
message (the request's language, Vietnamese by default) and a 4xx status; bad input never
becomes a 500.
"""

from functools import wraps
from typing import ClassVar

import ninja.openapi.schema
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.schema import NinjaGenerateJsonSchema
from pydantic.json_schema import DefsRef

from tinhso.kernel.errors import DomainError, InvalidInput
from tinhso.kernel.ratelimit import RateLimited
from tinhso.kernel.validation import field_error_message

# Answers every operation can give whatever its handler declares: the error envelope for a
# caller who is not signed in (401), a signed-in caller without the permission or failing the
# CSRF check (403), a body that is not JSON (400) and input the schema rejects (422).
# Declared here once so the contract names them all.
_COMMON_ERRORS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    422: "Unprocessable Content",
}


def _common_errors(operation: dict) -> set[int]:
    statuses = set()
    if operation.get("security"):
        statuses.update((401, 403))
    if operation.get("requestBody"):
        statuses.add(400)
    statuses.add(422)  # any input: a NUL character in the path is refused too
    return statuses


class _UniqueComponentNames(NinjaGenerateJsonSchema):
    """Gives every schema of the document its own component name.

    django-ninja names a component after its class and merges the components of all
    operations into one dict, so two modules' ``StepOut`` silently became one (the document
    then described the dossier steps with the Q&A steps). The first class keeps the short
    name; another module's class of the same name becomes e.g. ``QaStepOut``.
    """

    owners: ClassVar[dict[str, str]] = {}

    def get_defs_ref(self, core_mode_ref):
        defs_ref = super().get_defs_ref(core_mode_ref)
        choices = self._prioritized_defsref_choices[defs_ref]
        short, qualified = choices[0], choices[2]  # "StepOut", "tinhso__qa__api__StepOut"
        owner = self.owners.setdefault(short, qualified)
        if owner != qualified:
            parts = qualified.split("__")
            module = parts[1] if len(parts) > 2 and parts[0] == "tinhso" else parts[0]
            choices.insert(0, DefsRef(module.capitalize() + short))
        return defs_ref


# django-ninja builds the document with this generator (no setting for it).
ninja.openapi.schema.NinjaGenerateJsonSchema = _UniqueComponentNames


def _nul_error(field: str) -> InvalidInput:
    return InvalidInput(
        code="validation_error",
        message=_("The data sent is not valid."),
        details=[
            {
                "field": field,
                "code": "null_character",
                "message": _("Text must not contain the NUL character."),
            }
        ],
    )


def _find_nul(value, path: str = "") -> str | None:
    """The dotted path of the first text (or key) holding a NUL character, if any."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return where
            found = _find_nul(item, where)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _find_nul(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


class _NulRefusingParser(Parser):
    """Refuses text with a NUL character in a query, a form or a JSON body, for every endpoint.

    PostgreSQL cannot store or compare NUL in text: such input reached the database and
    became a 500 there (SQLite took it). A clear 422 instead, before any handler runs.
    """

    def parse_body(self, request):
        data = super().parse_body(request)
        found = _find_nul(data)
        if found is not None:
            raise _nul_error(found)
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        found = _find_nul(result)
        if found is not None:
            raise _nul_error(found)
        return result


def _refuse_nul_in_path(run):
    @wraps(run)
    def checked(request, *args, **kwargs):
        found = _find_nul({key: str(value) for key, value in kwargs.items()})
        if found is not None:
            return on_domain_error(request, _nul_error(found))
        return run(request, *args, **kwargs)

    return checked


class TinhsoAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        _UniqueComponentNames.owners.clear()  # the same names every time: routers' order
        schema = super().get_openapi_schema(*args, **kwargs)
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status in _common_errors(operation):
                    if status not in responses and str(status) not in responses:
                        responses[status] = {
                            "description": _COMMON_ERRORS[status],
                            "content": error,
                        }
        return schema


api = TinhsoAPI(
    title="tinhso API",
    version="1",
    description=(
        "API của nền tảng chính quyền số tinhso. Mọi lỗi trả về "
        '`{"code", "message", "details"}`; mọi yêu cầu tạo mới nhận `Idempotency-Key`.'
    ),
    urls_namespace="api",
    docs_url="/docs",
    parser=_NulRefusingParser(),
)
api.add_decorator(_refuse_nul_in_path, mode="view")


def error_response(request, status: int, code: str, message: str, details=None):
    body = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return error_response(request, exc.status, exc.code, str(exc.message), exc.details)


@api.exception_handler(RateLimited)
def on_rate_limited(request, exc: RateLimited):
    response = on_domain_error(request, exc)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    details = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        # ("body", "data", "field") → "field": the client knows where it sent the data.
        field = ".".join(location[2:] if location[:1] == ["body"] else location[1:])
        details.append(
            {
                "field": field,
                "code": error.get("type", "invalid"),
                "message": field_error_message(error),
            }
        )
    return error_response(
        request, 422, "validation_error", _("The data sent is not valid."), details
    )


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        details = [
            {"field": field, "code": e.code or "invalid", "message": " ".join(e.messages)}
            for field, errors in exc.error_dict.items()
            for e in errors
        ]
    else:
        details = [
            {"field": "", "code": e.code or "invalid", "message": " ".join(e.messages)}
            for e in exc.error_list
        ]
    return error_response(
        request, 422, "validation_error", _("The data sent is not valid."), details
    )


@api.exception_handler(Http404)
@api.exception_handler(ObjectDoesNotExist)
def on_not_found(request, exc):
    return error_response(request, 404, "not_found", _("Not found."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return error_response(request, 401, "not_authenticated", _("Please sign in."))


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return error_response(request, 403, "forbidden", _("You do not have permission to do this."))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, DomainError):  # refused while reading the body (NUL)
        return on_domain_error(request, exc.__cause__)
    # django-ninja raises these two itself, with English text: name them in the visitor's language.
    if exc.status_code == 403 and "CSRF" in str(exc.message):
        return error_response(
            request,
            403,
            "csrf_failed",
            _("The security check failed: reload the page and try again."),
        )
    if exc.status_code == 400 and str(exc.message).startswith("Cannot parse request body"):
        return error_response(
            request, 400, "malformed_body", _("The request body is not valid JSON.")
        )
    codes = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found"}
    code = codes.get(exc.status_code, "error")
    return error_response(request, exc.status_code, code, str(exc.message))


def _mount_routers() -> None:
    # Each module owns its router; this is the one place that lists them.
    from tinhso.accounts.api import router as accounts_router
    from tinhso.dossiers.api import router as dossiers_router
    from tinhso.feedback.api import router as feedback_router
    from tinhso.indicators.api import router as indicators_router
    from tinhso.kernel.api import router as kernel_router
    from tinhso.outreach.api import router as outreach_router
    from tinhso.qa.api import router as qa_router
    from tinhso.units.api import router as units_router

    api.add_router("/units", units_router)
    api.add_router("/accounts", accounts_router)
    api.add_router("/kernel", kernel_router)
    api.add_router("/dossiers", dossiers_router)
    api.add_router("/feedback", feedback_router)
    api.add_router("/qa", qa_router)
    api.add_router("/outreach", outreach_router)
    api.add_router("/indicators", indicators_router)


_mount_routers()
