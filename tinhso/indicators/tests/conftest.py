"""Test setup of the indicators room: a small tree, officials, and a tiny catalogue."""

import datetime as dt
from types import SimpleNamespace

import pytest

from tinhso.indicators import services
from tinhso.indicators.permissions import IndicatorPerm
from tinhso.units.tests.factories import (
    AgencyFactory,
    CommuneFactory,
    ProvinceFactory,
    official_with,
)

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def tree(db):
    """A province with two communes; officials:

    - ``province_leader``: provincial committee, VIEW + APPROVE + MANAGE
    - ``commune_officer``: commune A, VIEW + ENTER
    - ``commune_b_officer``: commune B, ENTER
    """
    province = ProvinceFactory(name="Tỉnh Thử Nghiệm", code="91")
    commune_a = CommuneFactory(
        parent=province, name="Xã An", code="91001", valid_from=dt.date(2020, 1, 1)
    )
    commune_b = CommuneFactory(
        parent=province, name="Xã Bình", code="91002", valid_from=dt.date(2020, 1, 1)
    )
    other = ProvinceFactory(name="Tỉnh Bên Cạnh", code="92")
    province_agency = AgencyFactory(unit=province, province_level=True, code="000.00.00.T91")
    agency_a = AgencyFactory(unit=commune_a, code="000.01.91.T91")
    agency_b = AgencyFactory(unit=commune_b, code="000.02.91.T91")
    return SimpleNamespace(
        province=province,
        commune_a=commune_a,
        commune_b=commune_b,
        other=other,
        province_leader=official_with(
            province_agency,
            IndicatorPerm.VIEW,
            IndicatorPerm.APPROVE,
            IndicatorPerm.MANAGE,
            IndicatorPerm.ENTER,
            username="lanh_dao_tinh",
        ),
        commune_officer=official_with(
            agency_a, IndicatorPerm.VIEW, IndicatorPerm.ENTER, username="can_bo_xa_a"
        ),
        commune_b_officer=official_with(agency_b, IndicatorPerm.ENTER, username="can_bo_xa_b"),
    )


@pytest.fixture
def catalogue(db):
    """Two elements (one disaggregated by channel), a monthly data set with a rule, and
    an online-rate indicator."""
    services.category_combo_define(
        acting_user=None,
        code="kenh",
        name="Kênh",
        categories=[
            {
                "code": "kenh",
                "name": "Kênh",
                "options": [
                    {"code": "truc_tuyen", "name": "Trực tuyến"},
                    {"code": "truc_tiep", "name": "Trực tiếp"},
                ],
            }
        ],
    )
    received = services.data_element_define(
        acting_user=None, code="hs", name="Hồ sơ tiếp nhận", category_combo="kenh"
    )
    resolved = services.data_element_define(acting_user=None, code="hs_gq", name="Hồ sơ giải quyết")
    on_time = services.data_element_define(acting_user=None, code="hs_dh", name="Hồ sơ đúng hạn")
    data_set = services.data_set_define(
        acting_user=None,
        code="TTHC",
        name="Thủ tục hành chính",
        period_type="month",
        elements=["hs", "hs_gq", "hs_dh"],
        rules=[
            {
                "code": "dh_le_gq",
                "name": "Đúng hạn ≤ giải quyết",
                "left": "#{hs_dh}",
                "operator": "<=",
                "right": "#{hs_gq}",
            }
        ],
    )
    rate = services.indicator_define(
        acting_user=None,
        code="ty_le_truc_tuyen",
        name="Tỷ lệ hồ sơ trực tuyến",
        numerator="#{hs.truc_tuyen}",
        denominator="#{hs}",
        factor=100,
        measure="%",
    )
    on_time_rate = services.indicator_define(
        acting_user=None,
        code="ty_le_dung_han",
        name="Tỷ lệ đúng hạn",
        numerator="#{hs_dh}",
        denominator="#{hs_gq}",
        factor=100,
        measure="%",
        is_public=False,
    )
    return SimpleNamespace(
        received=received,
        resolved=resolved,
        on_time=on_time,
        data_set=data_set,
        rate=rate,
        on_time_rate=on_time_rate,
    )


def enter(data_set, unit, period, values, user=None):
    return services.values_enter(
        acting_user=user, data_set=data_set, unit=unit, period=period, values=values, today=TODAY
    )
