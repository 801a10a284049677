"""HTTP API of the outreach room (django-ninja router, mounted under /api/v1/outreach).

Campaigns, content and its approval, releases on the channels, radio, teams, surveys and
indicators. Officials sign in (session); every list and fetch is scoped to their unit's
subtree (404 outside it); every create takes an ``Idempotency-Key`` (``run_idempotent``),
except the two batch sync endpoints, which de-duplicate per item instead (``client_uuid``
of an activity log, ``report_id`` of a play). A forbidden transition answers 409
``transition_not_allowed`` with the allowed actions.

Public (no sign-in): published news, open surveys and their answers, opt-outs, and the
play-log report of a loudspeaker cluster (``X-Cluster-Key`` header).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from django.utils import timezone
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.security import django_auth

from tinhso.accounts.permissions import require
from tinhso.kernel.errors import NotFound
from tinhso.kernel.idempotency import run_idempotent
from tinhso.kernel.pagination import LimitOffsetPagination
from tinhso.kernel.schemas import ErrorOut
from tinhso.outreach import errors, indicators, selectors, services, sync
from tinhso.outreach.models import (
    Audience,
    BroadcastSlot,
    Campaign,
    ChannelKind,
    Content,
    ContentKind,
    Priority,
    Team,
)
from tinhso.outreach.permissions import (
    OUTREACH_EDIT,
    OUTREACH_RADIO,
    OUTREACH_RELEASE,
    OUTREACH_SURVEYS,
    OUTREACH_TEAMS,
    OUTREACH_VIEW,
)
from tinhso.units.errors import UnitUnknown
from tinhso.units.models import Unit

router = Router(tags=["outreach"])

ContentKindEnum = enum.Enum("OutreachContentKind", {v: v for v in ContentKind.values}, type=str)
PriorityEnum = enum.Enum("OutreachPriority", {v: v for v in Priority.values}, type=str)
SendChannel = enum.Enum(
    "OutreachSendChannel", {v: v for v in ["portal", "sms", "zalo", "email"]}, type=str
)

E4 = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _unit(code: str, field: str = "unit_code") -> Unit:
    unit = Unit.objects.current().filter(code=code).first() if code else None
    if unit is None:
        problem = UnitUnknown()
        problem.details = [{"field": field, "code": problem.code, "message": str(problem.message)}]
        raise problem
    return unit


def _idempotent(request, scope: str, data: Schema | dict, create) -> Status:
    payload = data if isinstance(data, dict) else data.model_dump(mode="json")
    status, body = run_idempotent(request, scope=scope, payload=payload, create=create)
    return Status(status, body)


# --- schemas -----------------------------------------------------------------------------------


class UnitRef(Schema):
    code: str
    name: str


class CampaignIn(Schema):
    unit_code: str
    title: str = Field(..., max_length=255)
    starts_on: dt.date
    ends_on: dt.date
    goal: str = ""
    is_peak: bool = False
    target_unit_codes: list[str] = []
    audiences: list[str] = Field([], description=f"Any of {', '.join(Audience.values)}")
    key_messages: list[str] = []
    channels: list[str] = Field([], description=f"Any of {', '.join(ChannelKind.values)}")
    targets: dict[str, int] = Field({}, description="Metric code → target number")


class CampaignPatch(Schema):
    title: str | None = None
    goal: str | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    is_peak: bool | None = None
    target_unit_codes: list[str] | None = None
    audiences: list[str] | None = None
    key_messages: list[str] | None = None
    channels: list[str] | None = None
    targets: dict[str, int] | None = None


class CampaignOut(Schema):
    id: int
    title: str
    goal: str
    unit: UnitRef
    starts_on: dt.date
    ends_on: dt.date
    is_peak: bool
    target_units: list[UnitRef]
    audiences: list[str]
    key_messages: list[str]
    channels: list[str]
    targets: dict[str, int]

    @staticmethod
    def resolve_target_units(obj) -> list:
        if isinstance(obj, dict):
            return obj.get("target_units", [])
        return list(obj.target_units.all())


class ProgressOut(Schema):
    metric: str
    label: str
    target: float | None
    actual: float
    percent: float | None


class CampaignDetailOut(CampaignOut):
    progress: list[ProgressOut]


class CalendarOut(Schema):
    campaign_id: int
    title: str
    starts_on: dt.date
    ends_on: dt.date
    is_peak: bool


class ContentIn(Schema):
    unit_code: str
    kind: ContentKindEnum
    title: str = Field(..., max_length=255)
    body: str
    summary: str = ""
    campaign_id: int | None = None
    template_id: int | None = None
    priority: PriorityEnum = PriorityEnum("normal")
    dx_section: bool = False


class ContentPatch(Schema):
    title: str | None = None
    body: str | None = None
    summary: str | None = None
    priority: PriorityEnum | None = None
    dx_section: bool | None = None


class ContentOut(Schema):
    id: int
    unit: UnitRef
    campaign_id: int | None
    kind: str
    title: str
    summary: str
    body: str
    status: str
    priority: str
    dx_section: bool
    has_audio: bool
    audio_seconds: float | None
    audio_source: str
    has_leaflet: bool
    approved_at: dt.datetime | None
    released_at: dt.datetime | None
    allowed_actions: list[str]

    @staticmethod
    def resolve_has_audio(obj) -> bool:
        return obj["has_audio"] if isinstance(obj, dict) else obj.audio_id is not None

    @staticmethod
    def resolve_has_leaflet(obj) -> bool:
        return obj["has_leaflet"] if isinstance(obj, dict) else obj.leaflet_pdf_id is not None

    @staticmethod
    def resolve_allowed_actions(obj) -> list[str]:
        if isinstance(obj, dict):
            return obj["allowed_actions"]
        return selectors.content_allowed_actions(obj)


class NoteIn(Schema):
    note: str = ""


class TemplateIn(Schema):
    unit_code: str | None = None
    kind: ContentKindEnum
    name: str
    title: str = ""
    body: str


class TemplateOut(Schema):
    id: int
    kind: str
    name: str
    title: str
    body: str


class DispatchIn(Schema):
    content_id: int
    channel: SendChannel
    addresses: list[str] = Field([], description="Phones, Zalo user ids or e-mail addresses")
    unit_codes: list[str] = Field([], description="Contacts under these units")
    audiences: list[str] = []


class DeliveryOut(Schema):
    address: str
    status: str
    attempts: int
    error_code: str
    error_message: str
    sent_at: dt.datetime | None
    next_attempt_at: dt.datetime | None


class DispatchOut(Schema):
    id: int
    content_id: int
    channel: str
    status: str
    attempts: int
    last_error: str
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    counts: dict[str, int]

    @staticmethod
    def resolve_counts(obj) -> dict[str, int]:
        return obj["counts"] if isinstance(obj, dict) else selectors.dispatch_summary(obj)


class DispatchDetailOut(DispatchOut):
    deliveries: list[DeliveryOut]

    @staticmethod
    def resolve_deliveries(obj) -> list:
        if isinstance(obj, dict):
            return obj["deliveries"]
        return list(obj.deliveries.all())


class OptOutIn(Schema):
    channel: str = Field(..., description="sms, zalo or email")
    address: str
    reason: str = ""


class NewsOut(Schema):
    slug: str
    title: str
    summary: str
    body: str
    unit: UnitRef
    published_at: dt.datetime


class StationIn(Schema):
    unit_code: str
    code: str
    name: str


class StationOut(Schema):
    id: int
    code: str
    name: str
    unit: UnitRef


class ClusterIn(Schema):
    station_id: int
    code: str
    name: str
    area_code: str | None = None


class ClusterOut(Schema):
    id: int
    station_id: int
    code: str
    name: str
    is_active: bool
    last_seen_at: dt.datetime | None


class ClusterCreatedOut(ClusterOut):
    api_key: str = Field(..., description="Shown once: the cluster reports its plays with it")


class SlotIn(Schema):
    cluster_id: int
    content_id: int
    starts_at: dt.datetime | None = Field(None, description="Emergencies may omit it: now")
    duration_seconds: int | None = None


class SlotOut(Schema):
    id: int
    cluster_id: int
    content_id: int
    content_title: str
    priority: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    preempted_by_id: int | None
    moved_from: dt.datetime | None

    @staticmethod
    def resolve_content_title(obj) -> str:
        return obj["content_title"] if isinstance(obj, dict) else obj.content.title


class ScheduleOut(Schema):
    slot: SlotOut
    preempted: list[SlotOut]
    moved: list[SlotOut]


class PlayIn(Schema):
    cluster_id: int
    content_id: int
    started_at: dt.datetime
    duration_seconds: int
    slot_id: int | None = None
    report_id: str = ""


class PlayOut(Schema):
    id: int
    cluster_id: int
    content_id: int
    slot_id: int | None
    started_at: dt.datetime
    duration_seconds: int
    source: str


class ClusterPlayItem(Schema):
    report_id: str = Field(..., min_length=1, max_length=64)
    content_id: int
    started_at: dt.datetime
    duration_seconds: int
    slot_id: int | None = None


class ClusterPlaysIn(Schema):
    items: list[ClusterPlayItem] = Field(..., max_length=500)


class ItemResultOut(Schema):
    report_id: str
    status: str
    id: int | None
    code: str
    message: str


class WeekOut(Schema):
    week_start: dt.date
    dx_plays: int
    longest_dx_seconds: int
    dx_seconds: int
    compliant: bool


class ComplianceOut(Schema):
    commune: UnitRef
    has_station: bool
    compliant: bool
    compliant_weeks: int
    rate: float | None
    weeks: list[WeekOut]


class TeamIn(Schema):
    unit_code: str
    name: str
    decision_ref: str = ""
    decision_date: dt.date | None = None
    targets: dict[str, int] = {}


class MemberOut(Schema):
    id: int
    full_name: str
    role: str
    position: str
    is_active: bool


class TeamOut(Schema):
    id: int
    unit: UnitRef
    name: str
    decision_ref: str
    decision_date: dt.date | None
    is_active: bool
    targets: dict[str, int]


class TeamDetailOut(TeamOut):
    members: list[MemberOut]

    @staticmethod
    def resolve_members(obj) -> list:
        return obj["members"] if isinstance(obj, dict) else list(obj.members.all())


class MemberIn(Schema):
    full_name: str
    phone: str = ""
    role: str = "member"
    position: str = ""


class TrainingIn(Schema):
    title: str
    held_on: dt.date
    organiser: str = ""
    hours: float = 0
    attendees: int = 0
    skills: list[str] = []


class TrainingOut(Schema):
    id: int
    team_id: int
    title: str
    held_on: dt.date
    organiser: str
    attendees: int
    skills: list[str]


class ActivityIn(Schema):
    client_uuid: str | None = None
    team_id: int
    campaign_id: int | None = None
    date: dt.date
    place: str = ""
    kind: str = "door_to_door"
    households_visited: int = 0
    guided_public_services: int = 0
    guided_online_shopping: int = 0
    guided_online_payment: int = 0
    guided_safety_online: int = 0
    guided_local_platforms: int = 0
    vneid_installed: int = 0
    vneid_level2: int = 0
    online_dossiers: int = 0
    note: str = ""


class ActivityOut(Schema):
    id: int
    client_uuid: str
    team_id: int
    campaign_id: int | None
    date: dt.date
    place: str
    kind: str
    households_visited: int
    guided_public_services: int
    guided_online_shopping: int
    guided_online_payment: int
    guided_safety_online: int
    guided_local_platforms: int
    vneid_installed: int
    vneid_level2: int
    online_dossiers: int
    note: str
    source: str

    @staticmethod
    def resolve_client_uuid(obj) -> str:
        return obj["client_uuid"] if isinstance(obj, dict) else str(obj.client_uuid)


class SyncIn(Schema):
    items: list[dict[str, Any]] = Field(..., max_length=sync.MAX_ITEMS)


class SyncResultOut(Schema):
    client_uuid: str
    status: str
    id: int | None
    code: str
    message: str


class QuestionIn(Schema):
    text: str
    kind: str = Field(..., description="yes_no, scale, choice or text")
    choices: list[str] = []
    correct: str = ""
    counts_for_awareness: bool = True


class SurveyIn(Schema):
    unit_code: str
    title: str
    questions: list[QuestionIn] = Field(..., min_length=1)
    campaign_id: int | None = None
    phase: str = "standalone"
    description: str = ""
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None


class QuestionOut(Schema):
    id: int
    order: int
    text: str
    kind: str
    choices: list[str]


class SurveyOut(Schema):
    id: int
    unit: UnitRef
    campaign_id: int | None
    title: str
    description: str
    phase: str
    status: str
    opens_on: dt.date | None
    closes_on: dt.date | None
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(obj) -> list:
        return obj["questions"] if isinstance(obj, dict) else list(obj.questions.all())


class AnswerIn(Schema):
    unit_code: str
    answers: dict[str, Any]
    audience: str = "general"
    channel: str = "portal"
    client_uuid: str | None = None


class AnswerOut(Schema):
    id: int
    survey_id: int
    score: float | None


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    value: float | None


# --- helpers ----------------------------------------------------------------------------------


def _campaign_in_scope(user, pk: int | None) -> Campaign | None:
    if pk is None:
        return None
    try:
        return selectors.campaign_get_for_user(user, pk)
    except NotFound:
        problem = errors.ChoiceInvalid()
        problem.details = [
            {"field": "campaign_id", "code": problem.code, "message": str(problem.message)}
        ]
        raise problem from None


def _content_in_scope(user, pk: int) -> Content:
    return selectors.content_get_for_user(user, pk)


def _dump(schema, obj) -> dict:
    return schema.from_orm(obj).model_dump(mode="json")


# --- campaigns -----------------------------------------------------------------------------


@router.get("/campaigns", response=list[CampaignOut], auth=django_auth, url_name="campaign_list")
@paginate(LimitOffsetPagination)
def list_campaigns(request):
    return selectors.campaigns_for_user(request.auth).prefetch_related("target_units")


@router.get(
    "/campaigns/calendar",
    response=list[CalendarOut],
    auth=django_auth,
    url_name="campaign_calendar",
    summary="Campaigns running between two dates",
)
def campaign_calendar(request, start: dt.date, end: dt.date):
    return [
        CalendarOut(
            campaign_id=entry.campaign.pk,
            title=entry.campaign.title,
            starts_on=entry.starts_on,
            ends_on=entry.ends_on,
            is_peak=entry.is_peak,
        )
        for entry in selectors.campaign_calendar(user=request.auth, start=start, end=end)
    ]


@router.post(
    "/campaigns",
    response={201: CampaignOut, **E4},
    auth=django_auth,
    url_name="campaign_create",
    summary="Plan a campaign (send an Idempotency-Key)",
)
def create_campaign(request, data: CampaignIn):
    user = request.auth
    require(user, OUTREACH_EDIT)

    def create():
        campaign = services.campaign_create(
            acting_user=user,
            unit=_unit(data.unit_code),
            title=data.title,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            goal=data.goal,
            is_peak=data.is_peak,
            target_units=[_unit(c, "target_unit_codes") for c in data.target_unit_codes],
            audiences=data.audiences,
            key_messages=data.key_messages,
            channels=data.channels,
            targets=data.targets,
        )
        return 201, _dump(CampaignOut, campaign)

    return _idempotent(request, "outreach.campaign_create", data, create)


@router.get(
    "/campaigns/{int:campaign_id}",
    response={200: CampaignDetailOut, 404: ErrorOut},
    auth=django_auth,
    url_name="campaign_detail",
)
def get_campaign(request, campaign_id: int):
    campaign = selectors.campaign_get_for_user(request.auth, campaign_id)
    return CampaignDetailOut(
        **CampaignOut.from_orm(campaign).model_dump(),
        progress=[ProgressOut(**vars(row)) for row in selectors.campaign_progress(campaign)],
    )


@router.patch(
    "/campaigns/{int:campaign_id}",
    response={200: CampaignOut, **E4},
    auth=django_auth,
    url_name="campaign_update",
)
def update_campaign(request, campaign_id: int, data: CampaignPatch):
    campaign = selectors.campaign_get_for_user(request.auth, campaign_id)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    if "target_unit_codes" in changes:
        changes["target_units"] = [
            _unit(c, "target_unit_codes") for c in changes.pop("target_unit_codes")
        ]
    return services.campaign_update(acting_user=request.auth, campaign=campaign, **changes)


# --- content -----------------------------------------------------------------------------------


@router.get("/contents", response=list[ContentOut], auth=django_auth, url_name="content_list")
@paginate(LimitOffsetPagination)
def list_contents(
    request, kind: str | None = None, status: str | None = None, campaign_id: int | None = None
):
    qs = selectors.contents_for_user(request.auth)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if campaign_id:
        qs = qs.filter(campaign_id=campaign_id)
    return qs


@router.post(
    "/contents",
    response={201: ContentOut, **E4},
    auth=django_auth,
    url_name="content_create",
    summary="Draft content (send an Idempotency-Key)",
)
def create_content(request, data: ContentIn):
    user = request.auth
    require(user, OUTREACH_EDIT)

    def create():
        template = None
        if data.template_id:
            template = selectors.templates_for_user(user).filter(pk=data.template_id).first()
        content = services.content_create(
            acting_user=user,
            unit=_unit(data.unit_code),
            kind=data.kind.value,
            title=data.title,
            body=data.body,
            summary=data.summary,
            campaign=_campaign_in_scope(user, data.campaign_id),
            template=template,
            priority=data.priority.value,
            dx_section=data.dx_section,
        )
        return 201, _dump(ContentOut, content)

    return _idempotent(request, "outreach.content_create", data, create)


@router.get(
    "/contents/{int:content_id}",
    response={200: ContentOut, 404: ErrorOut},
    auth=django_auth,
    url_name="content_detail",
)
def get_content(request, content_id: int):
    return _content_in_scope(request.auth, content_id)


@router.patch(
    "/contents/{int:content_id}",
    response={200: ContentOut, **E4},
    auth=django_auth,
    url_name="content_update",
)
def update_content(request, content_id: int, data: ContentPatch):
    content = _content_in_scope(request.auth, content_id)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    if "priority" in changes:
        changes["priority"] = getattr(changes["priority"], "value", changes["priority"])
    return services.content_update(acting_user=request.auth, content=content, **changes)


def _content_action(request, content_id: int, data: NoteIn | None, service) -> Content:
    content = _content_in_scope(request.auth, content_id)
    kwargs = {} if service is services.content_submit else {"note": data.note if data else ""}
    return service(acting_user=request.auth, content=content, **kwargs)


@router.post(
    "/contents/{int:content_id}/submit",
    response={200: ContentOut, **E4},
    auth=django_auth,
    url_name="content_submit",
    summary="Send a draft for review (409 when not allowed in the current state)",
)
def submit_content(request, content_id: int):
    return _content_action(request, content_id, None, services.content_submit)


@router.post(
    "/contents/{int:content_id}/return",
    response={200: ContentOut, **E4},
    auth=django_auth,
    url_name="content_return",
    summary="Return content in review to its author, with a note (409 when not allowed)",
)
def return_content(request, content_id: int, data: NoteIn | None = None):
    return _content_action(request, content_id, data, services.content_return)


@router.post(
    "/contents/{int:content_id}/approve",
    response={200: ContentOut, **E4},
    auth=django_auth,
    url_name="content_approve",
    summary="Approve content in review for release (409 when not allowed)",
)
def approve_content(request, content_id: int, data: NoteIn | None = None):
    return _content_action(request, content_id, data, services.content_approve)


@router.post(
    "/contents/{int:content_id}/withdraw",
    response={200: ContentOut, **E4},
    auth=django_auth,
    url_name="content_withdraw",
    summary="Withdraw approved or released content (409 when not allowed)",
)
def withdraw_content(request, content_id: int, data: NoteIn | None = None):
    return _content_action(request, content_id, data, services.content_withdraw)


@router.post(
    "/contents/{int:content_id}/speech",
    response={200: ContentOut, **E4, 503: ErrorOut},
    auth=django_auth,
    url_name="content_speech",
    summary="Text-to-speech of an approved radio bulletin into a WAV file",
)
def content_speech(request, content_id: int):
    content = _content_in_scope(request.auth, content_id)
    return services.bulletin_render_audio(acting_user=request.auth, content=content)


@router.post(
    "/contents/{int:content_id}/audio",
    response={200: ContentOut, **E4},
    auth=django_auth,
    url_name="content_audio_upload",
    summary="Upload a recording (WAV, MP3, Ogg) for a bulletin in draft or review",
)
def content_audio_upload(request, content_id: int, file: File[UploadedFile]):
    content = _content_in_scope(request.auth, content_id)
    return services.bulletin_upload_audio(
        acting_user=request.auth, content=content, uploaded_file=file
    )


@router.post(
    "/contents/{int:content_id}/leaflet",
    response={200: ContentOut, **E4},
    auth=django_auth,
    url_name="content_leaflet",
    summary="Render an approved leaflet to PDF",
)
def content_leaflet(request, content_id: int):
    content = _content_in_scope(request.auth, content_id)
    services.leaflet_render(acting_user=request.auth, content=content)
    return _content_in_scope(request.auth, content_id)


@router.get("/templates", response=list[TemplateOut], auth=django_auth, url_name="template_list")
def list_templates(request, kind: str | None = None):
    return list(selectors.templates_for_user(request.auth, kind=kind))


@router.post(
    "/templates",
    response={201: TemplateOut, **E4},
    auth=django_auth,
    url_name="template_create",
)
def create_template(request, data: TemplateIn):
    user = request.auth
    require(user, OUTREACH_EDIT)

    def create():
        template = services.template_create(
            acting_user=user,
            unit=_unit(data.unit_code) if data.unit_code else None,
            kind=data.kind.value,
            name=data.name,
            title=data.title,
            body=data.body,
        )
        return 201, _dump(TemplateOut, template)

    return _idempotent(request, "outreach.template_create", data, create)


# --- channels ------------------------------------------------------------------------------------


@router.post(
    "/dispatches",
    response={201: DispatchOut, **E4},
    auth=django_auth,
    url_name="dispatch_create",
    summary="Release approved content on a channel (send an Idempotency-Key)",
)
def create_dispatch(request, data: DispatchIn):
    user = request.auth
    require(user, OUTREACH_RELEASE)

    def create():
        dispatch = services.dispatch_create(
            acting_user=user,
            content=_content_in_scope(user, data.content_id),
            channel=data.channel.value,
            addresses=data.addresses,
            units=[_unit(code, "unit_codes") for code in data.unit_codes],
            audiences=data.audiences,
        )
        return 201, _dump(DispatchOut, dispatch)

    return _idempotent(request, "outreach.dispatch_create", data, create)


@router.get("/dispatches", response=list[DispatchOut], auth=django_auth, url_name="dispatch_list")
@paginate(LimitOffsetPagination)
def list_dispatches(request, status: str | None = None):
    qs = selectors.with_delivery_counts(selectors.dispatches_for_user(request.auth))
    return qs.filter(status=status) if status else qs


@router.get(
    "/dispatches/{int:dispatch_id}",
    response={200: DispatchDetailOut, 404: ErrorOut},
    auth=django_auth,
    url_name="dispatch_detail",
)
def get_dispatch(request, dispatch_id: int):
    return selectors.dispatch_get_for_user(request.auth, dispatch_id)


@router.post(
    "/dispatches/{int:dispatch_id}/retry",
    response={200: DispatchOut, **E4},
    auth=django_auth,
    url_name="dispatch_retry",
)
def retry_dispatch(request, dispatch_id: int):
    dispatch = selectors.dispatch_get_for_user(request.auth, dispatch_id)
    return services.dispatch_retry(acting_user=request.auth, dispatch=dispatch)


@router.post(
    "/opt-outs",
    response={201: dict, **E4},
    url_name="optout_create",
    summary="Stop receiving messages on a channel (public; send an Idempotency-Key)",
)
def create_optout(request, data: OptOutIn):
    def create():
        services.optout_add(
            acting_user=request.user if request.user.is_authenticated else None,
            channel=data.channel,
            address=data.address,
            reason=data.reason,
        )
        return 201, {"channel": data.channel, "opted_out": True}

    return _idempotent(request, "outreach.optout_create", data, create)


@router.get("/news", response=list[NewsOut], url_name="news_list", summary="Published news")
@paginate(LimitOffsetPagination)
def list_news(request):
    return selectors.news_published()


@router.get("/news/{slug}", response={200: NewsOut, 404: ErrorOut}, url_name="news_detail")
def get_news(request, slug: str):
    return selectors.news_get(slug)


# --- radio -------------------------------------------------------------------------------------


@router.get("/stations", response=list[StationOut], auth=django_auth, url_name="station_list")
def list_stations(request):
    return list(selectors.stations_for_user(request.auth))


@router.post(
    "/stations", response={201: StationOut, **E4}, auth=django_auth, url_name="station_create"
)
def create_station(request, data: StationIn):
    user = request.auth
    require(user, OUTREACH_RADIO)

    def create():
        station = services.station_create(
            acting_user=user, unit=_unit(data.unit_code), code=data.code, name=data.name
        )
        return 201, _dump(StationOut, station)

    return _idempotent(request, "outreach.station_create", data, create)


@router.get("/clusters", response=list[ClusterOut], auth=django_auth, url_name="cluster_list")
def list_clusters(request):
    return list(selectors.clusters_for_user(request.auth))


@router.post(
    "/clusters",
    response={201: ClusterCreatedOut, **E4},
    auth=django_auth,
    url_name="cluster_create",
    summary="Add a loudspeaker cluster; its reporting key is shown once",
)
def create_cluster(request, data: ClusterIn):
    user = request.auth
    require(user, OUTREACH_RADIO)

    def create():
        station = selectors.stations_for_user(user).filter(pk=data.station_id).first()
        if station is None:
            raise NotFound()
        cluster, key = services.cluster_create(
            acting_user=user,
            station=station,
            code=data.code,
            name=data.name,
            area=_unit(data.area_code, "area_code") if data.area_code else None,
        )
        return 201, {**_dump(ClusterOut, cluster), "api_key": key}

    return _idempotent(request, "outreach.cluster_create", data, create)


@router.get(
    "/slots",
    response={200: list[SlotOut], 404: ErrorOut},
    auth=django_auth,
    url_name="slot_list",
)
def list_slots(
    request, start: dt.datetime, end: dt.datetime, cluster_id: int | None = None
) -> list[BroadcastSlot]:
    cluster = selectors.cluster_get_for_user(request.auth, cluster_id) if cluster_id else None
    return list(selectors.slots_for_user(request.auth, start=start, end=end, cluster=cluster))


@router.post(
    "/slots",
    response={201: ScheduleOut, **E4},
    auth=django_auth,
    url_name="slot_create",
    summary="Schedule an approved bulletin on a cluster (clash rules apply; 409 on a clash)",
)
def create_slot(request, data: SlotIn):
    user = request.auth
    require(user, OUTREACH_RELEASE)

    def create():
        outcome = services.slot_schedule(
            acting_user=user,
            cluster=selectors.cluster_get_for_user(user, data.cluster_id),
            content=_content_in_scope(user, data.content_id),
            starts_at=data.starts_at,
            duration_seconds=data.duration_seconds,
        )
        body = {
            "slot": _dump(SlotOut, outcome.slot),
            "preempted": [_dump(SlotOut, s) for s in outcome.preempted],
            "moved": [_dump(SlotOut, s) for s in outcome.moved],
        }
        return 201, body

    return _idempotent(request, "outreach.slot_create", data, create)


@router.post(
    "/slots/{int:slot_id}/cancel",
    response={200: SlotOut, **E4},
    auth=django_auth,
    url_name="slot_cancel",
)
def cancel_slot(request, slot_id: int):
    slot = (
        selectors.slots_for_user(
            request.auth,
            start=timezone.now() - dt.timedelta(days=3650),
            end=timezone.now() + dt.timedelta(days=3650),
        )
        .filter(pk=slot_id)
        .first()
    )
    if slot is None:
        raise NotFound()
    return services.slot_cancel(acting_user=request.auth, slot=slot)


@router.post(
    "/plays",
    response={201: PlayOut, **E4},
    auth=django_auth,
    url_name="play_create",
    summary="An operator enters what a cluster aired (send an Idempotency-Key)",
)
def create_play(request, data: PlayIn):
    user = request.auth
    require(user, OUTREACH_RADIO)

    def create():
        cluster = selectors.cluster_get_for_user(user, data.cluster_id)
        slot = cluster.slots.filter(pk=data.slot_id).first() if data.slot_id else None
        play = services.playlog_record(
            acting_user=user,
            cluster=cluster,
            content=_content_in_scope(user, data.content_id),
            started_at=data.started_at,
            duration_seconds=data.duration_seconds,
            slot=slot,
            report_id=data.report_id,
        )
        return 201, _dump(PlayOut, play)

    return _idempotent(request, "outreach.play_create", data, create)


@router.post(
    "/clusters/{code}/plays",
    response={200: list[ItemResultOut], 403: ErrorOut, 422: ErrorOut},
    url_name="cluster_plays",
    summary="A loudspeaker cluster reports its plays (X-Cluster-Key header; per-item report_id)",
)
def cluster_plays(request, code: str, data: ClusterPlaysIn):
    cluster = services.cluster_authenticate(code=code, key=request.headers.get("X-Cluster-Key", ""))
    results = services.playlog_report(
        cluster=cluster, items=[item.model_dump() for item in data.items]
    )
    return [vars(result) for result in results]


@router.get(
    "/compliance",
    response=list[ComplianceOut],
    auth=django_auth,
    url_name="compliance",
    summary="Weekly DX radio section (7–10 minutes) per commune in scope",
)
def compliance(request, start: dt.date, end: dt.date):
    require(request.auth, OUTREACH_VIEW)
    return [
        ComplianceOut(
            commune=UnitRef(code=c.commune.code, name=c.commune.name),
            has_station=c.has_station,
            compliant=c.compliant,
            compliant_weeks=c.compliant_weeks,
            rate=c.rate,
            weeks=[WeekOut(**vars(w)) for w in c.weeks],
        )
        for c in selectors.compliance_for_user(request.auth, start=start, end=end)
    ]


# --- teams ----------------------------------------------------------------------------------------


@router.get("/teams", response=list[TeamOut], auth=django_auth, url_name="team_list")
@paginate(LimitOffsetPagination)
def list_teams(request):
    return selectors.teams_for_user(request.auth)


@router.post("/teams", response={201: TeamOut, **E4}, auth=django_auth, url_name="team_create")
def create_team(request, data: TeamIn):
    user = request.auth
    require(user, OUTREACH_TEAMS)

    def create():
        team = services.team_create(
            acting_user=user,
            unit=_unit(data.unit_code),
            name=data.name,
            decision_ref=data.decision_ref,
            decision_date=data.decision_date,
            targets=data.targets,
        )
        return 201, _dump(TeamOut, team)

    return _idempotent(request, "outreach.team_create", data, create)


@router.get(
    "/teams/{int:team_id}",
    response={200: TeamDetailOut, 404: ErrorOut},
    auth=django_auth,
    url_name="team_detail",
)
def get_team(request, team_id: int):
    return selectors.team_get_for_user(request.auth, team_id)


@router.post(
    "/teams/{int:team_id}/members",
    response={201: MemberOut, **E4},
    auth=django_auth,
    url_name="team_member_create",
)
def create_member(request, team_id: int, data: MemberIn):
    user = request.auth

    def create():
        team = selectors.team_get_for_user(user, team_id)
        member = services.team_member_add(
            acting_user=user,
            team=team,
            full_name=data.full_name,
            phone=data.phone,
            role=data.role,
            position=data.position,
        )
        return 201, _dump(MemberOut, member)

    return _idempotent(request, f"outreach.team_member_create.{team_id}", data, create)


@router.post(
    "/teams/{int:team_id}/trainings",
    response={201: TrainingOut, **E4},
    auth=django_auth,
    url_name="training_create",
)
def create_training(request, team_id: int, data: TrainingIn):
    user = request.auth

    def create():
        team = selectors.team_get_for_user(user, team_id)
        record = services.training_record_create(acting_user=user, team=team, **data.dict())
        return 201, _dump(TrainingOut, record)

    return _idempotent(request, f"outreach.training_create.{team_id}", data, create)


def _team_for_logging(user, team_id: int) -> Team:
    team = Team.objects.select_related("unit").filter(pk=team_id, is_active=True).first()
    if team is None or not services.can_log_for(user, team):
        raise NotFound()
    return team


@router.get(
    "/activity-logs", response=list[ActivityOut], auth=django_auth, url_name="activity_list"
)
@paginate(LimitOffsetPagination)
def list_activities(request, team_id: int | None = None):
    qs = selectors.activity_logs_for_user(request.auth)
    return qs.filter(team_id=team_id) if team_id else qs


@router.post(
    "/activity-logs",
    response={201: ActivityOut, 200: ActivityOut, **E4},
    auth=django_auth,
    url_name="activity_create",
    summary="Log one team activity (Idempotency-Key; a known client_uuid answers 200)",
)
def create_activity(request, data: ActivityIn):
    user = request.auth

    def create():
        fields = data.model_dump(exclude={"client_uuid", "team_id", "campaign_id"})
        log, created = services.activity_log_create(
            acting_user=user,
            team=_team_for_logging(user, data.team_id),
            client_uuid=data.client_uuid,
            campaign=_campaign_in_scope(user, data.campaign_id) if data.campaign_id else None,
            source="api",
            **fields,
        )
        return (201 if created else 200), _dump(ActivityOut, log)

    return _idempotent(request, "outreach.activity_create", data, create)


@router.post(
    "/activity-logs/sync",
    response={200: list[SyncResultOut], 401: ErrorOut, 422: ErrorOut},
    auth=django_auth,
    url_name="activity_sync",
    summary="Sync activity logs drafted offline; each client_uuid is stored once",
)
def sync_activities(request, data: SyncIn):
    results = sync.activity_log_sync(acting_user=request.auth, items=data.items)
    return [result.as_dict() for result in results]


# --- surveys -------------------------------------------------------------------------------------


@router.get("/surveys", response=list[SurveyOut], auth=django_auth, url_name="survey_list")
@paginate(LimitOffsetPagination)
def list_surveys(request):
    return selectors.surveys_for_user(request.auth).prefetch_related("questions")


@router.post(
    "/surveys", response={201: SurveyOut, **E4}, auth=django_auth, url_name="survey_create"
)
def create_survey(request, data: SurveyIn):
    user = request.auth
    require(user, OUTREACH_SURVEYS)

    def create():
        survey = services.survey_create(
            acting_user=user,
            unit=_unit(data.unit_code),
            title=data.title,
            questions=[q.model_dump() for q in data.questions],
            campaign=_campaign_in_scope(user, data.campaign_id),
            phase=data.phase,
            description=data.description,
            opens_on=data.opens_on,
            closes_on=data.closes_on,
        )
        return 201, _dump(SurveyOut, survey)

    return _idempotent(request, "outreach.survey_create", data, create)


@router.post(
    "/surveys/{int:survey_id}/open",
    response={200: SurveyOut, **E4},
    auth=django_auth,
    url_name="survey_open",
)
def open_survey(request, survey_id: int):
    survey = selectors.survey_get_for_user(request.auth, survey_id)
    return services.survey_open(acting_user=request.auth, survey=survey)


@router.post(
    "/surveys/{int:survey_id}/close",
    response={200: SurveyOut, **E4},
    auth=django_auth,
    url_name="survey_close",
)
def close_survey(request, survey_id: int):
    survey = selectors.survey_get_for_user(request.auth, survey_id)
    return services.survey_close(acting_user=request.auth, survey=survey)


@router.get(
    "/surveys/{int:survey_id}/results",
    response={200: dict, 404: ErrorOut},
    auth=django_auth,
    url_name="survey_results",
)
def survey_results(request, survey_id: int):
    return selectors.survey_results(selectors.survey_get_for_user(request.auth, survey_id))


@router.get(
    "/public/surveys/{int:survey_id}",
    response={200: SurveyOut, 404: ErrorOut},
    url_name="survey_public",
    summary="An open survey (public)",
)
def public_survey(request, survey_id: int):
    return selectors.survey_open_get(survey_id)


@router.post(
    "/public/surveys/{int:survey_id}/responses",
    response={201: AnswerOut, 200: AnswerOut, **E4},
    url_name="survey_answer",
    summary="Answer an open survey (portal, or a team with channel=team; Idempotency-Key)",
)
def answer_survey(request, survey_id: int, data: AnswerIn):
    user = request.user

    def create():
        survey = selectors.survey_open_get(survey_id)
        response, created = services.survey_answer(
            acting_user=user,  # anonymous stays anonymous: a team entry needs a signed-in user
            survey=survey,
            unit=_unit(data.unit_code),
            answers=data.answers,
            audience=data.audience,
            channel=data.channel,
            client_uuid=data.client_uuid,
        )
        body = {"id": response.pk, "survey_id": survey.pk, "score": response.score}
        return (201 if created else 200), body

    return _idempotent(request, f"outreach.survey_answer.{survey_id}", data, create)


# --- indicators ----------------------------------------------------------------------------------


@router.get(
    "/indicators",
    response=list[IndicatorOut],
    auth=django_auth,
    url_name="indicators",
    summary="Outreach indicators for a unit subtree (default: the caller's) and period",
)
def outreach_indicators(
    request, unit_code: str | None = None, start: dt.date | None = None, end: dt.date | None = None
):
    from tinhso.accounts.scope import scope_unit, unit_in_scope

    user = request.auth
    require(user, OUTREACH_VIEW)
    unit = _unit(unit_code) if unit_code else scope_unit(user)
    if unit is not None and not unit_in_scope(user, unit, permission=OUTREACH_VIEW):
        raise errors.UnitOutOfScope()
    if unit is None and not user.is_superuser:
        raise errors.UnitOutOfScope()
    values = indicators.compute_all(unit=unit, start=start, end=end)
    return [
        IndicatorOut(code=i.code, name=str(i.name), unit=str(i.unit), value=values[i.code])
        for i in indicators.INDICATORS
    ]
