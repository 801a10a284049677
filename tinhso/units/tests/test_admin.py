"""The admin writes through the services: paths are computed, codes checked, nothing deleted."""

import pytest
from django.urls import reverse

from tinhso.units.models import Agency, Unit, path_segment

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def test_changelists_render(admin_client, tree):
    assert admin_client.get(reverse("admin:units_unit_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:units_agency_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:units_unit_change", args=[tree.village.pk]))
    assert page.status_code == 200
    assert tree.village.path in page.content.decode()


def test_add_unit_computes_its_path(admin_client, tree):
    response = admin_client.post(
        reverse("admin:units_unit_add"),
        {
            "code": "9100109",
            "name": "Thôn Mới",
            "codename": "",
            "type": "thon",
            "parent": tree.commune_a.pk,
            "valid_from": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(code="9100109")
    assert unit.level == 3
    assert unit.path == tree.commune_a.path + path_segment(unit.pk)


def test_add_unit_with_a_taken_code_is_a_form_error(admin_client, tree):
    response = admin_client.post(
        reverse("admin:units_unit_add"),
        {
            "code": "91002",
            "name": "Trùng",
            "codename": "",
            "type": "xa",
            "parent": tree.province.pk,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"]
    assert Unit.objects.filter(code="91002").count() == 1


def test_change_parent_moves_the_subtree(admin_client, tree):
    unit = tree.commune_a
    response = admin_client.post(
        reverse("admin:units_unit_change", args=[unit.pk]),
        {
            "code": unit.code,
            "name": unit.name,
            "codename": unit.codename,
            "type": unit.type,
            "parent": tree.other_province.pk,
            "valid_from": "2025-07-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    village = Unit.objects.get(pk=tree.village.pk)
    assert village.path.startswith(tree.other_province.path)


def test_agency_code_is_normalised_and_checked(admin_client, tree):
    data = {
        "unit": tree.commune_a.pk,
        "code": "001.09.91.t91",
        "name": "Công an xã",
        "kind": "cong_an",
        "short_name": "",
        "email": "",
        "phone": "",
        "address": "",
        "parent": "",
    }
    response = admin_client.post(reverse("admin:units_agency_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Agency.objects.get(code="001.09.91.T91").unit == tree.commune_a
    response = admin_client.post(reverse("admin:units_agency_add"), {**data, "code": "bad"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"]


def test_nothing_is_deleted(admin_client, tree):
    url = reverse("admin:units_unit_delete", args=[tree.village.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Unit.objects.filter(pk=tree.village.pk).exists()


def test_close_action(admin_client, tree):
    admin_client.post(
        reverse("admin:units_agency_changelist"),
        {"action": "deactivate", "_selected_action": [tree.agency_b.pk]},
    )
    tree.agency_b.refresh_from_db()
    assert not tree.agency_b.is_active
