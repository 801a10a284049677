"""HTTP API of the accounts room (django-ninja router, mounted under /api/v1/accounts).

Thin: parse → service/selector → schema. Sessions are Django's (cookie); the sign-in goes
through django-axes like the sign-in page, so repeated failures lock the same way and a locked
pair gets ``429 {"code": "login_locked"}``.
"""

import datetime

from django.contrib.auth import authenticate, login, logout
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from ninja.security import django_auth
from pydantic import Field

from tinhso.accounts import errors, selectors, services
from tinhso.accounts.models import Role, User
from tinhso.accounts.permissions import Perm, permissions_of, require
from tinhso.accounts.personal_data import personal_data_for
from tinhso.accounts.validators import normalise_login_name
from tinhso.kernel.errors import DomainError
from tinhso.kernel.idempotency import run_idempotent
from tinhso.kernel.pagination import LimitOffsetPagination
from tinhso.kernel.schemas import ErrorOut

router = Router(tags=["accounts"])


class SessionIn(Schema):
    username: str = Field(max_length=150, description="Username, CCCD or tax code")
    password: str = Field(max_length=4096)


class UnitRef(Schema):
    id: int
    code: str
    name: str


class AgencyRef(Schema):
    id: int
    code: str
    name: str
    unit: UnitRef


class RoleOut(Schema):
    code: str
    name: str


class MeOut(Schema):
    id: int
    username: str
    kind: str
    full_name: str
    email: str
    cccd: str
    date_of_birth: datetime.date | None
    sex: str
    phone: str
    address: str
    tax_code: str
    organisation_name: str
    agency: AgencyRef | None
    roles: list[RoleOut]
    permissions: list[str]

    @staticmethod
    def resolve_roles(obj: User) -> list[Role]:
        return list(obj.roles.all()) if obj.is_official else []

    @staticmethod
    def resolve_permissions(obj: User) -> list[str]:
        return sorted(permissions_of(obj))


class OfficialOut(Schema):
    """An official as the viewer may see them: the phone and CCCD masked unless the viewer
    may see personal data in the official's unit."""

    id: int
    username: str
    full_name: str
    email: str
    phone: str
    cccd: str
    is_active: bool
    agency: AgencyRef
    roles: list[RoleOut]

    @staticmethod
    def resolve_phone(obj: User, context) -> str:
        return personal_data_for(context["request"].user, obj)["phone"]

    @staticmethod
    def resolve_cccd(obj: User, context) -> str:
        return personal_data_for(context["request"].user, obj)["cccd"]

    @staticmethod
    def resolve_roles(obj: User) -> list[Role]:
        return list(obj.roles.all())


class OfficialIn(Schema):
    username: str = Field(max_length=150)
    full_name: str = Field(max_length=150)
    agency_id: int
    roles: list[str] = Field(default_factory=list, description="Role codes")
    email: str = Field("", max_length=254)
    password: str | None = Field(None, max_length=4096)


class OfficialRolesIn(Schema):
    roles: list[str] = Field(description="Role codes")


def _roles_by_code(codes: list[str]) -> list[Role]:
    codes = sorted(set(codes))
    roles = list(Role.objects.filter(code__in=codes))
    if len(roles) != len(codes):
        found = {role.code for role in roles}
        raise errors.RoleNotFound(details={"roles": [c for c in codes if c not in found]})
    return roles


@router.post(
    "/session",
    response={200: MeOut, 401: ErrorOut, 415: ErrorOut, 429: ErrorOut},
    summary="Sign in (sets the session cookie)",
)
def session_create(request, data: SessionIn):
    # No session yet, so no CSRF token: insisting on JSON (which a cross-site form cannot
    # send without a CORS preflight) keeps other sites from signing a browser in.
    if request.content_type != "application/json":
        raise DomainError(
            "unsupported_media_type", _("Send the request as application/json."), status=415
        )
    user = authenticate(
        request, username=normalise_login_name(data.username), password=data.password
    )
    if user is None:
        # When django-axes has locked the pair, its middleware replaces this answer with 429.
        raise errors.LoginFailed()
    login(request, user)
    return user


@router.delete("/session", auth=django_auth, response={204: None}, summary="Sign out")
def session_delete(request):
    logout(request)
    return Status(204, None)


@router.get("/me", auth=django_auth, response=MeOut, summary="The signed-in account")
def me(request):
    return request.user


@router.get(
    "/officials", auth=django_auth, response=list[OfficialOut], summary="Officials in scope"
)
@paginate(LimitOffsetPagination)
def official_list(request):
    return selectors.officials_for_user(request.user)


@router.get(
    "/officials/{official_id}",
    auth=django_auth,
    response={200: OfficialOut, 404: ErrorOut},
    summary="One official in scope",
)
def official_detail(request, official_id: int):
    return selectors.get_official_for_user(request.user, official_id)


@router.post(
    "/officials",
    auth=django_auth,
    response={201: OfficialOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Create an official (send an Idempotency-Key)",
)
def official_create(request, data: OfficialIn):
    require(request.user, Perm.OFFICIALS_MANAGE)
    # The password never enters the idempotency fingerprint (a stored hash of the request).
    payload = data.model_dump(mode="json", exclude={"password"})
    payload["password_given"] = bool(data.password)

    def create():
        agencies = selectors.agencies_for_official_management(request.user)
        official = services.official_create(
            acting_user=request.user,
            username=data.username,
            full_name=data.full_name,
            agency=agencies.filter(pk=data.agency_id).first(),
            roles=_roles_by_code(data.roles),
            email=data.email,
            password=data.password,
        )
        official = selectors.get_official_for_user(request.user, official.pk)
        body = OfficialOut.model_validate(official, context={"request": request})
        return 201, body.model_dump(mode="json")

    status, body = run_idempotent(
        request, scope="accounts.official_create", payload=payload, create=create
    )
    # The body is already the schema's JSON (the first answer, replayed as it was given).
    return JsonResponse(body, status=status)


@router.put(
    "/officials/{official_id}/roles",
    auth=django_auth,
    response={200: OfficialOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Replace an official's roles",
)
def official_set_roles(request, official_id: int, data: OfficialRolesIn):
    official = selectors.get_official_for_user(request.user, official_id)
    services.official_set_roles(
        acting_user=request.user, official=official, roles=_roles_by_code(data.roles)
    )
    return selectors.get_official_for_user(request.user, official_id)
