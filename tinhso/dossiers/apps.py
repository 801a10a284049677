from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "tinhso.dossiers"
    label = "dossiers"
    verbose_name = "Dịch vụ công và một cửa"

    def ready(self) -> None:
        # Registers the permission codes and grants them to the default roles.
        from tinhso.dossiers import permissions  # noqa: F401
