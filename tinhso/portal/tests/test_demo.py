"""`tinhso demo` loads a usable, idempotent demo province from the real unit data."""

import pytest
from django.core.management import call_command

from tinhso.accounts.models import Role, User
from tinhso.accounts.selectors import officials_for_user
from tinhso.accounts.validators import validate_cccd
from tinhso.portal.demo import DEMO_PASSWORD, load_demo
from tinhso.units.models import Agency, Unit

pytestmark = pytest.mark.django_db


def test_demo_loads_nghe_an_with_agencies_officials_and_citizens_once():
    first = load_demo(province="nghe_an")
    counts = (Unit.objects.count(), Agency.objects.count(), User.objects.count())

    second = load_demo(province="nghe_an")

    assert (Unit.objects.count(), Agency.objects.count(), User.objects.count()) == counts
    assert second.agencies_created == second.users_created == second.units_loaded == 0
    assert first.province.name == "Tỉnh Nghệ An"
    assert Unit.objects.get(code="40").children.filter(valid_until__isnull=True).count() >= 130
    assert Unit.objects.filter(type=Unit.Type.THON, parent__code="17329").count() == 4
    assert Agency.objects.get(code="000.00.00.H40").name == "Ủy ban nhân dân tỉnh Nghệ An"
    # Role names are stored in the site's language (Vietnamese), whatever the command's locale.
    assert Role.objects.get(code="can-bo-mot-cua").name == "Cán bộ Bộ phận một cửa"
    citizens = User.objects.filter(kind=User.Kind.CITIZEN)
    assert citizens.count() == 6
    for citizen in citizens:
        validate_cccd(citizen.cccd, date_of_birth=citizen.date_of_birth, sex=citizen.sex)


def test_demo_logins_work_and_commune_officials_see_only_their_commune(client):
    report = load_demo(province="nghe_an")
    usernames = {login.username for login in report.logins}
    assert {"quantri", "lanhdao.tinh", "motcua.anhson", "chuyenvien.dienchau"} <= usernames

    for username in ("motcua.anhson", "quantri", report.logins[-1].username):
        response = client.post(
            "/tai-khoan/dang-nhap/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
        client.post("/tai-khoan/dang-xuat/")

    commune_admin = User.objects.get(username="quantri.anhson")
    seen = {user.agency.unit.code for user in officials_for_user(commune_admin)}
    assert seen == {"17329"}
    province_admin = User.objects.get(username="quantri.tinh")
    seen = {user.agency.unit.code for user in officials_for_user(province_admin)}
    assert {"40", "17329", "16681", "17464"} <= seen


def test_demo_command_prints_the_logins(capsys):
    call_command("demo", province="nghe_an")
    out = capsys.readouterr().out
    assert "Tỉnh Nghệ An" in out
    assert "motcua.anhson" in out
    assert DEMO_PASSWORD in out
