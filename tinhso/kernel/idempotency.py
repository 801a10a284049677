"""Idempotent creates: a retry with the same ``Idempotency-Key`` gets the first answer and
never creates a second record.

Use it inside an API handler::

    status, body = run_idempotent(
        request, scope="units.agency_create", payload=data.model_dump(mode="json"),
        create=lambda: (201, AgencyOut.from_orm(agency_create(...)).model_dump(mode="json")),
    )

The record is written in the same transaction as the create, so either both exist or
neither does; a concurrent twin loses on the unique index and is answered from the winner.
"""

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from tinhso.kernel.errors import DomainError, InvalidInput
from tinhso.kernel.models import IdempotencyRecord

HEADER = "Idempotency-Key"
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")


def _owner(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "anonymous"


def fingerprint(payload: Any) -> str:
    raw = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def idempotency_key(request) -> str:
    key = request.headers.get(HEADER, "")
    if not key:
        raise DomainError(
            "idempotency_key_required",
            _("Send an Idempotency-Key header with every create request."),
            status=400,
        )
    if not _KEY_RE.match(key):
        raise InvalidInput(
            "idempotency_key_invalid",
            _("The Idempotency-Key must be 1 to 255 visible ASCII characters."),
        )
    return key


def run_idempotent(
    request,
    *,
    scope: str,
    payload: Any,
    create: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    key = idempotency_key(request)
    owner = _owner(request)
    print_ = fingerprint(payload)

    def replay(record: IdempotencyRecord) -> tuple[int, Any]:
        if record.fingerprint != print_:
            raise DomainError(
                "idempotency_key_reused",
                _("This Idempotency-Key was already used for a different request."),
                status=422,
            )
        return record.status_code, record.response

    lookup = {"scope": scope, "owner": owner, "key": key}
    existing = IdempotencyRecord.objects.filter(**lookup).first()
    if existing is not None:
        return replay(existing)
    try:
        with transaction.atomic():
            status, body = create()
            IdempotencyRecord.objects.create(
                **lookup, fingerprint=print_, status_code=status, response=body
            )
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(**lookup).first()
        if existing is None:
            raise
        return replay(existing)
    return status, body
