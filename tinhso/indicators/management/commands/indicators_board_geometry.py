"""``tinhso indicators_board_geometry FILE [--property code]``: load unit outlines for the
IOC maps from a GeoJSON FeatureCollection (WGS 84 Polygon / MultiPolygon features), matched to
the units in force by the official code in each feature's ``properties``."""

import json

from django.core.management.base import BaseCommand, CommandError

from tinhso.indicators import boards
from tinhso.kernel.errors import DomainError


class Command(BaseCommand):
    help = "Import unit outlines (GeoJSON FeatureCollection) for the IOC maps."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A GeoJSON FeatureCollection.")
        parser.add_argument(
            "--property",
            dest="code_property",
            default="code",
            help="The feature property holding the unit code.",
        )

    def handle(self, *args, file, code_property, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        try:
            report = boards.geometry_import(
                acting_user=None, data=data, code_property=code_property, source=file
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message} {exc.details or ''}") from exc
        unmatched = report["unmatched"]
        self.stdout.write(f"imported={report['imported']} unmatched={len(unmatched)}")
        if unmatched:
            self.stdout.write("unmatched codes: " + ", ".join(unmatched[:50]))
