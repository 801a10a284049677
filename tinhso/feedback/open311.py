"""Open311 GeoReport v2 server at /open311/v2/ (plain Django views: the spec fixes its own
error format and the .json/.xml suffixes).

    GET  discovery.{fmt}                      where the endpoint is and what it speaks
    GET  services.{fmt}                       the categories (service_code, metadata, group...)
    GET  services/{service_code}.{fmt}        a category's attribute definitions
    POST requests.{fmt}                       new request (form-urlencoded, api_key required;
                                              multipart with ``media`` files also accepted)
    GET  requests.{fmt}                       list: service_request_id | service_code,
                                              start_date, end_date (≤ 90 days), status;
                                              default the last 90 days, at most 1000 rows;
                                              ``page``/``page_size`` as an extension
    GET  requests/{service_request_id}.{fmt}  one request
    GET  tokens/{token}.{fmt}                 token → service_request_id
    GET  servicerequestupdates.{fmt}          public history (mySociety's extension)
    GET  media/{id}                           an approved photo (the ``media_url`` we give)

Rules kept from the spec: an empty optional parameter is a missing one; ``jurisdiction_id``
is optional and, when given, must be ours (``TINHSO_OPEN311_JURISDICTION``, default the site's
province codename), else 404; errors are ``[{"code", "description"}]`` (XML ``<errors>``) with
``code`` the HTTP status: 404 unknown resource, 403 bad or missing api_key, 400 otherwise (429
when a client floods us: per api_key, ``ApiClient.requests_per_minute``, and per IP address,
``TINHSO_OPEN311_IP_PER_MINUTE`` default 60 for posts and 10× that for reads). A request that
was accepted is never lost to the limit: the limit is checked before anything is created, and a
client may send an ``Idempotency-Key`` header to make its retries safe.
Descriptions are plain text of at most 4000 characters: HTML is stored and returned as text.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tinhso.feedback import errors, selectors, services, workflow
from tinhso.feedback.models import Category, Report, ReportUpdate
from tinhso.kernel import ratelimit
from tinhso.kernel.errors import DomainError
from tinhso.kernel.middleware import client_ip

FORMATS = ("json", "xml")
DEFAULT_WINDOW_DAYS = 90
MAX_SPAN_DAYS = 90
MAX_ROWS = 1000


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        self.status = status
        self.description = description
        super().__init__(description)


# --- rendering --------------------------------------------------------------------------------


def _w3c(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _xml_value(parent: ET.Element, tag: str, value: Any) -> None:
    element = ET.SubElement(parent, tag)
    if value is None:
        return
    if isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)


def _to_xml(root_tag: str, item_tag: str, items: list[dict[str, Any]]) -> bytes:
    root = ET.Element(root_tag)
    for item in items:
        node = ET.SubElement(root, item_tag)
        _fill(node, item)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")


def _fill(node: ET.Element, item: dict[str, Any]) -> None:
    for key, value in item.items():
        if isinstance(value, list):
            container = ET.SubElement(node, key)
            singular = {"attributes": "attribute", "values": "value"}.get(key, key.rstrip("s"))
            for entry in value:
                child = ET.SubElement(container, singular)
                if isinstance(entry, dict):
                    _fill(child, entry)
                else:
                    child.text = str(entry)
        else:
            _xml_value(node, key, value)


def _render(
    fmt: str, root_tag: str, item_tag: str, items: list[dict[str, Any]], status: int = 200
) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(
            _to_xml(root_tag, item_tag, items),
            status=status,
            content_type="text/xml; charset=utf-8",
        )
    return HttpResponse(
        json.dumps(items, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _render_one(fmt: str, root_tag: str, item: dict[str, Any]) -> HttpResponse:
    if fmt == "xml":
        root = ET.Element(root_tag)
        _fill(root, item)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")
        return HttpResponse(body, content_type="text/xml; charset=utf-8")
    return HttpResponse(
        json.dumps(item, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )


def error_response(fmt: str, status: int, description: str, *, retry_after: int | None = None):
    response = _render(
        fmt if fmt in FORMATS else "json",
        "errors",
        "error",
        [{"code": status, "description": description}],
        status=status,
    )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def open311_view(methods: list[str]):
    """Wrap a view: method check, format check, jurisdiction check, errors in the spec's shape."""

    def decorate(view):
        @csrf_exempt
        @require_http_methods(methods)
        def wrapper(request: HttpRequest, *args, fmt: str = "json", **kwargs):
            if fmt not in FORMATS:
                return error_response("json", 404, _("Unknown format: use .json or .xml."))
            try:
                _check_jurisdiction(request)
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return error_response(fmt, exc.status, exc.description)
            except ratelimit.RateLimited as exc:
                return error_response(fmt, 429, str(exc.message), retry_after=exc.retry_after)
            except DomainError as exc:
                status = exc.status if exc.status in (403, 404) else 400
                description = str(exc.message)
                if exc.code not in {"invalid_input", "bad_request"}:
                    description = f"{description} ({exc.code})"
                return error_response(fmt, status, description)

        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        return wrapper

    return decorate


# --- parameters -------------------------------------------------------------------------------


def _param(data, name: str) -> str:
    """A parameter, stripped; an empty one counts as missing ("")."""
    value = data.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def jurisdiction_id() -> str:
    return getattr(settings, "TINHSO_OPEN311_JURISDICTION", "") or getattr(
        settings, "TINHSO_PROVINCE_CODENAME", ""
    )


def _check_jurisdiction(request: HttpRequest) -> None:
    data = request.POST if request.method == "POST" else request.GET
    given = _param(data, "jurisdiction_id") or _param(request.GET, "jurisdiction_id")
    if given and given != jurisdiction_id():
        raise Open311Error(404, _("Unknown jurisdiction_id."))


def _parse_datetime(value: str, name: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        try:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        except ValueError:
            raise Open311Error(
                400, _("%(name)s is not a W3C date and time.") % {"name": name}
            ) from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _positive_int(value: str, name: str, default: int, maximum: int) -> int:
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise Open311Error(400, _("%(name)s must be a whole number.") % {"name": name}) from None
    if number < 1:
        raise Open311Error(400, _("%(name)s must be a whole number.") % {"name": name})
    return min(number, maximum)


# --- rate limiting ----------------------------------------------------------------------------


def ip_per_minute() -> int:
    return int(getattr(settings, "TINHSO_OPEN311_IP_PER_MINUTE", 60))


def throttle(request: HttpRequest, *, client=None, write: bool) -> None:
    """Raise ``RateLimited`` when this client (api_key) or this address sends too much."""
    ip = client_ip(request) or "unknown"
    limit = ip_per_minute() * (1 if write else 10)
    wait = ratelimit.hit(f"open311:ip:{'w' if write else 'r'}:{ip}", limit, 60)
    if wait is None and client is not None:
        wait = ratelimit.hit(f"open311:client:{client.pk}", client.requests_per_minute, 60)
    if wait is not None:
        raise errors.RateLimited(retry_after=wait)


# --- serialisers ------------------------------------------------------------------------------


def service_data(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.service_code,
        "service_name": category.name,
        "description": category.description,
        "metadata": category.has_metadata,
        "type": category.service_type,
        "keywords": category.keywords,
        "group": category.group,
    }


def definition_data(category: Category) -> dict[str, Any]:
    attributes = []
    for attribute in sorted(category.attributes or [], key=lambda a: a.get("order", 0)):
        attributes.append(
            {
                "variable": attribute.get("variable", True),
                "code": attribute["code"],
                "datatype": attribute["datatype"],
                "required": attribute.get("required", False),
                "datatype_description": attribute.get("datatype_description", ""),
                "order": attribute.get("order", 0),
                "description": attribute.get("description", ""),
                "values": [
                    {"key": value["key"], "name": value["name"]}
                    for value in attribute.get("values") or []
                ],
            }
        )
    return {"service_code": category.service_code, "attributes": attributes}


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def _media_url(request: HttpRequest, report: Report) -> str | None:
    photo = next((p for p in report.photos.all() if p.is_approved), None)
    if photo is not None and report.status in workflow.ANSWERED_STATES:
        return _absolute(request, reverse("open311:media", args=[photo.file_id]))
    return report.media_url or None


def _status_notes(report: Report) -> str:
    if report.public_answer and report.status in workflow.ANSWERED_STATES:
        return report.public_answer
    latest = next(
        (u for u in reversed(report.updates.all()) if u.is_public and u.kind != "reporter"), None
    )
    return latest.message if latest else ""


def request_data(request: HttpRequest, report: Report) -> dict[str, Any]:
    """The fields of a request. Never the reporter, the contact or the device."""
    expected = report.deadline if report.status in workflow.OPEN_STATES else None
    return {
        "service_request_id": report.code,
        "status": workflow.open311_status(report.status),
        "status_notes": _status_notes(report),
        "service_name": report.category.name,
        "service_code": report.category.service_code,
        "description": report.description,
        "agency_responsible": report.agency.name if report.agency_id else "",
        "service_notice": "",
        "requested_datetime": _w3c(report.received_at),
        "updated_datetime": _w3c(report.updated_at),
        "expected_datetime": _w3c(expected),
        "address": report.address,
        "address_id": report.address_id,
        "zipcode": "",
        "lat": float(report.latitude) if report.latitude is not None else None,
        "long": float(report.longitude) if report.longitude is not None else None,
        "media_url": _media_url(request, report),
    }


def _requests_qs():
    return selectors.open311_reports().prefetch_related("photos", "updates")


# --- views ------------------------------------------------------------------------------------


@open311_view(["GET"])
def discovery(request: HttpRequest, *, fmt: str):
    """Where the endpoint is (Open311 service discovery)."""
    base = _absolute(request, reverse("open311:services", kwargs={"fmt": fmt}))
    base = base.rsplit("/", 1)[0] + "/"
    data = {
        "changeset": _w3c(timezone.now()),
        "contact": getattr(settings, "DEFAULT_FROM_EMAIL", ""),
        "key_service": _("Ask the province's administrators for an api_key."),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": _w3c(timezone.now()),
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return _render_one(fmt, "discovery", data)


@open311_view(["GET"])
def services_list(request: HttpRequest, *, fmt: str):
    throttle(request, write=False)
    items = [service_data(category) for category in selectors.categories_active()]
    return _render(fmt, "services", "service", items)


@open311_view(["GET"])
def service_definition(request: HttpRequest, service_code: str, *, fmt: str):
    throttle(request, write=False)
    category = selectors.category_by_service_code(service_code)
    return _render_one(fmt, "service_definition", definition_data(category))


def _attributes_from(data) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in data:
        if not key.startswith("attribute["):
            continue
        inner = key[len("attribute[") :]
        code, _sep, rest = inner.partition("]")
        items = [item.strip() for item in data.getlist(key) if item.strip()]
        if not code or not items:
            continue
        if rest == "[]":
            values.setdefault(code, [])
            values[code].extend(items)
        else:
            values[code] = items if len(items) > 1 else items[0]
    return values


def _create_request(request: HttpRequest, client) -> list[dict[str, Any]]:
    data = request.POST
    service_code = _param(data, "service_code")
    if not service_code:
        raise Open311Error(400, _("service_code is required."))
    try:
        category = selectors.category_by_service_code(service_code)
    except errors.CategoryNotFound:
        raise Open311Error(400, _("Unknown service_code.")) from None
    lat, lon = _param(data, "lat"), _param(data, "long")
    address = _param(data, "address_string")
    address_id = _param(data, "address_id")
    if not (lat and lon) and not address and not address_id:
        raise Open311Error(
            400, _("A location is required: lat and long, address_string or address_id.")
        )
    if bool(lat) != bool(lon):
        raise Open311Error(400, _("lat and long must be given together."))
    description = data.get("description", "")
    if len(description) > services.DESCRIPTION_MAX:
        raise Open311Error(400, _("description may be at most 4000 characters."))
    if not description.strip():
        # Open311 makes the description optional; we need something for the handler to read.
        description = _("(no description) %(service)s") % {"service": category.name}
    first, last = _param(data, "first_name"), _param(data, "last_name")
    report = services.report_create(
        acting_user=None,
        category=category,
        description=description,
        channel=Report.Channel.OPEN311,
        latitude=lat or None,
        longitude=lon or None,
        address=address,
        address_id=address_id,
        contact_name=f"{first} {last}".strip(),
        contact_email=_param(data, "email"),
        contact_phone=_param(data, "phone"),
        attributes=_attributes_from(data),
        photos=request.FILES.getlist("media"),
        api_client=client,
        device_id=_param(data, "device_id"),
        account_id=_param(data, "account_id"),
        media_url=_param(data, "media_url"),
    )
    return [
        {
            "service_request_id": report.code,
            "token": str(report.token),
            "service_notice": "",
            "account_id": report.account_id or None,
        }
    ]


def _list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    throttle(request, write=False)
    data = request.GET
    qs = _requests_qs()
    ids = _param(data, "service_request_id")
    if ids:
        codes = [code.strip() for code in ids.split(",") if code.strip()][:MAX_ROWS]
        reports = list(qs.filter(code__in=codes))
        order = {code: index for index, code in enumerate(codes)}
        reports.sort(key=lambda report: order[report.code])
        return _render(
            fmt, "service_requests", "request", [request_data(request, r) for r in reports]
        )
    start = _parse_datetime(_param(data, "start_date"), "start_date")
    end = _parse_datetime(_param(data, "end_date"), "end_date")
    if start and end and end < start:
        raise Open311Error(400, _("end_date must not be before start_date."))
    if start and end and end - start > dt.timedelta(days=MAX_SPAN_DAYS):
        raise Open311Error(400, _("start_date and end_date may be at most 90 days apart."))
    if start and not end:
        end = start + dt.timedelta(days=MAX_SPAN_DAYS)
    if end and not start:
        start = end - dt.timedelta(days=MAX_SPAN_DAYS)
    if not start and not end:
        end = timezone.now()
        start = end - dt.timedelta(days=DEFAULT_WINDOW_DAYS)
    qs = qs.filter(received_at__gte=start, received_at__lte=end)
    service_codes = [c.strip() for c in _param(data, "service_code").split(",") if c.strip()]
    if service_codes:
        qs = qs.filter(
            Q(category__service_code__in=service_codes)
            | Q(category__parent__service_code__in=service_codes)
        )
    statuses = {s.strip().lower() for s in _param(data, "status").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status must be open or closed."))
    if statuses == {"open"}:
        qs = qs.filter(status__in=workflow.OPEN_STATES)
    elif statuses == {"closed"}:
        qs = qs.exclude(status__in=workflow.OPEN_STATES)
    page_size = _positive_int(_param(data, "page_size"), "page_size", MAX_ROWS, MAX_ROWS)
    page = _positive_int(_param(data, "page"), "page", 1, 10**6)
    qs = qs.order_by("-received_at", "-pk")
    offset = (page - 1) * page_size
    rows = list(qs[offset : offset + page_size])
    return _render(fmt, "service_requests", "request", [request_data(request, r) for r in rows])


@open311_view(["GET", "POST"])
def requests_view(request: HttpRequest, *, fmt: str):
    if request.method == "GET":
        return _list_requests(request, fmt)
    api_key = _param(request.POST, "api_key") or _param(request.GET, "api_key")
    client = selectors.api_client_by_key(api_key)
    if client is None:
        raise Open311Error(403, _("The api_key is missing, unknown or disabled."))
    throttle(request, client=client, write=True)
    # The submission limit every module shares (per address; the key's own limit is above).
    ratelimit.check(request, "feedback.open311_create")
    if request.headers.get("Idempotency-Key"):
        from tinhso.kernel.idempotency import run_idempotent

        payload = {key: request.POST.getlist(key) for key in sorted(request.POST)}
        payload.pop("api_key", None)
        status, body = run_idempotent(
            request,
            scope=f"feedback.open311:{client.pk}",
            payload=payload,
            create=lambda: (201, _create_request(request, client)),
        )
    else:
        status, body = 201, _create_request(request, client)
    return _render(fmt, "service_requests", "request", body, status=status)


@open311_view(["GET"])
def request_detail(request: HttpRequest, service_request_id: str, *, fmt: str):
    throttle(request, write=False)
    report = _requests_qs().filter(code=service_request_id).first()
    if report is None:
        raise Open311Error(404, _("No service request has this id."))
    return _render(fmt, "service_requests", "request", [request_data(request, report)])


@open311_view(["GET"])
def token_detail(request: HttpRequest, token: str, *, fmt: str):
    throttle(request, write=False)
    report = selectors.report_by_token(token)
    if report is None:
        raise Open311Error(404, _("No service request has this token."))
    item = {"service_request_id": report.code, "token": str(report.token)}
    return _render(fmt, "service_requests", "request", [item])


@open311_view(["GET"])
def request_updates(request: HttpRequest, *, fmt: str):
    """Public history entries (mySociety's ``servicerequestupdates`` extension)."""
    throttle(request, write=False)
    data = request.GET
    start = _parse_datetime(_param(data, "start_date"), "start_date")
    end = _parse_datetime(_param(data, "end_date"), "end_date")
    if start and end and end < start:
        raise Open311Error(400, _("end_date must not be before start_date."))
    updates = ReportUpdate.objects.filter(
        is_public=True, report__in=selectors.open311_reports()
    ).exclude(kind=ReportUpdate.Kind.REPORTER)
    ids = [code.strip() for code in _param(data, "service_request_id").split(",") if code]
    if ids:
        updates = updates.filter(report__code__in=ids)
    if start:
        updates = updates.filter(created_at__gte=start)
    if end:
        updates = updates.filter(created_at__lte=end)
    if not ids and not start and not end:
        updates = updates.filter(
            created_at__gte=timezone.now() - dt.timedelta(days=DEFAULT_WINDOW_DAYS)
        )
    items = []
    for update in updates.select_related("report").order_by("created_at", "pk")[:MAX_ROWS]:
        status = update.status_to or update.report.status
        items.append(
            {
                "update_id": str(update.pk),
                "service_request_id": update.report.code,
                "status": workflow.open311_status(status),
                "updated_datetime": _w3c(update.created_at),
                "description": update.message,
                "media_url": None,
            }
        )
    return _render(fmt, "service_request_updates", "request_update", items)


def media(request: HttpRequest, file_id):
    """An approved photo of a published report (the ``media_url`` of a request)."""
    try:
        photo = selectors.public_photo(file_id)
    except errors.PhotoNotFound:
        return error_response("json", 404, _("No photo of this report has this number."))
    response = FileResponse(photo.file.file.open("rb"), content_type=photo.file.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
