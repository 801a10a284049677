"""API field errors speak the user's language; the code stays pydantic's error type."""

import pytest
from django.conf import settings
from django.utils import translation

from tinhso.kernel.validation import field_error_message

pytestmark = pytest.mark.django_db
URL = "/api/v1/kernel/calendar/working-days"


def details_by_field(response):
    return {d["field"]: d for d in response.json()["details"]}


def test_field_errors_are_vietnamese_by_default(client):
    response = client.get(URL, {"start": "hôm qua", "days": "ba"})
    assert response.status_code == 422
    details = details_by_field(response)
    assert details["days"]["code"] == "int_parsing"
    assert details["days"]["message"] == "Nhập một số nguyên."
    assert details["start"]["message"].startswith("Nhập ngày và giờ")


def test_field_errors_are_english_for_an_english_visitor(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(URL, {"start": "2026-01-05T08:00", "days": "ba"})
    assert details_by_field(response)["days"]["message"] == "Enter a whole number."


@pytest.mark.parametrize(
    ("error", "english"),
    [
        ({"type": "missing"}, "This field is required."),
        (
            {"type": "string_too_long", "ctx": {"max_length": 12}},
            "Enter at most 12 characters.",
        ),
        ({"type": "greater_than_equal", "ctx": {"ge": 0}}, "Enter a value of at least 0."),
        ({"type": "value_error", "msg": "Value error, Mã không hợp lệ"}, "Mã không hợp lệ"),
        ({"type": "some_future_type", "msg": "x"}, "This value is not valid."),
        ({"type": "string_too_long", "ctx": {}}, "This value is not valid."),
    ],
)
def test_each_error_type_has_a_message(error, english):
    with translation.override("en"):
        assert field_error_message(error) == english
