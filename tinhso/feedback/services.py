"""Every write of the feedback room (phản ánh hiện trường).

Keyword-only functions, one transaction each, audited. ``acting_user=None`` means the system
(a task, the demo, an Open311 client already authenticated by its api_key). Handler actions
need ``FEEDBACK_HANDLE`` and the report inside the user's scope (the responsible agency's unit,
or the report's commune while it has no agency); state changes are checked against
``workflow.REPORT_FLOW``. Every public change notifies the reporter and the followers after
commit. Nothing a citizen submitted is deleted: rejected, merged, closed or anonymised.

Intake:       report_create, report_add_photo, report_follow, report_reporter_update, report_rate
Handling:     report_accept, report_start, report_hold, report_ask_reporter, report_resume,
              report_resolve, report_reject, report_reopen, report_close, report_reassign,
              report_extend, report_merge, report_comment, report_set_public, photo_approve,
              report_act (one entry point by action name, for the API)
Set-up:       category_create, category_update, routing_rule_create, routing_rule_update,
              commune_centroid_set, api_client_create
Periodic:     reports_remind_and_escalate, reports_close_stale, reports_anonymise
Other rooms:  report_to_question (→ qa), report_create (← qa, channel "api" + source_ref)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.permissions import require, user_can
from tinhso.accounts.scope import unit_in_scope
from tinhso.feedback import clocks, errors, routing, workflow
from tinhso.feedback.models import (
    ApiClient,
    Category,
    CommuneCentroid,
    Report,
    ReportExtension,
    ReportFollower,
    ReportPause,
    ReportPhoto,
    ReportUpdate,
    RoutingRule,
)
from tinhso.feedback.permissions import (
    FEEDBACK_HANDLE,
    FEEDBACK_INTAKE,
    FEEDBACK_MANAGE,
    FEEDBACK_MODERATE,
)
from tinhso.kernel.audit import audit_record, diff
from tinhso.kernel.errors import Conflict, Forbidden, InvalidInput
from tinhso.kernel.files import IMAGE_TYPES, store_upload
from tinhso.kernel.notifications import notify
from tinhso.kernel.text import fold, normalize
from tinhso.units.models import Agency, Unit

DESCRIPTION_MAX = 4000
MAX_PHOTOS = 5
MAX_EXTENSION_DAYS = 30
PHONE_RE = re.compile(r"^\+?[0-9 .-]{8,20}$")
ATTRIBUTE_DATATYPES = {
    "string", "number", "datetime", "text", "singlevaluelist", "multivaluelist",
}  # fmt: skip


def rating_threshold() -> int:
    """A rating below this reopens the report for review (``TINHSO_FEEDBACK_RATING_THRESHOLD``,
    default 3 of 5)."""
    return int(getattr(settings, "TINHSO_FEEDBACK_RATING_THRESHOLD", 3))


def retention_days() -> int:
    return int(getattr(settings, "TINHSO_FEEDBACK_RETENTION_DAYS", 730))


# --- helpers ----------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return timezone.now()


def _snapshot(report: Report) -> dict[str, Any]:
    return {
        "status": report.status,
        "agency": report.agency_id,
        "deadline": report.deadline,
        "extension_days": report.extension_days,
        "is_public": report.is_public,
        "duplicate_of": report.duplicate_of_id,
        "rating": report.rating,
    }


def _lock(report: Report) -> Report:
    locked = Report.objects.select_for_update().get(pk=report.pk)
    # Related rows the services read; not locked, fetched after the lock.
    return Report.objects.select_related("agency__unit", "category", "commune", "reporter").get(
        pk=locked.pk
    )


def _copy_into(target: Report, source: Report) -> None:
    for field in Report._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.fields_cache = dict(source._state.fields_cache)


def _report_unit(report: Report) -> Unit | None:
    if report.agency_id:
        return report.agency.unit
    return report.commune


def _require_handler(acting_user, report: Report, permission: str = FEEDBACK_HANDLE) -> None:
    if acting_user is None:
        return
    require(acting_user, permission)
    if not unit_in_scope(acting_user, _report_unit(report), permission=permission):
        # Outside scope reads as "no such report", like every fetch.
        raise errors.ReportNotFound()


def _is_reporter(acting_user, report: Report) -> bool:
    return (
        acting_user is not None
        and getattr(acting_user, "is_authenticated", False)
        and report.reporter_id is not None
        and report.reporter_id == acting_user.pk
    )


def _text(value: str, *, field: str, max_length: int) -> str:
    value = normalize(value or "") if "\n" not in (value or "") else (value or "").strip()
    if len(value) > max_length:
        raise errors.ValueTooLong(details=[{"field": field, "max_length": max_length}])
    return value


def _reason(value: str, *, field: str = "reason") -> str:
    value = (value or "").strip()
    if not value:
        raise errors.ReasonRequired(details=[{"field": field, "code": "reason_required"}])
    if len(value) > DESCRIPTION_MAX:
        raise errors.ValueTooLong(details=[{"field": field, "max_length": DESCRIPTION_MAX}])
    return value


def _history(
    report: Report,
    *,
    kind: str,
    author=None,
    message: str = "",
    is_public: bool = False,
    status_from: str = "",
    status_to: str = "",
    agency_from: Agency | None = None,
    agency_to: Agency | None = None,
    at: dt.datetime | None = None,
) -> ReportUpdate:
    return ReportUpdate.objects.create(
        report=report,
        kind=kind,
        author=author if getattr(author, "is_authenticated", False) else None,
        message=message,
        is_public=is_public,
        status_from=status_from,
        status_to=status_to,
        agency_from=agency_from,
        agency_to=agency_to,
        created_at=at or _now(),
    )


def _recipients(report: Report) -> list[tuple[Any, str]]:
    """(user, address) pairs to tell of a public change: reporter, then followers."""
    seen: set[str] = set()
    out: list[tuple[Any, str]] = []
    if report.anonymised_at:
        return out
    if report.reporter_id and report.reporter and report.reporter.email:
        out.append((report.reporter, ""))
        seen.add(report.reporter.email.lower())
    elif report.contact_email:
        out.append((None, report.contact_email))
        seen.add(report.contact_email.lower())
    for follower in report.followers.select_related("user"):
        email = (follower.user.email if follower.user_id else follower.email) or ""
        if not email or email.lower() in seen:
            continue
        seen.add(email.lower())
        out.append((follower.user, "") if follower.user_id else (None, email))
    return out


def _notify_public(report: Report, *, message: str = "") -> None:
    subject = _("Field report %(code)s: %(status)s") % {
        "code": report.code,
        "status": report.get_status_display(),
    }
    body = _("Your field report %(code)s is now: %(status)s.") % {
        "code": report.code,
        "status": report.get_status_display(),
    }
    if message:
        body = f"{body}\n\n{message}"
    for user, address in _recipients(report):
        try:
            if user is not None:
                notify(recipient=user, subject=subject, body=body)
            else:
                notify(address=address, subject=subject, body=body)
        except InvalidInput:
            continue


def _notify_agency(agency: Agency | None, *, subject: str, body: str) -> None:
    """Tell an agency: its e-mail address, else its officials who handle reports."""
    if agency is None:
        return
    if agency.email:
        notify(address=agency.email, subject=subject, body=body)
        return
    from tinhso.accounts.models import User

    for user in User.objects.filter(agency=agency, is_active=True).exclude(email=""):
        if user_can(user, FEEDBACK_HANDLE):
            notify(recipient=user, subject=subject, body=body)


# Public wording of each state for the history the reporter sees.
def _public_message(status: str) -> str:
    messages = {
        workflow.ACCEPTED: _("Your report was received by the responsible agency."),
        workflow.IN_PROGRESS: _("Your report is being handled."),
        workflow.ON_HOLD: _("Handling is on hold."),
        workflow.WAITING: _("The agency needs more information from you."),
        workflow.HANDLED: _("Your report was handled."),
        workflow.REJECTED_NOT_COMPETENT: _("The agency is not competent for this report."),
        workflow.REJECTED_DUPLICATE: _("This report duplicates another report."),
        workflow.REJECTED_SPAM: _("This report was rejected."),
        workflow.REOPENED: _("Your report was reopened for review."),
        workflow.CLOSED: _("Your report was closed."),
    }
    return messages.get(status, "")


def _transition(
    report: Report,
    *,
    action: str,
    acting_user,
    message: str = "",
    public_message: str | None = None,
    at: dt.datetime | None = None,
) -> tuple[Report, dict[str, Any]]:
    """Lock, move the state by ``action``, keep pauses and deadlines right, and write the
    history row; the caller saves extra fields, audits and notifies (``_finish``)."""
    locked = _lock(report)
    before = _snapshot(locked)
    target = workflow.REPORT_FLOW.target(locked.status, action)
    now = at or _now()
    source = locked.status
    if source in workflow.PAUSED_STATES and target not in workflow.PAUSED_STATES:
        ReportPause.objects.filter(report=locked, ended_at__isnull=True).update(ended_at=now)
    if target in workflow.PAUSED_STATES and source not in workflow.PAUSED_STATES:
        ReportPause.objects.create(report=locked, reason=target, note=message, started_at=now)
    locked.status = target
    if target == workflow.HANDLED:
        locked.handled_at = now
    if target == workflow.CLOSED:
        locked.closed_at = now
    if target == workflow.REOPENED:
        locked.closed_at = None
    if target in workflow.REJECTED_STATES:
        locked.handled_at = None
    clocks.refresh_deadlines(locked)
    shown = _public_message(target) if public_message is None else public_message
    _history(
        locked,
        kind=ReportUpdate.Kind.STATUS,
        author=acting_user,
        message=(message or shown) if public_message is None else public_message,
        # Public = shown to the reporter (published only if the report is public too).
        is_public=bool(shown),
        status_from=source,
        status_to=target,
        at=now,
    )
    return locked, before


def _finish(
    report: Report,
    before: dict[str, Any],
    *,
    acting_user,
    action: str,
    summary: str = "",
    notify_public: bool = True,
    message: str = "",
) -> Report:
    report.save()
    audit_record(
        actor=acting_user,
        action=f"feedback.{action}",
        obj=report,
        summary=summary or report.code,
        changes=diff(before, _snapshot(report)),
    )
    if notify_public:
        _notify_public(report, message=message)
    return report


# --- set-up: categories, rules, centre points, Open311 clients ---------------------------------


def _check_attributes(attributes: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    checked = []
    codes = set()
    for index, attribute in enumerate(attributes or []):
        try:
            code = str(attribute["code"]).strip()
            datatype = str(attribute.get("datatype", "string"))
        except (KeyError, TypeError, AttributeError) as exc:
            raise errors.CategoryAttributesInvalid(details=[{"index": index}]) from exc
        if not re.match(r"^[A-Za-z0-9_-]{1,50}$", code) or code in codes:
            raise errors.CategoryAttributesInvalid(details=[{"index": index, "field": "code"}])
        if datatype not in ATTRIBUTE_DATATYPES:
            raise errors.CategoryAttributesInvalid(details=[{"index": index, "field": "datatype"}])
        values = [
            {"key": str(value["key"]), "name": str(value.get("name", value["key"]))}
            for value in attribute.get("values") or []
        ]
        if datatype.endswith("valuelist") and not values:
            raise errors.CategoryAttributesInvalid(details=[{"index": index, "field": "values"}])
        codes.add(code)
        checked.append(
            {
                "code": code,
                "variable": bool(attribute.get("variable", True)),
                "datatype": datatype,
                "required": bool(attribute.get("required", False)),
                "datatype_description": str(attribute.get("datatype_description", "")),
                "order": int(attribute.get("order", index + 1)),
                "description": str(attribute.get("description", code)),
                "values": values,
            }
        )
    return checked


def _category_fields(
    *,
    parent: Category | None,
    service_code: str,
    name: str,
    handling_days: int,
    day_kind: str,
    attributes,
) -> dict[str, Any]:
    if parent is not None and parent.parent_id is not None:
        raise errors.CategoryTooDeep()
    if not re.match(r"^[a-z0-9][a-z0-9_-]{0,49}$", service_code or ""):
        raise InvalidInput(details=[{"field": "service_code", "code": "invalid"}])
    name = normalize(name or "")
    if not name:
        raise InvalidInput(details=[{"field": "name", "code": "required"}])
    if day_kind not in Category.DayKind.values or not (0 < int(handling_days) <= 365):
        raise InvalidInput(details=[{"field": "handling_days", "code": "invalid"}])
    return {"name": name, "search_name": fold(name), "attributes": _check_attributes(attributes)}


@transaction.atomic
def category_create(
    *,
    acting_user,
    service_code: str,
    name: str,
    parent: Category | None = None,
    description: str = "",
    keywords: str = "",
    handling_days: int = 10,
    day_kind: str = Category.DayKind.WORKING,
    is_public: bool = True,
    attributes: Iterable[Mapping[str, Any]] = (),
    default_agency: Agency | None = None,
    order: int = 0,
    service_type: str = Category.ServiceType.REALTIME,
) -> Category:
    """A report category (also an Open311 service). Two levels deep: ``parent`` must be a
    group (a category without a parent). ``attributes`` are Open311 attribute definitions
    ``{code, datatype, required, description, order, values:[{key,name}]}``."""
    if acting_user is not None:
        require(acting_user, FEEDBACK_MANAGE)
    fields = _category_fields(
        parent=parent, service_code=service_code, name=name, handling_days=handling_days,
        day_kind=day_kind, attributes=attributes,
    )  # fmt: skip
    if Category.objects.filter(service_code=service_code).exists():
        raise errors.CategoryCodeTaken()
    category = Category.objects.create(
        parent=parent,
        service_code=service_code,
        description=description.strip(),
        keywords=keywords.strip(),
        handling_days=handling_days,
        day_kind=day_kind,
        is_public=is_public,
        default_agency=default_agency,
        order=order,
        service_type=service_type,
        **fields,
    )
    audit_record(actor=acting_user, action="feedback.category_create", obj=category, summary=name)
    return category


@transaction.atomic
def category_update(*, acting_user, category: Category, **changes: Any) -> Category:
    """Change a category: any of the ``category_create`` arguments except ``service_code``
    (it is public and stable), plus ``is_active``."""
    if acting_user is not None:
        require(acting_user, FEEDBACK_MANAGE)
    category = Category.objects.select_for_update().get(pk=category.pk)
    allowed = {
        "name", "parent", "description", "keywords", "handling_days", "day_kind", "is_public",
        "attributes", "default_agency", "order", "is_active", "service_type",
    }  # fmt: skip
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"category_update() got unexpected fields {sorted(unknown)}")
    before = {name: getattr(category, name) for name in changes}
    for name, value in changes.items():
        setattr(category, name, value)
    if category.parent_id and (category.parent_id == category.pk or category.children.exists()):
        raise errors.CategoryTooDeep()
    fields = _category_fields(
        parent=category.parent, service_code=category.service_code, name=category.name,
        handling_days=category.handling_days, day_kind=category.day_kind,
        attributes=category.attributes,
    )  # fmt: skip
    for name, value in fields.items():
        setattr(category, name, value)
    category.save()
    audit_record(
        actor=acting_user,
        action="feedback.category_update",
        obj=category,
        changes=diff(before, {name: getattr(category, name) for name in changes}),
    )
    return category


def _require_manage_unit(acting_user, unit: Unit | None) -> None:
    if acting_user is None:
        return
    require(acting_user, FEEDBACK_MANAGE)
    if unit is None:
        if not acting_user.is_superuser:
            raise Forbidden()
    elif not unit_in_scope(acting_user, unit, permission=FEEDBACK_MANAGE):
        raise Forbidden()


@transaction.atomic
def routing_rule_create(
    *,
    acting_user,
    agency: Agency,
    unit: Unit | None = None,
    category: Category | None = None,
    order: int = 100,
    note: str = "",
) -> RoutingRule:
    """A routing rule: reports in ``unit``'s subtree (any area if None) of ``category`` or its
    sub-categories (any if None) go to ``agency``. Lower ``order`` is tried first. A unit
    administrator may add rules for units in their scope only."""
    _require_manage_unit(acting_user, unit)
    if not agency.is_active:
        raise errors.AgencyInvalid()
    rule = RoutingRule.objects.create(
        agency=agency, unit=unit, category=category, order=order, note=note.strip()
    )
    audit_record(actor=acting_user, action="feedback.rule_create", obj=rule, summary=str(rule))
    return rule


@transaction.atomic
def routing_rule_update(*, acting_user, rule: RoutingRule, **changes: Any) -> RoutingRule:
    """Change ``agency``, ``unit``, ``category``, ``order``, ``note`` or ``is_active``."""
    rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
    _require_manage_unit(acting_user, rule.unit)
    if "unit" in changes:
        _require_manage_unit(acting_user, changes["unit"])
    before = {name: getattr(rule, name) for name in changes}
    for name, value in changes.items():
        if name not in {"agency", "unit", "category", "order", "note", "is_active"}:
            raise TypeError(f"routing_rule_update() got an unexpected field {name!r}")
        setattr(rule, name, value)
    rule.save()
    audit_record(
        actor=acting_user,
        action="feedback.rule_update",
        obj=rule,
        changes=diff(before, {name: getattr(rule, name) for name in changes}),
    )
    return rule


@transaction.atomic
def commune_centroid_set(
    *, acting_user, unit: Unit, latitude: float, longitude: float
) -> CommuneCentroid:
    """Record a commune's centre point (used to resolve a reported point to a commune)."""
    _require_manage_unit(acting_user, unit)
    lat, lon = routing.check_point(latitude, longitude)
    centroid, _created = CommuneCentroid.objects.update_or_create(
        unit=unit, defaults={"latitude": lat, "longitude": lon}
    )
    audit_record(actor=acting_user, action="feedback.centroid_set", obj=centroid)
    return centroid


def api_key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


@transaction.atomic
def api_client_create(
    *,
    acting_user,
    name: str,
    contact_email: str = "",
    requests_per_minute: int = 30,
    api_key: str | None = None,
) -> tuple[ApiClient, str]:
    """An Open311 client; returns it and its api_key (shown once, only its hash is kept).
    ``api_key`` may be given (the demo's documented key); otherwise a random one is made."""
    if acting_user is not None:
        require(acting_user, FEEDBACK_MANAGE)
    key = api_key or secrets.token_urlsafe(24)
    client = ApiClient.objects.create(
        name=normalize(name),
        key_prefix=key[:8],
        key_hash=api_key_hash(key),
        contact_email=contact_email,
        requests_per_minute=requests_per_minute,
    )
    audit_record(actor=acting_user, action="feedback.api_client_create", obj=client)
    return client, key


# --- intake -----------------------------------------------------------------------------------


def _check_report_attributes(category: Category, values: Mapping[str, Any] | None) -> dict:
    values = dict(values or {})
    checked: dict[str, Any] = {}
    for definition in category.attributes or []:
        code = definition["code"]
        value = values.get(code)
        if value in (None, "", []):
            if definition.get("required"):
                raise errors.AttributeRequired(details=[{"field": f"attribute[{code}]"}])
            continue
        allowed = {item["key"] for item in definition.get("values") or []}
        if definition["datatype"] == "multivaluelist":
            items = value if isinstance(value, list) else [value]
            if allowed and any(str(item) not in allowed for item in items):
                raise errors.AttributeInvalid(details=[{"field": f"attribute[{code}]"}])
            checked[code] = [str(item) for item in items]
        else:
            if isinstance(value, list):
                value = value[0] if len(value) == 1 else value
            if definition["datatype"] == "singlevaluelist" and str(value) not in allowed:
                raise errors.AttributeInvalid(details=[{"field": f"attribute[{code}]"}])
            if definition["datatype"] == "number":
                try:
                    float(value)
                except (TypeError, ValueError) as exc:
                    raise errors.AttributeInvalid(
                        details=[{"field": f"attribute[{code}]"}]
                    ) from exc
            checked[code] = str(value)[:1000]
    return checked


def _check_contact(*, contact_email: str, contact_phone: str, contact_name: str) -> None:
    problems = []
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            problems.append({"field": "email", "code": "invalid"})
    if contact_phone and not PHONE_RE.match(contact_phone):
        problems.append({"field": "phone", "code": "invalid"})
    if len(contact_name) > 150:
        problems.append({"field": "name", "code": "too_long"})
    if problems:
        raise errors.ContactInvalid(details=problems)


@transaction.atomic
def report_create(
    *,
    acting_user,
    category: Category,
    description: str,
    channel: str = Report.Channel.PORTAL,
    latitude: Any = None,
    longitude: Any = None,
    address: str = "",
    address_id: str = "",
    commune_code: str = "",
    reporter=None,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    is_anonymous: bool = False,
    attributes: Mapping[str, Any] | None = None,
    photos: Iterable[Any] = (),
    api_client: ApiClient | None = None,
    device_id: str = "",
    account_id: str = "",
    media_url: str = "",
    source_ref: str = "",
    received_at: dt.datetime | None = None,
) -> Report:
    """Take in a field report: check it, resolve its commune, route it, start its clock.

    - ``acting_user``: the citizen on the portal (always the reporter), an anonymous visitor
      (``AnonymousUser``: no reporter), an operator with ``FEEDBACK_INTAKE`` entering a
      hotline call / in-person report (``reporter`` optional), or ``None`` for the system /
      an Open311 ``api_client``.
    - ``description``: plain text, 1..4000 characters; HTML is kept as typed (shown escaped).
    - location: ``latitude``+``longitude`` and/or ``address`` and/or ``commune_code``
      (see ``routing.resolve_location``); outside the province → ``location_outside_province``.
    - ``photos``: uploaded files (checked by the kernel, images only, at most 5).
    - ``is_anonymous``: the reporter's identity is hidden from the handlers too
      (``selectors.reporter_identity`` answers None); it is never published in any case. The
      reporter link and contact fields are kept so the reporter is still told and can rate.
    - to follow a nearby report instead of sending a new one, call ``report_follow``.

    Codes: category_unknown, description_required, description_too_long, location_required,
    location_invalid, location_outside_province, commune_unknown, attribute_required,
    attribute_invalid, contact_invalid, too_many_photos, file_* (kernel).
    """
    if channel == "qa":
        # A question turned into a report (``tinhso.qa.services.question_to_report``) arrives
        # through our API surface; its origin stays in ``source_ref`` ("qa:<id>").
        channel = Report.Channel.API
    if channel not in Report.Channel.values:
        raise InvalidInput(details=[{"field": "channel", "code": "invalid"}])
    if acting_user is not None and channel in {Report.Channel.HOTLINE, Report.Channel.IN_PERSON}:
        require(acting_user, FEEDBACK_INTAKE)
    if category is None or not category.is_active or category.children.exists():
        raise errors.CategoryUnknown(details=[{"field": "category", "code": "category_unknown"}])
    description = (description or "").replace("\r\n", "\n").strip()
    if not description:
        raise errors.DescriptionRequired(
            details=[{"field": "description", "code": "description_required"}]
        )
    if len(description) > DESCRIPTION_MAX:
        raise errors.DescriptionTooLong(
            details=[{"field": "description", "code": "description_too_long"}]
        )
    address = _text(address, field="address", max_length=255)
    contact_name = _text(contact_name, field="name", max_length=150)
    contact_email = (contact_email or "").strip()
    contact_phone = (contact_phone or "").strip()
    _check_contact(
        contact_email=contact_email, contact_phone=contact_phone, contact_name=contact_name
    )
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError as exc:
            raise InvalidInput(details=[{"field": "media_url", "code": "invalid"}]) from exc
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise errors.TooManyPhotos()
    checked_attributes = _check_report_attributes(category, attributes)
    location = routing.resolve_location(
        latitude=latitude, longitude=longitude, address=address, commune_code=commune_code
    )
    person = _user(acting_user)  # None for the system or an anonymous visitor
    if person is not None and person.kind != "official" and not person.is_superuser:
        if reporter is not None and reporter.pk != person.pk:
            raise errors.NotReporter()
        reporter = person
    agency, rule = routing.route(category=category, commune=location.commune)
    now = received_at or _now()
    report = Report(
        code=f"tmp-{secrets.token_hex(8)}",
        category=category,
        channel=channel,
        description=description,
        attributes=checked_attributes,
        latitude=location.latitude,
        longitude=location.longitude,
        address=location.address,
        address_id=(address_id or "")[:100],
        commune=location.commune,
        reporter=reporter,
        entered_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        is_anonymous=bool(is_anonymous),
        api_client=api_client,
        device_id=(device_id or "")[:100],
        account_id=(account_id or "")[:100],
        media_url=media_url or "",
        source_ref=(source_ref or "")[:100],
        agency=agency,
        routing_rule=rule,
        is_public=category.is_public,
        received_at=now,
        handling_days=category.handling_days,
        day_kind=category.day_kind,
    )
    report.save()
    report.code = f"PA-{timezone.localtime(now).year}-{report.pk:06d}"
    clocks.refresh_deadlines(report)
    report.save(update_fields=["code", "original_deadline", "deadline"])
    _history(
        report,
        kind=ReportUpdate.Kind.STATUS,
        author=acting_user,
        status_to=workflow.REPORTED,
        message=_("Report received."),
        is_public=True,
        at=now,
    )
    if agency is not None:
        _history(
            report,
            kind=ReportUpdate.Kind.ASSIGNMENT,
            agency_to=agency,
            message=str(rule) if rule else _("Default agency of the category or commune."),
            at=now,
        )
    uploader = acting_user if getattr(acting_user, "is_authenticated", False) else None
    for uploaded in photos:
        stored = store_upload(
            acting_user=uploader,
            uploaded_file=uploaded,
            purpose="feedback.photo",
            allowed_types=IMAGE_TYPES,
        )
        ReportPhoto.objects.create(report=report, file=stored, created_at=now)
    audit_record(
        actor=acting_user,
        action="feedback.report_create",
        obj=report,
        summary=f"{report.code} ({channel})",
        changes={"status": [None, report.status], "agency": [None, report.agency_id]},
    )
    if agency is not None:
        _notify_agency(
            agency,
            subject=_("New field report %(code)s") % {"code": report.code},
            body=_("A new field report (%(category)s) was routed to your agency.")
            % {"category": category.name},
        )
    _notify_public(report)
    return report


@transaction.atomic
def report_add_photo(
    *, acting_user, report: Report, uploaded_file, from_handler: bool = False
) -> ReportPhoto:
    """Add a photo (checked by the kernel, images only). The reporter may add photos while the
    report is open; a handler may add photos of the work done (``from_handler``)."""
    report = _lock(report)
    if from_handler:
        _require_handler(acting_user, report)
    elif not _is_reporter(acting_user, report):
        raise errors.NotReporter()
    if report.photos.count() >= MAX_PHOTOS * (2 if from_handler else 1):
        raise errors.TooManyPhotos()
    stored = store_upload(
        acting_user=acting_user,
        uploaded_file=uploaded_file,
        purpose="feedback.photo",
        allowed_types=IMAGE_TYPES,
    )
    photo = ReportPhoto.objects.create(
        report=report, file=stored, from_handler=from_handler, created_at=_now()
    )
    audit_record(actor=acting_user, action="feedback.photo_add", obj=photo, summary=report.code)
    return photo


@transaction.atomic
def photo_approve(*, acting_user, photo: ReportPhoto, approved: bool = True) -> ReportPhoto:
    """Approve (or withdraw) a photo for publication; needs ``FEEDBACK_MODERATE`` in scope."""
    photo = ReportPhoto.objects.select_for_update().get(pk=photo.pk)
    report = Report.objects.select_related("agency__unit", "commune").get(pk=photo.report_id)
    _require_handler(acting_user, report, FEEDBACK_MODERATE)
    before = {"is_approved": photo.is_approved}
    photo.is_approved = approved
    photo.approved_by = acting_user if approved and acting_user is not None else None
    photo.save(update_fields=["is_approved", "approved_by"])
    audit_record(
        actor=acting_user,
        action="feedback.photo_approve",
        obj=photo,
        summary=report.code,
        changes=diff(before, {"is_approved": approved}),
    )
    return photo


@transaction.atomic
def report_follow(*, acting_user, report: Report, email: str = "") -> ReportFollower:
    """Follow a report (instead of sending a duplicate): a signed-in user, or anyone with an
    e-mail address. Following twice returns the first follow."""
    if getattr(acting_user, "is_authenticated", False):
        existing = ReportFollower.objects.filter(report=report, user=acting_user).first()
        if existing:
            return existing
        follower = ReportFollower.objects.create(report=report, user=acting_user, created_at=_now())
    else:
        email = (email or "").strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise errors.ContactInvalid(details=[{"field": "email", "code": "invalid"}]) from exc
        existing = ReportFollower.objects.filter(report=report, user=None, email=email).first()
        if existing:
            return existing
        follower = ReportFollower.objects.create(report=report, email=email, created_at=_now())
    audit_record(actor=acting_user, action="feedback.follow", obj=report, summary=report.code)
    return follower


@transaction.atomic
def report_reporter_update(*, acting_user, report: Report, message: str) -> Report:
    """The reporter adds information. Waiting for the reporter → the clock runs again
    (in progress); a handled or closed report is reopened for review."""
    message = _reason(message, field="message")
    current = Report.objects.get(pk=report.pk)
    if not _is_reporter(acting_user, current):
        raise errors.NotReporter()
    if current.anonymised_at:
        raise errors.ReportAnonymised()
    action = {
        workflow.WAITING: workflow.REPORTER_REPLIED,
        workflow.HANDLED: workflow.REOPEN,
        workflow.CLOSED: workflow.REOPEN,
    }.get(current.status)
    if action is None:
        locked = _lock(current)
        _history(locked, kind=ReportUpdate.Kind.REPORTER, author=acting_user, message=message)
        audit_record(actor=acting_user, action="feedback.reporter_update", obj=locked)
        _copy_into(report, locked)
        return report
    locked, before = _transition(current, action=action, acting_user=acting_user, message="")
    _history(locked, kind=ReportUpdate.Kind.REPORTER, author=acting_user, message=message)
    _finish(locked, before, acting_user=acting_user, action="reporter_update", notify_public=False)
    _notify_agency(
        locked.agency,
        subject=_("Field report %(code)s: the reporter added information") % {"code": locked.code},
        body=message,
    )
    _copy_into(report, locked)
    return report


@transaction.atomic
def report_rate(*, acting_user, report: Report, rating: int, comment: str = "") -> Report:
    """The reporter rates the answer (1..5), once. A rating below ``rating_threshold()``
    reopens the report for review; otherwise it is closed."""
    try:
        rating = int(rating)
    except (TypeError, ValueError) as exc:
        raise errors.RatingInvalid() from exc
    if not 1 <= rating <= 5:
        raise errors.RatingInvalid()
    current = Report.objects.get(pk=report.pk)
    if not _is_reporter(acting_user, current):
        raise errors.NotReporter()
    if current.status != workflow.HANDLED or current.rating is not None:
        raise errors.RatingNotAllowed()
    action = workflow.REOPEN if rating < rating_threshold() else workflow.CLOSE
    locked, before = _transition(current, action=action, acting_user=acting_user)
    locked.rating = rating
    locked.rating_comment = (comment or "").strip()[:DESCRIPTION_MAX]
    locked.rated_at = _now()
    _history(
        locked,
        kind=ReportUpdate.Kind.RATING,
        author=acting_user,
        message=f"{rating}/5 {locked.rating_comment}".strip(),
    )
    _finish(locked, before, acting_user=acting_user, action="rate", notify_public=False)
    if action == workflow.REOPEN:
        _notify_agency(
            locked.agency,
            subject=_("Field report %(code)s reopened after a low rating") % {"code": locked.code},
            body=locked.rating_comment,
        )
    _copy_into(report, locked)
    return report


# --- handling ---------------------------------------------------------------------------------


def _handler_transition(
    *,
    acting_user,
    report: Report,
    action: str,
    message: str = "",
    public_message: str | None = None,
    audit_action: str | None = None,
) -> Report:
    current = Report.objects.select_related("agency__unit", "commune").get(pk=report.pk)
    _require_handler(acting_user, current)
    locked, before = _transition(
        current, action=action, acting_user=acting_user, message=message,
        public_message=public_message,
    )  # fmt: skip
    _finish(locked, before, acting_user=acting_user, action=audit_action or action, message=message)
    _copy_into(report, locked)
    return report


@transaction.atomic
def report_accept(*, acting_user, report: Report, message: str = "") -> Report:
    """reported → accepted: the responsible agency takes the report."""
    return _handler_transition(
        acting_user=acting_user, report=report, action=workflow.ACCEPT, message=message
    )


@transaction.atomic
def report_start(*, acting_user, report: Report, message: str = "") -> Report:
    """accepted / reopened → in_progress."""
    return _handler_transition(
        acting_user=acting_user, report=report, action=workflow.START, message=message
    )


@transaction.atomic
def report_hold(*, acting_user, report: Report, reason: str) -> Report:
    """→ on_hold: the clock stops until ``report_resume`` (a reason is required)."""
    return _handler_transition(
        acting_user=acting_user, report=report, action=workflow.HOLD, message=_reason(reason)
    )


@transaction.atomic
def report_ask_reporter(*, acting_user, report: Report, question: str) -> Report:
    """→ waiting_for_reporter: the clock stops until the reporter answers
    (``report_reporter_update``) or the handler resumes. The question is sent to the reporter."""
    question = _reason(question, field="question")
    return _handler_transition(
        acting_user=acting_user, report=report, action=workflow.ASK_REPORTER,
        message=question, public_message=question,
    )  # fmt: skip


@transaction.atomic
def report_resume(*, acting_user, report: Report, message: str = "") -> Report:
    """on_hold / waiting_for_reporter → in_progress: the clock runs again."""
    return _handler_transition(
        acting_user=acting_user, report=report, action=workflow.RESUME, message=message
    )


@transaction.atomic
def report_resolve(
    *, acting_user, report: Report, answer: str, is_public: bool | None = None
) -> Report:
    """→ handled, with the official answer (published with the report when the report is
    public). ``is_public`` may make this report private (or public) against its category."""
    answer = (answer or "").strip()
    if not answer:
        raise errors.AnswerRequired(details=[{"field": "answer", "code": "answer_required"}])
    if len(answer) > DESCRIPTION_MAX:
        raise errors.ValueTooLong(details=[{"field": "answer", "max_length": DESCRIPTION_MAX}])
    current = Report.objects.select_related("agency__unit", "commune").get(pk=report.pk)
    _require_handler(acting_user, current)
    locked, before = _transition(
        current, action=workflow.RESOLVE, acting_user=acting_user, message=answer,
        public_message=answer,
    )  # fmt: skip
    locked.public_answer = answer
    locked.answered_at = locked.handled_at
    if is_public is not None:
        locked.is_public = bool(is_public)
    _finish(locked, before, acting_user=acting_user, action="resolve", message=answer)
    _copy_into(report, locked)
    return report


REJECT_ACTIONS = {
    "not_competent": workflow.REJECT_NOT_COMPETENT,
    "duplicate": workflow.REJECT_DUPLICATE,
    "spam": workflow.REJECT_SPAM,
}


@transaction.atomic
def report_reject(
    *,
    acting_user,
    report: Report,
    kind: str,
    reason: str,
    duplicate_of: Report | None = None,
) -> Report:
    """Reject as ``kind`` = "not_competent" | "duplicate" | "spam", with a reason. A duplicate
    should name the report it duplicates (``duplicate_of``; see ``report_merge``)."""
    if kind not in REJECT_ACTIONS:
        raise InvalidInput(details=[{"field": "kind", "code": "invalid"}])
    reason = _reason(reason)
    if kind == "duplicate" and duplicate_of is not None:
        return report_merge(
            acting_user=acting_user, report=report, into=duplicate_of, reason=reason
        )
    public = reason if kind != "spam" else _public_message(workflow.REJECTED_SPAM)
    return _handler_transition(
        acting_user=acting_user, report=report, action=REJECT_ACTIONS[kind],
        message=reason, public_message=public, audit_action=f"reject_{kind}",
    )  # fmt: skip


@transaction.atomic
def report_reopen(*, acting_user, report: Report, reason: str) -> Report:
    """handled / closed / rejected → reopened, for review (the clock restarts from the
    original receipt: a reopened report that is past its deadline shows as overdue)."""
    return _handler_transition(
        acting_user=acting_user, report=report, action=workflow.REOPEN, message=_reason(reason)
    )


@transaction.atomic
def report_close(*, acting_user, report: Report, message: str = "") -> Report:
    """handled → closed (also done by ``reports_close_stale`` and a good rating)."""
    return _handler_transition(
        acting_user=acting_user, report=report, action=workflow.CLOSE, message=message
    )


@transaction.atomic
def report_reassign(*, acting_user, report: Report, agency: Agency, reason: str) -> Report:
    """Give an open report to another agency, with a reason (kept in the private history).
    The acting user needs the report in scope; the new agency may be anywhere."""
    reason = _reason(reason)
    current = Report.objects.select_related("agency__unit", "commune").get(pk=report.pk)
    _require_handler(acting_user, current)
    if agency is None or not agency.is_active:
        raise errors.AgencyInvalid()
    locked = _lock(current)
    if locked.status not in workflow.OPEN_STATES:
        workflow.REPORT_FLOW.target(locked.status, "reassign")  # raises transition_not_allowed
    before = _snapshot(locked)
    previous = locked.agency
    locked.agency = agency
    locked.routing_rule = None
    locked.escalated_at = None
    locked.escalated_to = None
    locked.reminded_at = None
    _history(
        locked, kind=ReportUpdate.Kind.ASSIGNMENT, author=acting_user, message=reason,
        agency_from=previous, agency_to=agency,
    )  # fmt: skip
    _finish(locked, before, acting_user=acting_user, action="reassign", notify_public=False)
    _notify_agency(
        agency,
        subject=_("Field report %(code)s was transferred to your agency") % {"code": locked.code},
        body=reason,
    )
    _copy_into(report, locked)
    return report


@transaction.atomic
def report_extend(*, acting_user, report: Report, days: int, reason: str) -> Report:
    """A legal extension of 1..30 days (gia hạn) with a reason: the deadline moves and the
    report is not counted overdue for it; the first deadline stays in ``original_deadline``."""
    reason = _reason(reason)
    try:
        days = int(days)
    except (TypeError, ValueError) as exc:
        raise errors.ExtensionInvalid() from exc
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise errors.ExtensionInvalid()
    current = Report.objects.select_related("agency__unit", "commune").get(pk=report.pk)
    _require_handler(acting_user, current)
    locked = _lock(current)
    if locked.status not in workflow.OPEN_STATES:
        workflow.REPORT_FLOW.target(locked.status, "extend")
    before = _snapshot(locked)
    now = _now()
    ReportExtension.objects.create(
        report=locked, days=days, reason=reason, granted_by=_user(acting_user), granted_at=now
    )
    locked.extension_days += days
    locked.reminded_at = None
    clocks.refresh_deadlines(locked)
    _history(
        locked, kind=ReportUpdate.Kind.EXTENSION, author=acting_user, message=reason,
        is_public=True, at=now,
    )  # fmt: skip
    _finish(locked, before, acting_user=acting_user, action="extend", message=reason)
    _copy_into(report, locked)
    return report


def _user(acting_user):
    return acting_user if getattr(acting_user, "is_authenticated", False) else None


@transaction.atomic
def report_merge(*, acting_user, report: Report, into: Report, reason: str = "") -> Report:
    """Merge ``report`` into the open report ``into``: ``report`` is rejected as a duplicate
    pointing at ``into``, and its reporter and followers follow ``into``."""
    if into.pk == report.pk:
        raise errors.DuplicateInvalid()
    target = Report.objects.select_related("agency__unit", "commune").get(pk=into.pk)
    if target.duplicate_of_id or target.status in workflow.REJECTED_STATES:
        raise errors.DuplicateInvalid()
    reason = (reason or "").strip() or _("Same issue as report %(code)s.") % {"code": target.code}
    current = Report.objects.select_related("agency__unit", "commune").get(pk=report.pk)
    _require_handler(acting_user, current)
    locked, before = _transition(
        current, action=workflow.REJECT_DUPLICATE, acting_user=acting_user, message=reason,
        public_message=_("This report duplicates report %(code)s, which you now follow.")
        % {"code": target.code},
    )  # fmt: skip
    locked.duplicate_of = target
    now = _now()
    if locked.reporter_id:
        ReportFollower.objects.get_or_create(
            report=target, user_id=locked.reporter_id, defaults={"created_at": now}
        )
    elif locked.contact_email:
        ReportFollower.objects.get_or_create(
            report=target, user=None, email=locked.contact_email.lower(),
            defaults={"created_at": now},
        )  # fmt: skip
    for follower in locked.followers.all():
        if follower.user_id:
            ReportFollower.objects.get_or_create(
                report=target, user_id=follower.user_id, defaults={"created_at": now}
            )
        else:
            ReportFollower.objects.get_or_create(
                report=target, user=None, email=follower.email, defaults={"created_at": now}
            )
    _history(
        target, kind=ReportUpdate.Kind.MERGE, author=acting_user,
        message=_("Report %(code)s was merged into this one.") % {"code": locked.code},
    )  # fmt: skip
    _finish(
        locked,
        before,
        acting_user=acting_user,
        action="merge",
        summary=f"{locked.code} → {target.code}",
    )
    _copy_into(report, locked)
    return report


@transaction.atomic
def report_comment(
    *, acting_user, report: Report, message: str, is_public: bool = False
) -> ReportUpdate:
    """A handler's note: private by default; a public one is sent to the reporter too."""
    message = _reason(message, field="message")
    current = Report.objects.select_related("agency__unit", "commune").get(pk=report.pk)
    _require_handler(acting_user, current)
    locked = _lock(current)
    update = _history(
        locked, kind=ReportUpdate.Kind.COMMENT, author=acting_user, message=message,
        is_public=is_public,
    )  # fmt: skip
    audit_record(actor=acting_user, action="feedback.comment", obj=locked, summary=locked.code)
    if is_public:
        _notify_public(locked, message=message)
    return update


@transaction.atomic
def report_set_public(*, acting_user, report: Report, is_public: bool) -> Report:
    """Publish or withhold one report (private matters are never published)."""
    current = Report.objects.select_related("agency__unit", "commune").get(pk=report.pk)
    _require_handler(acting_user, current)
    locked = _lock(current)
    before = _snapshot(locked)
    locked.is_public = bool(is_public)
    _finish(locked, before, acting_user=acting_user, action="set_public", notify_public=False)
    _copy_into(report, locked)
    return report


def report_act(
    *, acting_user, report: Report, action: str, message: str = "", **extra: Any
) -> Report:
    """One entry point by action name (for the API and the pages' action buttons):
    accept, start, hold, ask_reporter, resume, resolve, reject_not_competent,
    reject_duplicate, reject_spam, reopen, close. ``message`` is the reason / question /
    answer that the action needs."""
    simple = {
        workflow.ACCEPT: report_accept,
        workflow.START: report_start,
        workflow.RESUME: report_resume,
        workflow.CLOSE: report_close,
    }
    if action in simple:
        return simple[action](acting_user=acting_user, report=report, message=message)
    if action == workflow.HOLD:
        return report_hold(acting_user=acting_user, report=report, reason=message)
    if action == workflow.ASK_REPORTER:
        return report_ask_reporter(acting_user=acting_user, report=report, question=message)
    if action == workflow.RESOLVE:
        return report_resolve(
            acting_user=acting_user, report=report, answer=message,
            is_public=extra.get("is_public"),
        )  # fmt: skip
    if action == workflow.REOPEN:
        return report_reopen(acting_user=acting_user, report=report, reason=message)
    if action.startswith("reject_") and action.removeprefix("reject_") in REJECT_ACTIONS:
        return report_reject(
            acting_user=acting_user, report=report, kind=action.removeprefix("reject_"),
            reason=message, duplicate_of=extra.get("duplicate_of"),
        )  # fmt: skip
    # Unknown action: the same refusal as a known one from the wrong state. The reporter's own
    # move (``reporter_replied``, through ``report_reporter_update``) is refused the same way,
    # after the scope check, instead of falling through to a 500.
    _require_handler(acting_user, report)
    workflow.REPORT_FLOW.target(report.status, action)
    raise Conflict(
        "transition_not_allowed",
        _("This action is not allowed in the current state."),
        details={
            "state": report.status,
            "action": action,
            "allowed": [a for a in workflow.REPORT_FLOW.allowed(report.status) if a != action],
        },
    )


# --- periodic work (tasks call these) ---------------------------------------------------------


def remind_before_days() -> int:
    return int(getattr(settings, "TINHSO_FEEDBACK_REMIND_DAYS_BEFORE", 1))


def reports_remind_and_escalate(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Remind the responsible agency of running reports due within
    ``TINHSO_FEEDBACK_REMIND_DAYS_BEFORE`` working days (default 1), once per deadline; escalate
    overdue reports to the supervising agency (``Agency.parent``), once. Paused reports and the
    days an extension added are never overdue. Returns {"reminded": n, "escalated": m}."""
    from tinhso.kernel.calendar import calendar_from_db

    now = now or _now()
    calendar = calendar_from_db()
    running = Report.objects.filter(
        status__in=workflow.OPEN_STATES - workflow.PAUSED_STATES, deadline__isnull=False
    )
    horizon = now
    day = calendar.local(now).date()
    for _step in range(remind_before_days()):
        day = calendar.next_working_day(day)
    horizon = calendar.end_of_day(day)
    counts = {"reminded": 0, "escalated": 0}
    for pk in running.filter(
        deadline__gt=now, deadline__lte=horizon, reminded_at__isnull=True
    ).values_list("pk", flat=True):
        with transaction.atomic():
            report = _lock(Report(pk=pk))
            if report.reminded_at or report.deadline is None or report.deadline <= now:
                continue
            report.reminded_at = now
            report.save(update_fields=["reminded_at"])
            _history(
                report, kind=ReportUpdate.Kind.REMINDER, message=_("Deadline is near."), at=now
            )
            audit_record(actor=None, action="feedback.remind", obj=report, summary=report.code)
            _notify_agency(
                report.agency,
                subject=_("Field report %(code)s is due soon") % {"code": report.code},
                body=_("The deadline is %(deadline)s.")
                % {"deadline": timezone.localtime(report.deadline).strftime("%d/%m/%Y %H:%M")},
            )
            counts["reminded"] += 1
    for pk in running.filter(deadline__lt=now, escalated_at__isnull=True).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            report = _lock(Report(pk=pk))
            if report.escalated_at or not clocks.is_overdue(report, now=now):
                continue
            supervisor = report.agency.parent if report.agency_id else None
            report.escalated_at = now
            report.escalated_to = supervisor
            report.save(update_fields=["escalated_at", "escalated_to"])
            _history(
                report, kind=ReportUpdate.Kind.ESCALATION, agency_from=report.agency,
                agency_to=supervisor, message=_("Deadline passed."), at=now,
            )  # fmt: skip
            audit_record(actor=None, action="feedback.escalate", obj=report, summary=report.code)
            body = _("Field report %(code)s handled by %(agency)s is past its deadline.") % {
                "code": report.code,
                "agency": report.agency.name if report.agency_id else "—",
            }
            subject = _("Overdue field report %(code)s") % {"code": report.code}
            _notify_agency(supervisor, subject=subject, body=body)
            _notify_agency(report.agency, subject=subject, body=body)
            counts["escalated"] += 1
    return counts


def reports_close_stale(*, now: dt.datetime | None = None) -> int:
    """Close handled reports the reporter did not react to within
    ``TINHSO_FEEDBACK_CLOSE_AFTER_DAYS`` (default 14) days. Returns how many."""
    now = now or _now()
    days = int(getattr(settings, "TINHSO_FEEDBACK_CLOSE_AFTER_DAYS", 14))
    count = 0
    stale = Report.objects.filter(
        status=workflow.HANDLED, handled_at__lt=now - dt.timedelta(days=days)
    )
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            report = Report.objects.get(pk=pk)
            if report.status != workflow.HANDLED:
                continue
            locked, before = _transition(report, action=workflow.CLOSE, acting_user=None, at=now)
            _finish(locked, before, acting_user=None, action="close_stale")
            count += 1
    return count


def reports_anonymise(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Remove the personal data of reports closed or rejected more than ``days``
    (default ``TINHSO_FEEDBACK_RETENTION_DAYS``, 730) ago: reporter link, contact fields,
    device/account ids, the reporter's own messages, followers. The report, its category,
    location, answer and history of states stay (for the public page and the indicators).
    Returns how many reports were anonymised."""
    now = now or _now()
    cutoff = now - dt.timedelta(days=retention_days() if days is None else days)
    done = Report.objects.filter(anonymised_at__isnull=True, updated_at__lt=cutoff).filter(
        status__in=workflow.DONE_STATES - {workflow.HANDLED}
    )
    count = 0
    for pk in done.values_list("pk", flat=True):
        with transaction.atomic():
            report = Report.objects.select_for_update().get(pk=pk)
            if report.anonymised_at:
                continue
            report.reporter = None
            report.contact_name = ""
            report.contact_email = ""
            report.contact_phone = ""
            report.device_id = ""
            report.account_id = ""
            report.anonymised_at = now
            Report.objects.filter(pk=pk).update(
                reporter=None, contact_name="", contact_email="", contact_phone="",
                device_id="", account_id="", anonymised_at=now,
            )  # fmt: skip
            report.updates.filter(kind=ReportUpdate.Kind.REPORTER).update(
                message=_("(removed after the retention period)")
            )
            report.updates.filter(kind=ReportUpdate.Kind.RATING).update(message="")
            Report.objects.filter(pk=pk).update(rating_comment="")
            report.followers.all().delete()
            audit_record(actor=None, action="feedback.anonymise", obj=report, summary=report.code)
            count += 1
    return count


# --- other rooms ------------------------------------------------------------------------------


@transaction.atomic
def report_to_question(*, acting_user, report: Report, title: str = "", field: str | None = None):
    """Turn a report that is really a question into a Q&A question (``tinhso.qa.services``):
    the question is asked by the reporter to the report's agency, and the report is rejected
    as not competent here with a note pointing to the question. Returns the question."""
    from tinhso.qa import services as qa_services

    current = Report.objects.select_related("agency__unit", "commune", "reporter", "category").get(
        pk=report.pk
    )
    _require_handler(acting_user, current)
    if current.status not in workflow.OPEN_STATES:
        workflow.REPORT_FLOW.target(current.status, "to_question")
    title = (title or "").strip() or current.description.splitlines()[0][:200]
    kwargs: dict[str, Any] = {
        "acting_user": acting_user,
        "asker": current.reporter,
        "title": title,
        "body": current.description,
        "agency": current.agency,
        "source_ref": f"feedback:{current.code}",
    }
    if field is not None:
        kwargs["field"] = field
    question = qa_services.question_create(**_qa_kwargs(qa_services, kwargs))
    reference = getattr(question, "code", None) or getattr(question, "pk", "")
    locked, before = _transition(
        current, action=workflow.REJECT_NOT_COMPETENT, acting_user=acting_user,
        message=_("Turned into question %(ref)s.") % {"ref": reference},
        public_message=_("Your report was turned into a question to the agency (%(ref)s).")
        % {"ref": reference},
    )  # fmt: skip
    _finish(locked, before, acting_user=acting_user, action="to_question")
    _copy_into(report, locked)
    return question


def _qa_kwargs(qa_services, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Fit our arguments to ``question_create``'s signature (channel if it takes one)."""
    import inspect

    parameters = inspect.signature(qa_services.question_create).parameters
    if "channel" in parameters:
        kwargs["channel"] = "feedback"
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    return kwargs if accepts_any else {k: v for k, v in kwargs.items() if k in parameters}
