"""Pages of the accounts room: sign in and out, my account, officials in scope, and the
lockout answer django-axes gives after repeated failed sign-ins. Thin: the rules live in
``selectors``, ``personal_data`` and ``scope``."""

import math

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from tinhso.accounts import selectors
from tinhso.accounts.forms import LoginForm
from tinhso.accounts.permissions import permissions_of
from tinhso.kernel.errors import NotFound


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_login_url"] = oidc_login_url(context.get("next", ""))
        context["oidc_provider_name"] = getattr(settings, "TINHSO_OIDC_PROVIDER_NAME", "VNeID")
        return context


def oidc_login_url(next_url: str = "") -> str:
    """Where "Sign in with VNeID" leads (keeping ``next``), or "" when OIDC is off.

    The OIDC views are mounted only when OIDC is configured at start-up, so a setting switched
    on without them must hide the button rather than break the login page.
    """
    if not getattr(settings, "OIDC_ENABLED", False):
        return ""
    try:
        url = reverse("oidc_authentication_init")
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only, so a link on another site cannot sign anyone out)."""


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "person": user,
        "roles": list(user.roles.all()) if user.is_official else [],
        "permissions": sorted(permissions_of(user)),
    }
    return render(request, "accounts/account.html", context)


@login_required
def official_list(request: HttpRequest) -> HttpResponse:
    officials = selectors.officials_for_user(request.user)[:500]
    return render(request, "accounts/official_list.html", {"officials": officials})


@login_required
def official_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        official = selectors.get_official_for_user(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    context = {
        "official": official,
        "roles": list(official.roles.all()),
    }
    return render(request, "accounts/official_detail.html", context)


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return (
        request.path.startswith("/api/")
        or request.content_type == "application/json"
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
        or ("application/json" in accept and "text/html" not in accept)
    )


def lockout(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer once a username and address pair is locked (AXES_LOCKOUT_CALLABLE).

    429 Too Many Requests with ``Retry-After``; the API gets the error envelope.
    """
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    minutes = max(1, math.ceil(seconds / 60)) if seconds else 0
    if minutes:
        message = _(
            "Too many failed sign-in attempts. For your security, signing in to this account "
            "from this device is paused for %(minutes)d minutes. Please try again later."
        ) % {"minutes": minutes}
    else:
        message = _(
            "Too many failed sign-in attempts. Signing in to this account from this device is "
            "paused. Please contact your administrator."
        )
    if _wants_json(request):
        body = {"code": "login_locked", "message": message}
        if seconds:
            body["details"] = {"retry_after_seconds": seconds}
        response = JsonResponse(body, status=429)
    else:
        response = render(
            request, "accounts/locked.html", {"message": message, "minutes": minutes}, status=429
        )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
