"""``tinhso dossiers_tick``: enqueue the deadline reminders and the escalations."""

from django.core.management.base import BaseCommand

from tinhso.dossiers.tasks import escalate_overdue, send_deadline_reminders


class Command(BaseCommand):
    help = "Enqueue the dossier deadline reminders and escalations (run it periodically)."

    def handle(self, *args, **options):
        send_deadline_reminders.enqueue()
        escalate_overdue.enqueue()
        self.stdout.write("Enqueued dossier reminders and escalations.")
