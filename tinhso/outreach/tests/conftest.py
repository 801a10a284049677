"""Test setup of the outreach room: a province with two communes (A with two villages, B with
one), agencies on each, a communication officer per commune and one for the province, a
leader who approves, and the SMS/Zalo stand-ins on loopback when a test asks for them."""

from types import SimpleNamespace

import pytest

from tinhso.outreach import services
from tinhso.outreach.permissions import ALL, OUTREACH_APPROVE, OUTREACH_VIEW
from tinhso.outreach.standins import SmsStandin, ZaloStandin
from tinhso.units.tests.factories import (
    AgencyFactory,
    CommuneFactory,
    ProvinceFactory,
    VillageFactory,
    official_with,
)


@pytest.fixture
def world(db):
    province = ProvinceFactory(name="Tỉnh Thử Nghiệm", code="92")
    commune_a = CommuneFactory(parent=province, name="Xã Anh Sơn Thử", code="92001")
    commune_b = CommuneFactory(parent=province, name="Phường Bến Thủy Thử", code="92002")
    village_a1 = VillageFactory(parent=commune_a, name="Xóm 1", code="92001-01")
    village_a2 = VillageFactory(parent=commune_a, name="Xóm 2", code="92001-02")
    village_b1 = VillageFactory(parent=commune_b, name="Xóm 1", code="92002-01")
    province_agency = AgencyFactory(
        unit=province, department=True, code="000.07.00.T92", name="Sở Văn hóa Thử"
    )
    agency_a = AgencyFactory(unit=commune_a, code="000.01.92.T92", name="UBND Xã Anh Sơn Thử")
    agency_b = AgencyFactory(unit=commune_b, code="000.02.92.T92", name="UBND Phường Bến Thủy")
    return SimpleNamespace(
        province=province,
        commune_a=commune_a,
        commune_b=commune_b,
        village_a1=village_a1,
        village_a2=village_a2,
        village_b1=village_b1,
        officer=official_with(province_agency, *ALL, username="truyenthong_tinh"),
        officer_a=official_with(agency_a, *ALL, username="truyenthong_a"),
        officer_b=official_with(agency_b, *ALL, username="truyenthong_b"),
        leader=official_with(province_agency, OUTREACH_VIEW, OUTREACH_APPROVE, username="lanhdao"),
        viewer_a=official_with(agency_a, OUTREACH_VIEW, username="xem_a"),
    )


def approved(world, *, kind="sms", unit=None, title="Thông báo", body="Nội dung", **extra):
    """Content taken through draft → review → approved by the province officer."""
    content = services.content_create(
        acting_user=world.officer, unit=unit or world.province, kind=kind, title=title,
        body=body, **extra,
    )  # fmt: skip
    services.content_submit(acting_user=world.officer, content=content)
    return services.content_approve(acting_user=world.leader, content=content)


@pytest.fixture
def sms(settings):
    with SmsStandin(api_key="khoa-thu", brandname="TINHSO") as standin:
        settings.TINHSO_SMS_URL = standin.url
        settings.TINHSO_SMS_API_KEY = "khoa-thu"
        settings.TINHSO_SMS_SECRET_KEY = ""
        settings.TINHSO_SMS_BRANDNAME = "TINHSO"
        settings.TINHSO_SMS_RATE_PER_SECOND = 0
        yield standin


@pytest.fixture
def zalo(settings):
    with ZaloStandin(access_token="token-thu", followers={"1001", "1002", "1003"}) as standin:
        settings.TINHSO_ZALO_URL = standin.url
        settings.TINHSO_ZALO_ACCESS_TOKEN = "token-thu"
        settings.TINHSO_ZALO_RATE_PER_SECOND = 0
        yield standin
