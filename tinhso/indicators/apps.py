from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "tinhso.indicators"
    label = "indicators"
    verbose_name = "Trung tâm điều hành (IOC): chỉ tiêu"

    def ready(self) -> None:
        # Registers the indicators permissions and adds them to the default roles.
        from tinhso.indicators import permissions  # noqa: F401
