"""Test setup of the qa room: a province with two communes, agencies and officials.

::

    Tỉnh Hỏi Đáp (province)    agency "tinh" (desk: route + moderate)   officials "desk"
    ├── Xã An (commune A)      agency "a"     officials "drafter" (answer), "leader" (review)
    └── Xã Bình (commune B)    agency "b"     official "b_leader" (answer + review)
"""

from types import SimpleNamespace

import pytest

from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.qa.permissions import QaPerm
from tinhso.units.tests.factories import (
    AgencyFactory,
    CommuneFactory,
    ProvinceFactory,
    official_with,
)


@pytest.fixture
def qa(db, settings):
    province = ProvinceFactory(name="Tỉnh Hỏi Đáp")
    settings.TINHSO_PROVINCE_CODENAME = province.codename
    commune_a = CommuneFactory(parent=province, name="Xã An")
    commune_b = CommuneFactory(parent=province, name="Xã Bình")
    tinh = AgencyFactory(
        unit=province, province_level=True, name="Trung tâm Phục vụ hành chính công"
    )
    agency_a = AgencyFactory(unit=commune_a, name="UBND xã An", email="xaan@example.vn")
    agency_b = AgencyFactory(unit=commune_b, name="UBND xã Bình")
    return SimpleNamespace(
        province=province,
        commune_a=commune_a,
        commune_b=commune_b,
        tinh=tinh,
        agency_a=agency_a,
        agency_b=agency_b,
        desk=official_with(tinh, QaPerm.VIEW, QaPerm.ROUTE, QaPerm.MODERATE, username="desk"),
        drafter=official_with(agency_a, QaPerm.VIEW, QaPerm.ANSWER, username="drafter"),
        leader=official_with(
            agency_a, QaPerm.VIEW, QaPerm.ANSWER, QaPerm.REVIEW, username="leader"
        ),
        b_leader=official_with(
            agency_b, QaPerm.VIEW, QaPerm.ANSWER, QaPerm.REVIEW, username="b_leader"
        ),
        citizen=CitizenFactory(email="dan@example.vn", full_name="Hồ Thị Lan"),
        other_citizen=CitizenFactory(),
    )
