from django.urls import path

from tinhso.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("hien-thi/", views.display_preferences, name="display_preferences"),
    path("ma-nguon/", views.source, name="source"),
    path("lam-viec/", views.workspace, name="workspace"),
]
