"""Open311 GeoReport v2 at /open311/v2/: plain Django views, because the spec fixes its own
error format and the .json/.xml suffixes (see ``tinhso.feedback.open311``)."""

from django.urls import path, re_path

from tinhso.feedback import open311

app_name = "open311"

_FMT = r"\.(?P<fmt>[A-Za-z0-9]+)"

urlpatterns = [
    re_path(rf"^discovery{_FMT}$", open311.discovery, name="discovery"),
    re_path(rf"^services{_FMT}$", open311.services_list, name="services"),
    re_path(
        rf"^services/(?P<service_code>[A-Za-z0-9_-]+){_FMT}$",
        open311.service_definition,
        name="service_definition",
    ),
    re_path(rf"^requests{_FMT}$", open311.requests_view, name="requests"),
    re_path(
        rf"^requests/(?P<service_request_id>[A-Za-z0-9_-]+){_FMT}$",
        open311.request_detail,
        name="request_detail",
    ),
    re_path(rf"^tokens/(?P<token>[A-Za-z0-9-]+){_FMT}$", open311.token_detail, name="token"),
    re_path(rf"^servicerequestupdates{_FMT}$", open311.request_updates, name="updates"),
    path("media/<uuid:file_id>", open311.media, name="media"),
]
