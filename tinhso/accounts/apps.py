from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tinhso.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"
