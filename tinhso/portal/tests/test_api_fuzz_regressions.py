"""What the API fuzz (test_api_fuzz.py) found in the shared API layer, tinhso/api.py.

Each test sends the input the fuzz sent, or checks the part of the contract it caught out.
"""

import json

import pytest
from django.test import Client

from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.portal.management.commands.openapi import openapi_document

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def document():
    return json.loads(openapi_document())


def _components_titled(document, title):
    return [
        set(schema.get("properties", {}))
        for schema in document["components"]["schemas"].values()
        if schema.get("title") == title
    ]


@pytest.mark.parametrize(
    ("name", "modules"),
    [
        ("StepOut", ["dossiers", "qa"]),
        ("IndicatorOut", ["dossiers", "indicators", "outreach"]),
        ("UnitRef", ["units", "outreach", "accounts"]),
        ("QuestionOut", ["qa", "outreach"]),
    ],
)
def test_each_modules_schema_keeps_its_own_component(document, name, modules):
    # django-ninja merged same-named classes of different modules into one component: the
    # document described a dossier's steps with the fields of a Q&A step.
    from importlib import import_module

    components = _components_titled(document, name)
    for module in modules:
        model = getattr(import_module(f"tinhso.{module}.api"), name)
        fields = set(model.model_json_schema(by_alias=True)["properties"])
        assert fields in components, f"tinhso.{module}.api.{name} is not in the document"


def test_every_signed_in_operation_documents_401_and_403(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if operation.get("security"):
                assert {"401", "403"} <= set(operation["responses"]), (method, path)


def test_anonymous_caller_of_a_signed_in_operation_gets_the_documented_401(document):
    response = Client().get("/api/v1/dossiers/queue")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert "401" in document["paths"]["/api/v1/dossiers/queue"]["get"]["responses"]


def test_failed_csrf_check_is_a_403_with_a_vietnamese_message():
    client = Client(enforce_csrf_checks=True)
    client.force_login(CitizenFactory())
    response = client.delete("/api/v1/accounts/session")
    assert response.status_code == 403
    assert response.json() == {
        "code": "csrf_failed",
        "message": "Kiểm tra bảo mật không thành công: vui lòng tải lại trang và thử lại.",
    }


def test_body_that_is_not_json_is_a_400_with_a_vietnamese_message(document):
    client = Client()
    client.force_login(CitizenFactory())
    response = client.post(
        "/api/v1/qa/questions", data="{không phải json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "malformed_body",
        "message": "Nội dung yêu cầu không phải là JSON hợp lệ.",
    }
    assert "400" in document["paths"]["/api/v1/qa/questions"]["post"]["responses"]
