"""The one scope rule (phạm vi): an official sees the subtree of their agency's unit, narrowed
by role; a citizen sees their own records; a superuser sees everything.

Every module uses it twice: on list queries (``filter_for_user``) and on object fetches
(``get_for_user``, which answers 404 outside scope, so a record outside scope is
indistinguishable from one that does not exist). Scope is applied in the query, never after it.

An official of an agency that has been closed (``Agency.is_active`` off) has no scope left:
their account may still sign in, but sees no unit's records.
"""

from django.db.models import Model, Q, QuerySet

from tinhso.accounts.permissions import forget_permissions, user_can
from tinhso.kernel.errors import NotFound
from tinhso.units.models import Unit, subtree_bounds

_NO_UNIT = object()


def scope_unit(user) -> Unit | None:
    """The unit at the top of an official's scope, or None for anyone else.

    Computed once per user object (one query), like ``permissions_of``.
    """
    if user is None or not user.is_authenticated or user.kind != "official" or not user.agency_id:
        return None
    cached = user.__dict__.get("_tinhso_scope_unit", _NO_UNIT)
    if cached is _NO_UNIT:
        cached = Unit.objects.filter(agencies__pk=user.agency_id, agencies__is_active=True).first()
        user.__dict__["_tinhso_scope_unit"] = cached
    return cached


def forget_access(user) -> None:
    """Drop the cached permissions and scope after the user's roles or agency changed."""
    forget_permissions(user)
    user.__dict__.pop("_tinhso_scope_unit", None)


def scope_q(user, *, unit_field: str, permission: str, owner_field: str | None = None) -> Q | None:
    """The condition a row must meet to be visible to ``user``; ``None`` means every row.

    ``unit_field`` is the lookup path from the row to its Unit (``"unit"``,
    ``"agency__unit"``); ``owner_field``, when given, lets a citizen see rows they own
    (``"applicant"``, or ``"pk"`` for the user table itself).
    """
    if user is not None and user.is_authenticated and user.is_active and user.is_superuser:
        return None
    deny = Q(pk__in=[])
    if user is None or not user.is_authenticated or not user.is_active:
        return deny
    condition = deny
    unit = scope_unit(user) if user_can(user, permission) else None
    if unit is not None:
        low, high = subtree_bounds(unit.path)
        condition = Q(**{f"{unit_field}__path__gte": low, f"{unit_field}__path__lt": high})
    if owner_field:
        condition |= Q(**{owner_field: user.pk})
    return condition


def filter_for_user(
    queryset: QuerySet,
    user,
    *,
    unit_field: str,
    permission: str,
    owner_field: str | None = None,
) -> QuerySet:
    condition = scope_q(user, unit_field=unit_field, permission=permission, owner_field=owner_field)
    return queryset if condition is None else queryset.filter(condition)


def get_for_user(
    queryset: QuerySet,
    user,
    *,
    unit_field: str,
    permission: str,
    owner_field: str | None = None,
    **lookup,
) -> Model:
    scoped = filter_for_user(
        queryset, user, unit_field=unit_field, permission=permission, owner_field=owner_field
    )
    try:
        return scoped.get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise NotFound() from exc


def unit_in_scope(user, unit: Unit | None, *, permission: str) -> bool:
    """Whether ``unit`` lies in ``user``'s scope for ``permission``: the same rule as
    ``scope_q``, for a unit already in hand (no query once the user's scope is known)."""
    if user is None or not user.is_authenticated or not user.is_active or unit is None:
        return False
    if user.is_superuser:
        return True
    top = scope_unit(user) if user_can(user, permission) else None
    if top is None:
        return False
    low, high = subtree_bounds(top.path)
    return low <= unit.path < high
