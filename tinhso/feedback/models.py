"""Field reports (phản ánh hiện trường): categories, routing rules, reports and their history.

Tables and invariants only; every write goes through ``services.py``. A report is never
deleted: it is rejected, merged, closed or (after the retention period) anonymised.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.feedback import permissions  # noqa: F401 - registers the permission codes
from tinhso.kernel.models import StoredFile
from tinhso.units.models import Agency, Unit


class Category(models.Model):
    """A report category (lĩnh vực phản ánh), two levels deep: a group and its categories.

    It doubles as an Open311 *service*: ``service_code`` is its stable public code, the parent's
    name is its ``group``, and ``attributes`` holds its Open311 attribute definitions
    (``metadata`` is true when there are any).
    """

    class DayKind(models.TextChoices):
        WORKING = "working", _("Working days")
        CALENDAR = "calendar", _("Calendar days")

    class ServiceType(models.TextChoices):
        REALTIME = "realtime", "realtime"
        BATCH = "batch", "batch"
        BLACKBOX = "blackbox", "blackbox"

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    service_code = models.SlugField(_("service code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=255, blank=True)
    handling_days = models.PositiveSmallIntegerField(_("handling time (days)"), default=10)
    day_kind = models.CharField(
        _("counted in"), max_length=10, choices=DayKind.choices, default=DayKind.WORKING
    )
    is_public = models.BooleanField(
        _("published"),
        default=True,
        help_text=_("Handled reports of this category are published with their answer."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    service_type = models.CharField(
        max_length=10, choices=ServiceType.choices, default=ServiceType.REALTIME
    )
    attributes = models.JSONField(_("Open311 attributes"), default=list, blank=True)
    default_agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("default agency"),
        help_text=_("Used when no routing rule matches."),
    )
    order = models.PositiveSmallIntegerField(default=0)
    search_name = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")

    def __str__(self) -> str:
        return self.name

    @property
    def group(self) -> str:
        return self.parent.name if self.parent_id else ""

    @property
    def has_metadata(self) -> bool:
        return bool(self.attributes)


class RoutingRule(models.Model):
    """One routing rule (quy tắc chuyển xử lý): reports located in ``unit``'s subtree and of
    ``category`` (or one of its sub-categories) go to ``agency``. Rules are tried by ``order``;
    the first match wins. An empty unit or category matches everything."""

    order = models.PositiveIntegerField(_("order"), default=100)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("area"),
    )  # fmt: skip
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="rules",
        verbose_name=_("category"),
    )  # fmt: skip
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible agency")
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"#{self.order}: {self.unit or '*'} × {self.category or '*'} → {self.agency}"


class CommuneCentroid(models.Model):
    """A known point of a commune (trụ sở UBND or centre), used to resolve a reported location
    to the nearest commune when the reporter did not choose one. We have no boundaries."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="+")
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)

    class Meta:
        verbose_name = _("commune centre point")
        verbose_name_plural = _("commune centre points")

    def __str__(self) -> str:
        return f"{self.unit} ({self.latitude}, {self.longitude})"


class ApiClient(models.Model):
    """An Open311 client (ứng dụng kết nối) with its own ``api_key``.

    Only the SHA-256 of the key is kept; ``key_prefix`` (its first 8 characters) identifies it
    in lists. ``services.api_client_create`` returns the key once.
    """

    name = models.CharField(_("name"), max_length=200)
    key_prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    contact_email = models.EmailField(blank=True)
    requests_per_minute = models.PositiveIntegerField(_("requests per minute"), default=30)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class Report(models.Model):
    """A field report (phản ánh hiện trường) from a citizen."""

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Portal")
        API = "api", _("API")
        HOTLINE = "hotline", _("Hotline")
        OPEN311 = "open311", _("Open311 application")
        ZALO = "zalo", _("Zalo OA")
        IN_PERSON = "in_person", _("In person")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        ACCEPTED = "accepted", _("Accepted")
        IN_PROGRESS = "in_progress", _("In progress")
        ON_HOLD = "on_hold", _("On hold")
        WAITING_FOR_REPORTER = "waiting_for_reporter", _("Waiting for the reporter")
        HANDLED = "handled", _("Handled")
        REJECTED_NOT_COMPETENT = "rejected_not_competent", _("Rejected: not competent")
        REJECTED_DUPLICATE = "rejected_duplicate", _("Rejected: duplicate")
        REJECTED_SPAM = "rejected_spam", _("Rejected: spam")
        REOPENED = "reopened", _("Reopened")
        CLOSED = "closed", _("Closed")

    code = models.CharField(_("code"), max_length=20, unique=True)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="reports", verbose_name=_("category")
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    # Plain text: stored as typed (HTML included) and always escaped when shown.
    description = models.TextField(_("description"))
    attributes = models.JSONField(default=dict, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    address_id = models.CharField(max_length=100, blank=True)
    commune = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("commune"),
    )  # fmt: skip
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="feedback_reports",
    )  # fmt: skip
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(_("name"), max_length=150, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    api_client = models.ForeignKey(
        ApiClient, null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    source_ref = models.CharField(max_length=100, blank=True)

    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="feedback_reports",
        verbose_name=_("responsible agency"),
    )  # fmt: skip
    routing_rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.REPORTED
    )
    is_public = models.BooleanField(_("published"), default=True)

    received_at = models.DateTimeField(_("received at"))
    # The category's handling time when the report arrived (a later change does not move it).
    handling_days = models.PositiveSmallIntegerField(default=10)
    day_kind = models.CharField(max_length=10, choices=Category.DayKind.choices, default="working")
    updated_at = models.DateTimeField(auto_now=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The deadline with every extension; ``None`` while the clock is paused.
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    original_deadline = models.DateTimeField(null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    public_answer = models.TextField(_("official answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="feedback_status_deadline_idx"),
            models.Index(fields=["category", "latitude"], name="feedback_cat_lat_idx"),
            models.Index(fields=["received_at"], name="feedback_received_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="feedback_rating_1_to_5",
            ),
        ]
        verbose_name = _("field report")
        verbose_name_plural = _("field reports")

    def __str__(self) -> str:
        return self.code


class ReportPause(models.Model):
    """A stretch during which the report's clock is stopped (on hold, waiting for the
    reporter)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(max_length=30)
    note = models.TextField(blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]

    def __str__(self) -> str:
        return f"{self.reason} {self.started_at:%Y-%m-%d}"


class ReportExtension(models.Model):
    """A legal extension (gia hạn) of the handling time, granted with a reason."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField()
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField()

    class Meta:
        ordering = ["granted_at", "pk"]

    def __str__(self) -> str:
        return f"+{self.days}"


class ReportPhoto(models.Model):
    """A photo of a report; published only once a moderator approves it."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    is_approved = models.BooleanField(_("approved"), default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_handler = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return str(self.file_id)


class ReportUpdate(models.Model):
    """One entry of a report's history: a status change, an assignment, a message."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status change")
        ASSIGNMENT = "assignment", _("Assignment")
        COMMENT = "comment", _("Comment")
        REPORTER = "reporter", _("Message from the reporter")
        EXTENSION = "extension", _("Extension")
        REMINDER = "reminder", _("Reminder")
        ESCALATION = "escalation", _("Escalation")
        RATING = "rating", _("Rating")
        MERGE = "merge", _("Merge")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status_from = models.CharField(max_length=30, blank=True)
    status_to = models.CharField(max_length=30, blank=True)
    message = models.TextField(blank=True)
    is_public = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency_from = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency_to = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.status_to}".strip()


class ReportFollower(models.Model):
    """Someone who follows a report (its reporter, or a citizen who reported the same thing and
    chose to follow this one instead) and is told of each public change."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"],
                condition=models.Q(user__isnull=False),
                name="feedback_follower_user_unique",
            ),
            models.UniqueConstraint(
                fields=["report", "email"],
                condition=models.Q(user__isnull=True),
                name="feedback_follower_email_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.email or str(self.user_id)
