"""People: citizens, businesses and officials; roles as data."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.units.models import Agency


class Role(models.Model):
    """A named bundle of permission constants (see ``tinhso.accounts.permissions``).

    Roles are rows, not code: a province can add "Cán bộ một cửa cấp xã" without a release.
    """

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=150)
    permissions = models.JSONField(_("permissions"), default=list, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """Anyone who signs in: a citizen, a business representative or an official."""

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        BUSINESS = "business", _("Business")
        OFFICIAL = "official", _("Official")

    class Sex(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CITIZEN)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    # Personal data (Decree 13/2023/NĐ-CP): shown masked unless the viewer's role needs it.
    cccd = models.CharField(_("citizen identity number"), max_length=12, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=15, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    tax_code = models.CharField(_("tax code"), max_length=14, blank=True)
    organisation_name = models.CharField(_("business name"), max_length=255, blank=True)
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officials",
        verbose_name=_("agency"),
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="users", verbose_name=_("roles"))
    oidc_subject = models.CharField(max_length=255, blank=True)

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cccd"], condition=~models.Q(cccd=""), name="user_cccd_unique"
            ),
            models.UniqueConstraint(
                fields=["oidc_subject"],
                condition=~models.Q(oidc_subject=""),
                name="user_oidc_subject_unique",
            ),
            models.UniqueConstraint(
                fields=["tax_code"],
                condition=models.Q(kind="business") & ~models.Q(tax_code=""),
                name="user_business_tax_code_unique",
            ),
            # An official always acts for an agency, and only officials do: a citizen with an
            # agency would otherwise fall into some unit's scope.
            models.CheckConstraint(
                condition=(models.Q(kind="official") & models.Q(agency__isnull=False))
                | (~models.Q(kind="official") & models.Q(agency__isnull=True)),
                name="user_agency_iff_official",
            ),
        ]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_official(self) -> bool:
        return self.kind == self.Kind.OFFICIAL
