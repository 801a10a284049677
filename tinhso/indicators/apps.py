from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "tinhso.indicators"
    label = "indicators"
    verbose_name = "Trung tâm điều hành (IOC): chỉ tiêu"

    def ready(self) -> None:
        # Registers the indicators permissions and adds them to the default roles.
        from tinhso.indicators import (
            permissions,  # noqa: F401
            registry,
        )
        from tinhso.kernel import events

        # Fresh computed values: a committed dossier, report, question... refreshes its
        # unit's own monthly counts right away, in this process's background refresher thread
        # (started on the first event, so never in a gunicorn master) or inline, as
        # ``TINHSO_IOC_REFRESH`` says (see ``registry`` and ``refresher``).
        events.subscribe(registry.on_events, labels=registry.watched_labels())
