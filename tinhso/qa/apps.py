from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "tinhso.qa"
    label = "qa"
    verbose_name = "Hỏi đáp trực tuyến"
