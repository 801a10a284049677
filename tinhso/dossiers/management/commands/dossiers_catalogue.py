"""``tinhso dossiers_catalogue import FILE`` / ``export FILE``: the procedure catalogue as
CSV, Excel (.xlsx) or, for import, the JSON of data/procedures.json. The format follows the
file's extension. An import is all or nothing; problems are listed per line and field."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tinhso.dossiers import catalogue
from tinhso.kernel.errors import DomainError


class Command(BaseCommand):
    help = "Import or export the catalogue of procedures (CSV, XLSX; JSON for import)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["import", "export"])
        parser.add_argument("file", help="Path of the file (.csv, .xlsx, .json)")

    def handle(self, *args, action, file, **options):
        path = Path(file)
        suffix = path.suffix.lower().lstrip(".")
        try:
            if action == "export":
                if suffix not in ("csv", "xlsx"):
                    raise CommandError("Export to a .csv or .xlsx file.")
                path.write_bytes(catalogue.catalogue_export(file_format=suffix))
                self.stdout.write(f"Exported the catalogue to {path}.")
                return
            if suffix == "json":
                report = catalogue.catalogue_load_json(acting_user=None, path=path)
            else:
                report = catalogue.catalogue_import(acting_user=None, file=path)
        except DomainError as exc:
            for problem in exc.details or []:
                self.stderr.write(
                    f"line {problem.get('line', '?')} {problem.get('field', '')}: "
                    f"{problem.get('code')} {problem.get('message')}"
                )
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(
            f"{report.rows} procedures: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged."
        )
