"""Every read that leaves the units room.

Units are public data (the national list is published), so the unit selectors take no user.
Agencies are read through the one scope rule: ``agencies_for_user`` on lists and
``get_agency_for_user`` on single fetches, both with ``Perm.UNITS_VIEW``.

The tree queries use the materialised path: a subtree is one indexed range
``path >= low AND path < high`` and the ancestors are one ``path IN (prefixes)``; nothing here
walks the tree one level at a time.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from tinhso.accounts.permissions import Perm
from tinhso.accounts.scope import filter_for_user, get_for_user
from tinhso.kernel.text import fold
from tinhso.units import errors
from tinhso.units.models import PATH_SEGMENT_WIDTH, Agency, Unit, subtree_bounds


def units_under(
    unit: Unit, *, include_self: bool = True, in_force_only: bool = False
) -> QuerySet[Unit]:
    """Every unit in ``unit``'s subtree, at any depth, in tree order: one range query.

    Retired units are included by default: their records still belong to the subtree.
    """
    low, high = subtree_bounds(unit.path)
    qs = Unit.objects.filter(path__gte=low, path__lt=high)
    if not include_self:
        qs = qs.exclude(pk=unit.pk)
    if in_force_only:
        qs = qs.filter(valid_until__isnull=True)
    return qs


def with_child_count(qs: QuerySet[Unit]) -> QuerySet[Unit]:
    """Annotate ``child_count``: the number of sub-units in force of each unit."""
    return qs.annotate(child_count=Count("children", filter=Q(children__valid_until__isnull=True)))


def unit_children(unit: Unit, *, in_force_only: bool = True) -> QuerySet[Unit]:
    """The units directly under ``unit``, alphabetically, each with ``child_count``."""
    qs = Unit.objects.filter(parent=unit)
    if in_force_only:
        qs = qs.filter(valid_until__isnull=True)
    return with_child_count(qs).order_by("search_name", "code")


def unit_ancestors(unit: Unit) -> QuerySet[Unit]:
    """Every unit above ``unit``, from the top down: one query on the path's prefixes."""
    width = PATH_SEGMENT_WIDTH
    prefixes = [unit.path[:end] for end in range(width, len(unit.path), width)]
    return Unit.objects.filter(path__in=prefixes).order_by("path")


def unit_roots(*, in_force_only: bool = True) -> QuerySet[Unit]:
    """The units at the top of the tree (the provinces), each with ``child_count``."""
    qs = Unit.objects.filter(parent__isnull=True)
    if in_force_only:
        qs = qs.filter(valid_until__isnull=True)
    return with_child_count(qs).order_by("code")


def unit_get_by_code(code: str, *, include_retired: bool = False) -> Unit:
    """The unit in force with ``code``; with ``include_retired``, failing that, the most
    recently retired unit that had it. Raises ``UnitNotFound``."""
    unit = Unit.objects.select_related("parent").filter(code=code, valid_until__isnull=True).first()
    if unit is None and include_retired:
        unit = (
            Unit.objects.select_related("parent")
            .filter(code=code)
            .order_by("-valid_until", "-pk")
            .first()
        )
    if unit is None:
        raise errors.UnitNotFound()
    return unit


def unit_search(
    query: str, *, within: Unit | None = None, in_force_only: bool = True
) -> QuerySet[Unit]:
    """Units whose name holds every word of ``query``, diacritics and case ignored
    ("nghe an" finds "Tỉnh Nghệ An"), or whose code starts with ``query``.

    Best matches first: the name starting with the query, then higher levels.
    """
    folded = fold(query or "")
    if not folded:
        return Unit.objects.none()
    condition = Q()
    for word in folded.split():
        condition &= Q(search_name__contains=word)
    if folded.isdigit():
        condition |= Q(code__startswith=folded)
    qs = units_under(within) if within is not None else Unit.objects.all()
    qs = qs.filter(condition)
    if in_force_only:
        qs = qs.filter(valid_until__isnull=True)
    rank = Case(
        When(code=folded, then=Value(0)),
        When(search_name=folded, then=Value(0)),
        When(search_name__startswith=folded, then=Value(1)),
        When(search_name__contains=f" {folded}", then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return qs.select_related("parent").annotate(rank=rank).order_by("rank", "level", "search_name")


def unit_by_codename(codename: str) -> Unit | None:
    """The unit at the top of the tree in force with this codename, with or without the
    "tinh_" / "thanh_pho_" prefix ("nghe_an" and "tinh_nghe_an" both find Nghệ An)."""
    from tinhso.units.services import province_codename_key

    key = province_codename_key(codename or "")
    if not key:
        return None
    candidates = [key, f"tinh_{key}", f"thanh_pho_{key}"]
    return (
        Unit.objects.current()
        .filter(parent__isnull=True, codename__in=candidates)
        .order_by("codename")
        .first()
    )


def installed_unit() -> Unit | None:
    """The province (or unit) this installation runs for (``TINHSO_PROVINCE``), if loaded."""
    return unit_by_codename(getattr(settings, "TINHSO_PROVINCE_CODENAME", ""))


# --- agencies -------------------------------------------------------------------------------


def agencies_for_user(
    user,
    *,
    unit: Unit | None = None,
    within: Unit | None = None,
    query: str = "",
    kind: str | None = None,
    active: bool | None = None,
) -> QuerySet[Agency]:
    """The agencies ``user`` may see (their scope, ``Perm.UNITS_VIEW``), optionally only
    those on ``unit``, or anywhere under ``within``, matching ``query`` (name, short name
    or identifier, diacritics ignored), of ``kind``, open or closed."""
    qs = filter_for_user(
        Agency.objects.select_related("unit", "parent"),
        user,
        unit_field="unit",
        permission=Perm.UNITS_VIEW,
    )
    if unit is not None:
        qs = qs.filter(unit=unit)
    if within is not None:
        low, high = subtree_bounds(within.path)
        qs = qs.filter(unit__path__gte=low, unit__path__lt=high)
    folded = fold(query or "")
    if folded:
        condition = Q()
        for word in folded.split():
            condition &= Q(search_name__contains=word)
        qs = qs.filter(condition | Q(code__iexact=query.strip()))
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def get_agency_for_user(user, pk: int) -> Agency:
    """One agency in ``user``'s scope; ``NotFound`` (404) outside it, as if it did not
    exist."""
    return get_for_user(
        Agency.objects.select_related("unit", "parent"),
        user,
        unit_field="unit",
        permission=Perm.UNITS_VIEW,
        pk=pk,
    )
