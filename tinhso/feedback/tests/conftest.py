"""Test setup of the feedback room: a province with two communes, their committees under the
provincial committee, a category tree, routing rules and officials of each commune."""

from types import SimpleNamespace

import pytest

from tinhso.feedback import services
from tinhso.feedback.permissions import FEEDBACK_HANDLE, FEEDBACK_MODERATE, FEEDBACK_VIEW
from tinhso.feedback.tests.factories import (
    VINH,
    CategoryFactory,
    RoutingRuleFactory,
    citizen,
    near,
)
from tinhso.units.tests.factories import (
    AgencyFactory,
    CommuneFactory,
    ProvinceFactory,
    official_with,
)

HANDLER = (FEEDBACK_VIEW, FEEDBACK_HANDLE, FEEDBACK_MODERATE)


@pytest.fixture
def world(db):
    """``province`` with ``commune_a`` (Xã Anh Sơn Thử) and ``commune_b`` (Phường Bến Thủy
    Thử); ``province_agency`` is the parent of ``agency_a`` and ``agency_b``; ``roads`` (a
    pothole category under ``traffic``) and ``lights``; rules: roads in A → agency_a, roads in B
    → agency_b, lights anywhere → ``power`` (a department); centre points A at ``VINH``, B
    5 km north; handlers ``handler_a``, ``handler_b``, ``province_handler``; a citizen
    ``reporter``."""
    province = ProvinceFactory(name="Tỉnh Thử Nghiệm", code="91")
    commune_a = CommuneFactory(parent=province, name="Xã Anh Sơn Thử", code="91001")
    commune_b = CommuneFactory(parent=province, name="Phường Bến Thủy Thử", code="91002")
    province_agency = AgencyFactory(
        unit=province, province_level=True, code="000.00.00.T91", name="UBND Tỉnh Thử Nghiệm"
    )
    agency_a = AgencyFactory(
        unit=commune_a, code="000.01.91.T91", name="UBND Xã Anh Sơn Thử", parent=province_agency
    )
    agency_b = AgencyFactory(
        unit=commune_b, code="000.02.91.T91", name="UBND Phường Bến Thủy", parent=province_agency
    )
    power = AgencyFactory(
        unit=province, department=True, code="000.05.00.T91", name="Sở Công Thương Thử"
    )
    traffic = CategoryFactory(group=True, service_code="giao-thong", name="Giao thông")
    roads = CategoryFactory(parent=traffic, service_code="o-ga", name="Ổ gà, hư hỏng mặt đường")
    lights = CategoryFactory(service_code="den-duong", name="Đèn đường hỏng", handling_days=3)
    RoutingRuleFactory(order=10, unit=commune_a, category=traffic, agency=agency_a)
    RoutingRuleFactory(order=20, unit=commune_b, category=traffic, agency=agency_b)
    RoutingRuleFactory(order=30, unit=None, category=lights, agency=power)
    # Centre points: A at VINH, B 5 km north of it.
    services.commune_centroid_set(
        acting_user=None, unit=commune_a, latitude=VINH[0], longitude=VINH[1]
    )
    lat_b, lon_b = near(VINH, 5000)
    services.commune_centroid_set(acting_user=None, unit=commune_b, latitude=lat_b, longitude=lon_b)
    return SimpleNamespace(
        province=province,
        commune_a=commune_a,
        commune_b=commune_b,
        province_agency=province_agency,
        agency_a=agency_a,
        agency_b=agency_b,
        power=power,
        traffic=traffic,
        roads=roads,
        lights=lights,
        handler_a=official_with(agency_a, *HANDLER, username="xuly_a", email="a@xa.vn"),
        handler_b=official_with(agency_b, *HANDLER, username="xuly_b", email="b@xa.vn"),
        province_handler=official_with(province_agency, *HANDLER, username="xuly_tinh"),
        reporter=citizen(username="nguoi_phan_anh", email="dan@example.vn"),
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters live in the cache: every test starts with none.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def open311_client(world):
    """An Open311 client and its api_key."""
    client, key = services.api_client_create(
        acting_user=None, name="Ứng dụng thử", requests_per_minute=1000
    )
    return SimpleNamespace(client=client, key=key)
