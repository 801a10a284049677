"""The project's URLs with the OpenID Connect views mounted, as ``tinhso.urls`` does when
``TINHSO_OIDC_ISSUER`` is set at start-up (tests switch OIDC on after import)."""

from django.urls import include, path

from tinhso.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path("oidc/", include("mozilla_django_oidc.urls")),
]
handler404 = "tinhso.portal.views.not_found"
handler500 = "tinhso.portal.views.server_error"
