"""Test setup of the units room: a small tree with agencies and officials on it."""

from types import SimpleNamespace

import pytest

from tinhso.accounts.permissions import Perm
from tinhso.units.tests.factories import (
    AgencyFactory,
    CommuneFactory,
    ProvinceFactory,
    VillageFactory,
    official_with,
)


@pytest.fixture
def tree(db):
    """Two provinces; the first has two communes (the first with a village), each with
    its People's Committee; and officials:

    - ``province_admin``: provincial committee, UNITS_VIEW + UNITS_MANAGE
    - ``commune_admin``: commune A's committee, UNITS_VIEW + UNITS_MANAGE
    - ``commune_viewer``: commune A's committee, UNITS_VIEW only
    - ``other_admin``: commune B's committee, UNITS_VIEW + UNITS_MANAGE
    """
    province = ProvinceFactory(name="Tỉnh Thử Nghiệm", code="91")
    other_province = ProvinceFactory(name="Tỉnh Bên Cạnh", code="92")
    commune_a = CommuneFactory(parent=province, name="Xã Anh Sơn Thử", code="91001")
    commune_b = CommuneFactory(parent=province, name="Phường Bến Thủy Thử", code="91002")
    village = VillageFactory(parent=commune_a, name="Thôn Đồng Tâm", code="9100101")
    province_agency = AgencyFactory(
        unit=province, province_level=True, code="000.00.00.T91", name="UBND Tỉnh Thử Nghiệm"
    )
    agency_a = AgencyFactory(unit=commune_a, code="000.01.91.T91", name="UBND Xã Anh Sơn Thử")
    agency_b = AgencyFactory(unit=commune_b, code="000.02.91.T91", name="UBND Phường Bến Thủy")
    other_agency = AgencyFactory(
        unit=other_province, province_level=True, code="000.00.00.T92", name="UBND Bên Cạnh"
    )
    both = (Perm.UNITS_VIEW, Perm.UNITS_MANAGE)
    return SimpleNamespace(
        province=province,
        other_province=other_province,
        commune_a=commune_a,
        commune_b=commune_b,
        village=village,
        province_agency=province_agency,
        agency_a=agency_a,
        agency_b=agency_b,
        other_agency=other_agency,
        province_admin=official_with(province_agency, *both, username="tinh"),
        commune_admin=official_with(agency_a, *both, username="xa_a"),
        commune_viewer=official_with(agency_a, Perm.UNITS_VIEW, username="xa_a_xem"),
        other_admin=official_with(agency_b, *both, username="xa_b"),
    )


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser(
        username="quan_tri", password="mat-khau-quan-tri", email="qt@example.vn"
    )


@pytest.fixture
def nghe_an(db):
    """Nghệ An and its 130 communes, from the installed package."""
    from tinhso.units.services import units_load_from_package

    units_load_from_package(province="nghe_an")
