from django.urls import path

from tinhso.indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.home, name="home"),
    path("<slug:board>/", views.board_home, name="board_home"),
    path("<slug:board>/<slug:scope>/", views.board_for_unit, name="board"),
    path("<slug:board>/<slug:scope>/bang.pdf", views.board_pdf, name="board_pdf"),
    path(
        "<slug:board>/<slug:scope>/xuat/<slug:key>.<slug:fmt>",
        views.board_export,
        name="board_export",
    ),
]
