"""The demo: a real province's communes get twelve months of values, targets, DTI ranks."""

import datetime as dt

import pytest

from tinhso.indicators import demo, selectors
from tinhso.indicators.models import DataValue, DtiFramework, DtiScore
from tinhso.units.models import Unit

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def nghe_an(db):
    from tinhso.units.services import units_load_from_package

    units_load_from_package(province="nghe_an")
    return Unit.objects.get(code="40", valid_until__isnull=True)


def test_demo_fills_a_province_board_and_is_idempotent(nghe_an):
    demo.load_demo(province=nghe_an, today=TODAY)
    count = DataValue.objects.count()
    assert count > 130 * 12 * 30
    tiles = {
        tile["code"]: tile
        for tile in selectors.board_values(
            nghe_an,
            "2026",
            ["ty_le_hs_truc_tuyen", "ty_le_smartphone", "ty_le_ho_cap_quang", "ty_le_pa_xu_ly"],
        )
    }
    assert 15 < tiles["ty_le_hs_truc_tuyen"]["value"] < 45
    assert tiles["ty_le_hs_truc_tuyen"]["target"] == 80
    assert 60 < tiles["ty_le_smartphone"]["value"] < 80
    assert 65 < tiles["ty_le_ho_cap_quang"]["value"] < 95
    assert 50 < tiles["ty_le_pa_xu_ly"]["value"] <= 100
    framework = DtiFramework.objects.get(code="dti_tinh_2022")
    ranking = list(selectors.dti_ranking(framework, parent=nghe_an, year=2026))
    assert len(ranking) == 130
    assert ranking[0].rank == 1
    assert 0 < ranking[-1].points <= ranking[0].points <= 1000

    demo.load_demo(province=nghe_an, today=TODAY)
    assert DataValue.objects.count() == count
    assert DtiScore.objects.filter(framework=framework, year=2026).count() == 130


def test_the_load_command_is_idempotent(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("indicators_load", stdout=out, skip_checks=True)
    call_command("indicators_load", stdout=out, skip_checks=True)
    assert "frameworks=dti_tinh_2022" in out.getvalue()
    assert DtiFramework.objects.count() == 1
