"""Two reading rules found by the national benchmark: the country's average is the mean of
every fact (not of the provinces' means), and a count the platform computes reads as 0 inside
an indicator when it was never stored (its zeros are not written)."""

from django.db import transaction

from tinhso.indicators import periods, selectors, services
from tinhso.indicators.models import AggregationType, DataElement, DataValue
from tinhso.units.tests.factories import CommuneFactory


def _write(element, unit, period, value):
    with transaction.atomic():
        services.write_facts(
            facts=[services.Fact(element, "", unit, periods.parse(period), value)],
            origin=DataValue.Origin.IMPORTED,
        )


def test_the_country_average_is_the_mean_of_every_fact(tree):
    score = services.data_element_define(
        acting_user=None, code="diem", name="Điểm khảo sát", aggregation=AggregationType.AVERAGE
    )
    other_a = CommuneFactory(parent=tree.other, name="Xã Một", code="92001")
    other_b = CommuneFactory(parent=tree.other, name="Xã Hai", code="92002")
    _write(score, tree.commune_a, "202610", 10)  # province 91: mean 10 over 1 fact
    _write(score, other_a, "202610", 40)  # province 92: mean 50 over 2 facts
    _write(score, other_b, "202610", 60)
    [tile] = selectors.board_values(None, "202610", ["diem"])
    assert tile["value"] == round((10 + 40 + 60) / 3, 2)  # 36.67, not (10 + 50) / 2 = 30
    [province_tile] = selectors.board_values(tree.other, "202610", ["diem"])
    assert province_tile["value"] == 50
    # Over a year the same rule holds: every fact of every month.
    _write(score, tree.commune_a, "202611", 20)
    [year] = selectors.board_values(None, "2026", ["diem"])
    assert year["value"] == round((10 + 20 + 40 + 60) / 4, 2)


def test_a_computed_count_never_stored_is_a_zero_inside_a_rate(tree):
    received = DataElement.objects.create(
        code="thu.received", name="Tiếp nhận", source=DataElement.Source.COMPUTED
    )
    DataElement.objects.create(
        code="thu.handled", name="Đã xử lý", source=DataElement.Source.COMPUTED
    )
    services.indicator_define(
        acting_user=None,
        code="thu.handled_rate",
        name="Tỷ lệ xử lý",
        numerator="#{thu.handled}",
        denominator="#{thu.received}",
        factor=100,
        measure="%",
    )
    _write(received, tree.commune_a, "202610", 12)  # 12 received, none handled (0 not stored)
    [tile] = selectors.board_values(tree.commune_a, "202610", ["thu.handled_rate"])
    assert tile["value"] == 0
    # Nothing received anywhere: still "no data", not a division by zero shown as 0.
    [empty] = selectors.board_values(tree.commune_b, "202610", ["thu.handled_rate"])
    assert empty["value"] is None


def test_an_entered_element_left_out_stays_no_data(tree, catalogue):
    """Entered figures keep DHIS2's rule: a side with nothing reported is no data (a commune
    that reported only its in-person dossiers has not said it had no online ones)."""
    with transaction.atomic():
        services.write_facts(
            facts=[
                services.Fact(
                    catalogue.received, "truc_tiep", tree.commune_a, periods.parse("202610"), 30
                )
            ],
            origin=DataValue.Origin.IMPORTED,
        )
    [tile] = selectors.board_values(tree.commune_a, "202610", ["ty_le_truc_tuyen"])
    assert tile["value"] is None
