from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from tinhso.api import api

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
    path("", include("tinhso.portal.urls")),
]
if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))

handler404 = "tinhso.portal.views.not_found"
handler500 = "tinhso.portal.views.server_error"
