"""``tinhso indicators_refresh``: enqueue the refresh of the values computed from the
modules (dossiers, feedback, Q&A...) for today; ``--now`` runs it here; ``--unit CODE`` for
one unit and the units above it. Run it from cron or a timer, e.g. every few minutes."""

from django.core.management.base import BaseCommand

from tinhso.indicators.tasks import indicators_refresh_computed
from tinhso.units.models import Unit


class Command(BaseCommand):
    help = "Refresh the indicator values computed from the platform's modules."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="Run here, not in the worker.")
        parser.add_argument("--unit", help="Only this unit (code) and the units above it.")
        parser.add_argument("--day", help="A day of the periods to refresh (YYYY-MM-DD).")

    def handle(self, *args, **options):
        unit_id = None
        if options["unit"]:
            unit_id = Unit.objects.current().get(code=options["unit"]).pk
        kwargs = {"unit_id": unit_id, "day": options["day"]}
        if options["now"]:
            self.stdout.write(f"written={indicators_refresh_computed.call(**kwargs)}")
        else:
            self.stdout.write(f"enqueued {indicators_refresh_computed.enqueue(**kwargs).id}")
