"""The factories other modules build on: every trait gives a valid, saved tree."""

import datetime as dt

import pytest

from tinhso.accounts.permissions import Perm, user_can
from tinhso.accounts.scope import scope_unit
from tinhso.units.models import Agency, Unit, path_segment
from tinhso.units.tests.factories import (
    AgencyFactory,
    CommuneFactory,
    ProvinceFactory,
    UnitFactory,
    VillageFactory,
    WardFactory,
    official_with,
)

pytestmark = pytest.mark.django_db


def test_unit_traits():
    province = UnitFactory()
    assert (province.type, province.level, province.parent) == (Unit.Type.TINH, 1, None)
    assert province.path == path_segment(province.pk)
    commune = CommuneFactory()
    assert (commune.type, commune.level, commune.parent.type) == (Unit.Type.XA, 2, Unit.Type.TINH)
    assert commune.path == commune.parent.path + path_segment(commune.pk)
    assert WardFactory().type == Unit.Type.PHUONG
    village = VillageFactory()
    assert (village.type, village.level, village.parent.type) == (Unit.Type.THON, 3, Unit.Type.XA)
    group = UnitFactory(residential_group=True)
    assert (group.type, group.parent.type) == (Unit.Type.TO_DAN_PHO, Unit.Type.PHUONG)
    retired = CommuneFactory(retired=True)
    assert retired.valid_until == dt.date(2025, 6, 30) and not retired.in_force
    assert retired.parent.in_force
    mine = CommuneFactory(parent=province)
    assert mine.parent == province
    assert ProvinceFactory().search_name.startswith("tinh thu nghiem")
    assert len({UnitFactory().code for _ in range(5)}) == 5


def test_agency_traits():
    agency = AgencyFactory()
    assert agency.kind == Agency.Kind.UBND_XA
    assert agency.unit.type == Unit.Type.XA
    agency.full_clean()
    assert AgencyFactory(province_level=True).unit.level == 1
    assert AgencyFactory(department=True).kind == Agency.Kind.SO
    desk = AgencyFactory(desk=True)
    assert desk.kind == Agency.Kind.MOT_CUA
    assert desk.parent.unit == desk.unit
    closed = AgencyFactory(inactive=True)
    closed.refresh_from_db()
    assert not closed.is_active
    codes = {AgencyFactory(unit=agency.unit).code for _ in range(120)}
    assert len(codes) == 120


def test_official_with():
    agency = AgencyFactory()
    user = official_with(agency, Perm.UNITS_VIEW)
    assert user.is_official and user.agency == agency
    assert user_can(user, Perm.UNITS_VIEW) and not user_can(user, Perm.UNITS_MANAGE)
    assert scope_unit(user) == agency.unit
