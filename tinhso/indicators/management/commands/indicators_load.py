"""``tinhso indicators_load``: load the shipped catalogue, the national targets (Decisions
749 and 411) and the DTI frameworks; ``--framework FILE`` loads one more framework file."""

from django.core.management.base import BaseCommand

from tinhso.indicators import loaders


class Command(BaseCommand):
    help = "Load the indicator catalogue, the national targets and the DTI frameworks."

    def add_arguments(self, parser):
        parser.add_argument("--framework", action="append", default=[], help="A DTI JSON file.")

    def handle(self, *args, **options):
        report = loaders.load_all()
        for path in options["framework"]:
            report["frameworks"].append(loaders.load_framework(loaders._read(path)).code)
        catalogue = report["catalogue"]
        self.stdout.write(
            f"elements={catalogue['elements']} indicators={catalogue['indicators']} "
            f"skipped={catalogue['skipped']} targets={report['targets']} "
            f"frameworks={','.join(report['frameworks'])}"
        )
