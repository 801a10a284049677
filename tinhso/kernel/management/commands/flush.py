"""``flush`` as Django ships it, except that it may also empty the append-only audit log.

Flushing removes every row of every table, on purpose (the test runner does it after each
transactional test); the audit trigger refuses every other delete. See ``tinhso.kernel.audit``.
"""

from django.core.management.commands.flush import Command as FlushCommand

from tinhso.kernel.audit import audit_log_flushable


class Command(FlushCommand):
    def handle(self, **options):
        with audit_log_flushable():
            return super().handle(**options)
