from django.apps import AppConfig
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_save


def _calendar_day_changed(sender, **kwargs) -> None:
    from tinhso.kernel.calendar import calendar_changed

    calendar_changed()


class KernelConfig(AppConfig):
    name = "tinhso.kernel"
    label = "kernel"
    verbose_name = "Kernel"

    def ready(self) -> None:
        from tinhso.kernel.audit import register_sqlite_functions
        from tinhso.kernel.models import CalendarDay

        # Any write to the overrides (service, admin, shell, fixture) rebuilds the calendar.
        post_save.connect(_calendar_day_changed, sender=CalendarDay, dispatch_uid="kernel.cal")
        post_delete.connect(_calendar_day_changed, sender=CalendarDay, dispatch_uid="kernel.cal-")
        # The SQLite audit trigger calls a function every connection must know.
        connection_created.connect(register_sqlite_functions, dispatch_uid="kernel.sqlite")
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None:
                register_sqlite_functions(connection=connection)
