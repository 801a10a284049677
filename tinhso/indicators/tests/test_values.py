"""Definitions, aggregation types, entry, completion and approval, targets, DTI, computed."""

import datetime as dt

import pytest

from tinhso.indicators import dti, errors, registry, selectors, services
from tinhso.indicators.models import DtiComponent, DtiFramework, DtiIndex
from tinhso.indicators.tests.conftest import TODAY, enter

pytestmark = pytest.mark.django_db


def one(unit, code, period):
    asked = selectors.periods.parse(period)
    return selectors.values_table(codes=[code], units=[unit], asked=[asked])[(unit.pk, period)][
        code
    ]


# --- definitions ------------------------------------------------------------------------------


def test_an_indicator_naming_unknown_codes_is_refused(catalogue):
    with pytest.raises(errors.ExpressionUnknownCode) as caught:
        services.indicator_define(
            acting_user=None, code="x", name="X", numerator="#{khong_co} + #{hs.khong_kenh}"
        )
    assert {d["code"] for d in caught.value.details} == {"khong_co", "hs.khong_kenh"}
    assert "không tồn tại" in str(caught.value.message)


def test_an_indicator_cycle_is_refused(catalogue):
    services.indicator_define(acting_user=None, code="a", name="A", numerator="#{hs} + 1")
    services.indicator_define(acting_user=None, code="b", name="B", numerator="N{a} * 2")
    with pytest.raises(errors.ExpressionCycle):
        services.indicator_define(acting_user=None, code="a", name="A", numerator="N{b}")
    with pytest.raises(errors.ExpressionCycle):
        services.indicator_define(acting_user=None, code="c", name="C", numerator="N{c}")


def test_a_bad_expression_is_refused_before_anything_is_saved(catalogue):
    with pytest.raises(errors.ExpressionInvalid):
        services.indicator_define(acting_user=None, code="d", name="D", numerator="#{hs} ** 2")
    assert not selectors.Indicator.objects.filter(code="d").exists()


# --- aggregation types ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aggregation", "year", "quarter_one"),
    [
        ("sum", 1 + 2 + 3 + 10 + 20 + 30, 66),
        ("average", 66 / 6, 11),
        ("average_sum_org_unit", 66 / 3, 22),
        ("last", 3 + 30, 33),
        ("min", 1, 1),
        ("max", 30, 30),
        ("count", 6, 6),
        ("none", None, None),
    ],
)
def test_each_aggregation_type(tree, aggregation, year, quarter_one):
    services.data_element_define(acting_user=None, code="x", name="X", aggregation=aggregation)
    data_set = services.data_set_define(
        acting_user=None, code="DS", name="DS", period_type="month", elements=["x"]
    )
    for month, (a, b) in zip(
        ("202601", "202602", "202603"), ((1, 10), (2, 20), (3, 30)), strict=True
    ):
        enter(data_set, tree.commune_a, month, {"x": a})
        enter(data_set, tree.commune_b, month, {"x": b})
    if year is None:
        assert one(tree.province, "x", "2026") is None
        # "none": only the unit's own value, only for exactly its period.
        assert one(tree.commune_a, "x", "202602") == 2
        assert one(tree.province, "x", "202602") is None
    else:
        assert one(tree.province, "x", "2026") == pytest.approx(year)
        assert one(tree.province, "x", "2026Q1") == pytest.approx(quarter_one)
    assert one(tree.province, "x", "2026Q2") is None


# --- entry, completion, approval ----------------------------------------------------------------


def test_entry_checks_rules_scope_and_periods(tree, catalogue):
    with pytest.raises(errors.ValidationRuleViolated) as caught:
        enter(catalogue.data_set, tree.commune_a, "202610", {"hs_gq": 5, "hs_dh": 6})
    assert caught.value.details[0]["rule"] == "dh_le_gq"
    assert one(tree.commune_a, "hs_gq", "202610") is None
    with pytest.raises(errors.UnitOutOfScope):
        enter(catalogue.data_set, tree.commune_b, "202610", {"hs_gq": 5}, user=tree.commune_officer)
    with pytest.raises(errors.PeriodTypeMismatch):
        enter(catalogue.data_set, tree.commune_a, "2026Q3", {"hs_gq": 5})
    with pytest.raises(errors.PeriodInFuture):
        enter(catalogue.data_set, tree.commune_a, "202612", {"hs_gq": 5})
    with pytest.raises(errors.ValueInvalid) as caught:
        enter(catalogue.data_set, tree.commune_a, "202610", {"hs_gq": "năm"})
    assert caught.value.details[0]["code"] == "value_invalid"
    report = enter(
        catalogue.data_set,
        tree.commune_a,
        "202610",
        {"hs_gq": "5", "hs_dh": "4,0"},
        user=tree.commune_officer,
    )
    assert report.created == 2


def test_completion_locks_and_approval_belongs_to_the_level_above(tree, catalogue):
    enter(catalogue.data_set, tree.commune_a, "202610", {"hs_gq": 5, "hs_dh": 5})
    completion = services.data_set_complete(
        acting_user=tree.commune_officer,
        data_set=catalogue.data_set,
        unit=tree.commune_a,
        period="202610",
        now=dt.datetime(2026, 11, 5, 9, tzinfo=dt.UTC),
    )
    assert completion.state == "completed" and completion.on_time is True
    with pytest.raises(errors.DataSetLocked):
        enter(catalogue.data_set, tree.commune_a, "202610", {"hs_gq": 6})
    with pytest.raises(errors.ApprovalNotAllowed):
        services.data_set_transition(
            acting_user=tree.commune_officer,
            data_set=catalogue.data_set,
            unit=tree.commune_a,
            period="202610",
            action="approve",
        )
    approved = services.data_set_transition(
        acting_user=tree.province_leader,
        data_set=catalogue.data_set,
        unit=tree.commune_a,
        period="202610",
        action="approve",
    )
    assert approved.state == "approved"
    with pytest.raises(errors.Conflict) as caught:
        services.data_set_transition(
            acting_user=tree.province_leader,
            data_set=catalogue.data_set,
            unit=tree.commune_a,
            period="202610",
            action="reopen",
        )
    assert caught.value.code == "transition_not_allowed"


# --- targets ------------------------------------------------------------------------------------


def test_targets_are_pro_rated_and_found_up_the_tree(tree, catalogue):
    services.target_set(acting_user=None, indicator=catalogue.rate, year=2026, value=80)
    services.target_set(
        acting_user=None, indicator=catalogue.rate, year=2026, value=60, unit=tree.province
    )
    count_target = services.indicator_define(
        acting_user=None, code="so_hs", name="Số hồ sơ", numerator="#{hs}"
    )
    services.target_set(
        acting_user=None, indicator=count_target, year=2026, value=1200, prorate=True
    )
    march = selectors.periods.parse("202603")
    found = selectors.targets_for(
        indicators=[catalogue.rate, count_target], unit=tree.commune_a, period=march
    )
    assert found == {"ty_le_truc_tuyen": 60, "so_hs": pytest.approx(300)}
    q2 = selectors.targets_for(
        indicators=[count_target], unit=tree.other, period=selectors.periods.parse("2026Q2")
    )
    assert q2["so_hs"] == pytest.approx(600)
    assert (
        selectors.targets_for(indicators=[catalogue.rate], unit=tree.other, period=march)[
            "ty_le_truc_tuyen"
        ]
        == 80
    )
    with pytest.raises(errors.UnitOutOfScope):
        services.target_set(
            acting_user=tree.province_leader,
            indicator=catalogue.rate,
            year=2026,
            value=1,
            unit=tree.other,
        )


def test_the_board_answers_value_trend_target_and_no_data(tree, catalogue):
    enter(catalogue.data_set, tree.commune_a, "202609", {"hs.truc_tuyen": 20, "hs.truc_tiep": 80})
    enter(catalogue.data_set, tree.commune_a, "202610", {"hs.truc_tuyen": 30, "hs.truc_tiep": 70})
    services.target_set(acting_user=None, indicator=catalogue.rate, year=2026, value=80)
    tiles = selectors.board_values(tree.province, "202610", ["ty_le_truc_tuyen", "ty_le_dung_han"])
    # The internal indicator is left out for an anonymous reader.
    assert [t["code"] for t in tiles] == ["ty_le_truc_tuyen"]
    tile = tiles[0]
    assert (tile["value"], tile["previous"], tile["change"], tile["target"]) == (30, 20, 10, 80)
    assert tile["target_reached"] == 37.5
    tiles = selectors.board_values(
        tree.province, "202610", ["ty_le_dung_han", "hs"], user=tree.province_leader
    )
    assert tiles[0]["value"] is None  # nothing resolved: no data, not an error
    assert tiles[1]["value"] == 100


def test_a_twelve_tile_board_is_a_few_queries_whatever_the_tree(
    tree, catalogue, django_assert_max_num_queries
):
    for month in ("202607", "202608", "202609", "202610"):
        enter(catalogue.data_set, tree.commune_a, month, {"hs.truc_tuyen": 3, "hs_gq": 2})
    for n in range(10):
        services.indicator_define(
            acting_user=None, code=f"c{n}", name=f"C{n}", numerator=f"#{{hs}} + {n}"
        )
    codes = ["ty_le_truc_tuyen", "hs", *(f"c{n}" for n in range(10))]
    # Indicators, elements, the expression plan (2), the roll-ups (1), targets + ancestors (2).
    with django_assert_max_num_queries(8):
        tiles = selectors.board_values(tree.province, "2026", codes)
    assert len(tiles) == 12
    assert tiles[1]["value"] == 4 * 3


# --- DTI ----------------------------------------------------------------------------------------


def test_dti_scoring_rules_and_ranking(tree, catalogue):
    framework = DtiFramework.objects.create(code="dti_thu", name="DTI thử", year=2026)
    index = DtiIndex.objects.create(
        framework=framework, code="cqs", name="Chính quyền số", group="activity", points=100
    )
    DtiComponent.objects.create(
        index=index,
        code="ratio",
        name="Tỷ lệ",
        points=50,
        indicator="ty_le_truc_tuyen",
        full_at=50,
    )
    DtiComponent.objects.create(
        index=index,
        code="steps",
        name="Bậc",
        points=30,
        rule="steps",
        indicator="hs_gq",
        steps=[[40, 30], [30, 20], [10, 10]],
    )
    DtiComponent.objects.create(
        index=index, code="best", name="Chuẩn hóa", points=20, rule="normalised", indicator="hs"
    )
    enter(
        catalogue.data_set,
        tree.commune_a,
        "202601",
        {"hs.truc_tuyen": 25, "hs.truc_tiep": 75, "hs_gq": 35},
    )
    enter(
        catalogue.data_set,
        tree.commune_b,
        "202601",
        {"hs.truc_tuyen": 10, "hs.truc_tiep": 40, "hs_gq": 5},
    )
    scores = dti.dti_compute(framework=framework, parent=tree.province, year=2026)
    a, b = scores
    assert a.unit == tree.commune_a and a.rank == 1 and b.rank == 2 and a.of == 2
    # A: 25 % of 50 % → 25; 35 → 20 points; 100 is the best → 20.  B: 20 % → 20; 5 → 0; 10.
    assert a.points == pytest.approx(65) and b.points == pytest.approx(30)
    assert a.index_value == pytest.approx(0.065)
    assert a.by_index == {"cqs": 65}
    assert dti.competition_ranks({1: 5, 2: 7, 3: 7, 4: 1}) == {2: 1, 3: 1, 1: 3, 4: 4}


def test_the_shipped_dti_2022_structure(db):
    from tinhso.indicators import loaders

    loaders.load_all()
    framework = DtiFramework.objects.get(code="dti_tinh_2022")
    indices = list(framework.indices.all())
    assert len(indices) == 9
    assert sum(i.points for i in indices) == 1000
    assert {i.group for i in indices} == {"foundation", "activity"}
    assert "TẬP ĐẠI DIỆN" in framework.description
    assert (
        selectors.Target.objects.filter(indicator__code="ty_le_smartphone", year=2025).get().value
        == 80
    )


# --- computed from the modules ------------------------------------------------------------------


def test_computed_values_come_from_every_module_that_publishes_them(tree):
    # Each module's own counts, summed by the roll-ups (tests with data: test_freshness.py,
    # test_registry.py). Nothing happened yet: nothing is stored, every figure is "no data".
    published = {p.code for p in registry.discover()}
    assert {"dossiers.received", "feedback.handled_rate", "qa.answered"} <= published
    counts = {code for source in registry.sources() for code in source.codes}
    assert {"dossiers.received", "dossiers.resolved_on_time", "qa.answered"} <= counts
    assert registry.computed_refresh(unit=tree.commune_a, day=TODAY) == 0
    assert one(tree.province, "dossiers.received", "202611") is None
    assert one(tree.province, "qa.received", "2026") is None
    assert one(tree.commune_a, "feedback.handled_rate", "2026Q4") is None


def test_the_refresh_task_runs_the_safety_net_without_error(tree):
    from tinhso.indicators.tasks import indicators_refresh_computed

    assert indicators_refresh_computed.call(unit_id=tree.commune_b.pk, day="2026-11-23") == 0
    assert indicators_refresh_computed.call(day="2026-11-23") == 0
    assert one(tree.province, "dossiers.resolved", "2026Q4") is None
