from django.urls import path

from tinhso.qa import views

app_name = "qa"
urlpatterns = [
    path("", views.question_list, name="list"),
    path("dat-cau-hoi/", views.ask, name="ask"),
    path("goi-y/", views.suggest, name="suggest"),
    path("cua-toi/", views.mine, name="mine"),
    path("can-bo/", views.queue, name="queue"),
    path("can-bo/<int:pk>/", views.handle, name="handle"),
    path("<int:pk>/", views.question_detail, name="detail"),
    path("<int:pk>/bao-cao/", views.flag, name="flag"),
    path("<int:pk>/huu-ich/", views.vote, name="vote"),
    path("<int:pk>/rut/", views.withdraw, name="withdraw"),
]
