"""`tinhso demo`: load the demo province and print who can log in (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from tinhso.portal.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load a demo province (real units) with agencies, officials and citizens."

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            default=settings.TINHSO_PROVINCE_CODENAME,
            help="codename of the province in vietnam-provinces (default: %(default)s)",
        )

    def handle(self, *args, province, **options):
        report = load_demo(province=province)
        out = self.stdout
        out.write(
            f"Demo: {report.province.name} — {report.units_loaded} units, "
            f"{report.agencies_created} agencies, {report.users_created} users created "
            "(0 means they were already there)."
        )
        out.write("")
        out.write("Log in at http://127.0.0.1:8000/tai-khoan/dang-nhap/ with:")
        width = max(len(login.username) for login in report.logins)
        for login in report.logins:
            out.write(f"  {login.username.ljust(width)}  {login.who}  [{login.roles}]")
        out.write(f"Password for every demo account: {DEMO_PASSWORD}")
        out.write("Administration: http://127.0.0.1:8000/quan-tri/ (quantri)")
