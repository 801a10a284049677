"""Writes of the accounts room: registration, officials, roles, audit rows."""

import datetime

import pytest
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

from tinhso.accounts import errors, services
from tinhso.accounts.models import Role, User
from tinhso.accounts.permissions import Perm, permissions_of, user_can
from tinhso.accounts.roles import DEFAULT_ROLES, grant_by_default
from tinhso.accounts.tests.factories import (
    PASSWORD,
    AgencyFactory,
    OfficialFactory,
    RoleFactory,
)
from tinhso.kernel.errors import Forbidden
from tinhso.kernel.models import AuditEvent

pytestmark = pytest.mark.django_db

BORN = datetime.date(1990, 3, 1)


def register_citizen(**overrides) -> User:
    data = {
        "cccd": "001090012345",
        "full_name": "  Nguyễn   Văn An ",
        "date_of_birth": BORN,
        "sex": "male",
        "phone": "0912 345 678",
        "email": "An@Example.VN",
        "password": PASSWORD,
    }
    return services.citizen_register(**{**data, **overrides})


def field_codes(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errs] for field, errs in exc.error_dict.items()}


# ---- citizens ------------------------------------------------------------------------------


def test_citizen_register_creates_a_citizen_named_by_cccd():
    user = register_citizen()
    assert user.kind == User.Kind.CITIZEN
    assert user.username == user.cccd == "001090012345"
    assert user.full_name == "Nguyễn Văn An"
    assert user.phone == "0912345678"
    assert user.email == "An@example.vn"
    assert check_password(PASSWORD, user.password)
    event = AuditEvent.objects.get(action="accounts.citizen_register")
    assert event.object_id == str(user.pk)
    # Personal data never enters the audit log in clear.
    assert event.changes["cccd"] == [None, "001******345"]
    assert "001090012345" not in str(event.changes)


def test_the_audit_actor_label_does_not_reveal_a_citizens_cccd():
    user = register_citizen()
    event = AuditEvent.objects.get(action="accounts.citizen_register")
    assert event.actor == user
    assert user.cccd not in event.actor_label


def test_citizen_register_refuses_a_cccd_that_disagrees_with_the_birth_date():
    with pytest.raises(ValidationError) as exc:
        register_citizen(date_of_birth=datetime.date(1991, 3, 1))
    assert field_codes(exc.value) == {"cccd": ["cccd_birth_year"]}
    assert not User.objects.exists()


def test_citizen_register_lists_every_bad_field():
    with pytest.raises(ValidationError) as exc:
        register_citizen(
            full_name=" ", sex="female", phone="12", email="not-an-email", password="123"
        )
    codes = field_codes(exc.value)
    assert codes["cccd"] == ["cccd_century_sex"]
    assert codes["full_name"] == ["required"]
    assert codes["phone"] == ["phone_invalid"]
    assert codes["email"] == ["invalid"]
    assert "password_too_short" in codes["password"]


def test_citizen_register_refuses_a_future_birth_date():
    with pytest.raises(ValidationError) as exc:
        register_citizen(date_of_birth=datetime.date.today() + datetime.timedelta(days=1))
    assert "invalid" in field_codes(exc.value)["date_of_birth"]


def test_one_account_per_cccd():
    register_citizen()
    with pytest.raises(errors.CccdTaken):
        register_citizen(email="")
    assert User.objects.count() == 1


def test_passwords_are_hashed_with_argon2_in_production(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = register_citizen()
    assert user.password.startswith("argon2")
    assert user.check_password(PASSWORD)


# ---- businesses ----------------------------------------------------------------------------


def test_business_register_signs_in_with_its_tax_code():
    user = services.business_register(
        tax_code="0100109106-001",
        organisation_name="Chi nhánh Công ty Thử",
        full_name="Lê Thị Bình",
        password=PASSWORD,
    )
    assert user.kind == User.Kind.BUSINESS
    assert user.username == "0100109106001"
    assert user.tax_code == "0100109106-001"
    with pytest.raises(errors.TaxCodeTaken):
        services.business_register(
            tax_code="0100109106001", organisation_name="Trùng", password=PASSWORD
        )


def test_business_register_checks_the_tax_code():
    with pytest.raises(ValidationError) as exc:
        services.business_register(
            tax_code="0312345675", organisation_name="Công ty", password=PASSWORD
        )
    assert field_codes(exc.value) == {"tax_code": ["tax_code_invalid"]}


# ---- officials -----------------------------------------------------------------------------


def test_official_create_in_scope(world):
    admin = OfficialFactory(
        agency=world.agencies["xa_a"],
        permissions=[Perm.OFFICIALS_MANAGE, Perm.OFFICIALS_VIEW, Perm.UNITS_VIEW],
    )
    role = RoleFactory(code="xem", permissions=[Perm.UNITS_VIEW])
    official = services.official_create(
        acting_user=admin,
        username="thon.mot",
        full_name="Phạm Văn Thôn",
        agency=world.agencies["thon"],  # below the admin's commune: in scope
        roles=[role],
    )
    assert official.kind == User.Kind.OFFICIAL
    assert official.agency == world.agencies["thon"]
    assert list(official.roles.all()) == [role]
    assert not official.has_usable_password()
    event = AuditEvent.objects.get(action="accounts.official_create")
    assert event.actor == admin
    assert event.changes["roles"] == [[], ["xem"]]


def test_official_create_outside_scope_is_refused(world):
    admin = OfficialFactory(agency=world.agencies["xa_a"], permissions=[Perm.OFFICIALS_MANAGE])
    for agency in [world.agencies["xa_b"], world.agencies["ubnd_tinh"]]:
        with pytest.raises(errors.AgencyNotFound):
            services.official_create(
                acting_user=admin, username="ngoai.pham.vi", full_name="X", agency=agency, roles=[]
            )
    assert not User.objects.filter(username="ngoai.pham.vi").exists()


def test_official_create_needs_the_permission(world):
    with pytest.raises(Forbidden):
        services.official_create(
            acting_user=world.people["a"],  # can view officials, not manage them
            username="khong.duoc",
            full_name="X",
            agency=world.agencies["xa_a"],
            roles=[],
        )


def test_official_create_into_a_closed_agency_is_refused(world):
    admin = OfficialFactory(agency=world.agencies["xa_a"], permissions=[Perm.OFFICIALS_MANAGE])
    closed = AgencyFactory(unit=world.units["village"], is_active=False)
    with pytest.raises(errors.AgencyNotFound):
        services.official_create(
            acting_user=admin, username="dong.cua", full_name="X", agency=closed, roles=[]
        )


def test_nobody_grants_a_permission_they_do_not_hold(world):
    admin = OfficialFactory(agency=world.agencies["xa_a"], permissions=[Perm.OFFICIALS_MANAGE])
    powerful = RoleFactory(code="manh", permissions=[Perm.OFFICIALS_MANAGE, Perm.AUDIT_VIEW])
    with pytest.raises(errors.RoleNotGrantable) as exc:
        services.official_create(
            acting_user=admin, username="leo.thang", full_name="X",
            agency=world.agencies["xa_a"], roles=[powerful],
        )  # fmt: skip
    assert exc.value.details == {"roles": ["manh"]}
    # Nor to themself.
    with pytest.raises(errors.RoleNotGrantable):
        services.official_set_roles(acting_user=admin, official=admin, roles=[powerful])


def test_official_usernames_must_contain_a_letter(world):
    admin = OfficialFactory(agency=world.agencies["xa_a"], permissions=[Perm.OFFICIALS_MANAGE])
    with pytest.raises(ValidationError) as exc:
        services.official_create(
            acting_user=admin, username="001090012345", full_name="X",
            agency=world.agencies["xa_a"], roles=[],
        )  # fmt: skip
    assert field_codes(exc.value) == {"username": ["username_reserved"]}
    services.official_create(
        acting_user=admin, username="CanBo1", full_name="X", agency=world.agencies["xa_a"],
        roles=[],
    )  # fmt: skip
    with pytest.raises(errors.UsernameTaken):
        services.official_create(
            acting_user=admin, username="canbo1", full_name="Y", agency=world.agencies["xa_a"],
            roles=[],
        )  # fmt: skip


def test_official_set_roles(world):
    admin = OfficialFactory(
        agency=world.agencies["xa_a"],
        permissions=[Perm.OFFICIALS_MANAGE, Perm.OFFICIALS_VIEW, Perm.UNITS_VIEW],
    )
    viewer = RoleFactory(code="xem-don-vi", permissions=[Perm.UNITS_VIEW])
    target = world.people["village"]
    assert not user_can(target, Perm.UNITS_VIEW)
    updated = services.official_set_roles(acting_user=admin, official=target, roles=[viewer])
    assert list(updated.roles.all()) == [viewer]
    assert user_can(updated, Perm.UNITS_VIEW)
    event = AuditEvent.objects.get(action="accounts.official_set_roles")
    assert event.changes == {"roles": [["doc-can-bo"], ["xem-don-vi"]]}


def test_official_set_roles_outside_scope_is_not_found(world):
    admin = OfficialFactory(agency=world.agencies["xa_a"], permissions=[Perm.OFFICIALS_MANAGE])
    from tinhso.kernel.errors import NotFound

    with pytest.raises(NotFound):
        services.official_set_roles(acting_user=admin, official=world.people["b"], roles=[])
    assert world.people["b"].roles.count() == 1


# ---- roles -----------------------------------------------------------------------------------


def test_roles_ensure_defaults_creates_the_table_once():
    created = services.roles_ensure_defaults()
    assert {role.code for role in created} == set(DEFAULT_ROLES)
    assert set(DEFAULT_ROLES) >= {
        "quan-tri-don-vi",
        "can-bo-mot-cua",
        "chuyen-vien",
        "lanh-dao",
        "truyen-thong",
    }
    admin = Role.objects.get(code="quan-tri-don-vi")
    assert Perm.OFFICIALS_MANAGE in admin.permissions
    assert services.roles_ensure_defaults() == []
    assert AuditEvent.objects.filter(action="accounts.role_upsert").count() == len(DEFAULT_ROLES)


def test_roles_ensure_defaults_leaves_a_provinces_edits_alone_unless_asked(monkeypatch):
    services.roles_ensure_defaults()
    Role.objects.filter(code="truyen-thong").update(permissions=[])
    monkeypatch.setattr(DEFAULT_ROLES["truyen-thong"], "permissions", [Perm.UNITS_VIEW])
    grant_by_default("truyen-thong", Perm.AUDIT_VIEW)
    assert services.roles_ensure_defaults() == []
    assert Role.objects.get(code="truyen-thong").permissions == []
    updated = services.roles_ensure_defaults(update_existing=True)
    assert [role.code for role in updated] == ["truyen-thong"]
    assert sorted(updated[0].permissions) == sorted([Perm.UNITS_VIEW, Perm.AUDIT_VIEW])


def test_role_upsert_checks_permissions_and_powers(world):
    with pytest.raises(errors.UnknownPermission) as exc:
        services.role_upsert(acting_user=None, code="x", name="X", permissions=["no.such"])
    assert exc.value.details == {"permissions": ["no.such"]}

    with pytest.raises(Forbidden):  # editing roles needs ROLES_MANAGE
        services.role_upsert(acting_user=world.people["a"], code="x", name="X", permissions=[])

    manager = OfficialFactory(
        agency=world.agencies["ubnd_tinh"], permissions=[Perm.ROLES_MANAGE, Perm.UNITS_VIEW]
    )
    role = services.role_upsert(
        acting_user=manager, code="xem", name="Xem", permissions=[Perm.UNITS_VIEW]
    )
    assert role.permissions == [Perm.UNITS_VIEW]
    with pytest.raises(errors.RoleNotGrantable):
        services.role_upsert(
            acting_user=manager, code="xem", name="Xem", permissions=[Perm.AUDIT_VIEW]
        )
    superuser = world.people["superuser"]
    role = services.role_upsert(
        acting_user=superuser, code="xem", name="Xem hết", permissions=[Perm.AUDIT_VIEW]
    )
    assert role.name == "Xem hết"
    assert Role.objects.filter(code="xem").count() == 1


def test_permissions_come_from_roles_and_only_for_officials(world):
    assert permissions_of(world.people["a"]) == {Perm.OFFICIALS_VIEW}
    assert permissions_of(world.people["citizen"]) == frozenset()
    assert permissions_of(world.people["a_inactive"]) == frozenset()
