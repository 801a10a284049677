"""Admin: personal data for superusers only, staff see their scope, roles through the service."""

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from tinhso.accounts.models import Role
from tinhso.accounts.permissions import Perm
from tinhso.accounts.tests.factories import OfficialFactory
from tinhso.kernel.models import AuditEvent

USERS = "/quan-tri/accounts/user/"


def test_superuser_sees_personal_data(world, client):
    client.force_login(world.people["superuser"])
    citizen = world.people["citizen"]
    response = client.get(f"{USERS}{citizen.pk}/change/")
    assert response.status_code == 200
    assert "cccd" in response.context["adminform"].form.fields
    assert citizen.cccd in response.content.decode()


def test_staff_official_sees_their_scope_without_personal_data(world, client):
    staff = OfficialFactory(
        agency=world.agencies["xa_a"], permissions=[Perm.OFFICIALS_VIEW], is_staff=True
    )
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(staff)
    listed = client.get(USERS)
    assert listed.status_code == 200
    shown = {user.pk for user in listed.context["cl"].result_list}
    assert world.people["village"].pk in shown
    assert world.people["b"].pk not in shown
    assert world.people["citizen"].pk not in shown
    page = client.get(f"{USERS}{world.people['village'].pk}/change/")
    assert page.status_code == 200
    assert "cccd" not in page.context["adminform"].form.fields
    assert client.get(f"{USERS}{world.people['b'].pk}/change/").status_code == 302  # not found


def test_staff_cannot_change_accounts_even_with_change_user(world, client):
    staff = OfficialFactory(agency=world.agencies["xa_a"], is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__endswith="_user"))
    client.force_login(staff)
    target = world.people["village"]
    response = client.post(
        f"{USERS}{target.pk}/change/", {"username": target.username, "is_superuser": "on"}
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert not target.is_superuser


def test_roles_saved_in_the_admin_go_through_the_service(world, client):
    client.force_login(world.people["superuser"])
    response = client.post(
        "/quan-tri/accounts/role/add/",
        {"code": "mot-cua-xa", "name": "Một cửa xã", "description": "",
         "permissions": [Perm.UNITS_VIEW, Perm.OFFICIALS_VIEW]},
    )  # fmt: skip
    assert response.status_code == 302, response.content
    role = Role.objects.get(code="mot-cua-xa")
    assert sorted(role.permissions) == sorted([Perm.UNITS_VIEW, Perm.OFFICIALS_VIEW])
    assert AuditEvent.objects.filter(action="accounts.role_upsert", object_id=str(role.pk))


@pytest.mark.django_db
def test_ensure_default_roles_command(capsys):
    call_command("ensure_default_roles")
    assert Role.objects.filter(code="can-bo-mot-cua").exists()
    call_command("ensure_default_roles", "--update")
    assert "0 role(s)" in capsys.readouterr().out
