"""Write the OpenAPI document of /api/v1/ (the committed contract is docs/openapi.json)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand


def openapi_document() -> str:
    from tinhso.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Write the OpenAPI schema of the HTTP API (docs/openapi.json is the committed one)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write; standard output if absent")

    def handle(self, *args, output=None, **options):
        document = openapi_document()
        if output:
            Path(output).write_text(document, encoding="utf-8")
            self.stdout.write(f"wrote {output}")
        else:
            self.stdout.write(document, ending="")
