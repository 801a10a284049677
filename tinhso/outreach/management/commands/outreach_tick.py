"""``tinhso outreach_tick``: send the outreach dispatches whose retry is due.

Run it from cron (e.g. every 5 minutes). By default it enqueues the task for the workers;
``--now`` runs the work in this process and prints what it did.
"""

from django.core.management.base import BaseCommand

from tinhso.outreach import tasks


class Command(BaseCommand):
    help = "Retry outreach messages (SMS, Zalo, e-mail) whose back-off has passed."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="Run here instead of enqueueing.")

    def handle(self, *args, **options):
        if options["now"]:
            counts = tasks.run_tick()
            self.stdout.write(", ".join(f"{key}={value}" for key, value in counts.items()))
        else:
            result = tasks.outreach_tick.enqueue()
            self.stdout.write(f"enqueued {result.id}")
