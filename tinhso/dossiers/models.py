"""Tables of the dossiers room: the procedure catalogue (thủ tục hành chính), dossiers (hồ sơ),
their processing steps (form 06), pauses, files, payments and the code counter.

No business rules here beyond invariants: every write goes through ``services.py``; the allowed
moves between states are the table in ``workflow.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.kernel.models import StoredFile
from tinhso.units.models import Agency, Unit


class Field(models.Model):
    """A field of procedures (lĩnh vực), code ``MX1X2-LV`` e.g. ``G09-TP01`` (Hộ tịch)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=255)
    search_name = models.CharField(max_length=255, editable=False, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("field of procedures")
        verbose_name_plural = _("fields of procedures")

    def __str__(self) -> str:
        return self.name


class OnlineMode(models.TextChoices):
    FULL = "full", _("Fully online")
    PARTIAL = "partial", _("Partly online")
    NONE = "none", _("Not online")


class ResultType(models.TextChoices):
    ELECTRONIC = "electronic", _("Electronic")
    PAPER = "paper", _("Attached paper")
    BOTH = "both", _("Electronic and paper")


class Procedure(models.Model):
    """An administrative procedure, identified by its national code (e.g. ``1.001193``).

    The procedure's content lives in its versions; ``current_version`` is the one new dossiers
    are filed under. The columns copied here (name, field, online mode...) always mirror the
    current version, for lists and search.
    """

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=500)
    search_name = models.CharField(max_length=500, editable=False, db_index=True)
    field = models.ForeignKey(
        Field, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("field")
    )
    current_version = models.ForeignKey(
        "ProcedureVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    online_mode = models.CharField(
        _("online mode"), max_length=10, choices=OnlineMode.choices, default=OnlineMode.NONE
    )
    processing_days = models.PositiveSmallIntegerField(_("processing time (working days)"))
    levels = models.JSONField(default=list, blank=True)
    agency_kinds = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProcedureVersion(models.Model):
    """One immutable version of a procedure: the whole catalogue item as data (the format of
    ``data/procedures.json``). Editing a procedure adds a version; a dossier keeps the version
    it was filed under, so a later change never alters it."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    data = models.JSONField()
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "number"], name="procedure_version_unique_number"
            )
        ]
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Procedure versions are immutable: add a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Procedure versions are immutable.")

    # Convenience readers of the data ---------------------------------------------------------
    @property
    def name(self) -> str:
        return self.data.get("name", "")

    @property
    def processing_days(self) -> int:
        return int(self.data.get("processing_days", 0))

    @property
    def cutoff(self) -> bool:
        return bool(self.data.get("cutoff", False))

    @property
    def online_mode(self) -> str:
        return self.data.get("online_mode", OnlineMode.NONE)

    @property
    def papers(self) -> list[dict]:
        return list(self.data.get("papers") or [])

    @property
    def fees(self) -> list[dict]:
        return list(self.data.get("fees") or [])

    @property
    def steps(self) -> list[dict]:
        return list(self.data.get("steps") or [])

    @property
    def form(self) -> dict:
        return dict(self.data.get("form") or {"steps": []})

    @property
    def fee_total(self) -> int:
        return sum(int(fee.get("amount") or 0) for fee in self.fees)


class Status(models.TextChoices):
    """The states of a dossier; the moves between them are ``workflow.DOSSIER_FLOW``."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for receipt")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    REFUSED = "refused", _("Refused")
    RECEIVED = "received", _("Received at the desk")
    PROCESSING = "processing", _("Processing")
    PAUSED = "paused", _("Paused for supplement")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting financial obligation")
    FEE_PAID = "fee_paid", _("Fee paid")
    STOPPED = "stopped", _("Processing stopped")
    RESULT_READY = "result_ready", _("Result ready")
    RETURNED = "returned", _("Result returned")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    IN_PERSON = "in_person", _("In person")


class Classification(models.TextChoices):
    EARLY = "early", _("Early")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    BUSINESS = "business", _("Business")


class Dossier(models.Model):
    """A dossier (hồ sơ) filed under one version of a procedure.

    ``unit`` is the receiving agency's unit: the scope rule works on it. ``code``
    (``<agency code>-YYMMDD-XXXX``) is given at receipt; before that the dossier is known by its
    id. ``legal_due_at`` is the deadline the law gives (it moves only with pauses);
    ``due_at`` is the date promised to the applicant (moved by an apology, form 04).
    """

    code = models.CharField(_("dossier code"), max_length=40, blank=True, default="")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="dossiers")
    procedure_version = models.ForeignKey(
        ProcedureVersion, on_delete=models.PROTECT, related_name="dossiers"
    )
    status = models.CharField(
        _("status"), max_length=25, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE
    )
    # Who files it: an account (citizen or business) and a snapshot of who they were.
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    applicant_kind = models.CharField(
        max_length=10, choices=ApplicantKind.choices, default=ApplicantKind.CITIZEN
    )
    applicant_name = models.CharField(_("applicant"), max_length=255)
    applicant_cccd = models.CharField(max_length=12, blank=True)
    applicant_tax_code = models.CharField(max_length=14, blank=True)
    organisation_name = models.CharField(max_length=255, blank=True)
    applicant_phone = models.CharField(max_length=15, blank=True)
    applicant_email = models.EmailField(blank=True)
    applicant_address = models.CharField(max_length=255, blank=True)
    form_data = models.JSONField(default=dict, blank=True)
    # Where it is.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="dossiers")
    receiving_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="dossiers_received"
    )
    current_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="dossiers_current"
    )
    current_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers_assigned",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The clock.
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True, db_index=True)
    legal_due_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    classification = models.CharField(
        max_length=10, choices=Classification.choices, blank=True, default=""
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Money.
    fee_amount = models.PositiveBigIntegerField(_("fee (VND)"), default=0)
    fee_items = models.JSONField(default=list, blank=True)
    paid_online = models.BooleanField(null=True, blank=True)
    # The result.
    result_delivery = models.CharField(
        _("result delivery"), max_length=10, choices=ResultType.choices, default=ResultType.BOTH
    )
    result_title = models.CharField(max_length=500, blank=True)
    result_file = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_electronically = models.BooleanField(null=True, blank=True)
    returned_on_paper = models.BooleanField(null=True, blank=True)
    digitised = models.BooleanField(_("papers digitised"), default=False)
    # The applicant's rating after the result (1..5).
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="dossier_code_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True)
                | (models.Q(rating__gte=1) & models.Q(rating__lte=5)),
                name="dossier_rating_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="dossier_unit_status_idx"),
            # The work queue: my agency's dossiers in the open states, soonest deadline first.
            models.Index(fields=["current_agency", "status", "due_at"], name="dossier_queue_idx"),
            models.Index(fields=["code"], name="dossier_code_idx"),
        ]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")

    def __str__(self) -> str:
        return self.code or f"#{self.pk}"


class DossierStep(models.Model):
    """One step of processing at one agency (form 06, phiếu kiểm soát quá trình giải quyết):
    who had it, from when, by when, when it was done and how that counts."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    sequence = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=50, blank=True)
    name = models.CharField(max_length=255)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="dossier_steps")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossier_steps",
    )
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    days = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    classification = models.CharField(
        max_length=10, choices=Classification.choices, blank=True, default=""
    )
    note = models.TextField(blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dossier", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "sequence"], name="dossier_step_sequence")
        ]
        indexes = [models.Index(fields=["agency", "done_at"], name="dossier_step_agency_idx")]

    def __str__(self) -> str:
        return f"{self.dossier} #{self.sequence} {self.name}"


class DossierPause(models.Model):
    """A time the clock stood still: a supplement was requested (form 02) and not yet given."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pauses")
    paused_at = models.DateTimeField()
    resumed_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    items = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    counts = models.BooleanField(
        default=True, help_text="False for a request made before receipt (no clock yet)."
    )

    class Meta:
        ordering = ["dossier", "paused_at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier} {self.paused_at:%Y-%m-%d}"


class DossierFile(models.Model):
    """A file of a dossier: a paper the applicant attached, or a document the desk issued
    (the receipt 01, supplement request 02, refusal 03, apology 04, stop notice 05,
    hand-over log 06, the result)."""

    class Kind(models.TextChoices):
        PAPER = "paper", _("Attached paper")
        RECEIPT = "01", _("Receipt and appointment")
        SUPPLEMENT_REQUEST = "02", _("Supplement request")
        REFUSAL = "03", _("Refusal")
        APOLOGY = "04", _("Apology and new date")
        STOP = "05", _("Stop notice")
        HANDOVER = "06", _("Hand-over log")
        RESULT = "result", _("Result")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    paper_code = models.CharField(max_length=50, blank=True)
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    superseded = models.BooleanField(default=False)

    class Meta:
        ordering = ["dossier", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier} {self.kind}"


class DossierEvent(models.Model):
    """The dossier's timeline: one row per move (the audit log holds the full detail)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=25, blank=True)
    to_status = models.CharField(max_length=25, blank=True)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["dossier", "at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier} {self.action}"


class Payment(models.Model):
    """One attempt to pay a dossier's fee: online through the gateway or in cash at the desk."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Payment failed")

    class Method(models.TextChoices):
        ONLINE = "online", _("Online")
        CASH = "cash", _("At the desk")

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="payments")
    reference = models.CharField(max_length=40, unique=True)
    amount = models.PositiveBigIntegerField()
    method = models.CharField(max_length=10, choices=Method.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    transaction_no = models.CharField(max_length=64, blank=True)
    bank_code = models.CharField(max_length=20, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference


class CodeCounter(models.Model):
    """The last sequence number given to a dossier received by ``agency_code`` on ``day``.

    Updated with one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` in the receiving
    transaction, so concurrent receipts get consecutive numbers and a rollback gives its number
    back (no gaps, no duplicates).
    """

    agency_code = models.CharField(max_length=20)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency_code", "day"], name="dossier_code_counter")
        ]

    def __str__(self) -> str:
        return f"{self.agency_code} {self.day} {self.last}"
