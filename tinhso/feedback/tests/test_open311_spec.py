"""An Open311 GeoReport v2 client written from the published spec (see the domain notes), not
from our code: it speaks real HTTP to a live server and checks the documented fields, the
JSON and XML forms and every documented error (400, 403, 404 as ``[{code, description}]``)."""

import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from django.test import override_settings

from tinhso.feedback.tests.factories import VINH, near

pytestmark = pytest.mark.django_db(transaction=True)

SERVICE_FIELDS = {
    "service_code", "service_name", "description", "metadata", "type", "keywords", "group",
}  # fmt: skip
ATTRIBUTE_FIELDS = {
    "variable", "code", "datatype", "required", "datatype_description", "order",
    "description", "values",
}  # fmt: skip
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
    "long", "media_url",
}  # fmt: skip


class Open311:
    """A minimal GeoReport v2 client."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/") + "/open311/v2/"

    def call(self, path: str, *, params=None, form=None):
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        request = urllib.request.Request(url, data=data, method="POST" if form else "GET")
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def json(self, path: str, **kwargs):
        status, headers, body = self.call(path, **kwargs)
        assert headers["Content-Type"].startswith("application/json")
        return status, json.loads(body.decode("utf-8"))

    def xml(self, path: str, **kwargs):
        status, headers, body = self.call(path, **kwargs)
        assert "xml" in headers["Content-Type"]
        return status, ET.fromstring(body)


@pytest.fixture
def spec(live_server, world, open311_client):
    from tinhso.feedback import services

    services.category_update(
        acting_user=None,
        category=world.roads,
        attributes=[
            {
                "code": "muc_do", "datatype": "singlevaluelist", "required": True,
                "description": "Mức độ nguy hiểm", "order": 1,
                "values": [{"key": "thap", "name": "Thấp"}, {"key": "cao", "name": "Cao"}],
            },
            {
                "code": "lan_duong", "datatype": "multivaluelist", "required": False,
                "description": "Làn đường", "order": 2,
                "values": [{"key": "trai", "name": "Trái"}, {"key": "phai", "name": "Phải"}],
            },
        ],
    )  # fmt: skip
    return Open311(live_server.url), open311_client.key, world


def _post_form(key, **extra):
    lat, lon = near(VINH, 5)
    form = {
        "api_key": key,
        "service_code": "o-ga",
        "lat": str(lat),
        "long": str(lon),
        "description": "Ổ gà trước số nhà 12",
        "attribute[muc_do]": "cao",
        "email": "",  # an empty optional parameter counts as missing
        "first_name": "Lan",
    }
    form.update(extra)
    return {key: value for key, value in form.items() if value is not None}


def _error_list(body, status):
    assert isinstance(body, list) and len(body) == 1
    assert set(body[0]) == {"code", "description"}
    assert int(body[0]["code"]) == status
    assert body[0]["description"]


def test_services_list_json_and_xml(spec):
    client, _key, _world = spec
    status, services = client.json("services.json")
    assert status == 200
    by_code = {service["service_code"]: service for service in services}
    assert {"o-ga", "den-duong"} <= set(by_code)
    assert "giao-thong" not in by_code  # a group is not a service
    for service in services:
        assert set(service) >= SERVICE_FIELDS
        assert service["type"] in {"realtime", "batch", "blackbox"}
        assert service["metadata"] in (True, False)
    assert by_code["o-ga"]["metadata"] is True
    assert by_code["o-ga"]["group"] == "Giao thông"
    assert by_code["den-duong"]["metadata"] is False

    status, root = client.xml("services.xml")
    assert status == 200 and root.tag == "services"
    codes = {node.findtext("service_code") for node in root.findall("service")}
    assert {"o-ga", "den-duong"} <= codes
    pothole = next(n for n in root.findall("service") if n.findtext("service_code") == "o-ga")
    assert pothole.findtext("metadata") == "true"
    assert pothole.findtext("service_name") == "Ổ gà, hư hỏng mặt đường"


def test_service_definition_json_and_xml(spec):
    client, _key, _world = spec
    status, definition = client.json("services/o-ga.json")
    assert status == 200
    assert definition["service_code"] == "o-ga"
    attributes = definition["attributes"]
    assert [a["code"] for a in attributes] == ["muc_do", "lan_duong"]
    for attribute in attributes:
        assert set(attribute) >= ATTRIBUTE_FIELDS
        for value in attribute["values"]:
            assert set(value) == {"key", "name"}
    assert attributes[0]["required"] is True and attributes[0]["datatype"] == "singlevaluelist"

    status, root = client.xml("services/o-ga.xml")
    assert status == 200 and root.tag == "service_definition"
    first = root.find("attributes/attribute")
    assert first.findtext("code") == "muc_do"
    assert [v.findtext("key") for v in first.findall("values/value")] == ["thap", "cao"]


def test_post_request_resolve_token_and_read_it_json(spec):
    client, key, world = spec
    status, created = client.json("requests.json", form=_post_form(key))
    assert status in (200, 201)
    assert len(created) == 1
    assert "service_request_id" in created[0] or "token" in created[0]
    assert "service_notice" in created[0] and "account_id" in created[0]
    token = created[0]["token"]

    status, resolved = client.json(f"tokens/{token}.json")
    assert status == 200
    assert resolved[0]["token"] == token
    request_id = resolved[0]["service_request_id"]
    assert request_id == created[0]["service_request_id"]

    status, found = client.json(f"requests/{request_id}.json")
    assert status == 200 and len(found) == 1
    request = found[0]
    assert set(request) >= REQUEST_FIELDS
    assert request["service_request_id"] == request_id
    assert request["status"] == "open"
    assert request["service_code"] == "o-ga"
    assert request["description"] == "Ổ gà trước số nhà 12"
    assert request["agency_responsible"] == world.agency_a.name
    # W3C date-time with a time zone.
    assert request["requested_datetime"][-6] in "+-" and "T" in request["requested_datetime"]
    assert abs(request["lat"] - near(VINH, 5)[0]) < 1e-6
    # The reporter's identity is not part of a request.
    assert "Lan" not in json.dumps(found, ensure_ascii=False)

    status, listed = client.json("requests.json", params={"service_request_id": request_id})
    assert status == 200 and [r["service_request_id"] for r in listed] == [request_id]
    status, listed = client.json("requests.json", params={"status": "open", "service_code": ""})
    assert request_id in {r["service_request_id"] for r in listed}
    status, listed = client.json("requests.json", params={"status": "closed"})
    assert request_id not in {r["service_request_id"] for r in listed}


def test_post_request_resolve_token_and_read_it_xml(spec):
    client, key, _world = spec
    status, root = client.xml(
        "requests.xml", form=_post_form(key, **{"attribute[lan_duong][]": ["trai", "phai"]})
    )
    assert status in (200, 201) and root.tag == "service_requests"
    token = root.findtext("request/token")
    status, root = client.xml(f"tokens/{token}.xml")
    request_id = root.findtext("request/service_request_id")
    assert status == 200 and request_id
    status, root = client.xml(f"requests/{request_id}.xml")
    assert status == 200 and root.tag == "service_requests"
    node = root.find("request")
    assert {child.tag for child in node} >= REQUEST_FIELDS
    assert node.findtext("status") == "open"


def test_html_in_a_description_is_kept_as_text(spec):
    client, key, _world = spec
    html = '<script>alert("x")</script><b>Ổ gà</b> & nước'
    status, created = client.json("requests.json", form=_post_form(key, description=html))
    assert status in (200, 201)
    request_id = created[0]["service_request_id"]
    _status, found = client.json(f"requests/{request_id}.json")
    assert found[0]["description"] == html
    _status, root = client.xml(f"requests/{request_id}.xml")
    assert root.findtext("request/description") == html


def test_request_list_window_and_filters(spec):
    client, key, _world = spec
    client.json("requests.json", form=_post_form(key))
    status, body = client.json(
        "requests.json",
        params={"start_date": "2026-01-01T00:00:00+07:00", "end_date": "2026-06-01T00:00:00+07:00"},
    )
    assert status == 400
    _error_list(body, 400)
    status, body = client.json("requests.json", params={"start_date": "hôm qua"})
    assert status == 400
    status, body = client.json("requests.json", params={"status": "pending"})
    assert status == 400
    status, body = client.json(
        "requests.json", params={"start_date": "", "end_date": "", "status": ""}
    )
    assert status == 200 and len(body) == 1


def test_errors_403_without_or_with_a_bad_api_key(spec):
    client, _key, _world = spec
    status, body = client.json("requests.json", form=_post_form(None))
    assert status == 403
    _error_list(body, 403)
    status, body = client.json("requests.json", form=_post_form("khong-dung"))
    assert status == 403
    status, body = client.json("requests.json", form=_post_form(""))
    assert status == 403
    status, root = client.xml("requests.xml", form=_post_form("khong-dung"))
    assert status == 403 and root.tag == "errors"
    assert root.findtext("error/code") == "403" and root.findtext("error/description")


@pytest.mark.parametrize(
    "change",
    [
        {"service_code": None},
        {"service_code": ""},
        {"service_code": "khong-co"},
        {"lat": None, "long": None},
        {"lat": "", "long": "", "address_string": ""},
        {"lat": "abc"},
        {"description": "x" * 4001},
        {"attribute[muc_do]": None},
        {"attribute[muc_do]": "rat-cao"},
        {"email": "khong-phai-email"},
    ],
)
def test_errors_400_on_bad_input(spec, change):
    client, key, _world = spec
    status, body = client.json("requests.json", form=_post_form(key, **change))
    assert status == 400, body
    _error_list(body, 400)


def test_a_location_outside_the_province_is_refused(spec):
    client, key, _world = spec
    status, body = client.json(
        "requests.json", form=_post_form(key, lat="21.0285", long="105.8542")
    )
    assert status == 400
    _error_list(body, 400)


def test_errors_404_for_unknown_resources(spec):
    client, _key, _world = spec
    for path in (
        "services/khong-co.json",
        "requests/PA-1999-999999.json",
        "tokens/6f1c5c6e-0000-4000-8000-000000000000.json",
        "tokens/khong-phai-token.json",
    ):
        status, body = client.json(path)
        assert status == 404, path
        _error_list(body, 404)
    status, root = client.xml("requests/PA-1999-999999.xml")
    assert status == 404 and root.tag == "errors"
    status, body = client.json("services.json", params={"jurisdiction_id": "noi-khac"})
    assert status == 404
    status, body = client.json("services.json", params={"jurisdiction_id": ""})
    assert status == 200


def test_address_string_is_a_location(spec):
    client, key, world = spec
    form = _post_form(key, lat=None, long=None, address_string="Thôn 3, Xã Anh Sơn Thử")
    status, created = client.json("requests.json", form=form)
    assert status in (200, 201)
    _status, found = client.json(f"requests/{created[0]['service_request_id']}.json")
    assert found[0]["address"] == "Thôn 3, Xã Anh Sơn Thử"
    assert found[0]["agency_responsible"] == world.agency_a.name


def test_service_request_updates_extension(spec):
    client, key, _world = spec
    from tinhso.feedback import services
    from tinhso.feedback.models import Report

    _status, created = client.json("requests.json", form=_post_form(key))
    report = Report.objects.get(code=created[0]["service_request_id"])
    services.report_accept(acting_user=None, report=report)
    services.report_resolve(acting_user=None, report=report, answer="Đã vá xong.")
    status, updates = client.json(
        "servicerequestupdates.json", params={"service_request_id": report.code}
    )
    assert status == 200
    assert {"update_id", "service_request_id", "status", "updated_datetime", "description",
            "media_url"} <= set(updates[-1])  # fmt: skip
    assert updates[-1]["status"] == "closed" and updates[-1]["description"] == "Đã vá xong."
    _status, found = client.json(f"requests/{report.code}.json")
    assert found[0]["status"] == "closed" and found[0]["status_notes"] == "Đã vá xong."


def test_a_flood_from_one_client_is_limited_without_losing_accepted_requests(spec):
    client, key, _world = spec
    from tinhso.feedback.models import Report

    accepted = []
    with override_settings(TINHSO_OPEN311_IP_PER_MINUTE=3):
        statuses = []
        for n in range(5):
            status, body = client.json(
                "requests.json", form=_post_form(key, description=f"Lần {n}")
            )
            statuses.append(status)
            if status in (200, 201):
                accepted.append(body[0]["service_request_id"])
            else:
                _error_list(body, 429)
    assert statuses == [201, 201, 201, 429, 429]
    assert sorted(Report.objects.values_list("code", flat=True)) == sorted(accepted)


def test_unknown_format_is_404(spec):
    client, _key, _world = spec
    status, _headers, body = client.call("services.csv")
    assert status == 404
    assert json.loads(body)[0]["code"] == 404
