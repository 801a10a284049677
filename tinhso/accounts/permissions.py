"""Permissions as named constants; roles (rows of ``Role``) bundle them.

A module declares its permissions here-by-registration (``register``) and checks them with
``user_can`` / ``require``; no module writes ``if user.role == ...``.
"""

from django.utils.translation import gettext_lazy as _

from tinhso.kernel.errors import Forbidden

REGISTRY: dict[str, str] = {}


def register(code: str, label) -> str:
    REGISTRY[code] = label
    return code


class Perm:
    UNITS_VIEW = register("units.view", _("View administrative units and agencies"))
    UNITS_MANAGE = register("units.manage", _("Manage administrative units and agencies"))
    OFFICIALS_VIEW = register("accounts.view_officials", _("View officials in scope"))
    OFFICIALS_MANAGE = register("accounts.manage_officials", _("Manage officials in scope"))
    CITIZENS_VIEW_PERSONAL = register(
        "accounts.view_personal_data", _("See citizens' personal data unmasked")
    )
    AUDIT_VIEW = register("kernel.view_audit", _("Read the audit log in scope"))
    CALENDAR_MANAGE = register("kernel.manage_calendar", _("Enter extra days off and working days"))
    # Roles are shared by every unit of the installation, so editing one is not scoped: give
    # this to the installation's administrators only.
    ROLES_MANAGE = register("accounts.manage_roles", _("Create and edit roles"))


def permissions_of(user) -> frozenset[str]:
    """Every permission the user holds, computed once per user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_tinhso_permissions", None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset(REGISTRY)
        elif user.kind != "official":
            cached = frozenset()
        else:
            cached = frozenset(
                code for role in user.roles.all() for code in (role.permissions or [])
            )
        user._tinhso_permissions = cached
    return cached


def forget_permissions(user) -> None:
    """Drop the cached permissions after the user's roles changed."""
    user.__dict__.pop("_tinhso_permissions", None)


def user_can(user, permission: str) -> bool:
    if user is not None and user.is_authenticated and user.is_superuser and user.is_active:
        return True
    return permission in permissions_of(user)


def require(user, permission: str) -> None:
    if not user_can(user, permission):
        raise Forbidden()
