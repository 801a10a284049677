from django.apps import AppConfig


class KernelConfig(AppConfig):
    name = "tinhso.kernel"
    label = "kernel"
    verbose_name = "Kernel"
