"""The API answers every error with the envelope {"code", "message"}, never an HTML page."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_unknown_api_path_answers_the_json_envelope(client):
    response = client.get("/api/v1/khong-co/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"


def test_unknown_page_answers_the_html_page(client):
    response = client.get("/khong-co/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_malformed_json_body_is_a_4xx_with_a_code():
    client = Client()
    response = client.post(
        "/api/v1/accounts/session", data="{not json", content_type="application/json"
    )
    assert 400 <= response.status_code < 500
    assert "code" in response.json()


def test_validation_error_names_the_field_and_its_code(client):
    response = client.get("/api/v1/kernel/calendar/working-days", {"start": "hôm qua", "days": 3})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["message"]
    assert any(detail["field"] == "start" for detail in body["details"])
