"""HTTP API of the units room (django-ninja router, mounted under /api/v1/units).

    GET   /api/v1/units/                      units in force (filters, paginated)
    GET   /api/v1/units/{code}                one unit in force, with its ancestors
    GET   /api/v1/units/{code}/children       its sub-units in force
    GET   /api/v1/units/agencies              agencies in the caller's scope (paginated)
    POST  /api/v1/units/agencies              add one (Idempotency-Key)
    GET   /api/v1/units/agencies/{id}         one agency in scope
    PATCH /api/v1/units/agencies/{id}         change it
    POST  /api/v1/units/agencies/{id}/deactivate

Units are public (no sign-in). Agencies are read and written by signed-in officials within
their scope. Thin: parse → selector/service → schema; refusals are ``DomainError`` codes.
"""

import datetime as dt
import enum

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.security import django_auth

from tinhso.accounts.permissions import Perm, require
from tinhso.kernel.errors import NotFound
from tinhso.kernel.idempotency import run_idempotent
from tinhso.kernel.pagination import LimitOffsetPagination
from tinhso.kernel.schemas import ErrorOut
from tinhso.units import errors, selectors, services
from tinhso.units.models import Agency, Unit

router = Router(tags=["units"])

# The model's choices as enums with names of their own in the OpenAPI document (the model
# classes are both called "Kind"/"Type", like other rooms' choices).
UnitType = enum.Enum("UnitType", {value: value for value in Unit.Type.values}, type=str)
AgencyKind = enum.Enum("AgencyKind", {value: value for value in Agency.Kind.values}, type=str)


# --- schemas --------------------------------------------------------------------------------


class UnitRef(Schema):
    code: str
    name: str
    type: str


def _from(obj, key: str, compute):
    """A resolver's answer for a model instance, or the value itself when the schema is
    rebuilt from its own JSON (an idempotent replay, a detail built from a list item)."""
    if isinstance(obj, dict):
        return obj.get(key)
    return compute(obj)


class UnitOut(Schema):
    code: str
    name: str
    type: str
    type_label: str
    level: int
    parent_code: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None

    @staticmethod
    def resolve_type_label(obj: Unit) -> str:
        return _from(obj, "type_label", lambda unit: str(unit.get_type_display()))

    @staticmethod
    def resolve_parent_code(obj: Unit) -> str | None:
        return _from(obj, "parent_code", lambda unit: unit.parent.code if unit.parent_id else None)


class UnitDetailOut(UnitOut):
    ancestors: list[UnitRef]
    child_count: int


class UnitFilters(Schema):
    parent: str | None = Field(None, description="Code of the parent unit.")
    q: str | None = Field(None, description="Words of the name (diacritics ignored) or a code.")
    type: UnitType | None = None
    include_retired: bool = False


class AgencyOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    kind_label: str
    unit_code: str
    unit_name: str
    parent_id: int | None
    email: str
    phone: str
    address: str
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj: Agency) -> str:
        return _from(obj, "kind_label", lambda agency: str(agency.get_kind_display()))

    @staticmethod
    def resolve_unit_code(obj: Agency) -> str:
        return _from(obj, "unit_code", lambda agency: agency.unit.code)

    @staticmethod
    def resolve_unit_name(obj: Agency) -> str:
        return _from(obj, "unit_name", lambda agency: agency.unit.name)


class AgencyFilters(Schema):
    unit: str | None = Field(None, description="Only the agencies on the unit with this code.")
    within: str | None = Field(
        None, description="Only the agencies on this unit or any unit under it."
    )
    q: str | None = Field(None, description="Words of the name, or the identifier.")
    kind: AgencyKind | None = None
    active: bool | None = None


class AgencyIn(Schema):
    unit_code: str = Field(..., max_length=20)
    code: str = Field(..., max_length=30, description="Electronic identifier, e.g. 000.00.24.H40")
    name: str = Field(..., max_length=255)
    kind: AgencyKind
    short_name: str = Field("", max_length=100)
    parent_id: int | None = None
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=255)


class AgencyPatch(Schema):
    unit_code: str | None = Field(None, max_length=20)
    code: str | None = Field(None, max_length=30)
    name: str | None = Field(None, max_length=255)
    kind: AgencyKind | None = None
    short_name: str | None = Field(None, max_length=100)
    parent_id: int | None = None
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=20)
    address: str | None = Field(None, max_length=255)


# --- agencies (signed-in officials, in scope) -----------------------------------------------
# Declared before the units so "/agencies" is matched before "/{code}" ("agencies" is a
# reserved unit code as well).


def _unit_from_body(code: str) -> Unit:
    try:
        return selectors.unit_get_by_code(code)
    except errors.UnitNotFound as exc:
        raise errors.UnitUnknown(
            details=[{"field": "unit_code", "code": "unit_unknown", "message": str(exc.message)}]
        ) from exc


def _parent_from_body(user, pk: int | None) -> Agency | None:
    if pk is None:
        return None
    try:
        return selectors.get_agency_for_user(user, pk)
    except NotFound as exc:
        # Outside scope reads as "no such agency", like every other fetch.
        problem = errors.AgencyParentInvalid()
        problem.details = [
            {"field": "parent_id", "code": problem.code, "message": str(problem.message)}
        ]
        raise problem from exc


@router.get(
    "/agencies",
    response={200: list[AgencyOut], 404: ErrorOut},
    auth=django_auth,
    url_name="agency_list",
    summary="Agencies in scope",
)
@paginate(LimitOffsetPagination)
def list_agencies(request, filters: Query[AgencyFilters]):
    return selectors.agencies_for_user(
        request.auth,
        unit=selectors.unit_get_by_code(filters.unit) if filters.unit else None,
        within=selectors.unit_get_by_code(filters.within) if filters.within else None,
        query=filters.q or "",
        kind=filters.kind.value if filters.kind else None,
        active=filters.active,
    )


@router.get(
    "/agencies/{int:agency_id}",
    response={200: AgencyOut, 404: ErrorOut},
    url_name="agency_detail",
    auth=django_auth,
    summary="One agency in scope",
)
def get_agency(request, agency_id: int):
    return selectors.get_agency_for_user(request.auth, agency_id)


@router.post(
    "/agencies",
    response={201: AgencyOut, 400: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    url_name="agency_create",
    auth=django_auth,
    summary="Add an agency (send an Idempotency-Key)",
)
def create_agency(request, data: AgencyIn):
    user = request.auth
    require(user, Perm.UNITS_MANAGE)

    def create():
        agency = services.agency_create(
            acting_user=user,
            unit=_unit_from_body(data.unit_code),
            parent=_parent_from_body(user, data.parent_id),
            code=data.code,
            name=data.name,
            kind=data.kind.value,
            short_name=data.short_name,
            email=data.email,
            phone=data.phone,
            address=data.address,
        )
        agency = selectors.get_agency_for_user(user, agency.pk)
        return 201, AgencyOut.from_orm(agency).model_dump(mode="json")

    status, body = run_idempotent(
        request,
        scope="units.agency_create",
        payload=data.model_dump(mode="json"),
        create=create,
    )
    return Status(status, body)


@router.patch(
    "/agencies/{int:agency_id}",
    response={200: AgencyOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="agency_update",
    auth=django_auth,
    summary="Change an agency in scope",
)
def update_agency(request, agency_id: int, data: AgencyPatch):
    user = request.auth
    agency = selectors.get_agency_for_user(user, agency_id)
    changes = data.model_dump(exclude_unset=True, mode="json")
    if "unit_code" in changes:
        changes["unit"] = _unit_from_body(changes.pop("unit_code") or "")
    if "parent_id" in changes:
        changes["parent"] = _parent_from_body(user, changes.pop("parent_id"))
    for name in ("code", "name", "kind"):
        # null for a field that cannot be empty means "leave it".
        if name in changes and changes[name] is None:
            changes.pop(name)
    for name in ("short_name", "email", "phone", "address"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    services.agency_update(acting_user=user, agency=agency, **changes)
    return selectors.get_agency_for_user(user, agency_id)


@router.post(
    "/agencies/{int:agency_id}/deactivate",
    response={200: AgencyOut, 403: ErrorOut, 404: ErrorOut},
    url_name="agency_deactivate",
    auth=django_auth,
    summary="Close an agency in scope",
)
def deactivate_agency(request, agency_id: int):
    user = request.auth
    agency = selectors.get_agency_for_user(user, agency_id)
    services.agency_deactivate(acting_user=user, agency=agency)
    return selectors.get_agency_for_user(user, agency_id)


# --- units (public) -------------------------------------------------------------------------


@router.get(
    "/",
    response={200: list[UnitOut], 404: ErrorOut},
    url_name="unit_list",
    summary="List administrative units",
)
@paginate(LimitOffsetPagination)
def list_units(request, filters: Query[UnitFilters]):
    if filters.q:
        qs = selectors.unit_search(filters.q, in_force_only=not filters.include_retired)
    else:
        qs = Unit.objects.select_related("parent")
        if not filters.include_retired:
            qs = qs.current()
    if filters.parent:
        parent = selectors.unit_get_by_code(filters.parent)
        qs = qs.filter(parent=parent)
    if filters.type:
        qs = qs.filter(type=filters.type.value)
    return qs


@router.get(
    "/{code}",
    response={200: UnitDetailOut, 404: ErrorOut},
    url_name="unit_detail",
    summary="One unit in force, with its ancestors",
)
def get_unit(request, code: str):
    unit = selectors.unit_get_by_code(code)
    return UnitDetailOut(
        **UnitOut.from_orm(unit).model_dump(),
        ancestors=[UnitRef.from_orm(a) for a in selectors.unit_ancestors(unit)],
        child_count=selectors.unit_children(unit).count(),
    )


@router.get(
    "/{code}/children",
    response={200: list[UnitOut], 404: ErrorOut},
    url_name="unit_children",
    summary="The units in force directly under a unit",
)
def get_unit_children(request, code: str):
    unit = selectors.unit_get_by_code(code)
    return selectors.unit_children(unit).select_related("parent")
