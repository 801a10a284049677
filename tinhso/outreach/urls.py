from django.urls import path

from tinhso.outreach import views
from tinhso.outreach.feeds import NewsFeed

app_name = "outreach"
urlpatterns = [
    # Public: the news is the room's front page (the portal's "news" tile points here).
    path("", views.news_list, name="news_list"),
    path("tin/rss/", NewsFeed(), name="news_feed"),
    path("tin/<slug:slug>/", views.news_detail, name="news_detail"),
    path("khao-sat/<int:pk>/", views.survey_answer, name="survey"),
    path("khao-sat/<int:pk>/cam-on/", views.survey_thanks, name="survey_thanks"),
    # Communication staff.
    path("chien-dich/", views.campaign_list, name="campaigns"),
    path("chien-dich/lich/", views.campaign_calendar, name="calendar"),
    path("chien-dich/moi/", views.campaign_new, name="campaign_new"),
    path("chien-dich/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("chien-dich/<int:pk>/sua/", views.campaign_edit, name="campaign_edit"),
    path("noi-dung/", views.content_list, name="contents"),
    path("noi-dung/moi/", views.content_new, name="content_new"),
    path("noi-dung/<int:pk>/", views.content_detail, name="content_detail"),
    path("noi-dung/<int:pk>/sua/", views.content_edit, name="content_edit"),
    path("noi-dung/<int:pk>/thao-tac/", views.content_action, name="content_action"),
    path("noi-dung/<int:pk>/am-thanh/", views.content_audio, name="content_audio"),
    path("noi-dung/<int:pk>/doc-tu-dong/", views.content_tts, name="content_tts"),
    path(
        "noi-dung/<int:pk>/tai-am-thanh/",
        views.content_audio_upload,
        name="content_audio_upload",
    ),
    path("noi-dung/<int:pk>/lich-phat/", views.content_schedule, name="content_schedule"),
    path("noi-dung/<int:pk>/gui/", views.content_dispatch, name="content_dispatch"),
    path("truyen-thanh/", views.radio_schedule, name="radio_schedule"),
    path("truyen-thanh/nhat-ky-phat/", views.play_log, name="play_log"),
    path("truyen-thanh/tuan-thu/", views.compliance, name="compliance"),
    path("gui-tin/", views.deliveries, name="deliveries"),
    path("gui-tin/<int:pk>/gui-lai/", views.dispatch_retry, name="dispatch_retry"),
    # Community digital-technology teams (phone first).
    path("to-cong-nghe/", views.team_list, name="teams"),
    path("to-cong-nghe/sw.js", views.team_service_worker, name="team_service_worker"),
    path("to-cong-nghe/nhat-ky/", views.activity_log, name="activity_log"),
    path("to-cong-nghe/moi/", views.team_new, name="team_new"),
    path("to-cong-nghe/<int:pk>/", views.team_detail, name="team_detail"),
    path("to-cong-nghe/<int:pk>/quan-ly/", views.team_manage, name="team_manage"),
    path("to-cong-nghe/<int:pk>/thanh-vien/", views.team_member_new, name="team_member_new"),
    path(
        "to-cong-nghe/<int:pk>/thanh-vien/<int:member_pk>/ngung/",
        views.team_member_deactivate,
        name="team_member_deactivate",
    ),
    path("to-cong-nghe/<int:pk>/tap-huan/", views.team_training_new, name="team_training_new"),
    # Awareness surveys (staff side).
    path("khao-sat/quan-ly/", views.survey_list, name="surveys"),
    path("khao-sat/quan-ly/moi/", views.survey_new, name="survey_new"),
    path("khao-sat/quan-ly/<int:pk>/", views.survey_manage, name="survey_manage"),
    path("khao-sat/quan-ly/<int:pk>/trang-thai/", views.survey_status, name="survey_status"),
    path("khao-sat/quan-ly/<int:pk>/ket-qua/", views.survey_results, name="survey_results"),
    path(
        "khao-sat/quan-ly/<int:pk>/ket-qua.csv",
        views.survey_results_csv,
        name="survey_results_csv",
    ),
]
