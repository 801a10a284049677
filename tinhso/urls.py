import os

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from tinhso.api import api
from tinhso.dossiers.payments import real_gateway_configured

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("quan-tri/", admin.site.urls),
    path("tai-khoan/", include("tinhso.accounts.urls")),
    path("don-vi/", include("tinhso.units.urls")),
    path("dich-vu-cong/", include("tinhso.dossiers.urls")),
    path("phan-anh/", include("tinhso.feedback.urls")),
    path("open311/v2/", include("tinhso.feedback.open311_urls")),
    path("hoi-dap/", include("tinhso.qa.urls")),
    path("truyen-thong/", include("tinhso.outreach.urls")),
    path("ioc/", include("tinhso.indicators.urls")),
    path("", include("tinhso.portal.urls")),
]
if not real_gateway_configured():
    # No payment gateway configured (a demo or a laptop): the built-in stand-in takes its place.
    urlpatterns.insert(-1, path("cong-thanh-toan-thu/", include("tinhso.dossiers.standin_urls")))
if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
if os.environ.get("TINHSO_BENCH_BASELINE") == "1":
    # The submission benchmark's ceiling (one INSERT behind the same stack); never in production.
    from bench.baseline_view import urlpatterns as bench_baseline_urls

    urlpatterns[:0] = bench_baseline_urls

handler404 = "tinhso.portal.views.not_found"
handler500 = "tinhso.portal.views.server_error"
