"""``tinhso indicators_board import FILE`` defines (or replaces) a board from a JSON file;
``tinhso indicators_board export FILE [--board CODE]`` writes one (the default board when no
code is given) so a province can edit it and import it elsewhere. ``-`` is stdin / stdout."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from tinhso.indicators import boards
from tinhso.indicators.models import Board
from tinhso.kernel.errors import DomainError


class Command(BaseCommand):
    help = "Import or export an IOC board definition as JSON."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["import", "export"])
        parser.add_argument("file", help="The JSON file (- for stdin or stdout).")
        parser.add_argument("--board", default="", help="The board to export (its code).")

    def handle(self, *args, action, file, board, **options):
        if action == "import":
            text = sys.stdin.read() if file == "-" else self._read(file)
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise CommandError(f"{file}: not JSON ({exc}).") from exc
            try:
                found = boards.board_import(acting_user=None, data=data)
            except DomainError as exc:
                lines = [f"{exc.code}: {exc.message}"]
                lines += [f"  {d.get('field')}: {d.get('message')}" for d in exc.details or []]
                raise CommandError("\n".join(lines)) from exc
            self.stdout.write(f"board={found.code} items={found.items.count()}")
            return
        found = (
            Board.objects.filter(code=board).first() if board else Board.objects.first()
        )  # the default board sorts first
        if found is None:
            raise CommandError(f"No board {board!r}." if board else "No board is defined.")
        text = json.dumps(boards.board_export(found), ensure_ascii=False, indent=2) + "\n"
        if file == "-":
            self.stdout.write(text, ending="")
        else:
            with open(file, "w", encoding="utf-8") as out:
                out.write(text)
            self.stdout.write(f"board={found.code} file={file}")

    @staticmethod
    def _read(path: str) -> str:
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}.") from exc
