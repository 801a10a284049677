"""Questions and answers (hỏi đáp trực tuyến): tables, constraints and indexes.

Search runs on folded copies (``kernel.text.fold``) of the title, the question and the answer,
kept by the services. On SQLite an FTS5 index over them is kept by triggers; on PostgreSQL a
GIN index over their weighted ``tsvector`` (both made by migration 0001, see ``search.py``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.qa.workflow import Moderation, Status


class Topic(models.Model):
    """A field (lĩnh vực) a question belongs to: hộ tịch, đất đai, thuế..."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=150)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("field")
        verbose_name_plural = _("fields")

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """One question (câu hỏi) and its official answer (câu trả lời)."""

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Portal")
        API = "api", _("API")
        FEEDBACK = "feedback", _("Field report")
        HOTLINE = "hotline", _("Hotline")
        EMAIL = "email", _("E-mail")

    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="qa_questions",
        verbose_name=_("asker"),
    )
    # The agency that holds (and answers) the question; empty while the desk routes it.
    agency = models.ForeignKey(
        "units.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="qa_questions",
        verbose_name=_("agency"),
    )
    # The unit of scope: the holding agency's unit, or the installation's unit while unrouted.
    unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    topic = models.ForeignKey(
        Topic,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questions",
        verbose_name=_("field"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("question"))
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    source_ref = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    moderation = models.CharField(
        max_length=8, choices=Moderation.choices, default=Moderation.VISIBLE
    )

    answer = models.TextField(_("answer"), blank=True)
    answered_by_agency = models.ForeignKey(
        "units.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    created_at = models.DateTimeField(_("asked at"))
    # When the current agency got the question (creation, routing or forwarding).
    assigned_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Fixed when the answer is given, so the indicators are plain SQL aggregates.
    answered_on_time = models.BooleanField(null=True, blank=True)
    working_days_to_answer = models.IntegerField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    forward_count = models.PositiveSmallIntegerField(default=0)

    flag_count = models.PositiveIntegerField(default=0)
    helpful_count = models.PositiveIntegerField(default=0)

    # Search keys (kernel.text.fold); indexed for full-text search by migration 0001.
    title_folded = models.CharField(max_length=200, editable=False, default="")
    body_folded = models.TextField(editable=False, default="")
    answer_folded = models.TextField(editable=False, default="")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The public list: published, visible, newest first.
            models.Index(fields=["status", "moderation", "-published_at"], name="qa_public_idx"),
            models.Index(fields=["unit", "status"], name="qa_unit_status_idx"),
            models.Index(fields=["agency", "status"], name="qa_agency_status_idx"),
            models.Index(fields=["status", "deadline"], name="qa_status_deadline_idx"),
            models.Index(fields=["asker", "-created_at"], name="qa_asker_idx"),
            models.Index(fields=["created_at"], name="qa_created_idx"),
            models.Index(fields=["answered_at"], name="qa_answered_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="qa_published_has_time",
            ),
        ]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status == Status.PUBLISHED and self.moderation == Moderation.VISIBLE


class QuestionAttachment(models.Model):
    class Kind(models.TextChoices):
        QUESTION = "question", _("Question")
        ANSWER = "answer", _("Answer")

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="attachments")
    file = models.ForeignKey("kernel.StoredFile", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.QUESTION)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["question", "file"], name="qa_attachment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.file_id}"


class QuestionStep(models.Model):
    """One step of the question's history, shown to officers (and, for forwarding, to the
    asker): who did what, from which agency, with which note."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        "units.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.action}"


class Flag(models.Model):
    """A user's report of abusive content (báo cáo vi phạm); one per user and question."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam")
        OFFENSIVE = "offensive", _("Offensive")
        OFF_TOPIC = "off_topic", _("Off-topic")

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    # A moderator's decision settles the flags raised before it.
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="qa_flag_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.reason}"


class HelpfulVote(models.Model):
    """ "This answer helped me" (hữu ích); one per user and question."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="qa_vote_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.user_id}"
