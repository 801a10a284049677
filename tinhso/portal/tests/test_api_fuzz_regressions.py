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


NUL_ERROR = {
    "code": "validation_error",
    "message": "Dữ liệu gửi lên không hợp lệ.",
}


def _assert_nul_refused(response, field):
    assert response.status_code == 422, response.content
    body = response.json()
    assert {key: body[key] for key in ("code", "message")} == NUL_ERROR
    assert body["details"] == [
        {
            "field": field,
            "code": "null_character",
            "message": "Văn bản không được chứa ký tự NUL.",
        }
    ]


def test_nul_character_in_a_query_is_a_422_not_a_database_error():
    # PostgreSQL: "PostgreSQL text fields cannot contain NUL (0x00) bytes" → 500 before.
    _assert_nul_refused(Client().get("/api/v1/qa/questions", {"q": "hộ\x00 tịch"}), "q")


def test_nul_character_in_a_json_body_is_a_422_and_nothing_is_written():
    from tinhso.qa.models import Question

    client = Client()
    client.force_login(CitizenFactory())
    before = Question.objects.count()
    response = client.post(
        "/api/v1/qa/questions",
        {"title": "Hỏi\x00 về hộ tịch", "body": "Nội dung", "field": "ho-tich"},
        content_type="application/json",
    )
    _assert_nul_refused(response, "title")
    assert Question.objects.count() == before


def test_nul_character_in_a_path_is_a_422():
    _assert_nul_refused(Client().get("/api/v1/units/40%00"), "code")


def _paginated_operations():
    document = json.loads(openapi_document())
    for path, operations in sorted(document["paths"].items()):
        for method, operation in operations.items():
            names = {parameter["name"] for parameter in operation.get("parameters", [])}
            if {"limit", "offset"} <= names and "{" not in path:
                yield method, path


@pytest.mark.parametrize(("method", "path"), list(_paginated_operations()))
def test_huge_offset_or_limit_is_a_422_on_every_list(method, path):
    # SQLite answered "datatype mismatch" (a 500) to ?offset=10000000000000000000.
    client = Client()
    client.force_login(CitizenFactory())
    for name in ("offset", "limit"):
        response = getattr(client, method)(path, {name: 10**19})
        assert response.status_code == 422, (path, name, response.content)
        body = response.json()
        assert body["code"] == "validation_error"
        assert [detail["field"] for detail in body["details"]] == [name]
    assert client.get(path, {"limit": 1000, "offset": 1_000_000_000}).status_code != 422
