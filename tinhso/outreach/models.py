"""Tables of the outreach room (tuyên truyền, truyền thanh cơ sở, tổ công nghệ số cộng đồng).

Campaigns and their content, the channels content goes out on (portal news, SMS, Zalo OA,
e-mail) with one delivery row per recipient, grassroots radio (stations, loudspeaker clusters,
broadcast slots, play logs), community digital-technology teams and their activity logs, and
awareness surveys. Rules live in ``services.py``; this file holds invariants only.

Every row that has a place in the unit tree reaches its ``Unit`` through one field, the one
the scope rule uses (see ``selectors.py``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.outreach import workflow


class Audience(models.TextChoices):
    """Target audiences (đối tượng tuyên truyền)."""

    GENERAL = "general", _("General public")
    ELDERLY = "elderly", _("Elderly people")
    ETHNIC_MINORITIES = "ethnic_minorities", _("Ethnic minorities")
    BUSINESSES = "businesses", _("Businesses and household businesses")
    YOUTH = "youth", _("Young people")
    FARMERS = "farmers", _("Farmers")
    STUDENTS = "students", _("Pupils and students")
    OFFICIALS = "officials", _("Officials and public employees")


class ChannelKind(models.TextChoices):
    """Channels a campaign plans to use; the first four have a client in ``channels/``."""

    PORTAL = "portal", _("Portal news")
    SMS = "sms", _("SMS")
    ZALO = "zalo", _("Zalo Official Account")
    EMAIL = "email", _("E-mail")
    RADIO = "radio", _("Grassroots radio")
    LEAFLET = "leaflet", _("Printed leaflets")
    DOOR_TO_DOOR = "door_to_door", _("Door-to-door visits")
    EVENING_SESSION = "evening_session", _("Evening sessions at the cultural house")
    VEHICLE = "vehicle", _("Loudspeaker vehicles")
    SOCIAL = "social", _("Social networks")
    ONE_STOP_DESK = "one_stop_desk", _("One-stop desk")


# Campaign targets and indicator metrics: codes shared by Campaign.targets and the indicators.
TARGET_METRICS = {
    "households_reached": _("Households reached"),
    "people_guided": _("People guided (all skills)"),
    "vneid_installed": _("People helped to install VNeID"),
    "vneid_level2": _("People guided to activate VNeID level 2"),
    "online_dossiers": _("Online dossiers assisted"),
    "messages_delivered": _("Messages delivered"),
    "radio_minutes": _("Radio minutes aired"),
}


class Skill(models.TextChoices):
    """The 5 basic digital skills (letter 3240/BTTTT-CĐSQG), plus VNeID."""

    PUBLIC_SERVICES = "public_services", _("Online public services")
    ONLINE_SHOPPING = "online_shopping", _("Online shopping")
    ONLINE_PAYMENT = "online_payment", _("Online payment")
    SAFETY_ONLINE = "safety_online", _("Staying safe online")
    LOCAL_PLATFORMS = "local_platforms", _("Local platforms")


class Campaign(models.Model):
    """A communication campaign (chiến dịch tuyên truyền), peak campaigns included."""

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="outreach_campaigns"
    )
    title = models.CharField(_("title"), max_length=255)
    goal = models.TextField(_("goal"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    is_peak = models.BooleanField(_("peak campaign"), default=False)
    target_units = models.ManyToManyField(
        "units.Unit", blank=True, related_name="outreach_target_campaigns"
    )
    audiences = models.JSONField(default=list, blank=True)  # [Audience]
    key_messages = models.JSONField(default=list, blank=True)  # [str]
    channels = models.JSONField(default=list, blank=True)  # [ChannelKind]
    targets = models.JSONField(default=dict, blank=True)  # {TARGET_METRICS key: number}
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="outreach_campaign_period_valid",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ContentKind(models.TextChoices):
    ARTICLE = "article", _("News article")
    RADIO = "radio", _("Radio bulletin")
    SMS = "sms", _("SMS text")
    ZALO = "zalo", _("Zalo message")
    EMAIL = "email", _("E-mail message")
    LEAFLET = "leaflet", _("Printable leaflet")


class Priority(models.TextChoices):
    """Broadcast priority (Circular 39/2020/TT-BTTTT)."""

    NORMAL = "normal", _("Normal")
    PRIORITY = "priority", _("Priority")
    EMERGENCY = "emergency", _("Emergency")


PRIORITY_RANK = {Priority.NORMAL: 0, Priority.PRIORITY: 1, Priority.EMERGENCY: 2}


class ContentTemplate(models.Model):
    """A reusable starting text (mẫu nội dung); ``unit`` None = available everywhere."""

    unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ContentKind.choices)
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=255, blank=True)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Content(models.Model):
    """One piece of content: drafted, reviewed, approved, then released (see ``workflow``).

    Nothing leaves the system (aired, sent, published) unless ``status`` is approved or
    released; ``services`` checks it and so does every channel.
    """

    Status = workflow.ContentStatus

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="contents"
    )
    template = models.ForeignKey(
        ContentTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ContentKind.choices)
    title = models.CharField(_("title"), max_length=255)
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("body"))
    status = models.CharField(
        max_length=20, choices=workflow.ContentStatus.choices, default=workflow.DRAFT
    )
    # Radio bulletins only.
    priority = models.CharField(
        _("priority"), max_length=20, choices=Priority.choices, default=Priority.NORMAL
    )
    dx_section = models.BooleanField(
        _("digital-transformation section"),
        default=False,
        help_text=_("Counts toward the weekly 7–10 minute DX radio section."),
    )
    audio = models.ForeignKey(
        "kernel.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    audio_seconds = models.FloatField(null=True, blank=True)
    audio_source = models.CharField(max_length=20, blank=True)  # "tts:<engine>" or "upload"
    leaflet_pdf = models.ForeignKey(
        "kernel.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_approved(self) -> bool:
        return self.status in workflow.RELEASABLE_STATES


class News(models.Model):
    """A news article published on the portal (tin bài), rendered by the pages and in RSS."""

    content = models.OneToOneField(Content, on_delete=models.PROTECT, related_name="news")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    slug = models.SlugField(max_length=255, unique=True)
    title = models.CharField(max_length=255)
    summary = models.TextField(blank=True)
    body = models.TextField()
    published_at = models.DateTimeField(db_index=True)
    is_visible = models.BooleanField(default=True)  # off when the content is withdrawn

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name_plural = "news"

    def __str__(self) -> str:
        return self.title


class Contact(models.Model):
    """A person who agreed to receive campaign messages (danh bạ nhận tin)."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    full_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=20, blank=True, db_index=True)
    zalo_user_id = models.CharField(max_length=64, blank=True)
    email = models.EmailField(blank=True)
    audience = models.CharField(max_length=30, choices=Audience.choices, default=Audience.GENERAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.full_name or f"#{self.pk}"


class OptOut(models.Model):
    """A refusal to receive messages on one channel; checked before every send."""

    channel = models.CharField(max_length=20, choices=ChannelKind.choices)
    address = models.CharField(max_length=255)  # normalised (phone 84…, e-mail lower case)
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="outreach_optout_unique")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.pk}"


class Dispatch(models.Model):
    """One release of approved content on one channel to a list of recipients."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        RETRYING = "retrying", _("Waiting to retry")
        DONE = "done", _("Delivered")
        PARTLY_FAILED = "partly_failed", _("Partly failed")
        FAILED = "failed", _("Failed")

    content = models.ForeignKey(Content, on_delete=models.PROTECT, related_name="dispatches")
    channel = models.CharField(max_length=20, choices=ChannelKind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A run holds the dispatch until then, so two workers never send the same messages; a run
    # that died leaves it to expire, and the tick takes the dispatch up again.
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk}"


class Delivery(models.Model):
    """The result of one message to one recipient (kết quả gửi theo người nhận)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Waiting to retry")
        FAILED = "failed", _("Failed")
        REFUSED_OPT_OUT = "refused_opt_out", _("Refused: opted out")
        REFUSED_INVALID = "refused_invalid", _("Refused: invalid address")

    dispatch = models.ForeignKey(Dispatch, on_delete=models.PROTECT, related_name="deliveries")
    address = models.CharField(max_length=255)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    error_code = models.CharField(max_length=50, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispatch", "address"], name="outreach_delivery_once_per_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dispatch_id}/{self.pk} {self.status}"


# --- grassroots radio ----------------------------------------------------------------------


class Station(models.Model):
    """A commune (or higher) radio station (đài truyền thanh cơ sở)."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["unit__path", "code"]

    def __str__(self) -> str:
        return self.name


class Cluster(models.Model):
    """An IP loudspeaker cluster (cụm loa) of a station; reports its play log with its key."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="clusters")
    area = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # the village it covers, when known
    code = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    api_key_hash = models.CharField(max_length=128, blank=True)
    is_active = models.BooleanField(default=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["station", "code"]

    def __str__(self) -> str:
        return self.name


class BroadcastSlot(models.Model):
    """A bulletin scheduled on a cluster (lịch phát)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        PREEMPTED = "preempted", _("Pre-empted by an emergency")
        CANCELLED = "cancelled", _("Cancelled")
        AIRED = "aired", _("Aired")

    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, related_name="slots")
    content = models.ForeignKey(Content, on_delete=models.PROTECT, related_name="slots")
    priority = models.CharField(max_length=20, choices=Priority.choices)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    preempted_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="preempted"
    )
    moved_from = models.DateTimeField(null=True, blank=True)  # a normal slot a priority moved
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="outreach_slot_positive_length",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cluster_id} {self.starts_at:%Y-%m-%d %H:%M} {self.priority}"

    @property
    def duration_seconds(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds())


class PlayLog(models.Model):
    """What a cluster actually aired (nhật ký phát), reported by the cluster or an operator."""

    class Source(models.TextChoices):
        CLUSTER = "cluster", _("Reported by the cluster")
        OPERATOR = "operator", _("Entered by an operator")

    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, related_name="plays")
    content = models.ForeignKey(Content, on_delete=models.PROTECT, related_name="plays")
    slot = models.ForeignKey(
        BroadcastSlot, null=True, blank=True, on_delete=models.PROTECT, related_name="plays"
    )
    started_at = models.DateTimeField(db_index=True)
    duration_seconds = models.PositiveIntegerField()
    source = models.CharField(max_length=20, choices=Source.choices)
    report_id = models.CharField(max_length=64, blank=True)  # the reporter's id: stored once
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "report_id"],
                condition=~models.Q(report_id=""),
                name="outreach_playlog_report_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cluster_id} {self.started_at:%Y-%m-%d %H:%M} {self.duration_seconds}s"


# --- community digital-technology teams ------------------------------------------------------


class Team(models.Model):
    """A community digital-technology team (tổ công nghệ số cộng đồng) of a village."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    decision_ref = models.CharField(_("decision reference"), max_length=100, blank=True)
    decision_date = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    targets = models.JSONField(default=dict, blank=True)  # per-team targets: data, not code
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit__path", "name"]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("Team leader")
        MEMBER = "member", _("Member")

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # a member who logs activities on the site signs in as this user
    full_name = models.CharField(max_length=200)
    phone = models.CharField(max_length=20, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    position = models.CharField(max_length=200, blank=True)  # "Trưởng thôn", "Bí thư chi đoàn"
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["team", "-role", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team"],
                condition=models.Q(role="leader", is_active=True),
                name="outreach_team_one_leader",
            )
        ]

    def __str__(self) -> str:
        return self.full_name


class TrainingRecord(models.Model):
    """A training session a team attended (tập huấn)."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="trainings")
    title = models.CharField(max_length=255)
    held_on = models.DateField()
    organiser = models.CharField(max_length=200, blank=True)
    hours = models.DecimalField(max_digits=5, decimal_places=1, default=0)
    attendees = models.PositiveIntegerField(default=0)
    skills = models.JSONField(default=list, blank=True)  # [Skill]
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class ActivityLog(models.Model):
    """One team activity (nhật ký hoạt động): a visit round, an evening session, a desk day.

    ``client_uuid`` is generated by the phone that recorded it; a log synced twice is
    stored once (unique constraint, see ``sync.py``).
    """

    class Kind(models.TextChoices):
        DOOR_TO_DOOR = "door_to_door", _("Door-to-door visits")
        EVENING_SESSION = "evening_session", _("Evening session at the cultural house")
        ONE_STOP_DESK = "one_stop_desk", _("Support at the one-stop desk")
        MARKET = "market", _("Market or public place")
        OTHER = "other", _("Other")

    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="activities")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    date = models.DateField(db_index=True)
    place = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.DOOR_TO_DOOR)
    households_visited = models.PositiveIntegerField(default=0)
    guided_public_services = models.PositiveIntegerField(default=0)
    guided_online_shopping = models.PositiveIntegerField(default=0)
    guided_online_payment = models.PositiveIntegerField(default=0)
    guided_safety_online = models.PositiveIntegerField(default=0)
    guided_local_platforms = models.PositiveIntegerField(default=0)
    vneid_installed = models.PositiveIntegerField(default=0)
    vneid_level2 = models.PositiveIntegerField(default=0)
    online_dossiers = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True)
    source = models.CharField(max_length=20, default="web")  # web | sync | api
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.team_id} {self.date}"


SKILL_FIELDS = {
    Skill.PUBLIC_SERVICES: "guided_public_services",
    Skill.ONLINE_SHOPPING: "guided_online_shopping",
    Skill.ONLINE_PAYMENT: "guided_online_payment",
    Skill.SAFETY_ONLINE: "guided_safety_online",
    Skill.LOCAL_PLATFORMS: "guided_local_platforms",
}
COUNT_FIELDS = [
    "households_visited",
    *SKILL_FIELDS.values(),
    "vneid_installed",
    "vneid_level2",
    "online_dossiers",
]


# --- awareness surveys ------------------------------------------------------------------------


class Survey(models.Model):
    """A short awareness questionnaire (khảo sát nhận thức), before or after a campaign."""

    class Phase(models.TextChoices):
        BEFORE = "before", _("Before the campaign")
        AFTER = "after", _("After the campaign")
        STANDALONE = "standalone", _("Standalone")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="surveys"
    )
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.STANDALONE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    opens_on = models.DateField(null=True, blank=True)
    closes_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """A question; awareness questions score 0–100 (yes = 100, scale 1–5 linear,
    choice = 100 when it is the ``correct`` one)."""

    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("Yes / no")
        SCALE = "scale", _("Scale 1 to 5")
        CHOICE = "choice", _("One choice")
        TEXT = "text", _("Free text")

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=500)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    choices = models.JSONField(default=list, blank=True)  # [str] for CHOICE
    correct = models.CharField(max_length=200, blank=True)  # the right choice, when scored
    counts_for_awareness = models.BooleanField(default=True)

    class Meta:
        ordering = ["survey", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class SurveyResponse(models.Model):
    """One completed questionnaire; ``answers`` maps question id (str) to the answer."""

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Answered on the portal")
        TEAM = "team", _("Entered by a team")

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(max_length=30, choices=Audience.choices, default=Audience.GENERAL)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    client_uuid = models.UUIDField(null=True, blank=True, unique=True)
    answers = models.JSONField(default=dict)
    score = models.FloatField(null=True, blank=True)  # awareness 0–100
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.pk}"
