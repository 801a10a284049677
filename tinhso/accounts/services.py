"""Every write of the accounts room: keyword-only functions, one transaction each, audited.

Rules that hold here and nowhere else:

- a citizen's username is their CCCD, a business's is its tax code (digits only); an
  official's username must contain a letter, so the three never collide;
- an official is created only in an agency inside the acting user's scope for
  ``Perm.OFFICIALS_MANAGE``;
- nobody gives, takes away or edits a role carrying a permission they do not hold themself
  (superusers excepted), so no one can raise their own powers through roles;
- the identity provider (VNeID-style OpenID Connect) creates and updates citizens only.
"""

import datetime
import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tinhso.accounts import errors
from tinhso.accounts.models import Role, User
from tinhso.accounts.permissions import REGISTRY, Perm, permissions_of, require
from tinhso.accounts.roles import DEFAULT_ROLES
from tinhso.accounts.scope import filter_for_user, forget_access, get_for_user
from tinhso.accounts.validators import (
    mask_cccd,
    normalise_digits,
    tax_code_compact,
    validate_cccd,
    validate_phone,
    validate_tax_code,
)
from tinhso.kernel.audit import audit_record, diff
from tinhso.kernel.errors import Forbidden, InvalidInput
from tinhso.units.models import Agency

# The fields an audit row shows when an account is created (personal data is masked there).
_ACCOUNT_FIELDS = (
    "username",
    "kind",
    "full_name",
    "email",
    "cccd",
    "date_of_birth",
    "sex",
    "phone",
    "tax_code",
    "organisation_name",
    "agency_id",
)


def _snapshot(user: User) -> dict:
    snapshot = {name: getattr(user, name) for name in _ACCOUNT_FIELDS}
    if user.kind == User.Kind.CITIZEN:
        # A citizen's username is their CCCD: personal data, masked like it.
        snapshot["username"] = mask_cccd(user.username)
    return snapshot


class _FieldErrors:
    """Collects errors per field so one answer lists everything wrong with the input."""

    def __init__(self) -> None:
        self.errors: dict[str, list[ValidationError]] = {}

    def check(self, field: str, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            self.errors.setdefault(field, []).extend(exc.error_list)
            return None

    def add(self, field: str, message, code: str) -> None:
        self.errors.setdefault(field, []).append(ValidationError(message, code=code))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _clean_name(value: str) -> str:
    return " ".join((value or "").split())


def _require_name(errs: _FieldErrors, field: str, value: str) -> str:
    value = _clean_name(value)
    if not value:
        errs.add(field, _("This field is required."), "required")
    return value


def _clean_email(errs: _FieldErrors, email: str) -> str:
    email = BaseUserManager.normalize_email((email or "").strip())
    if email:
        errs.check("email", validate_email, email)
    return email


def _clean_phone(errs: _FieldErrors, phone: str) -> str:
    if not (phone or "").strip():
        return ""
    return errs.check("phone", validate_phone, phone) or ""


def _check_password(errs: _FieldErrors, password: str, user: User) -> None:
    errs.check("password", validate_password, password, user)


def _save_new(user: User, *, password: str | None) -> User:
    """Insert a new account; a unique index catching a concurrent twin becomes a 409."""
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError as exc:
        if user.cccd and User.objects.filter(cccd=user.cccd).exists():
            raise errors.CccdTaken() from exc
        if user.tax_code and User.objects.filter(kind=user.kind, tax_code=user.tax_code).exists():
            raise errors.TaxCodeTaken() from exc
        if User.objects.filter(username=user.username).exists():
            raise errors.UsernameTaken() from exc
        raise
    return user


# ---- citizens and businesses -------------------------------------------------------------


@transaction.atomic
def citizen_register(
    *,
    cccd: str,
    full_name: str,
    date_of_birth: datetime.date,
    sex: str,
    phone: str = "",
    email: str = "",
    password: str,
) -> User:
    """Register a citizen (công dân) who signs in with their CCCD and a password."""
    errs = _FieldErrors()
    full_name = _require_name(errs, "full_name", full_name)
    if sex not in User.Sex.values:
        errs.add("sex", _("Choose male or female."), "invalid_choice")
        sex = ""
    if date_of_birth is None or date_of_birth > datetime.date.today():
        errs.add("date_of_birth", _("Enter a date of birth that is not in the future."), "invalid")
        date_of_birth = None
    cccd = errs.check("cccd", validate_cccd, cccd, date_of_birth=date_of_birth, sex=sex or None)
    phone = _clean_phone(errs, phone)
    email = _clean_email(errs, email)
    user = User(
        username=cccd or "",
        kind=User.Kind.CITIZEN,
        full_name=full_name,
        cccd=cccd or "",
        date_of_birth=date_of_birth,
        sex=sex,
        phone=phone,
        email=email,
    )
    _check_password(errs, password, user)
    errs.raise_if_any()
    if User.objects.filter(cccd=cccd).exists() or User.objects.filter(username=cccd).exists():
        raise errors.CccdTaken()
    _save_new(user, password=password)
    audit_record(
        actor=user,
        action="accounts.citizen_register",
        obj=user,
        summary="Citizen registered",
        changes=diff({}, _snapshot(user)),
    )
    return user


@transaction.atomic
def business_register(
    *,
    tax_code: str,
    organisation_name: str,
    full_name: str = "",
    phone: str = "",
    email: str = "",
    password: str,
) -> User:
    """Register a business (doanh nghiệp) that signs in with its tax code and a password.

    ``full_name`` is the person acting for the business (its legal representative or staff).
    """
    errs = _FieldErrors()
    tax_code = errs.check("tax_code", validate_tax_code, tax_code)
    organisation_name = _require_name(errs, "organisation_name", organisation_name)
    phone = _clean_phone(errs, phone)
    email = _clean_email(errs, email)
    username = tax_code_compact(tax_code) if tax_code else ""
    user = User(
        username=username,
        kind=User.Kind.BUSINESS,
        full_name=_clean_name(full_name),
        organisation_name=organisation_name,
        tax_code=tax_code or "",
        phone=phone,
        email=email,
    )
    _check_password(errs, password, user)
    errs.raise_if_any()
    taken = User.objects.filter(kind=User.Kind.BUSINESS, tax_code=tax_code).exists()
    if taken or User.objects.filter(username=username).exists():
        raise errors.TaxCodeTaken()
    _save_new(user, password=password)
    audit_record(
        actor=user,
        action="accounts.business_register",
        obj=user,
        summary="Business registered",
        changes=diff({}, _snapshot(user)),
    )
    return user


def _username_for_subject(subject: str) -> str:
    return "vneid-" + hashlib.sha256(subject.encode()).hexdigest()[:24]


@transaction.atomic
def citizen_sync_from_identity_provider(
    *,
    subject: str,
    cccd: str = "",
    full_name: str = "",
    date_of_birth: datetime.date | None = None,
    sex: str = "",
    email: str = "",
) -> User:
    """The citizen an identity provider vouches for, created or brought up to date.

    Looks the person up by the provider's subject, then by CCCD (linking an account the
    citizen registered earlier). Never signs anyone in as an official or a business: an
    identity number held by such an account is refused (``identity_not_citizen``).
    """
    if not subject:
        raise InvalidInput("identity_subject_missing")
    errs = _FieldErrors()
    if sex and sex not in User.Sex.values:
        sex = ""
    if cccd:
        cccd = errs.check("cccd", validate_cccd, cccd, date_of_birth=date_of_birth, sex=sex or None)
    email = _clean_email(errs, email)
    errs.raise_if_any()
    cccd = cccd or ""

    user = User.objects.select_for_update().filter(oidc_subject=subject).first()
    if user is None and cccd:
        user = User.objects.select_for_update().filter(cccd=cccd).first()
        if user is not None and user.oidc_subject and user.oidc_subject != subject:
            raise errors.CccdTaken()
    if user is not None and user.kind != User.Kind.CITIZEN:
        raise Forbidden(
            "identity_not_citizen",
            _("This identity belongs to an official or business account; sign in with it."),
        )
    changes_cccd = cccd and user is not None and cccd != user.cccd
    if changes_cccd and User.objects.filter(cccd=cccd).exclude(pk=user.pk).exists():
        raise errors.CccdTaken()

    wanted = {
        "oidc_subject": subject,
        "cccd": cccd,
        "full_name": _clean_name(full_name),
        "date_of_birth": date_of_birth,
        "sex": sex,
        "email": email,
    }
    if user is None:
        user = User(
            username=cccd or _username_for_subject(subject),
            kind=User.Kind.CITIZEN,
            **wanted,
        )
        _save_new(user, password=None)
        audit_record(
            actor=user,
            action="accounts.citizen_register",
            obj=user,
            summary="Citizen registered through the identity provider",
            changes=diff({}, _snapshot(user)),
        )
        return user

    # The provider is the authority for what it sends; what it leaves out stays as it was.
    before = {name: getattr(user, name) for name in wanted}
    for name, value in wanted.items():
        if value not in ("", None):
            setattr(user, name, value)
    after = {name: getattr(user, name) for name in wanted}
    changes = diff(before, after)
    if changes:
        user.save(update_fields=list(changes))
        audit_record(
            actor=user,
            action="accounts.citizen_update_from_identity_provider",
            obj=user,
            summary="Citizen data updated from the identity provider",
            changes=changes,
        )
    return user


# ---- officials -----------------------------------------------------------------------------


def _check_grantable(acting_user: User, roles: Iterable[Role]) -> None:
    if acting_user.is_superuser and acting_user.is_active:
        return
    held = permissions_of(acting_user)
    refused = sorted(role.code for role in roles if not set(role.permissions or []) <= held)
    if refused:
        raise errors.RoleNotGrantable(details={"roles": refused})


def _agency_in_manage_scope(acting_user: User, agency: Agency) -> bool:
    agencies = Agency.objects.filter(pk=agency.pk, is_active=True)
    return filter_for_user(
        agencies, acting_user, unit_field="unit", permission=Perm.OFFICIALS_MANAGE
    ).exists()


@transaction.atomic
def official_create(
    *,
    acting_user: User,
    username: str,
    full_name: str,
    agency: Agency,
    roles: Iterable[Role],
    email: str = "",
    password: str | None = None,
) -> User:
    """Create an official (cán bộ, công chức) of ``agency`` with ``roles``.

    Without a password the account cannot sign in with one until it is set (or the official
    signs in through single sign-on).
    """
    require(acting_user, Perm.OFFICIALS_MANAGE)
    if agency is None or not _agency_in_manage_scope(acting_user, agency):
        raise errors.AgencyNotFound()
    roles = list(roles)
    _check_grantable(acting_user, roles)

    errs = _FieldErrors()
    username = (username or "").strip()
    if not username:
        errs.add("username", _("This field is required."), "required")
    else:
        errs.check("username", UnicodeUsernameValidator(), username)
        if normalise_digits(username).isdigit():
            errs.errors.setdefault("username", []).append(
                ValidationError(errors.UsernameReserved.default_message, code="username_reserved")
            )
    full_name = _require_name(errs, "full_name", full_name)
    email = _clean_email(errs, email)
    user = User(
        username=username,
        kind=User.Kind.OFFICIAL,
        full_name=full_name,
        email=email,
        agency=agency,
    )
    if password:
        _check_password(errs, password, user)
    errs.raise_if_any()
    if User.objects.filter(username__iexact=username).exists():
        raise errors.UsernameTaken()
    _save_new(user, password=password)
    user.roles.set(roles)
    audit_record(
        actor=acting_user,
        action="accounts.official_create",
        obj=user,
        summary=f"Official {username} created in agency {agency.code}",
        changes={**diff({}, _snapshot(user)), "roles": [[], sorted(r.code for r in roles)]},
    )
    return user


@transaction.atomic
def official_set_roles(*, acting_user: User, official: User, roles: Iterable[Role]) -> User:
    """Replace an official's roles. Every role given or taken away must be grantable by the
    acting user, and the official must be in their scope (404 otherwise)."""
    require(acting_user, Perm.OFFICIALS_MANAGE)
    official = get_for_user(
        User.objects.select_for_update(of=("self",)).filter(kind=User.Kind.OFFICIAL),
        acting_user,
        unit_field="agency__unit",
        permission=Perm.OFFICIALS_MANAGE,
        pk=official.pk,
    )
    current = {role.pk: role for role in official.roles.all()}
    wanted = {role.pk: role for role in roles}
    added = [role for pk, role in wanted.items() if pk not in current]
    removed = [role for pk, role in current.items() if pk not in wanted]
    _check_grantable(acting_user, [*added, *removed])
    if added or removed:
        official.roles.set(list(wanted.values()))
        audit_record(
            actor=acting_user,
            action="accounts.official_set_roles",
            obj=official,
            summary=f"Roles of {official.username} changed",
            changes={
                "roles": [
                    sorted(role.code for role in current.values()),
                    sorted(role.code for role in wanted.values()),
                ]
            },
        )
    forget_access(official)
    return official


# ---- roles -------------------------------------------------------------------------------


@transaction.atomic
def role_upsert(
    *,
    acting_user: User | None,
    code: str,
    name: str,
    permissions: Iterable[str],
    description: str = "",
) -> Role:
    """Create the role ``code`` or replace its name, description and permissions.

    ``acting_user=None`` is the system itself (``roles_ensure_defaults``, a management
    command); a person needs ``Perm.ROLES_MANAGE`` and every permission the role had or gets.
    """
    if acting_user is not None:
        require(acting_user, Perm.ROLES_MANAGE)
    permissions = sorted(set(permissions))
    unknown = [code_ for code_ in permissions if code_ not in REGISTRY]
    if unknown:
        raise errors.UnknownPermission(details={"permissions": unknown})
    errs = _FieldErrors()
    errs.check("code", Role._meta.get_field("code").run_validators, code)
    if not code:
        errs.add("code", _("This field is required."), "required")
    name = _require_name(errs, "name", str(name))
    errs.raise_if_any()

    role = Role.objects.select_for_update().filter(code=code).first()
    before = (
        {"name": role.name, "description": role.description, "permissions": role.permissions}
        if role
        else {}
    )
    if acting_user is not None and not acting_user.is_superuser:
        touched = set(permissions) | set(before.get("permissions") or [])
        if not touched <= permissions_of(acting_user):
            raise errors.RoleNotGrantable(details={"roles": [code]})
    if role is None:
        role = Role(code=code)
    role.name = name
    role.description = str(description or "")
    role.permissions = permissions
    role.save()
    changes = diff(
        before,
        {"name": role.name, "description": role.description, "permissions": role.permissions},
    )
    if changes:
        audit_record(
            actor=acting_user,
            action="accounts.role_upsert",
            obj=role,
            summary=f"Role {code} saved",
            changes=changes,
        )
    return role


@transaction.atomic
def roles_ensure_defaults(*, update_existing: bool = False) -> list[Role]:
    """Create the default roles (``accounts.roles.DEFAULT_ROLES``) that are missing.

    Existing rows belong to the province and are left alone, unless ``update_existing``
    merges the default permissions into them (after an upgrade adds permissions). Names are
    stored in the site's language. Returns the roles created or changed.
    """
    saved = []
    existing = {role.code: role for role in Role.objects.filter(code__in=DEFAULT_ROLES)}
    with translation.override(settings.LANGUAGE_CODE):
        for default in DEFAULT_ROLES.values():
            role = existing.get(default.code)
            if role is None:
                saved.append(
                    role_upsert(
                        acting_user=None,
                        code=default.code,
                        name=str(default.name),
                        description=str(default.description),
                        permissions=default.permissions,
                    )
                )
            elif update_existing and not set(default.permissions) <= set(role.permissions):
                saved.append(
                    role_upsert(
                        acting_user=None,
                        code=role.code,
                        name=role.name,
                        description=role.description,
                        permissions=[*role.permissions, *default.permissions],
                    )
                )
    return saved
