"""``tinhso units load [--province nghe_an]`` and ``tinhso units import FILE.csv``.

Thin: the work is in ``tinhso.units.services``; this prints what it did.
"""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tinhso.kernel.errors import DomainError
from tinhso.units import services


class Command(BaseCommand):
    help = "Load the national list of administrative units, or import extra units from CSV."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        load = subcommands.add_parser(
            "load",
            help="Load or refresh the 34 provinces and 3,321 communes of the national list "
            "(vietnam-provinces package), in force from 2025-07-01. Safe to run again.",
        )
        load.add_argument(
            "--province",
            help="Only this province and its communes: its codename, with or without the "
            "tinh_/thanh_pho_ prefix (nghe_an, tinh_nghe_an), or its code (40).",
        )
        imp = subcommands.add_parser(
            "import",
            help="Import units from a CSV file with the columns "
            "code,name,type,parent_code[,valid_from,valid_until]. Loads nothing if any "
            "row is bad.",
        )
        imp.add_argument("file", help="Path of the CSV file (UTF-8).")
        imp.add_argument(
            "--as",
            dest="username",
            help="Record the import in the audit log under this user (checked for "
            "permission and scope); by default it is recorded as the system.",
        )

    def handle(self, *args, subcommand, **options):
        if subcommand == "load":
            return self.load(options["province"])
        return self.import_csv(options["file"], options.get("username"))

    def load(self, province):
        started = time.perf_counter()
        try:
            report = services.units_load_from_package(province=province)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        elapsed = time.perf_counter() - started
        for level, prefix in (("Provinces", "provinces"), ("Communes", "communes")):
            self.stdout.write(
                f"{level}: {getattr(report, prefix + '_created')} created, "
                f"{getattr(report, prefix + '_updated')} updated, "
                f"{getattr(report, prefix + '_unchanged')} unchanged"
            )
        if report.communes_moved:
            self.stdout.write(f"Communes moved to another province: {report.communes_moved}")
        self.stdout.write(self.style.SUCCESS(f"Done in {elapsed:.2f} s."))

    def import_csv(self, path, username):
        acting_user = None
        if username:
            try:
                acting_user = get_user_model().objects.get(username=username)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"No user named {username!r}.") from exc
        try:
            report = services.units_import_csv(acting_user=acting_user, file=path)
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {path}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} is not UTF-8 text.") from exc
        except DomainError as exc:
            for problem in exc.details or []:
                line, reason = problem.get("line", "?"), problem.get("reason", "")
                code = f" [{problem['code']}]" if problem.get("code") else ""
                self.stderr.write(f"line {line}{code}: {reason}: {problem['message']}")
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.rows} rows: {report.created} created, {report.updated} updated, "
                f"{report.unchanged} unchanged."
            )
        )
