"""``tinhso files_sweep``: delete uploaded bytes that no stored-file row refers to (left by a
rolled-back upload or a crash between the write and the commit). Part of ``tinhso tick``."""

import datetime as dt

from django.core.management.base import BaseCommand

from tinhso.kernel.files import SWEEP_MIN_AGE, sweep_orphan_files


class Command(BaseCommand):
    help = "Delete uploaded files that no stored-file row refers to (older than an hour)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-age-minutes",
            type=float,
            default=SWEEP_MIN_AGE.total_seconds() / 60,
            help="keep files younger than this; 0 only when no server is running "
            "(default: %(default)s)",
        )

    def handle(self, *args, min_age_minutes, **options):
        swept = sweep_orphan_files(min_age=dt.timedelta(minutes=min_age_minutes))
        if options["verbosity"] >= 1:
            self.stdout.write(f"{len(swept)} orphan files removed.")
