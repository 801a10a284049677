"""``tinhso ensure_default_roles [--update]``: create the default roles that are missing."""

from django.core.management.base import BaseCommand

from tinhso.accounts.services import roles_ensure_defaults


class Command(BaseCommand):
    help = "Create the default roles that are missing (--update also adds new default permissions)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="add the default permissions missing from existing default roles",
        )

    def handle(self, *args, update=False, **options):
        saved = roles_ensure_defaults(update_existing=update)
        for role in saved:
            self.stdout.write(f"{role.code}: {role.name}")
        self.stdout.write(f"{len(saved)} role(s) created or updated")
