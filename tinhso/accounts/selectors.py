"""Every read of the accounts room that leaves it, always taking the acting user for scope.

People are scoped by ``agency__unit``: an official sees the officials of the agencies in their
unit's subtree when a role gives them ``Perm.OFFICIALS_VIEW``; a citizen or business sees only
their own account; an inactive account sees nothing.
"""

from django.db.models import QuerySet

from tinhso.accounts.models import Role, User
from tinhso.accounts.permissions import Perm, permissions_of
from tinhso.accounts.scope import filter_for_user, get_for_user
from tinhso.units.models import Agency

OFFICIAL_SCOPE = {"unit_field": "agency__unit", "permission": Perm.OFFICIALS_VIEW}


def _officials() -> QuerySet:
    return (
        User.objects.filter(kind=User.Kind.OFFICIAL)
        .select_related("agency__unit")
        .prefetch_related("roles")
        .order_by("agency__unit__path", "agency__name", "full_name", "pk")
    )


def officials_for_user(user) -> QuerySet:
    """The officials ``user`` may see (each with its agency, unit and roles loaded)."""
    return filter_for_user(_officials(), user, **OFFICIAL_SCOPE)


def get_official_for_user(user, pk) -> User:
    """One official in ``user``'s scope; ``NotFound`` (404) otherwise, exactly as if it did
    not exist."""
    return get_for_user(_officials(), user, **OFFICIAL_SCOPE, pk=pk)


def accounts_for_user(user) -> QuerySet:
    """Every account ``user`` may see: the officials in scope and their own."""
    return filter_for_user(
        User.objects.select_related("agency__unit"), user, **OFFICIAL_SCOPE, owner_field="pk"
    )


def agencies_for_official_management(user) -> QuerySet:
    """The open agencies in which ``user`` may create officials."""
    return filter_for_user(
        Agency.objects.filter(is_active=True).select_related("unit"),
        user,
        unit_field="unit",
        permission=Perm.OFFICIALS_MANAGE,
    )


def roles_grantable_by(user) -> list[Role]:
    """The roles ``user`` may give: those whose permissions they hold themself."""
    roles = list(Role.objects.all())
    if user is not None and user.is_authenticated and user.is_active and user.is_superuser:
        return roles
    held = permissions_of(user)
    return [role for role in roles if set(role.permissions or []) <= held]
