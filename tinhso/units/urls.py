from django.urls import path

from tinhso.units import views

app_name = "units"
urlpatterns = [
    path("", views.unit_browser, name="browser"),
]
