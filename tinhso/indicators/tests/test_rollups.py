"""Roll-ups up the tree, both views, across a merged unit; freshness on write."""

import pytest

from tinhso.indicators import rollups, selectors
from tinhso.indicators.models import Aggregate
from tinhso.indicators.tests.conftest import enter
from tinhso.units import services as unit_services
from tinhso.units.tests.factories import CommuneFactory

pytestmark = pytest.mark.django_db


def value(unit, code, period, view=Aggregate.View.REPORTED):
    return selectors.values_table(
        codes=[code], units=[unit], asked=[selectors.periods.parse(period)], view=view
    )[(unit.pk, period)][code]


def test_a_value_entered_in_a_commune_shows_at_once_in_the_province(tree, catalogue):
    enter(catalogue.data_set, tree.commune_a, "202610", {"hs.truc_tuyen": 30, "hs.truc_tiep": 70})
    enter(catalogue.data_set, tree.commune_b, "202610", {"hs.truc_tuyen": 10, "hs.truc_tiep": 90})
    assert value(tree.province, "hs", "202610") == 200
    assert value(tree.province, "hs.truc_tuyen", "202610") == 40
    assert value(tree.province, "ty_le_truc_tuyen", "202610") == pytest.approx(20.0)
    assert value(tree.commune_a, "ty_le_truc_tuyen", "202610") == pytest.approx(30.0)
    # A change and a removal are rolled up as well.
    enter(catalogue.data_set, tree.commune_b, "202610", {"hs.truc_tuyen": None})
    assert value(tree.province, "hs.truc_tuyen", "202610") == 30
    assert value(tree.province, "hs", "202610") == 190
    # Another province sees nothing.
    assert value(tree.other, "hs", "202610") is None


def test_a_year_sums_its_months(tree, catalogue):
    for month in ("202601", "202602", "202603"):
        enter(catalogue.data_set, tree.commune_a, month, {"hs.truc_tuyen": 5, "hs.truc_tiep": 5})
    assert value(tree.province, "hs", "2026") == 30
    assert value(tree.province, "hs", "2026Q1") == 30
    assert value(tree.province, "hs", "2026Q2") is None


def test_merged_communes_are_shown_as_reported_and_re_attributed(tree, catalogue):
    enter(catalogue.data_set, tree.commune_a, "202501", {"hs.truc_tuyen": 4, "hs.truc_tiep": 6})
    enter(catalogue.data_set, tree.commune_b, "202501", {"hs.truc_tuyen": 1, "hs.truc_tiep": 9})
    merged = CommuneFactory(parent=tree.province, name="Xã An Bình", code="91010")
    for old in (tree.commune_a, tree.commune_b):
        unit_services.unit_retire(
            acting_user=None,
            unit=old,
            valid_until=rollups.dt.date(2025, 6, 30),
            successors=[merged],
        )
        old.refresh_from_db()
    rollups.attribution_rebuild()
    # As reported: the old communes keep their figures; the new one has none of its own.
    assert value(tree.commune_a, "hs", "202501") == 10
    assert value(merged, "hs", "202501") is None
    # Re-attributed to today's units: the new commune holds both.
    assert value(merged, "hs", "202501", Aggregate.View.CURRENT) == 20
    assert value(merged, "ty_le_truc_tuyen", "202501", Aggregate.View.CURRENT) == pytest.approx(25)
    # The province is the same either way.
    assert value(tree.province, "hs", "202501") == 20
    assert value(tree.province, "hs", "202501", Aggregate.View.CURRENT) == 20
    # A late correction of a retired commune's value reaches its successor at once.
    enter(catalogue.data_set, tree.commune_a, "202501", {"hs.truc_tiep": 16})
    assert value(merged, "hs", "202501", Aggregate.View.CURRENT) == 30


def test_a_split_commune_shares_its_values_equally(tree, catalogue):
    enter(catalogue.data_set, tree.commune_a, "202501", {"hs.truc_tuyen": 10, "hs.truc_tiep": 10})
    left = CommuneFactory(parent=tree.province, name="Xã An Tây", code="91011")
    right = CommuneFactory(parent=tree.province, name="Xã An Đông", code="91012")
    unit_services.unit_retire(
        acting_user=None,
        unit=tree.commune_a,
        valid_until=rollups.dt.date(2025, 6, 30),
        successors=[left, right],
    )
    rollups.attribution_rebuild()
    assert value(left, "hs", "202501", Aggregate.View.CURRENT) == 10
    assert value(right, "hs", "202501", Aggregate.View.CURRENT) == 10
