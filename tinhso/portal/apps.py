from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "tinhso.portal"
    label = "portal"
    verbose_name = "Cổng thông tin"
