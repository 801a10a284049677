"""The officials API: create (idempotent), replace roles, list without N+1, masking."""

import json

import pytest

from tinhso.accounts.models import User
from tinhso.accounts.permissions import Perm
from tinhso.accounts.tests.factories import OfficialFactory, RoleFactory
from tinhso.kernel.models import AuditEvent

OFFICIALS = "/api/v1/accounts/officials"


@pytest.fixture
def admin_a(world):
    """A unit administrator of commune A."""
    return OfficialFactory(
        agency=world.agencies["xa_a"],
        permissions=[Perm.OFFICIALS_MANAGE, Perm.OFFICIALS_VIEW, Perm.UNITS_VIEW],
    )


def post(client, data, key="khoa-1"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        OFFICIALS, json.dumps(data), content_type="application/json", headers=headers
    )


def new_official(world, **overrides):
    return {
        "username": "thon.mot.canbo",
        "full_name": "Hồ Thị Thôn",
        "agency_id": world.agencies["thon"].pk,
        "roles": ["xem-don-vi"],
        "email": "thon@example.vn",
        "password": "mat-khau-Cua-Lo-2024",
        **overrides,
    }


@pytest.fixture
def unit_viewer_role(db):
    return RoleFactory(code="xem-don-vi", permissions=[Perm.UNITS_VIEW])


def test_create_official_is_idempotent(world, client, admin_a, unit_viewer_role):
    client.force_login(admin_a)
    first = post(client, new_official(world))
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["username"] == "thon.mot.canbo"
    assert body["agency"]["id"] == world.agencies["thon"].pk
    assert [role["code"] for role in body["roles"]] == ["xem-don-vi"]
    again = post(client, new_official(world))
    assert again.status_code == 201
    assert again.json() == body
    assert User.objects.filter(username="thon.mot.canbo").count() == 1
    assert AuditEvent.objects.filter(action="accounts.official_create").count() == 1
    official = User.objects.get(username="thon.mot.canbo")
    assert official.check_password("mat-khau-Cua-Lo-2024")


def test_create_official_key_reused_for_another_body(world, client, admin_a, unit_viewer_role):
    client.force_login(admin_a)
    assert post(client, new_official(world)).status_code == 201
    response = post(client, new_official(world, username="khac"))
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"


def test_create_official_needs_a_key(world, client, admin_a, unit_viewer_role):
    client.force_login(admin_a)
    response = post(client, new_official(world), key=None)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"agency_id": "xa_b"}, 422, "agency_not_found"),  # the other commune
        ({"agency_id": "ubnd_tinh"}, 422, "agency_not_found"),  # above the admin
        ({"agency_id": 987654}, 422, "agency_not_found"),  # does not exist
        ({"roles": ["khong-co"]}, 422, "role_not_found"),
        ({"roles": ["doc-can-bo", "quyen-lon"]}, 403, "role_not_grantable"),
        ({"username": "012345678901"}, 422, "validation_error"),
        ({"password": "123"}, 422, "validation_error"),
    ],
)
def test_create_official_refusals(
    world, client, admin_a, unit_viewer_role, overrides, status, code
):
    RoleFactory(code="quyen-lon", permissions=[Perm.AUDIT_VIEW])
    if isinstance(overrides.get("agency_id"), str):
        overrides = {**overrides, "agency_id": world.agencies[overrides["agency_id"]].pk}
    client.force_login(admin_a)
    response = post(client, new_official(world, **overrides))
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert not User.objects.filter(username="thon.mot.canbo").exists()


def test_create_official_without_the_permission(world, client):
    client.force_login(world.people["province"])  # may view, not manage
    response = post(client, new_official(world))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_the_password_is_not_kept_in_the_idempotency_record(
    world, client, admin_a, unit_viewer_role
):
    from tinhso.kernel.idempotency import fingerprint
    from tinhso.kernel.models import IdempotencyRecord

    client.force_login(admin_a)
    post(client, new_official(world))
    record = IdempotencyRecord.objects.get()
    assert "mat-khau" not in json.dumps(record.response)
    with_password = new_official(world)
    assert record.fingerprint != fingerprint(with_password)


def test_replace_roles(world, client, admin_a, unit_viewer_role):
    client.force_login(admin_a)
    target = world.people["village"]
    response = client.put(
        f"{OFFICIALS}/{target.pk}/roles",
        json.dumps({"roles": ["doc-can-bo", "xem-don-vi"]}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert sorted(r["code"] for r in response.json()["roles"]) == ["doc-can-bo", "xem-don-vi"]
    outside = client.put(
        f"{OFFICIALS}/{world.people['b'].pk}/roles",
        json.dumps({"roles": []}),
        content_type="application/json",
    )
    assert outside.status_code == 404


def test_list_makes_the_same_number_of_queries_for_many_officials(
    world, client, django_assert_max_num_queries
):
    viewer = world.people["province"]
    client.force_login(viewer)

    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = client.get(OFFICIALS, {"limit": 100})
        assert response.status_code == 200
        return len(queries)

    few = count_queries()
    role = RoleFactory(permissions=[Perm.UNITS_VIEW])
    for agency in world.agencies.values():
        OfficialFactory.create_batch(3, agency=agency, roles=[role])
    assert count_queries() == few
    assert few <= 8


def test_phone_and_cccd_are_masked_without_the_personal_data_permission(world, client):
    target = world.people["village"]
    User.objects.filter(pk=target.pk).update(cccd="040090012345")
    client.force_login(world.people["a"])
    body = client.get(f"{OFFICIALS}/{target.pk}").json()
    assert body["phone"] == target.phone[:3] + "****" + target.phone[-3:]
    assert body["cccd"] == "040******345"

    personal = OfficialFactory(
        agency=world.agencies["xa_a"],
        permissions=[Perm.OFFICIALS_VIEW, Perm.CITIZENS_VIEW_PERSONAL],
    )
    client.force_login(personal)
    body = client.get(f"{OFFICIALS}/{target.pk}").json()
    assert body["phone"] == target.phone
    assert body["cccd"] == "040090012345"
    listed = client.get(OFFICIALS, {"limit": 100}).json()["items"]
    assert {item["id"]: item["phone"] for item in listed}[target.pk] == target.phone


def test_pages_mask_too(world, client):
    from django.urls import reverse

    target = world.people["village"]
    client.force_login(world.people["a"])
    html = client.get(reverse("accounts:official_detail", args=[target.pk])).content.decode()
    assert target.phone not in html
    assert target.phone[:3] + "****" + target.phone[-3:] in html
    html = client.get(reverse("accounts:officials")).content.decode()
    assert target.phone not in html
