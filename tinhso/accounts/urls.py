from django.urls import path

from tinhso.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path("can-bo/", views.official_list, name="officials"),
    path("can-bo/<int:pk>/", views.official_detail, name="official_detail"),
]
