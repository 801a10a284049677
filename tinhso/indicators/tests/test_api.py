"""The HTTP API under /api/v1/indicators: reads, imports, targets, DTI, scope, error codes."""

import pytest
from django.urls import reverse

from tinhso.indicators.models import DataValue
from tinhso.indicators.tests.conftest import enter

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"api:{name}", args=args)


def post(client, path, body, key="khoa-1"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(path, body, content_type="application/json", headers=headers)


def test_values_with_children_periods_and_disaggregations(client, tree, catalogue):
    enter(catalogue.data_set, tree.commune_a, "202609", {"hs.truc_tuyen": 30, "hs.truc_tiep": 70})
    enter(catalogue.data_set, tree.commune_b, "202609", {"hs.truc_tuyen": 10, "hs.truc_tiep": 90})
    response = client.get(
        url("value_list"),
        {
            "codes": "hs,ty_le_truc_tuyen",
            "unit": "91",
            "periods": "202609,2026Q3",
            "children": True,
            "disaggregate": True,
        },
    )
    assert response.status_code == 200
    values = {(v["code"], v["unit"], v["period"]): v["value"] for v in response.json()["values"]}
    assert values[("hs", "91", "2026Q3")] == 200
    assert values[("hs.truc_tuyen", "91001", "202609")] == 30
    assert values[("ty_le_truc_tuyen", "91", "202609")] == 20
    assert values[("ty_le_truc_tuyen", "91002", "2026Q3")] == 10


def test_internal_indicators_need_scope(client, tree, catalogue):
    params = {"codes": "ty_le_dung_han", "unit": "91", "periods": "202609"}
    response = client.get(url("value_list"), params)
    assert response.status_code == 404
    assert response.json()["code"] == "indicator_not_found"
    assert response.json()["message"] == "Không có chỉ tiêu nào có mã này."
    client.force_login(tree.commune_officer)  # scope: commune A only
    assert client.get(url("value_list"), params).status_code == 404
    params["unit"] = "91001"
    assert client.get(url("value_list"), params).status_code == 200
    codes = {i["code"] for i in client.get(url("indicator_list"), {"unit": "91001"}).json()}
    assert "ty_le_dung_han" in codes
    client.logout()
    assert "ty_le_dung_han" not in {i["code"] for i in client.get(url("indicator_list")).json()}


def test_bad_periods_and_units_are_4xx(client, tree, catalogue):
    response = client.get(url("value_list"), {"codes": "hs", "unit": "91", "periods": "2026-09"})
    assert response.status_code == 422 and response.json()["code"] == "period_invalid"
    response = client.get(url("board"), {"codes": "hs", "unit": "00000", "period": "202609"})
    assert response.status_code == 422 and response.json()["code"] == "org_unit_unknown"


def test_data_value_sets_are_idempotent_scoped_and_all_or_nothing(client, tree, catalogue):
    body = {
        "dataSet": "TTHC",
        "period": "202610",
        "orgUnit": "91001",
        "dataValues": [
            {"dataElement": "hs_gq", "value": "9"},
            {"dataElement": "hs_dh", "value": 8},
        ],
    }
    assert post(client, url("data_value_sets"), body).status_code == 401
    client.force_login(tree.commune_officer)
    assert post(client, url("data_value_sets"), body, key=None).json()["code"] == (
        "idempotency_key_required"
    )
    dry = client.post(
        url("data_value_sets") + "?dryRun=true", body, content_type="application/json"
    )
    assert dry.json()["dry_run"] is True and not DataValue.objects.exists()
    first = post(client, url("data_value_sets"), body)
    assert first.status_code == 200 and first.json()["imported"] == 2
    again = post(client, url("data_value_sets"), body)
    assert again.json() == first.json()
    bad = dict(body, orgUnit="91002", dataValues=[{"dataElement": "hs_gq", "value": "x"}])
    response = post(client, url("data_value_sets"), bad, key="khoa-2")
    assert response.status_code == 422
    assert response.json()["code"] == "import_invalid"
    assert {d["code"] for d in response.json()["details"]} == {
        "indicators_unit_out_of_scope",
        "value_invalid",
    }


def test_csv_upload_and_template_download(client, tree, catalogue):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(tree.commune_officer)
    response = client.get(url("data_set_template", "TTHC"), {"unit": "91001", "period": "202610"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('TTHC-91001-202610.xlsx"')
    upload = SimpleUploadedFile("gia-tri.csv", b"hs_gq,202610,91001,,,4,,,,\n", "text/csv")
    response = client.post(
        url("data_value_sets_file"), {"file": upload}, headers={"Idempotency-Key": "tep-1"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["imported"] == 1


def test_entry_completion_and_approval_through_the_api(client, tree, catalogue):
    client.force_login(tree.commune_officer)
    response = client.post(
        url("data_set_enter", "TTHC"),
        {"unit": "91001", "period": "202610", "values": {"hs_gq": 4, "hs_dh": 5}},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_rule_violated"
    response = client.post(
        url("data_set_enter", "TTHC"),
        {"unit": "91001", "period": "202610", "values": {"hs_gq": 4, "hs_dh": 4}},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = {"unit": "91001", "period": "202610"}
    response = client.post(
        url("data_set_transition", "TTHC", "complete"), body, content_type="application/json"
    )
    assert response.json()["state"] == "completed"
    response = client.post(
        url("data_set_transition", "TTHC", "approve"), body, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["code"] == "approval_not_allowed"
    client.force_login(tree.province_leader)
    response = client.post(
        url("data_set_transition", "TTHC", "approve"), body, content_type="application/json"
    )
    assert response.json()["state"] == "approved"


def test_define_indicator_and_targets(client, tree, catalogue):
    client.force_login(tree.commune_officer)
    body = {"code": "moi", "name": "Mới", "numerator": "#{hs_gq}", "denominator": "#{hs}"}
    assert post(client, url("indicator_define"), body).status_code == 403
    client.force_login(tree.province_leader)
    bad = post(client, url("indicator_define"), dict(body, numerator="#{hs_gq} ** 2"), key="k-2")
    assert bad.status_code == 422 and bad.json()["code"] == "expression_invalid"
    response = post(client, url("indicator_define"), body)
    assert response.status_code == 201 and response.json()["code"] == "moi"
    target = {"indicator": "moi", "year": 2026, "value": 50, "unit": "91"}
    assert post(client, url("target_set"), target, key="t-1").status_code == 201
    outside = dict(target, unit="92")
    response = post(client, url("target_set"), outside, key="t-2")
    assert response.status_code == 403 and response.json()["code"] == "indicators_unit_out_of_scope"
    listed = client.get(url("target_list"), {"indicator": "moi"}).json()
    assert listed == [
        {
            "indicator": "moi",
            "unit": "91",
            "year": 2026,
            "value": 50.0,
            "prorate": False,
            "source": "",
        }
    ]


def test_dti_framework_scores_and_compute(client, tree, catalogue):
    from tinhso.indicators import loaders

    loaders.load_all()
    framework = client.get(url("dti_framework", "dti_tinh_2022")).json()
    assert len(framework["indices"]) == 9
    client.force_login(tree.province_leader)
    response = client.post(
        url("dti_compute", "dti_tinh_2022"),
        {"parent": "91", "year": 2026},
        content_type="application/json",
    )
    assert response.status_code == 200 and len(response.json()) == 2
    scores = client.get(url("dti_scores", "dti_tinh_2022"), {"parent": "91", "year": 2026}).json()
    assert [s["rank"] for s in scores] == [1, 1]  # no data yet: a tie at 0 points
    response = client.post(
        url("dti_compute", "dti_tinh_2022"),
        {"parent": "92", "year": 2026},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert client.get(url("dti_framework", "khong_co")).json()["code"] == "dti_framework_not_found"
