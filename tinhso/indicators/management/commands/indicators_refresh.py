"""``tinhso indicators_refresh``: enqueue the safety net of the values computed from the
modules (dossiers, feedback, Q&A, outreach): the refreshes that failed right after a commit,
then every unit's own counts for this month and the previous one (``registry.tick``); ``--now``
runs it here; ``--unit CODE`` recomputes one unit's subtree for the month of ``--day``. The
values are already fresh after each commit: this catches up stocks that change with time alone
(overdue dossiers) and anything a failed refresh missed. ``tinhso tick`` runs it."""

from django.core.management.base import BaseCommand

from tinhso.indicators.tasks import indicators_refresh_computed
from tinhso.units.models import Unit


class Command(BaseCommand):
    help = "Refresh the indicator values computed from the platform's modules."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="Run here, not in the worker.")
        parser.add_argument("--unit", help="Only this unit (code) and the units under it.")
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
