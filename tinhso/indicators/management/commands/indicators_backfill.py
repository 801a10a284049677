"""``tinhso indicators_backfill [--since YYYY-MM] [--until YYYY-MM]``: rebuild the values
computed from the modules (each unit's own monthly counts of dossiers, field reports,
questions, outreach records) and their roll-ups, from raw rows. Run it after an upgrade that
changes the counts, or after loading rows that bypassed the services (a migration from another
system, a benchmark's generated data). It replaces the months it covers; a board shows the
result when each chunk of months commits."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from tinhso.indicators import registry


def _month(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise CommandError(f"Expected YYYY-MM, got {text!r}.") from exc


class Command(BaseCommand):
    help = "Rebuild the computed indicator values (monthly counts) and roll-ups from raw rows."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="First month (YYYY-MM); default 36 months back.")
        parser.add_argument("--until", help="Last month (YYYY-MM); default this month.")
        parser.add_argument(
            "--chunk-months", type=int, default=6, help="Months per transaction (default 6)."
        )

    def handle(self, *args, **options):
        until = _month(options["until"])
        if until is not None:
            until = (until.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            until -= dt.timedelta(days=1)
        started = time.perf_counter()
        report = registry.backfill(
            since=_month(options["since"]), until=until, chunk_months=options["chunk_months"]
        )
        self.stdout.write(
            f"months={report.months} values={report.values} aggregates={report.aggregates} "
            f"seconds={time.perf_counter() - started:.1f}"
        )
