"""``tinhso qa_tick``: enqueue the qa reminders and escalation (run it from cron or a timer,
e.g. every hour); ``--now`` runs them in this process instead."""

from django.core.management.base import BaseCommand

from tinhso.qa.tasks import qa_remind_and_escalate


class Command(BaseCommand):
    help = "Send the reminders and escalations of questions due soon or overdue."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="Run here, not in the worker.")

    def handle(self, *args, **options):
        if options["now"]:
            sent = qa_remind_and_escalate.call()
            self.stdout.write(f"reminded={sent['reminded']} escalated={sent['escalated']}")
        else:
            result = qa_remind_and_escalate.enqueue()
            self.stdout.write(f"enqueued {result.id}")
