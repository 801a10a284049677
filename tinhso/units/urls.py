from django.urls import path

from tinhso.units import views

app_name = "units"
urlpatterns = [
    path("", views.unit_browser, name="browser"),
    # Before "<code>/": "co-quan" is not a unit code (codes are checked in services).
    path("co-quan/", views.agency_list, name="agency_list"),
    path("co-quan/<int:pk>/", views.agency_detail, name="agency_detail"),
    path("<str:code>/", views.unit_detail, name="unit_detail"),
    path("<str:code>/don-vi-con/", views.unit_children, name="unit_children"),
]
