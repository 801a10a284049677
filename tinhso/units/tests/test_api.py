"""The HTTP API under /api/v1/units: public units, scoped agencies, idempotent create."""

import pytest
from django.urls import reverse

from tinhso.units.models import Agency

pytestmark = pytest.mark.django_db


def url(name, *args):
    # By name, not path: the routers may be mounted elsewhere without breaking these tests.
    return reverse(f"api:{name}", args=args)


def post(client, path, body, key="khoa-1"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(path, body, content_type="application/json", headers=headers)


def patch(client, path, body):
    return client.patch(path, body, content_type="application/json")


# --- units (public) -------------------------------------------------------------------------


def test_list_units_filters_and_pages(client, nghe_an, django_assert_num_queries):
    # The parent by code, the count, and the page with the parents joined: no N+1.
    with django_assert_num_queries(3):
        response = client.get(url("unit_list"), {"parent": "40", "limit": 10})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 130
    assert len(body["items"]) == 10
    assert {item["parent_code"] for item in body["items"]} == {"40"}

    body = client.get(url("unit_list"), {"q": "nghe an"}).json()
    assert body["items"][0]["name"] == "Tỉnh Nghệ An"
    assert body["items"][0]["type_label"]

    body = client.get(url("unit_list"), {"parent": "40", "type": "phuong"}).json()
    assert body["count"] > 0
    assert {item["type"] for item in body["items"]} == {"phuong"}


def test_get_unit_with_ancestors(client, nghe_an):
    body = client.get(url("unit_detail", "17329")).json()
    assert body["name"] == "Xã Anh Sơn"
    assert body["level"] == 2
    assert body["ancestors"] == [{"code": "40", "name": "Tỉnh Nghệ An", "type": "tinh"}]
    body = client.get(url("unit_detail", "40")).json()
    assert body["ancestors"] == []
    assert body["child_count"] == 130


def test_unknown_unit_is_a_404_envelope(client, nghe_an):
    response = client.get(url("unit_detail", "00000"))
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "unit_not_found"
    assert body["message"]
    response = client.get(url("unit_children", "00000"))
    assert response.status_code == 404


def test_children(client, nghe_an):
    items = client.get(url("unit_children", "40")).json()
    assert len(items) == 130
    assert "Xã Anh Sơn" in [item["name"] for item in items]


def test_a_bad_filter_is_a_validation_envelope(client):
    response = client.get(url("unit_list"), {"type": "county"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


# --- agencies (scoped) ----------------------------------------------------------------------


def agency_body(**kwargs):
    return {
        "unit_code": "91001",
        "code": "001.05.91.t91",
        "name": "Bộ phận một cửa xã Anh Sơn",
        "kind": "mot_cua",
        **kwargs,
    }


def test_agencies_need_sign_in(client, tree):
    response = client.get(url("agency_list"))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert post(client, url("agency_create"), agency_body()).status_code == 401


def test_list_and_read_in_scope_only(client, tree, django_assert_max_num_queries):
    client.force_login(tree.commune_viewer)
    body = client.get(url("agency_list")).json()
    assert [item["code"] for item in body["items"]] == ["000.01.91.T91"]
    assert body["items"][0]["unit_code"] == "91001"
    assert client.get(url("agency_detail", tree.agency_a.pk)).status_code == 200
    response = client.get(url("agency_detail", tree.agency_b.pk))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"

    client.force_login(tree.province_admin)
    with django_assert_max_num_queries(8):
        body = client.get(url("agency_list"), {"within": "91001"}).json()
    assert [item["code"] for item in body["items"]] == ["000.01.91.T91"]


def test_create_agency(client, tree):
    client.force_login(tree.commune_admin)
    response = post(client, url("agency_create"), agency_body(parent_id=tree.agency_a.pk))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"] == "001.05.91.T91"
    assert body["parent_id"] == tree.agency_a.pk
    assert body["kind_label"]
    # The kind is stored as its plain value, not as the enum's repr.
    assert Agency.objects.filter(code="001.05.91.T91", unit=tree.commune_a, kind="mot_cua").exists()
    response = patch(client, url("agency_update", body["id"]), {"kind": "trung_tam"})
    assert response.json()["kind"] == "trung_tam"
    assert Agency.objects.filter(code="001.05.91.T91", kind="trung_tam").exists()
    items = client.get(url("agency_list"), {"kind": "trung_tam"}).json()["items"]
    assert [item["code"] for item in items] == ["001.05.91.T91"]


def test_create_with_a_bad_code_is_422_with_the_code(client, tree):
    client.force_login(tree.commune_admin)
    response = post(client, url("agency_create"), agency_body(code="1.2.3"))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "agency_code_invalid"
    assert body["details"][0]["field"] == "code"
    response = post(
        client, url("agency_create"), agency_body(code=tree.agency_b.code.lower()), key="k2"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "agency_code_taken"


def test_create_is_idempotent(client, tree):
    client.force_login(tree.commune_admin)
    first = post(client, url("agency_create"), agency_body(), key="tao-1")
    second = post(client, url("agency_create"), agency_body(), key="tao-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Agency.objects.filter(code="001.05.91.T91").count() == 1

    response = post(client, url("agency_create"), agency_body(name="Tên khác"), key="tao-1")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Agency.objects.filter(code="001.05.91.T91").count() == 1


def test_create_needs_an_idempotency_key(client, tree):
    client.force_login(tree.commune_admin)
    response = post(client, url("agency_create"), agency_body(), key=None)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"


def test_commune_official_cannot_create_in_another_commune(client, tree):
    client.force_login(tree.commune_admin)
    response = post(client, url("agency_create"), agency_body(unit_code="91002"))
    assert response.status_code == 403
    assert response.json()["code"] == "unit_out_of_scope"
    # A parent outside scope reads as unknown.
    response = post(client, url("agency_create"), agency_body(parent_id=tree.agency_b.pk), key="k3")
    assert response.status_code == 422
    assert response.json()["code"] == "agency_parent_invalid"
    assert not Agency.objects.filter(code="001.05.91.T91").exists()


def test_create_needs_manage_permission(client, tree):
    client.force_login(tree.commune_viewer)
    response = post(client, url("agency_create"), agency_body())
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_create_on_an_unknown_unit(client, tree):
    client.force_login(tree.commune_admin)
    response = post(client, url("agency_create"), agency_body(unit_code="00000"))
    assert response.status_code == 422
    assert response.json()["code"] == "unit_unknown"


def test_create_with_a_missing_field(client, tree):
    client.force_login(tree.commune_admin)
    body = agency_body()
    del body["name"]
    response = post(client, url("agency_create"), body)
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "name"


def test_patch_agency(client, tree):
    client.force_login(tree.commune_admin)
    response = patch(
        client, url("agency_update", tree.agency_a.pk), {"name": "UBND xã Anh Sơn", "email": None}
    )
    assert response.status_code == 200
    assert response.json()["name"] == "UBND xã Anh Sơn"
    tree.agency_a.refresh_from_db()
    assert tree.agency_a.name == "UBND xã Anh Sơn"

    response = patch(client, url("agency_update", tree.agency_b.pk), {"name": "X"})
    assert response.status_code == 404
    response = patch(client, url("agency_update", tree.agency_a.pk), {"code": "bad"})
    assert response.status_code == 422
    assert response.json()["code"] == "agency_code_invalid"


def test_patch_needs_manage_permission(client, tree):
    client.force_login(tree.commune_viewer)
    response = patch(client, url("agency_update", tree.agency_a.pk), {"name": "X"})
    assert response.status_code == 403


def test_deactivate(client, tree):
    client.force_login(tree.commune_admin)
    response = client.post(url("agency_deactivate", tree.agency_a.pk))
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert client.post(url("agency_deactivate", tree.agency_b.pk)).status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/units/", "/api/v1/units/agencies"])
def test_filter_by_an_unknown_unit_is_a_documented_404(client, path):
    # Found by the API fuzz: the 404 was answered but not in the contract.
    import json

    from tinhso.accounts.tests.factories import CitizenFactory
    from tinhso.portal.management.commands.openapi import openapi_document

    client.force_login(CitizenFactory())
    response = client.get(path, {"parent" if path.endswith("/units/") else "unit": "KHONGCO"})
    assert response.status_code == 404
    assert response.json()["code"] == "unit_not_found"
    document = json.loads(openapi_document())
    assert "404" in document["paths"][path]["get"]["responses"]
