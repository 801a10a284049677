"""Administrative units (đơn vị hành chính) and agencies (cơ quan, đơn vị)."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Each tree level adds one fixed-width, zero-padded segment (the unit's id) to the path. With
# digits only, "everything under X" is the range  X.path <= path < successor(X.path): one
# B-tree range scan on any database and any collation (see ``subtree_bounds``).
PATH_SEGMENT_WIDTH = 8


def path_segment(unit_id: int) -> str:
    return str(unit_id).zfill(PATH_SEGMENT_WIDTH)


def subtree_bounds(path: str) -> tuple[str, str]:
    """The half-open range of paths [low, high) that holds ``path`` and all its descendants."""
    return path, str(int(path) + 1).zfill(len(path))


class UnitQuerySet(models.QuerySet):
    def subtree(self, unit: "Unit", *, include_self: bool = True) -> "UnitQuerySet":
        low, high = subtree_bounds(unit.path)
        qs = self.filter(path__gte=low, path__lt=high)
        return qs if include_self else qs.exclude(pk=unit.pk)

    def current(self) -> "UnitQuerySet":
        return self.filter(valid_until__isnull=True)


class Unit(models.Model):
    """One administrative unit: province, commune, village, or a legacy district."""

    class Type(models.TextChoices):
        TINH = "tinh", _("Province")
        THANH_PHO_TRUNG_UONG = "thanh_pho_trung_uong", _("Centrally governed city")
        HUYEN = "huyen", _("District")
        QUAN = "quan", _("Urban district")
        THI_XA = "thi_xa", _("Town")
        THANH_PHO = "thanh_pho", _("Provincial city")
        XA = "xa", _("Commune")
        PHUONG = "phuong", _("Ward")
        THI_TRAN = "thi_tran", _("Township")
        DAC_KHU = "dac_khu", _("Special zone")
        THON = "thon", _("Village")
        TO_DAN_PHO = "to_dan_pho", _("Residential group")

    code = models.CharField(_("official code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    codename = models.SlugField(max_length=200, blank=True)
    type = models.CharField(_("type"), max_length=30, choices=Type.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("level"), editable=False)
    path = models.CharField(max_length=255, editable=False, db_index=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    predecessors = models.ManyToManyField(
        "self", symmetrical=False, related_name="successors", blank=True
    )
    search_name = models.CharField(max_length=200, editable=False, db_index=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        constraints = [
            # Codes are reused after mergers, so only the units in force must be unique.
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(valid_until__isnull=True),
                name="unit_code_unique_in_force",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="unit_validity_ordered",
            ),
        ]
        indexes = [
            # Lookups by code that must also see retired units (history, CSV parents); the
            # partial unique index only covers the units in force.
            models.Index(fields=["code"], name="unit_code_idx"),
        ]
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")

    def __str__(self) -> str:
        return self.name

    @property
    def in_force(self) -> bool:
        return self.valid_until is None

    def is_within(self, other: "Unit", *, include_self: bool = True) -> bool:
        """Whether this unit lies in ``other``'s subtree (no query)."""
        if self.pk == other.pk:
            return include_self
        low, high = subtree_bounds(other.path)
        return low <= self.path < high

    def ancestors(self) -> "UnitQuerySet":
        """Every unit above this one, from the top down (one query)."""
        width = PATH_SEGMENT_WIDTH
        prefixes = [self.path[:i] for i in range(width, len(self.path), width)]
        return Unit.objects.filter(path__in=prefixes).order_by("path")


AGENCY_CODE_RE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2}$")
agency_code_validator = RegexValidator(
    AGENCY_CODE_RE,
    _("The electronic identifier must look like 000.00.24.H12 (QCVN 102:2016/BTTTT)."),
    code="agency_code_invalid",
)


class Agency(models.Model):
    """An agency that acts on a unit: a department (Sở), a commune People's Committee, a
    one-stop desk (Bộ phận một cửa), a commune police station...

    ``code`` is its electronic identifier under QCVN 102:2016/BTTTT, e.g. ``000.00.24.H12``;
    dossier codes start with it.
    """

    class Kind(models.TextChoices):
        UBND_TINH = "ubnd_tinh", _("Provincial People's Committee")
        SO = "so", _("Department")
        UBND_HUYEN = "ubnd_huyen", _("District People's Committee")
        UBND_XA = "ubnd_xa", _("Commune People's Committee")
        MOT_CUA = "mot_cua", _("One-stop desk")
        CONG_AN = "cong_an", _("Police")
        TRUNG_TAM = "trung_tam", _("Centre")
        KHAC = "khac", _("Other")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="agencies")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(
        _("electronic identifier"), max_length=20, unique=True, validators=[agency_code_validator]
    )
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    address = models.CharField(max_length=255, blank=True)
    is_active = models.BooleanField(default=True)
    search_name = models.CharField(max_length=255, editable=False, db_index=True)

    class Meta:
        ordering = ["unit__path", "name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.code:
            self.code = self.code.strip().upper()
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("An agency cannot be its own parent.")})
