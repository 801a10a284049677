"""``tinhso feedback_tick``: reminders, escalation, closing and anonymisation of field reports.

Run it from cron (e.g. every 15 minutes). By default it enqueues the task for the workers;
``--now`` runs the work in this process and prints what it did.
"""

from django.core.management.base import BaseCommand

from tinhso.feedback import tasks


class Command(BaseCommand):
    help = "Remind, escalate, close and anonymise field reports (phản ánh hiện trường)."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="Run here instead of enqueueing.")

    def handle(self, *args, **options):
        if options["now"]:
            counts = tasks.run_tick()
            self.stdout.write(", ".join(f"{key}={value}" for key, value in counts.items()))
        else:
            result = tasks.feedback_tick.enqueue()
            self.stdout.write(f"enqueued {result.id}")
