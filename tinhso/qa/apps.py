from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "tinhso.qa"
    label = "qa"
    verbose_name = "Hỏi đáp trực tuyến"

    def ready(self) -> None:
        # Registers the qa permissions and adds them to the default roles.
        from tinhso.qa import permissions  # noqa: F401
