"""The IOC benchmark at a tiny scale (one province) so it cannot rot: the generator fills the
real tables with the counts asked for, the board's values equal the naive GROUP BY's over the
raw rows for every measured case, and the freshness and import measurements run.

Speed is not asserted here (that is the benchmark's job), only correctness of the fast path
against the baseline.
"""

import bench_ioc
import ioc_data
import pytest
from harness import Report

pytestmark = pytest.mark.django_db(transaction=True)


def aggregates_of(period):
    from tinhso.indicators.models import Aggregate

    return sorted(
        (a.unit_id, a.view, a.element_id, a.combo, round(a.total, 6), a.count,
         round(a.minimum, 6), round(a.maximum, 6))
        for a in Aggregate.objects.filter(
            period=period, element__code__startswith=ioc_data.ENTERED_PREFIX
        )
    )  # fmt: skip


def test_generator_and_board_equal_the_naive_group_by():
    scale = ioc_data.Scale(
        dossiers=3000, reports=400, import_values=300, months=36, province="lai_chau", elements=5
    )
    state = ioc_data.State(None, scale.key(), {})
    commune = bench_ioc.build(scale, state, migrate=False)

    counts = ioc_data.counts(scale)
    assert counts["provinces"] == 1
    assert counts["communes"] == 38  # Lai Châu in the national list
    assert counts["dossiers"] == 3000
    assert counts["reports"] == 400
    assert counts["entered_values"] == 38 * 5 * 36
    assert 0 < counts["late_dossiers"] < 3000 * 0.2  # a share resolved late, not all
    assert counts["aggregates"] > 0

    # The bulk SQL roll-up of the entered values is what the platform's own fold writes.
    before = aggregates_of("202506")
    assert ioc_data.platform_rollups("202506") == len(before) == (38 + 1) * 5 * 2
    assert aggregates_of("202506") == before

    report = Report("ioc_test", baseline="naive")
    mismatches = bench_ioc.measure_boards(report, "sqlite", runs=2, naive_runs=1)
    assert mismatches == []
    assert len(report.rows) == 6  # country, province, commune × year, month
    assert all(row["equal"] == "yes" for row in report.rows)
    # The cases read real figures, not empty boards.
    province_year = ioc_data.naive_values(commune.parent, bench_ioc.cases()[0][2][2])
    assert province_year["dossiers.received"] > 0
    assert province_year["feedback.received"] > 0
    assert province_year[ioc_data.RATIO_INDICATOR] is not None

    bench_ioc.measure_freshness(report, "sqlite", commune, changes=1, timeout=2.0)
    assert report.rows[-1]["changes"] == 1

    summary = bench_ioc.measure_import(report, "sqlite", 300, scale.elements)
    assert summary["imported"] == 300
    assert report.rows[-1]["values_per_s"] > 0
