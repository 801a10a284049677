from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "tinhso.dossiers"
    label = "dossiers"
    verbose_name = "Dịch vụ công và một cửa"
