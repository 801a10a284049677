"""Public pages: home, display preferences, source-code notice, and the error pages."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import metadata

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tinhso.accounts.permissions import user_can
from tinhso.portal import preferences

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceTile:
    """One service on the home page. ``url_name`` is None until its module ships a page."""

    key: str
    title: str
    description: str
    icon: str
    url_name: str | None = None

    @property
    def url(self) -> str | None:
        if self.url_name is None:
            return None
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


# Set a tile's url_name when its module's public page exists; until then the tile says
# "coming soon" instead of leading a citizen to a dead end.
SERVICE_TILES = [
    ServiceTile(
        key="dossiers",
        title=_("Online public services"),
        description=_("Submit applications for administrative procedures from home."),
        icon="document",
        url_name="dossiers:catalogue",
    ),
    ServiceTile(
        key="feedback",
        title=_("Field reports"),
        description=_("Report a broken road, a fallen tree or litter where you live."),
        icon="pin",
        url_name="feedback:new",
    ),
    ServiceTile(
        key="qa",
        title=_("Online questions and answers"),
        description=_("Ask the authorities a question and read published answers."),
        icon="chat",
        url_name="qa:list",
    ),
    ServiceTile(
        key="lookup",
        title=_("Track an application"),
        description=_("Check where your application is with its receipt code."),
        icon="search",
        url_name="dossiers:lookup",
    ),
    ServiceTile(
        key="news",
        title=_("Digital transformation news"),
        description=_("News, radio bulletins and campaigns that help you go digital."),
        icon="megaphone",
        url_name="outreach:news_list",
    ),
    ServiceTile(
        key="units",
        title=_("Administrative units"),
        description=_("Provinces, communes and wards, and the agencies that serve them."),
        icon="building",
        url_name="units:browser",
    ),
]


@dataclass(frozen=True)
class WorkLink:
    """One place an official works, shown on their workspace when they hold the permission."""

    title: str
    description: str
    icon: str
    url_name: str
    permission: str


# The officials' workspace: each module's queue or management page, by the permission it needs.
WORK_LINKS = [
    WorkLink(
        _("One-stop desk and dossiers"),
        _("Receive, process and return dossiers; deadlines first."),
        "inbox",
        "dossiers:work_queue",
        "dossiers.view",
    ),
    WorkLink(
        _("Dossier register"),
        _("The register of dossiers (form 07), filtered and exported to Excel."),
        "document",
        "dossiers:register",
        "dossiers.view_register",
    ),
    WorkLink(
        _("Field reports to handle"),
        _("Reports routed to your units, with their deadlines."),
        "pin",
        "feedback:queue",
        "feedback.view",
    ),
    WorkLink(
        _("Hotline entry"),
        _("Enter a report a citizen made by phone."),
        "pin",
        "feedback:hotline",
        "feedback.intake",
    ),
    WorkLink(
        _("Questions to answer"),
        _("Draft, review and publish answers to citizens' questions."),
        "chat",
        "qa:queue",
        "qa.view",
    ),
    WorkLink(
        _("Campaigns and radio"),
        _("Plan campaigns, approve content, schedule grassroots radio."),
        "megaphone",
        "outreach:campaigns",
        "outreach.view",
    ),
    WorkLink(
        _("Officials"),
        _("The officials of your unit and their roles."),
        "users",
        "accounts:officials",
        "accounts.view_officials",
    ),
]


@login_required
def workspace(request):
    """An official's start page: the work their permissions open, nothing else."""
    links = []
    for link in WORK_LINKS:
        if not user_can(request.user, link.permission):
            continue
        try:
            links.append({"link": link, "url": reverse(link.url_name)})
        except NoReverseMatch:
            continue
    return render(request, "portal/workspace.html", {"links": links})


def home(request):
    tiles = [{"tile": tile, "url": tile.url} for tile in SERVICE_TILES]
    # What works comes first; the rest keep their order behind it.
    tiles.sort(key=lambda item: item["url"] is None)
    return render(request, "portal/home.html", {"tiles": tiles})


@require_POST
def display_preferences(request):
    """Change text size or contrast without JavaScript (a11y.js does the same in the page)."""
    current = preferences.preferences_from_request(request)
    font_action = request.POST.get("font")
    contrast_action = request.POST.get("contrast")
    updated = current
    if font_action == "up":
        updated = current.with_font_step(1)
    elif font_action == "down":
        updated = current.with_font_step(-1)
    elif font_action == "reset":
        updated = preferences.DisplayPreferences(contrast=current.contrast)
    if contrast_action in preferences.CONTRAST_MODES:
        updated = preferences.DisplayPreferences(
            font_size=updated.font_size, contrast=contrast_action
        )
    elif contrast_action == "toggle":
        updated = preferences.DisplayPreferences(
            font_size=updated.font_size, contrast="normal" if current.high_contrast else "high"
        )

    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
    else:
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("portal:home")
        response = HttpResponseRedirect(next_url)
    preferences.store_preferences(request, response, updated)
    return response


def source(request):
    try:
        version = metadata.version("tinhso")
    except metadata.PackageNotFoundError:
        version = ""
    return render(
        request,
        "portal/source.html",
        {"version": version, "repository_url": getattr(settings, "TINHSO_SOURCE_URL", "")},
    )


def _wants_api_envelope(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _wants_api_envelope(request):
        # An API client gets the API's error envelope, not an HTML page.
        return JsonResponse({"code": "not_found", "message": gettext("Not found.")}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    """Render 500.html with a plain context, as Django's own handler does (JSON under /api/).

    Something is already broken: no context processors, no database, no URL reversing. If
    even the template fails, answer with a fixed page rather than a second exception.
    """
    if _wants_api_envelope(request):
        return JsonResponse(
            {"code": "server_error", "message": "Hệ thống đang gặp sự cố, vui lòng thử lại sau."},
            status=500,
        )
    try:
        body = loader.get_template("500.html").render(
            {"SITE_NAME": settings.TINHSO_SITE_NAME, "LANGUAGE_CODE": get_language()}
        )
    except Exception:
        logger.exception("500.html could not be rendered")
        body = (
            '<!doctype html><html lang="vi"><meta charset="utf-8"><title>Lỗi hệ thống</title>'
            "<h1>Xin lỗi, hệ thống đang gặp sự cố.</h1>"
            "<p>Vui lòng thử lại sau ít phút. / Sorry, please try again in a few minutes.</p>"
            '<p><a href="/">Trang chủ / Home</a></p></html>'
        )
    return HttpResponseServerError(body)
