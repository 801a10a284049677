from django.urls import path

from tinhso.feedback import views

app_name = "feedback"
urlpatterns = [
    # Public: the report form is the module's front page (the portal tile points here).
    path("", views.report_new, name="new"),
    path("trung-lap/", views.duplicates, name="duplicates"),
    path("da-gui/<str:code>/", views.report_sent, name="report_sent"),
    path("cong-khai/", views.public_list, name="public_list"),
    path("cong-khai/<str:code>/", views.public_detail, name="public_detail"),
    path("theo-doi/<str:code>/", views.follow, name="follow"),
    path("anh/<uuid:file_id>/", views.photo, name="photo"),
    # The reporter's own reports.
    path("cua-toi/", views.my_reports, name="my_reports"),
    path("cua-toi/<str:code>/", views.my_report_detail, name="my_report"),
    # Officials.
    path("duong-day-nong/", views.hotline, name="hotline"),
    path("xu-ly/", views.queue, name="queue"),
    path("xu-ly/<str:code>/", views.handle_detail, name="handle"),
    path("xu-ly/<str:code>/thao-tac/", views.handle_action, name="handle_action"),
    path("cau-hinh/", views.settings_overview, name="settings"),
]
