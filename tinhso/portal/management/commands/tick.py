"""``tinhso tick``: every module's periodic work in one command, for cron or a systemd timer.

Runs, in order: dossier reminders and escalation, field-report reminders/escalation/closing/
anonymisation, question reminders, outreach retries and scheduled sends, the refresh of the
IOC's computed indicators, and the sweep of uploaded bytes that no row refers to. Each step is
idempotent, so running it every few minutes is safe.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

STEPS = [
    "dossiers_tick",
    "feedback_tick",
    "qa_tick",
    "outreach_tick",
    "indicators_refresh",
    "files_sweep",
]


class Command(BaseCommand):
    help = "Run every module's periodic work once (reminders, escalation, retries, refreshes)."

    def handle(self, *args, **options):
        for step in STEPS:
            call_command(step, verbosity=options["verbosity"])
