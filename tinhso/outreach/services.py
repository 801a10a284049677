"""Every write of the outreach room: campaigns, content and its approval, releases on the
channels, radio schedules and play logs, teams and their activity logs, surveys.

Keyword-only functions, one transaction each, audited. ``acting_user=None`` means the system
(a task, the demo, a test factory): no permission check. Any other user needs the permission
named in the function and the unit inside their scope (``errors.UnitOutOfScope`` otherwise).

Text is stored NFC-normalised: one-line fields through ``kernel.text.normalize`` (trimmed,
single spaces), long texts NFC with their line breaks kept (``clean_text``).

The rule that matters most: **nothing unapproved goes out**. Every release path (dispatch to
a channel, portal publication, radio schedule, play log, leaflet, text-to-speech) checks
``workflow.RELEASABLE_STATES`` under a row lock, and the dispatch task checks again before
each send (content withdrawn in between is not sent).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import string
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.permissions import require, user_can
from tinhso.accounts.scope import unit_in_scope
from tinhso.kernel.audit import audit_record, diff
from tinhso.kernel.errors import InvalidInput
from tinhso.kernel.files import check_name
from tinhso.kernel.models import StoredFile
from tinhso.kernel.text import normalize
from tinhso.outreach import channels, errors, radio, tts, workflow
from tinhso.outreach.models import (
    COUNT_FIELDS,
    TARGET_METRICS,
    ActivityLog,
    Audience,
    BroadcastSlot,
    Campaign,
    ChannelKind,
    Cluster,
    Contact,
    Content,
    ContentKind,
    ContentTemplate,
    Delivery,
    Dispatch,
    OptOut,
    PlayLog,
    Priority,
    Question,
    Station,
    Survey,
    SurveyResponse,
    Team,
    TeamMember,
    TrainingRecord,
)
from tinhso.outreach.permissions import (
    OUTREACH_APPROVE,
    OUTREACH_EDIT,
    OUTREACH_RADIO,
    OUTREACH_RELEASE,
    OUTREACH_SURVEYS,
    OUTREACH_TEAMS,
)
from tinhso.units.models import Unit, subtree_bounds


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""Default of the optional arguments of ``*_update``: "leave this field as it is"."""

MAX_ATTEMPTS = 5
LEASE = dt.timedelta(minutes=10)  # how long one dispatch run may take before others step in
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600
AUDIO_MAX_BYTES = 50 * 1024 * 1024
MAX_COUNT = 100_000
DEFAULT_SLOT_SECONDS = 300


# --- shared checks ------------------------------------------------------------------------------


def _require(acting_user, permission: str, unit: Unit | None) -> None:
    if acting_user is None:
        return
    require(acting_user, permission)
    if unit is not None and not unit_in_scope(acting_user, unit, permission=permission):
        raise errors.UnitOutOfScope()


def _field_error(exc_class, field_name: str, **kwargs):
    instance = exc_class(**kwargs)
    instance.details = [
        {"field": field_name, "code": instance.code, "message": str(instance.message)}
    ]
    return instance


def clean_line(value: Any, field_name: str, *, max_length: int, required: bool = True) -> str:
    """A one-line text: NFC, trimmed, single spaces; refused when empty (if required) or long."""
    text = normalize(str(value or ""))
    if required and not text:
        raise _field_error(errors.FieldEmpty, field_name)
    if len(text) > max_length:
        raise _field_error(errors.ValueTooLong, field_name)
    return text


def clean_text(value: Any, field_name: str, *, required: bool = True, max_length=20000) -> str:
    """A long text: NFC, line breaks kept (``\\r\\n`` → ``\\n``), trailing spaces and
    surrounding blank lines removed."""
    text = unicodedata.normalize("NFC", str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n").strip()
    if required and not text:
        raise _field_error(errors.FieldEmpty, field_name)
    if len(text) > max_length:
        raise _field_error(errors.ValueTooLong, field_name)
    return text


def _choice(value: Any, allowed: Iterable[str], field_name: str) -> str:
    value = str(getattr(value, "value", value) or "")
    if value not in set(allowed):
        raise _field_error(errors.ChoiceInvalid, field_name)
    return value


def _choices(values: Iterable[Any], allowed: Iterable[str], field_name: str) -> list[str]:
    result: list[str] = []
    for value in values or ():
        value = _choice(value, allowed, field_name)
        if value not in result:
            result.append(value)
    return result


def _count(value: Any, field_name: str) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        raise _field_error(errors.ChoiceInvalid, field_name) from None
    if isinstance(value, float) and value != number:
        raise _field_error(errors.ChoiceInvalid, field_name)
    if not 0 <= number <= MAX_COUNT:
        raise _field_error(errors.ChoiceInvalid, field_name)
    return number


def _in_subtree(unit: Unit, top: Unit) -> bool:
    low, high = subtree_bounds(top.path)
    return low <= unit.path < high


def _state(obj, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


# --- campaigns ----------------------------------------------------------------------------------

_CAMPAIGN_FIELDS = [
    "title",
    "goal",
    "starts_on",
    "ends_on",
    "is_peak",
    "audiences",
    "key_messages",
    "channels",
    "targets",
]


def _clean_targets(targets: Mapping[str, Any] | None) -> dict[str, int]:
    cleaned = {}
    for key, value in (targets or {}).items():
        _choice(key, TARGET_METRICS, "targets")
        cleaned[key] = _count(value, "targets") if value is not None else 0
    return cleaned


def _clean_messages(messages: Iterable[str] | None) -> list[str]:
    return [
        clean_line(message, "key_messages", max_length=500)
        for message in (messages or ())
        if normalize(str(message or ""))
    ]


def _check_period(starts_on: dt.date, ends_on: dt.date, field_name: str = "ends_on") -> None:
    if not starts_on or not ends_on:
        raise _field_error(errors.FieldEmpty, "starts_on" if not starts_on else "ends_on")
    if ends_on < starts_on:
        raise _field_error(errors.PeriodInvalid, field_name)


def _check_target_units(acting_user, campaign_unit: Unit, units: Sequence[Unit]) -> list[Unit]:
    for unit in units:
        if not _in_subtree(unit, campaign_unit):
            raise _field_error(errors.UnitOutOfScope, "target_units")
    return list(units)


@transaction.atomic
def campaign_create(
    *,
    acting_user,
    unit: Unit,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date,
    goal: str = "",
    is_peak: bool = False,
    target_units: Sequence[Unit] = (),
    audiences: Sequence[str] = (),
    key_messages: Sequence[str] = (),
    channels: Sequence[str] = (),
    targets: Mapping[str, int] | None = None,
) -> Campaign:
    """Plan a campaign (``outreach.edit``); ``targets`` maps ``TARGET_METRICS`` codes to
    numbers; ``target_units`` must lie under ``unit``."""
    _require(acting_user, OUTREACH_EDIT, unit)
    _check_period(starts_on, ends_on)
    campaign = Campaign.objects.create(
        unit=unit,
        title=clean_line(title, "title", max_length=255),
        goal=clean_text(goal, "goal", required=False),
        starts_on=starts_on,
        ends_on=ends_on,
        is_peak=bool(is_peak),
        audiences=_choices(audiences, Audience.values, "audiences"),
        key_messages=_clean_messages(key_messages),
        channels=_choices(channels, ChannelKind.values, "channels"),
        targets=_clean_targets(targets),
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    campaign.target_units.set(_check_target_units(acting_user, unit, target_units))
    audit_record(
        actor=acting_user,
        action="outreach.campaign_create",
        obj=campaign,
        summary=campaign.title,
        changes=diff({}, _state(campaign, _CAMPAIGN_FIELDS)),
    )
    return campaign


@transaction.atomic
def campaign_update(
    *,
    acting_user,
    campaign: Campaign,
    title: str = UNSET,
    goal: str = UNSET,
    starts_on: dt.date = UNSET,
    ends_on: dt.date = UNSET,
    is_peak: bool = UNSET,
    target_units: Sequence[Unit] = UNSET,
    audiences: Sequence[str] = UNSET,
    key_messages: Sequence[str] = UNSET,
    channels: Sequence[str] = UNSET,
    targets: Mapping[str, int] = UNSET,
) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _require(acting_user, OUTREACH_EDIT, campaign.unit)
    before = _state(campaign, _CAMPAIGN_FIELDS)
    if title is not UNSET:
        campaign.title = clean_line(title, "title", max_length=255)
    if goal is not UNSET:
        campaign.goal = clean_text(goal, "goal", required=False)
    if starts_on is not UNSET:
        campaign.starts_on = starts_on
    if ends_on is not UNSET:
        campaign.ends_on = ends_on
    _check_period(campaign.starts_on, campaign.ends_on)
    if is_peak is not UNSET:
        campaign.is_peak = bool(is_peak)
    if audiences is not UNSET:
        campaign.audiences = _choices(audiences, Audience.values, "audiences")
    if key_messages is not UNSET:
        campaign.key_messages = _clean_messages(key_messages)
    if channels is not UNSET:
        campaign.channels = _choices(channels, ChannelKind.values, "channels")
    if targets is not UNSET:
        campaign.targets = _clean_targets(targets)
    campaign.save()
    if target_units is not UNSET:
        campaign.target_units.set(_check_target_units(acting_user, campaign.unit, target_units))
    audit_record(
        actor=acting_user,
        action="outreach.campaign_update",
        obj=campaign,
        summary=campaign.title,
        changes=diff(before, _state(campaign, _CAMPAIGN_FIELDS)),
    )
    return campaign


# --- templates and content ----------------------------------------------------------------------

_CONTENT_FIELDS = ["kind", "title", "summary", "body", "priority", "dx_section", "status"]


@transaction.atomic
def template_create(
    *, acting_user, kind: str, name: str, body: str, title: str = "", unit: Unit | None = None
) -> ContentTemplate:
    """A reusable text; ``{placeholders}`` are filled by ``content_create_from_template``."""
    if acting_user is not None and unit is None and not acting_user.is_superuser:
        raise errors.UnitOutOfScope()
    _require(acting_user, OUTREACH_EDIT, unit)
    template = ContentTemplate.objects.create(
        unit=unit,
        kind=_choice(kind, ContentKind.values, "kind"),
        name=clean_line(name, "name", max_length=200),
        title=clean_line(title, "title", max_length=255, required=False),
        body=clean_text(body, "body"),
    )
    audit_record(
        actor=acting_user, action="outreach.template_create", obj=template, summary=template.name
    )
    return template


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill_template(text: str, values: Mapping[str, Any]) -> str:
    """``{name}`` placeholders filled from ``values``; unknown ones stay as written."""
    names = [name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name]
    if not names:
        return text
    try:
        return text.format_map(_Keep({k: normalize(str(v)) for k, v in values.items()}))
    except (ValueError, IndexError, AttributeError):
        return text


@transaction.atomic
def content_create(
    *,
    acting_user,
    unit: Unit,
    kind: str,
    title: str,
    body: str,
    summary: str = "",
    campaign: Campaign | None = None,
    template: ContentTemplate | None = None,
    priority: str = Priority.NORMAL,
    dx_section: bool = False,
) -> Content:
    """A new draft (``outreach.edit``)."""
    _require(acting_user, OUTREACH_EDIT, unit)
    kind = _choice(kind, ContentKind.values, "kind")
    content = Content.objects.create(
        unit=unit,
        campaign=campaign,
        template=template,
        kind=kind,
        title=clean_line(title, "title", max_length=255),
        summary=clean_text(summary, "summary", required=False, max_length=2000),
        body=clean_text(body, "body"),
        priority=_choice(priority, Priority.values, "priority"),
        dx_section=bool(dx_section) and kind == ContentKind.RADIO,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    audit_record(
        actor=acting_user,
        action="outreach.content_create",
        obj=content,
        summary=content.title,
        changes=diff({}, _state(content, _CONTENT_FIELDS)),
    )
    return content


def content_create_from_template(
    *,
    acting_user,
    template: ContentTemplate,
    unit: Unit,
    values: Mapping[str, Any] | None = None,
    campaign: Campaign | None = None,
    title: str | None = None,
    priority: str = Priority.NORMAL,
    dx_section: bool = False,
) -> Content:
    values = values or {}
    return content_create(
        acting_user=acting_user,
        unit=unit,
        kind=template.kind,
        title=title or fill_template(template.title or template.name, values),
        body=fill_template(template.body, values),
        campaign=campaign,
        template=template,
        priority=priority,
        dx_section=dx_section,
    )


def _lock_content(content: Content) -> Content:
    return Content.objects.select_for_update().select_related("unit").get(pk=content.pk)


@transaction.atomic
def content_update(
    *,
    acting_user,
    content: Content,
    title: str = UNSET,
    body: str = UNSET,
    summary: str = UNSET,
    priority: str = UNSET,
    dx_section: bool = UNSET,
    campaign: Campaign | None = UNSET,
) -> Content:
    """Change a draft; anything past draft is frozen (``content_not_editable``)."""
    content = _lock_content(content)
    _require(acting_user, OUTREACH_EDIT, content.unit)
    if content.status not in workflow.EDITABLE_STATES:
        raise errors.ContentNotEditable()
    before = _state(content, _CONTENT_FIELDS)
    if title is not UNSET:
        content.title = clean_line(title, "title", max_length=255)
    if body is not UNSET:
        content.body = clean_text(body, "body")
    if summary is not UNSET:
        content.summary = clean_text(summary, "summary", required=False, max_length=2000)
    if priority is not UNSET:
        content.priority = _choice(priority, Priority.values, "priority")
    if dx_section is not UNSET:
        content.dx_section = bool(dx_section) and content.kind == ContentKind.RADIO
    if campaign is not UNSET:
        content.campaign = campaign
    content.save()
    audit_record(
        actor=acting_user,
        action="outreach.content_update",
        obj=content,
        summary=content.title,
        changes=diff(before, _state(content, _CONTENT_FIELDS)),
    )
    return content


_ACTION_PERMISSION = {
    workflow.SUBMIT: OUTREACH_EDIT,
    workflow.RETURN: OUTREACH_APPROVE,
    workflow.APPROVE: OUTREACH_APPROVE,
    workflow.RELEASE: OUTREACH_RELEASE,
    workflow.WITHDRAW: OUTREACH_APPROVE,
}


def _transition(acting_user, content: Content, action: str, note: str = "") -> Content:
    """Move locked ``content`` through ``action`` (409 ``transition_not_allowed``), audited."""
    _require(acting_user, _ACTION_PERMISSION[action], content.unit)
    before = content.status
    content.status = workflow.CONTENT_FLOW.target(content.status, action)
    now = timezone.now()
    if action == workflow.APPROVE:
        content.approved_by = acting_user if getattr(acting_user, "pk", None) else None
        content.approved_at = now
    if action == workflow.RELEASE:
        content.released_at = now
    if note:
        content.review_note = clean_text(note, "note", required=False, max_length=2000)
    content.save()
    audit_record(
        actor=acting_user,
        action=f"outreach.content_{action}",
        obj=content,
        summary=content.title,
        changes={"status": [before, content.status], **({"note": note} if note else {})},
    )
    return content


@transaction.atomic
def content_submit(*, acting_user, content: Content) -> Content:
    """Draft → in review (``outreach.edit``)."""
    return _transition(acting_user, _lock_content(content), workflow.SUBMIT)


@transaction.atomic
def content_return(*, acting_user, content: Content, note: str = "") -> Content:
    """In review → draft, with the reviewer's note (``outreach.approve``)."""
    return _transition(acting_user, _lock_content(content), workflow.RETURN, note)


@transaction.atomic
def content_approve(*, acting_user, content: Content, note: str = "") -> Content:
    """In review → approved (``outreach.approve``): from now on it may go out."""
    return _transition(acting_user, _lock_content(content), workflow.APPROVE, note)


@transaction.atomic
def content_withdraw(*, acting_user, content: Content, note: str = "") -> Content:
    """Approved/released → withdrawn: the news item is hidden, future radio slots are
    cancelled, messages not yet sent are not sent (they end ``failed`` with
    ``content_withdrawn``, visible)."""
    content = _lock_content(content)
    content = _transition(acting_user, content, workflow.WITHDRAW, note)
    content_news = getattr(content, "news", None)
    if content_news is not None:
        content_news.is_visible = False
        content_news.save(update_fields=["is_visible"])
    BroadcastSlot.objects.filter(
        content=content, status=BroadcastSlot.Status.SCHEDULED, starts_at__gte=timezone.now()
    ).update(status=BroadcastSlot.Status.CANCELLED)
    Delivery.objects.filter(
        dispatch__content=content,
        status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING],
    ).update(
        status=Delivery.Status.FAILED,
        error_code="content_withdrawn",
        error_message=str(_("The content was withdrawn before it was sent.")),
    )
    return content


def _require_releasable(content: Content) -> None:
    if content.status not in workflow.RELEASABLE_STATES:
        raise errors.ContentNotApproved(
            details={"state": content.status, "allowed": sorted(workflow.RELEASABLE_STATES)}
        )


def _mark_released(acting_user, content: Content) -> None:
    """The first release of approved content moves it to ``released``."""
    _require_releasable(content)
    if content.status == workflow.APPROVED:
        _transition(acting_user, content, workflow.RELEASE)


# --- channels: opt-outs, contacts, dispatches ----------------------------------------------------


@transaction.atomic
def optout_add(*, acting_user, channel: str, address: str, reason: str = "") -> OptOut:
    """Record a refusal of messages (anyone may opt out; officials enter refusals received by
    phone). Idempotent: a second refusal changes nothing."""
    channel = _choice(channel, ["sms", "zalo", "email"], "channel")
    address = channels.get_client(channel).normalize_address(address)
    optout, created = OptOut.objects.get_or_create(
        channel=channel,
        address=address,
        defaults={"reason": clean_line(reason, "reason", max_length=255, required=False)},
    )
    if created:
        audit_record(
            actor=acting_user,
            action="outreach.optout_add",
            obj=optout,
            changes={"channel": channel, "phone" if channel == "sms" else "address": address},
        )
    return optout


@transaction.atomic
def optout_remove(*, acting_user, channel: str, address: str) -> bool:
    channel = _choice(channel, ["sms", "zalo", "email"], "channel")
    address = channels.get_client(channel).normalize_address(address)
    deleted, _rows = OptOut.objects.filter(channel=channel, address=address).delete()
    if deleted:
        audit_record(
            actor=acting_user,
            action="outreach.optout_remove",
            object_type="outreach.optout",
            object_id=f"{channel}",
            changes={"channel": channel},
        )
    return bool(deleted)


def is_opted_out(channel: str, address: str) -> bool:
    return OptOut.objects.filter(channel=channel, address=address).exists()


@transaction.atomic
def contact_create(
    *,
    acting_user,
    unit: Unit,
    full_name: str = "",
    phone: str = "",
    zalo_user_id: str = "",
    email: str = "",
    audience: str = Audience.GENERAL,
) -> Contact:
    """A person who agreed to receive messages (``outreach.release``)."""
    _require(acting_user, OUTREACH_RELEASE, unit)
    contact = Contact.objects.create(
        unit=unit,
        full_name=clean_line(full_name, "full_name", max_length=200, required=False),
        phone=channels.get_client("sms").normalize_address(phone) if phone else "",
        zalo_user_id=channels.get_client("zalo").normalize_address(zalo_user_id)
        if zalo_user_id
        else "",
        email=channels.get_client("email").normalize_address(email) if email else "",
        audience=_choice(audience, Audience.values, "audience"),
    )
    audit_record(actor=acting_user, action="outreach.contact_create", obj=contact)
    return contact


_CONTACT_ADDRESS = {"sms": "phone", "zalo": "zalo_user_id", "email": "email"}


def _contacts_for(channel: str, units: Sequence[Unit], audiences: Sequence[str]):
    field_name = _CONTACT_ADDRESS[channel]
    contacts = Contact.objects.exclude(**{field_name: ""})
    if units:
        from django.db.models import Q

        condition = Q(pk__in=[])
        for unit in units:
            low, high = subtree_bounds(unit.path)
            condition |= Q(unit__path__gte=low, unit__path__lt=high)
        contacts = contacts.filter(condition)
    if audiences:
        contacts = contacts.filter(audience__in=list(audiences))
    return [(getattr(contact, field_name), contact) for contact in contacts.order_by("pk")]


def message_for(content: Content, channel: str, request_id: str) -> channels.OutgoingMessage:
    text = content.body
    if channel == "email" and content.summary:
        text = f"{content.summary}\n\n{content.body}"
    return channels.OutgoingMessage(
        content_id=content.pk, title=content.title, text=text, request_id=request_id
    )


@dataclass
class _Recipient:
    address: str
    contact: Contact | None
    status: str = Delivery.Status.PENDING
    error_code: str = ""


@transaction.atomic
def dispatch_create(
    *,
    acting_user,
    content: Content,
    channel: str,
    addresses: Sequence[str] = (),
    units: Sequence[Unit] = (),
    audiences: Sequence[str] = (),
) -> Dispatch:
    """Release approved ``content`` on ``channel`` (``outreach.release``).

    Recipients are the explicit ``addresses`` plus the contacts under ``units`` (all contacts
    in scope of the content's unit when neither is given) of the ``audiences``. Each becomes a
    ``Delivery``: pending, or refused at once (opted out, invalid address: stored, visible).
    A single explicit address that opted out is refused outright (``recipient_opted_out``).
    Portal publication happens inside this transaction; the other channels are sent by the
    ``dispatch_send`` task after commit.
    """
    content = _lock_content(content)
    _require(acting_user, OUTREACH_RELEASE, content.unit)
    channel = _choice(channel, channels.CONTENT_KINDS, "channel")
    _require_releasable(content)
    if content.kind not in channels.CONTENT_KINDS[channel]:
        raise _field_error(errors.ContentKindInvalid, "channel")
    client = channels.get_client(channel)
    reason = client.disabled_reason()
    if reason:
        raise errors.ChannelDisabled(message=reason, details={"channel": channel})
    for unit in units:
        if acting_user is not None and not unit_in_scope(
            acting_user, unit, permission=OUTREACH_RELEASE
        ):
            raise errors.UnitOutOfScope()

    recipients: dict[str, _Recipient] = {}
    if channel == "portal":
        recipients["portal"] = _Recipient("portal", None)
    else:
        raw = [(address, None) for address in addresses]
        if units or audiences or not addresses:
            raw += _contacts_for(channel, units or [content.unit], audiences)
        for address, contact in raw:
            try:
                normalized = client.normalize_address(address)
            except errors.AddressInvalid:
                key = normalize(str(address or ""))[:255] or "?"
                recipients.setdefault(
                    key, _Recipient(key, contact, Delivery.Status.REFUSED_INVALID, "invalid")
                )
                continue
            if normalized in recipients:
                continue
            recipient = _Recipient(normalized, contact)
            if is_opted_out(channel, normalized):
                recipient.status = Delivery.Status.REFUSED_OPT_OUT
                recipient.error_code = "opted_out"
            recipients[normalized] = recipient
        if not recipients:
            raise errors.NoRecipients()
        only = list(recipients.values())
        if len(only) == 1 and addresses and not units and not audiences:
            if only[0].status == Delivery.Status.REFUSED_OPT_OUT:
                raise _field_error(errors.RecipientOptedOut, "addresses")
            if only[0].status == Delivery.Status.REFUSED_INVALID:
                raise _field_error(errors.AddressInvalid, "addresses")

    dispatch = Dispatch.objects.create(
        content=content,
        channel=channel,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    refused_messages = {
        Delivery.Status.REFUSED_OPT_OUT: str(errors.RecipientOptedOut.default_message),
        Delivery.Status.REFUSED_INVALID: str(errors.AddressInvalid.default_message),
    }
    Delivery.objects.bulk_create(
        Delivery(
            dispatch=dispatch,
            address=recipient.address,
            contact=recipient.contact,
            status=recipient.status,
            error_code=recipient.error_code,
            error_message=refused_messages.get(recipient.status, ""),
        )
        for recipient in recipients.values()
    )
    _mark_released(acting_user, content)
    audit_record(
        actor=acting_user,
        action="outreach.dispatch_create",
        obj=dispatch,
        summary=f"{channel}: {content.title}",
        changes={
            "content": content.pk,
            "channel": channel,
            "recipients": len(recipients),
            "refused": sum(1 for r in recipients.values() if r.status != Delivery.Status.PENDING),
        },
    )
    if channel == "portal":
        _send_due(dispatch, content, client, timezone.now())
        _finish(dispatch, timezone.now())
    else:
        transaction.on_commit(lambda: _enqueue_dispatch(dispatch.pk, None))
    return dispatch


def _enqueue_dispatch(dispatch_id: int, run_after: dt.datetime | None) -> None:
    from django_tasks import default_task_backend

    from tinhso.outreach.tasks import dispatch_send

    task = dispatch_send
    if run_after is not None:
        if not default_task_backend.supports_defer:
            return  # ``tinhso outreach_tick`` picks it up when it is due
        task = dispatch_send.using(run_after=run_after)
    task.enqueue(dispatch_id)


def backoff_seconds(attempt: int, retry_after: float | None = None) -> float:
    """Wait before retry number ``attempt`` (1, 2, ...): 1, 2, 4, 8 minutes, capped at one
    hour, and never less than what the provider asked for."""
    delay = min(BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0), BACKOFF_MAX_SECONDS)
    return max(delay, retry_after or 0)


def _send_due(dispatch: Dispatch, content: Content, client, now: dt.datetime) -> None:
    from django.db.models import Q

    due = dispatch.deliveries.filter(
        Q(status=Delivery.Status.PENDING)
        | Q(status=Delivery.Status.RETRYING, next_attempt_at__lte=now)
    ).order_by("pk")
    for delivery in due:
        if is_opted_out(dispatch.channel, delivery.address):
            delivery.status = Delivery.Status.REFUSED_OPT_OUT
            delivery.error_code = "opted_out"
            delivery.error_message = str(errors.RecipientOptedOut.default_message)
            delivery.save()
            continue
        message = message_for(content, dispatch.channel, f"tinhso-{delivery.pk}")
        try:
            result = client.send(address=delivery.address, message=message)
        except Exception as exc:  # a bug in a client must not lose the delivery row
            result = channels.SendResult.failure(
                "client_error", f"{type(exc).__name__}: {exc}", retryable=True
            )
        delivery.attempts += 1
        if result.ok:
            delivery.status = Delivery.Status.SENT
            delivery.provider_message_id = result.provider_message_id[:100]
            delivery.sent_at = timezone.now()
            delivery.error_code = delivery.error_message = ""
            delivery.next_attempt_at = None
        else:
            delivery.error_code = result.error_code[:50]
            delivery.error_message = result.error_message[:500]
            if result.retryable and delivery.attempts < MAX_ATTEMPTS:
                delivery.status = Delivery.Status.RETRYING
                delivery.next_attempt_at = now + dt.timedelta(
                    seconds=backoff_seconds(delivery.attempts, result.retry_after)
                )
            else:
                delivery.status = Delivery.Status.FAILED
                delivery.next_attempt_at = None
        delivery.save()


def _finish(dispatch: Dispatch, now: dt.datetime) -> Dispatch:
    """Set the dispatch's status from its deliveries; returns when to run again (if ever)."""
    statuses = list(dispatch.deliveries.values_list("status", "next_attempt_at"))
    retrying = [when for status, when in statuses if status == Delivery.Status.RETRYING]
    pending = any(status == Delivery.Status.PENDING for status, _when in statuses)
    sent = sum(1 for status, _when in statuses if status == Delivery.Status.SENT)
    failed = [
        status
        for status, _when in statuses
        if status in {Delivery.Status.FAILED, Delivery.Status.REFUSED_INVALID}
    ]
    if retrying or pending:
        dispatch.status = Dispatch.Status.RETRYING
        dispatch.next_attempt_at = min(retrying) if retrying else now
    else:
        dispatch.next_attempt_at = None
        dispatch.finished_at = now
        if failed and not sent:
            dispatch.status = Dispatch.Status.FAILED
        elif failed:
            dispatch.status = Dispatch.Status.PARTLY_FAILED
        else:
            dispatch.status = Dispatch.Status.DONE
    last_error = (
        dispatch.deliveries.exclude(error_message="")
        .exclude(status__in=[Delivery.Status.SENT, Delivery.Status.REFUSED_OPT_OUT])
        .order_by("-updated_at")
        .values_list("error_code", "error_message")
        .first()
    )
    dispatch.last_error = f"{last_error[0]}: {last_error[1]}"[:500] if last_error else ""
    dispatch.save()
    return dispatch


def dispatch_run(*, dispatch_id: int, now: dt.datetime | None = None) -> Dispatch | None:
    """Send a dispatch's due deliveries (the ``dispatch_send`` task's body).

    No lock is held while talking to the provider (SQLite has one writer); delivery is at
    least once (the provider's ``RequestId`` de-duplicates a retried request). Deliveries that
    failed in a retryable way wait ``backoff_seconds`` and the task is enqueued again for
    then; after ``MAX_ATTEMPTS`` they are ``failed`` and the dispatch shows it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        dispatch = (
            Dispatch.objects.select_for_update().select_related("content").filter(pk=dispatch_id)
        ).first()
        if dispatch is None or dispatch.status in {
            Dispatch.Status.DONE,
            Dispatch.Status.FAILED,
            Dispatch.Status.PARTLY_FAILED,
        }:
            return dispatch
        content = dispatch.content
        client = channels.get_client(dispatch.channel)
        reason = client.disabled_reason()
        blocked = ""
        if content.status not in workflow.RELEASABLE_STATES:
            blocked = "content_not_approved"
            reason = str(errors.ContentNotApproved.default_message)
        elif reason:
            blocked = "channel_disabled"
        if blocked:
            dispatch.deliveries.filter(
                status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING]
            ).update(status=Delivery.Status.FAILED, error_code=blocked, error_message=reason)
            return _finish(dispatch, now)
        wall = timezone.now()
        if dispatch.locked_until and dispatch.locked_until > wall:
            return dispatch  # another run is sending it right now
        dispatch.status = Dispatch.Status.SENDING
        dispatch.attempts += 1
        dispatch.locked_until = wall + LEASE
        dispatch.save(update_fields=["status", "attempts", "locked_until"])
    try:
        _send_due(dispatch, content, client, now)
    finally:
        with transaction.atomic():
            dispatch = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
            dispatch.locked_until = None
            dispatch = _finish(dispatch, now)
    with transaction.atomic():
        if dispatch.status == Dispatch.Status.FAILED or dispatch.status == (
            Dispatch.Status.PARTLY_FAILED
        ):
            audit_record(
                actor=None,
                action="outreach.dispatch_failed",
                obj=dispatch,
                summary=dispatch.last_error,
            )
        if dispatch.status == Dispatch.Status.RETRYING and dispatch.next_attempt_at:
            when = dispatch.next_attempt_at
            transaction.on_commit(lambda: _enqueue_dispatch(dispatch.pk, when))
    return dispatch


@transaction.atomic
def dispatch_retry(*, acting_user, dispatch: Dispatch) -> Dispatch:
    """An operator sends the failed deliveries of a finished dispatch again."""
    dispatch = Dispatch.objects.select_for_update().select_related("content").get(pk=dispatch.pk)
    _require(acting_user, OUTREACH_RELEASE, dispatch.content.unit)
    _require_releasable(dispatch.content)
    reset = dispatch.deliveries.filter(status=Delivery.Status.FAILED).update(
        status=Delivery.Status.PENDING, next_attempt_at=None, attempts=0
    )
    if reset:
        dispatch.status = Dispatch.Status.QUEUED
        dispatch.finished_at = None
        dispatch.save()
        transaction.on_commit(lambda: _enqueue_dispatch(dispatch.pk, None))
    audit_record(
        actor=acting_user, action="outreach.dispatch_retry", obj=dispatch, changes={"reset": reset}
    )
    return dispatch


def dispatches_due(now: dt.datetime | None = None) -> list[int]:
    """Dispatches waiting for a retry that is due (for ``outreach_tick``)."""
    now = now or timezone.now()
    from django.db.models import Q

    return list(
        Dispatch.objects.filter(
            Q(status=Dispatch.Status.RETRYING, next_attempt_at__lte=now)
            # queued but its task never ran (no worker, a lost enqueue)
            | Q(status=Dispatch.Status.QUEUED, created_at__lte=now - dt.timedelta(minutes=5))
            # a run that died while sending
            | Q(status=Dispatch.Status.SENDING, locked_until__lt=now)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- leaflets -------------------------------------------------------------------------------------


@transaction.atomic
def leaflet_render(*, acting_user, content: Content) -> StoredFile:
    """Render an approved leaflet to PDF and keep it on the content (``outreach.release``)."""
    from tinhso.outreach import leaflet

    content = _lock_content(content)
    _require(acting_user, OUTREACH_RELEASE, content.unit)
    if content.kind != ContentKind.LEAFLET:
        raise _field_error(errors.ContentKindInvalid, "kind")
    _require_releasable(content)
    data = leaflet.render_pdf(content)
    stored = _store_generated(
        acting_user,
        data,
        name=f"to-roi-{content.pk}.pdf",
        content_type="application/pdf",
        purpose="outreach.leaflet",
    )
    content.leaflet_pdf = stored
    content.save(update_fields=["leaflet_pdf", "updated_at"])
    _mark_released(acting_user, content)
    return stored


def _store_generated(
    acting_user, data: bytes, *, name: str, content_type: str, purpose: str
) -> StoredFile:
    """Keep bytes the server made itself (PDF, speech) as a kernel ``StoredFile``."""
    stored = StoredFile(
        original_name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        purpose=purpose,
        uploaded_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        created_at=timezone.now(),
    )
    stored.file.save(name, ContentFile(data), save=False)
    stored.save(force_insert=True)
    audit_record(
        actor=acting_user,
        action="file.store",
        obj=stored,
        summary=f"{content_type} {len(data)} B",
        changes={"purpose": purpose, "sha256": stored.sha256, "size": stored.size},
    )
    return stored


# --- radio: stations, clusters, audio, schedule, play log ---------------------------------------


@transaction.atomic
def station_create(*, acting_user, unit: Unit, code: str, name: str) -> Station:
    _require(acting_user, OUTREACH_RADIO, unit)
    code = clean_line(code, "code", max_length=50)
    if Station.objects.filter(code=code).exists():
        raise _field_error(errors.ChoiceInvalid, "code")
    station = Station.objects.create(
        unit=unit, code=code, name=clean_line(name, "name", max_length=200)
    )
    audit_record(actor=acting_user, action="outreach.station_create", obj=station)
    return station


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def cluster_create(
    *, acting_user, station: Station, code: str, name: str, area: Unit | None = None
) -> tuple[Cluster, str]:
    """A loudspeaker cluster and its reporting key, shown once (only its hash is kept)."""
    _require(acting_user, OUTREACH_RADIO, station.unit)
    code = clean_line(code, "code", max_length=50)
    if Cluster.objects.filter(code=code).exists():
        raise _field_error(errors.ChoiceInvalid, "code")
    if area is not None and not _in_subtree(area, station.unit):
        raise _field_error(errors.UnitOutOfScope, "area")
    key = secrets.token_urlsafe(24)
    cluster = Cluster.objects.create(
        station=station,
        code=code,
        name=clean_line(name, "name", max_length=200),
        area=area,
        api_key_hash=hash_key(key),
    )
    audit_record(actor=acting_user, action="outreach.cluster_create", obj=cluster)
    return cluster, key


@transaction.atomic
def cluster_rotate_key(*, acting_user, cluster: Cluster) -> str:
    cluster = Cluster.objects.select_for_update().select_related("station__unit").get(pk=cluster.pk)
    _require(acting_user, OUTREACH_RADIO, cluster.station.unit)
    key = secrets.token_urlsafe(24)
    cluster.api_key_hash = hash_key(key)
    cluster.save(update_fields=["api_key_hash"])
    audit_record(actor=acting_user, action="outreach.cluster_rotate_key", obj=cluster)
    return key


def cluster_authenticate(*, code: str, key: str) -> Cluster:
    """The active cluster whose key this is, or ``cluster_key_invalid`` (403)."""
    cluster = Cluster.objects.filter(code=code, is_active=True).select_related("station").first()
    if (
        cluster is None
        or not key
        or not cluster.api_key_hash
        or not secrets.compare_digest(cluster.api_key_hash, hash_key(key))
    ):
        raise errors.ClusterKeyInvalid()
    return cluster


@transaction.atomic
def bulletin_render_audio(*, acting_user, content: Content, engine=None) -> Content:
    """Speak an approved radio bulletin into a WAV file kept on the content
    (``outreach.release``). ``tts_unavailable`` (503) when espeak-ng is missing."""
    content = _lock_content(content)
    _require(acting_user, OUTREACH_RELEASE, content.unit)
    if content.kind != ContentKind.RADIO:
        raise _field_error(errors.ContentKindInvalid, "kind")
    _require_releasable(content)
    engine = engine or tts.get_engine()
    data = engine.synthesize(tts.speakable(content.title, content.body), voice=tts.default_voice())
    try:
        seconds = tts.wav_duration(data)
    except ValueError:
        raise errors.TtsUnavailable(details={"reason": "not a WAV file"}) from None
    stored = _store_generated(
        acting_user,
        data,
        name=f"ban-tin-{content.pk}.wav",
        content_type="audio/wav",
        purpose="outreach.audio",
    )
    content.audio = stored
    content.audio_seconds = round(seconds, 2)
    content.audio_source = f"tts:{engine.name}"[:20]
    content.save(update_fields=["audio", "audio_seconds", "audio_source", "updated_at"])
    return content


AUDIO_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg"}


def sniff_audio(head: bytes) -> str | None:
    """``"wav"``, ``"mp3"`` or ``"ogg"`` from the first bytes, or ``None``.

    The kernel's ``FILE_TYPES`` has no audio types, so the outreach room checks its own."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


@transaction.atomic
def bulletin_upload_audio(*, acting_user, content: Content, uploaded_file) -> Content:
    """Attach a recording to a radio bulletin still in draft or review, so that the approval
    covers what will be aired (``outreach.edit``). WAV, MP3 or Ogg, checked by content."""
    content = _lock_content(content)
    _require(acting_user, OUTREACH_EDIT, content.unit)
    if content.kind != ContentKind.RADIO:
        raise _field_error(errors.ContentKindInvalid, "kind")
    if content.status not in {workflow.DRAFT, workflow.REVIEW}:
        raise errors.ContentNotEditable()
    name, extension = check_name(getattr(uploaded_file, "name", "") or "")
    size = getattr(uploaded_file, "size", None)
    uploaded_file.seek(0)
    data = uploaded_file.read()
    size = len(data) if size is None else size
    kind = sniff_audio(data[:16])
    valid_extension = {"wav": {"wav"}, "mp3": {"mp3"}, "ogg": {"ogg", "oga", "opus"}}
    if not kind or extension not in valid_extension[kind] or not 0 < size <= AUDIO_MAX_BYTES:
        raise _field_error(errors.AudioInvalid, "file")
    seconds = None
    if kind == "wav":
        try:
            seconds = round(tts.wav_duration(data), 2)
        except ValueError:
            raise _field_error(errors.AudioInvalid, "file") from None
    stored = _store_generated(
        acting_user, data, name=name, content_type=AUDIO_TYPES[kind], purpose="outreach.audio"
    )
    content.audio = stored
    content.audio_seconds = seconds
    content.audio_source = "upload"
    content.save(update_fields=["audio", "audio_seconds", "audio_source", "updated_at"])
    return content


@dataclass
class ScheduleOutcome:
    slot: BroadcastSlot
    preempted: list[BroadcastSlot] = field(default_factory=list)
    moved: list[BroadcastSlot] = field(default_factory=list)


@transaction.atomic
def slot_schedule(
    *,
    acting_user,
    cluster: Cluster,
    content: Content,
    starts_at: dt.datetime | None = None,
    duration_seconds: int | None = None,
) -> ScheduleOutcome:
    """Schedule an approved radio bulletin on a cluster (``outreach.release``), applying the
    clash rules of ``radio.plan_slot``. An emergency without ``starts_at`` starts now; the
    length defaults to the audio's, else 5 minutes."""
    cluster = Cluster.objects.select_for_update().select_related("station__unit").get(pk=cluster.pk)
    content = _lock_content(content)
    _require(acting_user, OUTREACH_RELEASE, cluster.station.unit)
    if content.kind != ContentKind.RADIO:
        raise _field_error(errors.ContentKindInvalid, "content")
    _require_releasable(content)
    if not _in_subtree(cluster.station.unit, content.unit) and not _in_subtree(
        content.unit, cluster.station.unit
    ):
        raise _field_error(errors.UnitOutOfScope, "cluster")
    now = timezone.now()
    if starts_at is None:
        if content.priority != Priority.EMERGENCY:
            raise _field_error(errors.FieldEmpty, "starts_at")
        starts_at = now
    if duration_seconds is None:
        duration_seconds = (
            math.ceil(content.audio_seconds) if content.audio_seconds else DEFAULT_SLOT_SECONDS
        )
    if not 1 <= int(duration_seconds) <= 4 * 3600:
        raise _field_error(errors.ChoiceInvalid, "duration_seconds")
    length = dt.timedelta(seconds=int(duration_seconds))
    existing = list(
        BroadcastSlot.objects.select_for_update().filter(
            cluster=cluster,
            status=BroadcastSlot.Status.SCHEDULED,
            ends_at__gt=starts_at - dt.timedelta(days=1),
        )
    )
    plan = radio.plan_slot(
        priority=content.priority, starts_at=starts_at, length=length, existing=existing
    )
    if plan.clash is not None:
        raise errors.ScheduleClash(
            details={
                "slot": plan.clash.pk,
                "starts_at": plan.clash.starts_at.isoformat(),
                "ends_at": plan.clash.ends_at.isoformat(),
                "priority": plan.clash.priority,
            }
        )
    slot = BroadcastSlot.objects.create(
        cluster=cluster,
        content=content,
        priority=content.priority,
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    outcome = ScheduleOutcome(slot)
    for other in plan.preempt:
        other.status = BroadcastSlot.Status.PREEMPTED
        other.preempted_by = slot
        other.save(update_fields=["status", "preempted_by"])
        outcome.preempted.append(other)
        audit_record(
            actor=acting_user,
            action="outreach.slot_preempt",
            obj=other,
            summary=f"{content.title} pre-empts slot {other.pk}",
            changes={"status": ["scheduled", "preempted"], "preempted_by": slot.pk},
        )
    for other, new_start in plan.move:
        other_length = other.ends_at - other.starts_at
        other.moved_from = other.moved_from or other.starts_at
        old_start = other.starts_at
        other.starts_at, other.ends_at = new_start, new_start + other_length
        other.save(update_fields=["starts_at", "ends_at", "moved_from"])
        outcome.moved.append(other)
        audit_record(
            actor=acting_user,
            action="outreach.slot_move",
            obj=other,
            changes={"starts_at": [old_start, new_start], "after": slot.pk},
        )
    _mark_released(acting_user, content)
    audit_record(
        actor=acting_user,
        action="outreach.slot_schedule",
        obj=slot,
        summary=content.title,
        changes={
            "cluster": cluster.pk,
            "content": content.pk,
            "priority": slot.priority,
            "starts_at": slot.starts_at,
            "ends_at": slot.ends_at,
            "preempted": [s.pk for s in outcome.preempted],
            "moved": [s.pk for s in outcome.moved],
        },
    )
    return outcome


@transaction.atomic
def slot_cancel(*, acting_user, slot: BroadcastSlot) -> BroadcastSlot:
    slot = (
        BroadcastSlot.objects.select_for_update()
        .select_related("cluster__station__unit")
        .get(pk=slot.pk)
    )
    _require(acting_user, OUTREACH_RELEASE, slot.cluster.station.unit)
    if slot.status != BroadcastSlot.Status.SCHEDULED:
        raise errors.ScheduleClash(
            "slot_not_scheduled", _("Only a scheduled broadcast can be cancelled.")
        )
    slot.status = BroadcastSlot.Status.CANCELLED
    slot.save(update_fields=["status"])
    audit_record(
        actor=acting_user,
        action="outreach.slot_cancel",
        obj=slot,
        changes={"status": ["scheduled", "cancelled"]},
    )
    return slot


@dataclass(frozen=True)
class PlayResult:
    report_id: str
    status: str  # created | duplicate | error
    id: int | None = None
    code: str = ""
    message: str = ""


def _play_create(
    *,
    acting_user,
    cluster: Cluster,
    content: Content,
    started_at: dt.datetime,
    duration_seconds: int,
    source: str,
    slot: BroadcastSlot | None,
    report_id: str,
) -> tuple[PlayLog, bool]:
    report_id = (report_id or "")[:64]
    if report_id:
        existing = PlayLog.objects.filter(cluster=cluster, report_id=report_id).first()
        if existing is not None:
            return existing, False
    if content.kind != ContentKind.RADIO:
        raise _field_error(errors.ContentKindInvalid, "content")
    _require_releasable(content)
    if not 1 <= int(duration_seconds) <= 24 * 3600:
        raise _field_error(errors.ChoiceInvalid, "duration_seconds")
    if started_at > timezone.now() + dt.timedelta(minutes=10):
        raise _field_error(errors.PeriodInvalid, "started_at")
    if slot is not None and (slot.cluster_id != cluster.pk or slot.content_id != content.pk):
        raise _field_error(errors.ChoiceInvalid, "slot")
    try:
        with transaction.atomic():
            play = PlayLog.objects.create(
                cluster=cluster,
                content=content,
                slot=slot,
                started_at=started_at,
                duration_seconds=int(duration_seconds),
                source=source,
                report_id=report_id,
                reported_by=acting_user if getattr(acting_user, "pk", None) else None,
            )
    except IntegrityError:
        existing = PlayLog.objects.filter(cluster=cluster, report_id=report_id).first()
        if existing is None:
            raise
        return existing, False
    if slot is not None and slot.status == BroadcastSlot.Status.SCHEDULED:
        BroadcastSlot.objects.filter(pk=slot.pk).update(status=BroadcastSlot.Status.AIRED)
    audit_record(
        actor=acting_user,
        action="outreach.play_log",
        obj=play,
        summary=content.title,
        changes={"cluster": cluster.pk, "seconds": play.duration_seconds, "source": source},
    )
    return play, True


@transaction.atomic
def playlog_record(
    *,
    acting_user,
    cluster: Cluster,
    content: Content,
    started_at: dt.datetime,
    duration_seconds: int,
    slot: BroadcastSlot | None = None,
    report_id: str = "",
) -> PlayLog:
    """An operator enters what a cluster aired (``outreach.radio``)."""
    _require(acting_user, OUTREACH_RADIO, cluster.station.unit)
    play, _created = _play_create(
        acting_user=acting_user,
        cluster=cluster,
        content=content,
        started_at=started_at,
        duration_seconds=duration_seconds,
        source=PlayLog.Source.OPERATOR,
        slot=slot,
        report_id=report_id,
    )
    return play


def playlog_report(*, cluster: Cluster, items: Sequence[Mapping[str, Any]]) -> list[PlayResult]:
    """A cluster (already authenticated by its key) reports plays: each item
    ``{report_id, content_id, started_at, duration_seconds, slot_id?}``; an item whose
    ``report_id`` was stored before is a duplicate, not a second play."""
    results = []
    Cluster.objects.filter(pk=cluster.pk).update(last_seen_at=timezone.now())
    for item in items:
        report_id = str(item.get("report_id") or "")[:64]
        try:
            with transaction.atomic():
                content = Content.objects.filter(pk=item.get("content_id")).first()
                if content is None:
                    raise _field_error(errors.ChoiceInvalid, "content_id")
                slot = None
                if item.get("slot_id"):
                    slot = BroadcastSlot.objects.filter(pk=item["slot_id"]).first()
                play, created = _play_create(
                    acting_user=None,
                    cluster=cluster,
                    content=content,
                    started_at=item["started_at"],
                    duration_seconds=item["duration_seconds"],
                    source=PlayLog.Source.CLUSTER,
                    slot=slot,
                    report_id=report_id,
                )
            results.append(PlayResult(report_id, "created" if created else "duplicate", play.pk))
        except (InvalidInput, errors.ContentNotApproved) as exc:
            results.append(PlayResult(report_id, "error", None, exc.code, str(exc.message)))
    return results


# --- teams -----------------------------------------------------------------------------------


@transaction.atomic
def team_create(
    *,
    acting_user,
    unit: Unit,
    name: str,
    decision_ref: str = "",
    decision_date: dt.date | None = None,
    targets: Mapping[str, int] | None = None,
) -> Team:
    """A community digital-technology team for a village or residential group
    (``outreach.teams``), set up by the commune chair's decision ``decision_ref``."""
    _require(acting_user, OUTREACH_TEAMS, unit)
    team = Team.objects.create(
        unit=unit,
        name=clean_line(name, "name", max_length=200),
        decision_ref=clean_line(decision_ref, "decision_ref", max_length=100, required=False),
        decision_date=decision_date,
        targets=_clean_targets(targets),
    )
    audit_record(actor=acting_user, action="outreach.team_create", obj=team, summary=team.name)
    return team


@transaction.atomic
def team_member_add(
    *,
    acting_user,
    team: Team,
    full_name: str,
    phone: str = "",
    role: str = TeamMember.Role.MEMBER,
    position: str = "",
    user=None,
) -> TeamMember:
    """Add a member; a team has one active leader (``team_leader_exists``)."""
    team = Team.objects.select_for_update().select_related("unit").get(pk=team.pk)
    _require(acting_user, OUTREACH_TEAMS, team.unit)
    role = _choice(role, TeamMember.Role.values, "role")
    if role == TeamMember.Role.LEADER and team.members.filter(role=role, is_active=True).exists():
        raise errors.TeamLeaderExists()
    member = TeamMember.objects.create(
        team=team,
        full_name=clean_line(full_name, "full_name", max_length=200),
        phone=channels.get_client("sms").normalize_address(phone) if phone else "",
        role=role,
        position=clean_line(position, "position", max_length=200, required=False),
        user=user,
    )
    audit_record(
        actor=acting_user,
        action="outreach.team_member_add",
        obj=member,
        changes={"team": team.pk, "role": role, "phone": member.phone},
    )
    return member


@transaction.atomic
def team_member_deactivate(*, acting_user, member: TeamMember) -> TeamMember:
    member = TeamMember.objects.select_for_update().select_related("team__unit").get(pk=member.pk)
    _require(acting_user, OUTREACH_TEAMS, member.team.unit)
    member.is_active = False
    member.save(update_fields=["is_active"])
    audit_record(
        actor=acting_user,
        action="outreach.team_member_deactivate",
        obj=member,
        changes={"is_active": [True, False]},
    )
    return member


@transaction.atomic
def training_record_create(
    *,
    acting_user,
    team: Team,
    title: str,
    held_on: dt.date,
    organiser: str = "",
    hours: float = 0,
    attendees: int = 0,
    skills: Sequence[str] = (),
) -> TrainingRecord:
    _require(acting_user, OUTREACH_TEAMS, team.unit)
    from tinhso.outreach.models import Skill

    record = TrainingRecord.objects.create(
        team=team,
        title=clean_line(title, "title", max_length=255),
        held_on=held_on,
        organiser=clean_line(organiser, "organiser", max_length=200, required=False),
        hours=max(0, min(float(hours or 0), 999)),
        attendees=_count(attendees, "attendees"),
        skills=_choices(skills, Skill.values, "skills"),
    )
    audit_record(actor=acting_user, action="outreach.training_record", obj=record)
    return record


def can_log_for(user, team: Team) -> bool:
    """An official with ``outreach.teams`` over the team's unit, or an active member."""
    if user is None:
        return True
    if user_can(user, OUTREACH_TEAMS) and unit_in_scope(user, team.unit, permission=OUTREACH_TEAMS):
        return True
    return bool(
        getattr(user, "is_authenticated", False)
        and TeamMember.objects.filter(team=team, user=user, is_active=True).exists()
    )


def clean_activity(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of an activity log from a form or a synced item, checked and NFC."""
    day = data.get("date")
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            raise _field_error(errors.FieldEmpty, "date") from None
    if isinstance(day, dt.datetime):
        day = day.date()
    if not isinstance(day, dt.date):
        raise _field_error(errors.FieldEmpty, "date")
    today = timezone.localdate()
    if day > today + dt.timedelta(days=1) or day < dt.date(2020, 1, 1):
        raise _field_error(errors.PeriodInvalid, "date")
    cleaned: dict[str, Any] = {
        "date": day,
        "place": clean_line(data.get("place", ""), "place", max_length=255, required=False),
        "kind": _choice(data.get("kind") or ActivityLog.Kind.DOOR_TO_DOOR, ActivityLog.Kind.values,
                        "kind"),
        "note": clean_text(data.get("note", ""), "note", required=False, max_length=5000),
    }  # fmt: skip
    for name in COUNT_FIELDS:
        cleaned[name] = _count(data.get(name, 0), name)
    return cleaned


def activity_log_create(
    *,
    acting_user,
    team: Team,
    client_uuid: uuid.UUID | str | None = None,
    campaign: Campaign | None = None,
    source: str = "web",
    **fields: Any,
) -> tuple[ActivityLog, bool]:
    """Store one activity log, at most once per ``client_uuid``: returns ``(log, created)``;
    a log already stored under the uuid is returned with ``created`` False, also when two
    requests race (the unique index decides). Fields: ``date``, ``place``, ``kind``,
    ``note`` and the counts of ``models.COUNT_FIELDS``."""
    if not can_log_for(acting_user, team):
        raise errors.NotTeamMember()
    try:
        key = uuid.UUID(str(client_uuid)) if client_uuid else uuid.uuid4()
    except ValueError:
        raise _field_error(errors.ChoiceInvalid, "client_uuid") from None
    existing = ActivityLog.objects.filter(client_uuid=key).first()
    if existing is not None:
        return existing, False
    cleaned = clean_activity(fields)
    if campaign is not None and not _in_subtree(team.unit, campaign.unit):
        raise _field_error(errors.UnitOutOfScope, "campaign")
    try:
        with transaction.atomic():
            log = ActivityLog.objects.create(
                client_uuid=key,
                team=team,
                campaign=campaign,
                source=source[:20],
                recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
                **cleaned,
            )
            audit_record(
                actor=acting_user,
                action="outreach.activity_log",
                obj=log,
                summary=f"{team.name} {log.date}",
                changes={"client_uuid": key, "households_visited": log.households_visited},
            )
    except IntegrityError:
        existing = ActivityLog.objects.filter(client_uuid=key).first()
        if existing is None:
            raise
        return existing, False
    return log, True


# --- surveys -----------------------------------------------------------------------------------


def _clean_question(order: int, data: Mapping[str, Any]) -> dict[str, Any]:
    kind = _choice(data.get("kind"), Question.Kind.values, "questions")
    choices = [clean_line(c, "questions", max_length=200) for c in (data.get("choices") or [])]
    correct = clean_line(data.get("correct", ""), "questions", max_length=200, required=False)
    if kind == Question.Kind.CHOICE and (len(choices) < 2 or (correct and correct not in choices)):
        raise _field_error(errors.ChoiceInvalid, "questions")
    return {
        "order": order,
        "text": clean_line(data.get("text"), "questions", max_length=500),
        "kind": kind,
        "choices": choices if kind == Question.Kind.CHOICE else [],
        "correct": correct if kind == Question.Kind.CHOICE else "",
        "counts_for_awareness": bool(data.get("counts_for_awareness", kind != "text"))
        and kind != Question.Kind.TEXT,
    }


@transaction.atomic
def survey_create(
    *,
    acting_user,
    unit: Unit,
    title: str,
    questions: Sequence[Mapping[str, Any]],
    campaign: Campaign | None = None,
    phase: str = Survey.Phase.STANDALONE,
    description: str = "",
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
) -> Survey:
    """A questionnaire in draft (``outreach.surveys``); each question is
    ``{text, kind: yes_no|scale|choice|text, choices?, correct?, counts_for_awareness?}``."""
    _require(acting_user, OUTREACH_SURVEYS, unit)
    if not questions:
        raise _field_error(errors.FieldEmpty, "questions")
    if opens_on and closes_on and closes_on < opens_on:
        raise _field_error(errors.PeriodInvalid, "closes_on")
    survey = Survey.objects.create(
        unit=unit,
        campaign=campaign,
        title=clean_line(title, "title", max_length=255),
        description=clean_text(description, "description", required=False),
        phase=_choice(phase, Survey.Phase.values, "phase"),
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    Question.objects.bulk_create(
        Question(survey=survey, **_clean_question(order, data))
        for order, data in enumerate(questions, start=1)
    )
    audit_record(actor=acting_user, action="outreach.survey_create", obj=survey)
    return survey


def _survey_status(acting_user, survey: Survey, action: str, source: str, target: str) -> Survey:
    survey = Survey.objects.select_for_update().select_related("unit").get(pk=survey.pk)
    _require(acting_user, OUTREACH_SURVEYS, survey.unit)
    if survey.status != source:
        from tinhso.kernel.errors import Conflict

        raise Conflict(
            "transition_not_allowed",
            _("This action is not allowed in the current state."),
            details={"state": survey.status, "action": action},
        )
    survey.status = target
    survey.save(update_fields=["status"])
    audit_record(
        actor=acting_user,
        action=f"outreach.survey_{action}",
        obj=survey,
        changes={"status": [source, target]},
    )
    return survey


@transaction.atomic
def survey_open(*, acting_user, survey: Survey) -> Survey:
    return _survey_status(acting_user, survey, "open", Survey.Status.DRAFT, Survey.Status.OPEN)


@transaction.atomic
def survey_close(*, acting_user, survey: Survey) -> Survey:
    return _survey_status(acting_user, survey, "close", Survey.Status.OPEN, Survey.Status.CLOSED)


def question_score(question: Question, value: Any) -> float | None:
    """0–100 for an awareness question's answer; ``None`` when it does not count."""
    if not question.counts_for_awareness:
        return None
    if question.kind == Question.Kind.YES_NO:
        return 100.0 if value in {True, "yes", "true", "1"} else 0.0
    if question.kind == Question.Kind.SCALE:
        return (int(value) - 1) * 25.0
    if question.kind == Question.Kind.CHOICE:
        return 100.0 if question.correct and value == question.correct else 0.0
    return None


def _clean_answer(question: Question, value: Any) -> Any:
    if value is None or value == "":
        if question.kind == Question.Kind.TEXT:
            return ""
        raise _field_error(errors.SurveyAnswerInvalid, f"q{question.pk}")
    if question.kind == Question.Kind.YES_NO:
        if value in {True, "yes", "true", "1"}:
            return "yes"
        if value in {False, "no", "false", "0"}:
            return "no"
    elif question.kind == Question.Kind.SCALE:
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if 1 <= number <= 5 and str(number) == str(value).strip():
            return number
    elif question.kind == Question.Kind.CHOICE:
        value = normalize(str(value))
        if value in question.choices:
            return value
    else:
        return clean_line(value, f"q{question.pk}", max_length=1000, required=False)
    raise _field_error(errors.SurveyAnswerInvalid, f"q{question.pk}")


@transaction.atomic
def survey_answer(
    *,
    acting_user,
    survey: Survey,
    unit: Unit,
    answers: Mapping[str | int, Any],
    audience: str = Audience.GENERAL,
    channel: str = SurveyResponse.Channel.PORTAL,
    client_uuid: uuid.UUID | str | None = None,
) -> tuple[SurveyResponse, bool]:
    """Store one completed questionnaire, answered on the portal (anyone, signed in or not)
    or entered by a team (``outreach.surveys`` over ``unit``). ``answers`` maps question ids to
    answers; every question but free text needs one. Stored once per ``client_uuid``."""
    channel = _choice(channel, SurveyResponse.Channel.values, "channel")
    if channel == SurveyResponse.Channel.TEAM:
        if acting_user is not None and not getattr(acting_user, "is_authenticated", False):
            raise errors.UnitOutOfScope()
        _require(acting_user, OUTREACH_SURVEYS, unit)
    survey = Survey.objects.select_related("unit").get(pk=survey.pk)
    if survey.status != Survey.Status.OPEN:
        raise errors.SurveyNotOpen()
    if not _in_subtree(unit, survey.unit):
        raise _field_error(errors.UnitOutOfScope, "unit")
    key = None
    if client_uuid:
        try:
            key = uuid.UUID(str(client_uuid))
        except ValueError:
            raise _field_error(errors.ChoiceInvalid, "client_uuid") from None
        existing = SurveyResponse.objects.filter(client_uuid=key).first()
        if existing is not None:
            return existing, False
    given = {str(k): v for k, v in (answers or {}).items()}
    cleaned, scores = {}, []
    for question in survey.questions.all():
        value = _clean_answer(question, given.get(str(question.pk)))
        cleaned[str(question.pk)] = value
        score = question_score(question, value)
        if score is not None:
            scores.append(score)
    authenticated = getattr(acting_user, "is_authenticated", False)
    response = SurveyResponse.objects.create(
        survey=survey,
        unit=unit,
        audience=_choice(audience, Audience.values, "audience"),
        channel=channel,
        client_uuid=key,
        answers=cleaned,
        score=round(sum(scores) / len(scores), 2) if scores else None,
        respondent=acting_user if authenticated and channel == "portal" else None,
        entered_by=acting_user if authenticated and channel == "team" else None,
        submitted_at=timezone.now(),
    )
    audit_record(
        actor=acting_user if authenticated else None,
        action="outreach.survey_answer",
        obj=response,
        changes={"survey": survey.pk, "channel": channel},
    )
    return response, True
