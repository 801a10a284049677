"""``tinhso units load``: the national list from the vietnam-provinces package."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from tinhso.kernel.errors import InvalidInput
from tinhso.kernel.models import AuditEvent
from tinhso.units import selectors, services
from tinhso.units.models import Unit, path_segment
from tinhso.units.tests.factories import CommuneFactory

pytestmark = pytest.mark.django_db

COMMUNE_TYPES = {Unit.Type.XA, Unit.Type.PHUONG, Unit.Type.DAC_KHU}


def snapshot():
    return list(Unit.objects.order_by("pk").values_list("code", "name", "path", "level", "type"))


def test_full_load_gives_the_34_provinces_and_3321_communes():
    report = services.units_load_from_package()
    assert (report.provinces_created, report.communes_created) == (34, 3321)
    provinces = Unit.objects.filter(level=1)
    communes = Unit.objects.filter(level=2)
    assert provinces.count() == 34
    assert communes.count() == 3321
    assert set(provinces.values_list("type", flat=True)) == {
        Unit.Type.TINH,
        Unit.Type.THANH_PHO_TRUNG_UONG,
    }
    assert set(communes.values_list("type", flat=True)) == COMMUNE_TYPES
    assert not Unit.objects.filter(valid_from__isnull=True).exists()
    assert not Unit.objects.exclude(valid_from=dt.date(2025, 7, 1)).exists()

    nghe_an = Unit.objects.get(code="40")
    assert (nghe_an.name, nghe_an.type, nghe_an.level) == ("Tỉnh Nghệ An", Unit.Type.TINH, 1)
    assert nghe_an.codename == "tinh_nghe_an"
    assert nghe_an.path == path_segment(nghe_an.pk)
    ha_noi = Unit.objects.get(code="01")
    assert (ha_noi.name, ha_noi.type) == ("Thành phố Hà Nội", Unit.Type.THANH_PHO_TRUNG_UONG)

    anh_son = Unit.objects.get(code="17329")
    assert anh_son.name == "Xã Anh Sơn"
    assert anh_son.search_name == "xa anh son"
    assert anh_son.parent == nghe_an
    assert anh_son.path == nghe_an.path + path_segment(anh_son.pk)
    assert selectors.units_under(nghe_an, include_self=False).count() == 130
    assert Unit.objects.filter(parent=nghe_an, type=Unit.Type.PHUONG).exists()
    # Every code has its official width: 2 digits for provinces, 5 for communes.
    assert {len(c) for c in provinces.values_list("code", flat=True)} == {2}
    assert {len(c) for c in communes.values_list("code", flat=True)} == {5}
    # One audit row for the load, not one per unit.
    assert AuditEvent.objects.filter(action="units.load_package").count() == 1


def test_a_second_load_changes_nothing():
    services.units_load_from_package()
    before = snapshot()
    report = services.units_load_from_package()
    assert snapshot() == before
    assert (report.provinces_unchanged, report.communes_unchanged) == (34, 3321)
    assert not report.changed
    assert AuditEvent.objects.filter(action="units.load_package").count() == 1


def test_a_load_puts_back_changed_names_and_keeps_records(nghe_an):
    unit = Unit.objects.get(code="17329")
    services.unit_update(acting_user=None, unit=unit, name="Xã Tên Sai")
    village = CommuneFactory(parent=unit, type=Unit.Type.THON, code="1732901")
    report = services.units_load_from_package(province="nghe_an")
    assert report.communes_updated == 1
    unit.refresh_from_db()
    assert (unit.name, unit.search_name) == ("Xã Anh Sơn", "xa anh son")
    assert Unit.objects.get(pk=village.pk).parent_id == unit.pk


@pytest.mark.parametrize("name", ["nghe_an", "tinh_nghe_an", "Nghệ An", "40"])
def test_load_one_province(name):
    report = services.units_load_from_package(province=name)
    assert (report.provinces_created, report.communes_created) == (1, 130)
    assert list(Unit.objects.filter(level=1).values_list("name", flat=True)) == ["Tỉnh Nghệ An"]


def test_load_a_city_by_its_prefixed_name():
    services.units_load_from_package(province="thanh_pho_hue")
    assert Unit.objects.get(level=1).name == "Thành phố Huế"


def test_one_province_then_the_country():
    services.units_load_from_package(province="nghe_an")
    report = services.units_load_from_package()
    assert (report.provinces_created, report.provinces_unchanged) == (33, 1)
    assert (report.communes_created, report.communes_unchanged) == (3191, 130)


def test_unknown_province():
    with pytest.raises(InvalidInput) as exc:
        services.units_load_from_package(province="atlantis")
    assert exc.value.code == "units_province_unknown"


def test_command_prints_counts():
    out = io.StringIO()
    call_command("units", "load", "--province", "tinh_nghe_an", stdout=out)
    assert "Provinces: 1 created, 0 updated, 0 unchanged" in out.getvalue()
    assert "Communes: 130 created, 0 updated, 0 unchanged" in out.getvalue()
    out = io.StringIO()
    call_command("units", "load", "--province", "nghe_an", stdout=out)
    assert "Communes: 0 created, 0 updated, 130 unchanged" in out.getvalue()


def test_command_refuses_an_unknown_province():
    with pytest.raises(CommandError):
        call_command("units", "load", "--province", "atlantis", stdout=io.StringIO())
