"""``tinhso feedback_api_client NAME [--email E] [--per-minute N]``: make an Open311 client and
print its api_key once (only its hash is kept; there is no way to show it again)."""

from django.core.management.base import BaseCommand

from tinhso.feedback import services


class Command(BaseCommand):
    help = "Create an Open311 client and print its api_key once."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--email", default="")
        parser.add_argument("--per-minute", type=int, default=30)

    def handle(self, *args, **options):
        client, key = services.api_client_create(
            acting_user=None,
            name=options["name"],
            contact_email=options["email"],
            requests_per_minute=options["per_minute"],
        )
        self.stdout.write(f"{client.name}: api_key={key}")
