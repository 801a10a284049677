"""The registry of computed values: elements kept in step with the modules' counts, failed
refreshes redone by the tick, stocks, the backfill command."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone, translation

from tinhso.dossiers.tests.factories import DossierFactory
from tinhso.indicators import periods, registry, services
from tinhso.indicators.models import AggregationType, DataElement, DataValue
from tinhso.indicators.tests.test_freshness import value, world  # noqa: F401 - fixture
from tinhso.kernel.models import AuditEvent


def test_every_count_is_a_computed_element_of_its_kind(db):
    elements = registry.sync_elements()
    counts = {count.code: count for source in registry.sources() for count in source.counts}
    assert set(elements) == set(counts)
    assert {s.module for s in registry.sources()} >= {
        "tinhso.dossiers.indicators",
        "tinhso.feedback.indicators",
        "tinhso.qa.indicators",
        "tinhso.outreach.indicators",
    }
    for code, element in elements.items():
        assert element.source == DataElement.Source.COMPUTED
        assert element.aggregation == getattr(counts[code], "aggregation", "sum")
    assert elements["dossiers.overdue_open"].aggregation == AggregationType.LAST
    with translation.override("vi"):  # named in Vietnamese, the first language
        assert elements["dossiers.received"].name == str(counts["dossiers.received"].name)


def test_an_upgrade_drops_the_former_subtree_values_and_shares(tree):
    old = DataElement.objects.create(
        code="dossiers.received",
        name="x",
        aggregation=AggregationType.NONE,
        source=DataElement.Source.COMPUTED,
    )
    share = DataElement.objects.create(
        code="dossiers.on_time_rate",
        name="y",
        aggregation=AggregationType.NONE,
        source=DataElement.Source.COMPUTED,
    )
    with transaction.atomic():
        for element in (old, share):
            services.write_facts(
                facts=[
                    services.Fact(element, "", tree.province, periods.parse("2026"), 7.0),
                    services.Fact(element, "", tree.commune_a, periods.parse("202611"), 3.0),
                ],
                origin=DataValue.Origin.COMPUTED,
            )
    registry.sync_elements()
    old.refresh_from_db()
    assert old.aggregation == AggregationType.SUM
    assert not DataValue.objects.filter(element=old).exists()
    assert not DataElement.objects.filter(code="dossiers.on_time_rate").exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_refresh_is_marked_and_the_tick_redoes_it(world, monkeypatch):  # noqa: F811
    real = registry.refresh_counts

    def broken(touched):
        raise RuntimeError("database went away")

    monkeypatch.setattr(registry, "refresh_counts", broken)
    DossierFactory(setup=world.desk_a, received=True)
    monkeypatch.setattr(registry, "refresh_counts", real)
    assert value(world.province, world.month, "dossiers.received") is None
    marks = AuditEvent.objects.filter(action=registry.PENDING)
    assert marks.exists()
    assert [world.commune_a.pk, world.month] in marks.last().changes["tinhso.dossiers.indicators"]
    # The tick redoes the marked months (and its own sweep); a second tick has nothing to redo.
    assert registry.retry_pending() > 0
    assert value(world.province, world.month, "dossiers.received") == 1
    assert registry.retry_pending() == 0
    assert AuditEvent.objects.filter(action=registry.RETRIED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_stock_is_zero_not_missing_where_the_unit_was_active(world):  # noqa: F811
    DossierFactory(setup=world.desk_a, received=True)
    stored = DataValue.objects.get(element__code="dossiers.overdue_open", unit=world.commune_a)
    assert (stored.period, stored.value) == (world.month, 0)
    assert value(world.province, world.year, "dossiers.overdue_open") == 0
    assert not DataValue.objects.filter(unit=world.commune_b).exists()


@pytest.mark.django_db(transaction=True)
def test_the_backfill_command_in_one_month_chunks(world):  # noqa: F811
    DossierFactory(setup=world.desk_a, received=True)
    DossierFactory(setup=world.desk_b, received=True)
    before = sorted(
        DataValue.objects.filter(element__source="computed").values_list(
            "element__code", "unit_id", "period", "value"
        )
    )
    DataValue.objects.filter(element__source="computed").delete()
    since = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    out = StringIO()
    call_command("indicators_backfill", "--since", since, "--chunk-months", "1", stdout=out)
    assert "months=2" in out.getvalue()
    after = sorted(
        DataValue.objects.filter(element__source="computed").values_list(
            "element__code", "unit_id", "period", "value"
        )
    )
    assert after == before
    assert value(world.province, world.year, "dossiers.received") == 2
    # Rows inserted in bulk read back like any other (dates and times converted).
    stored = DataValue.objects.filter(element__source="computed").first()
    assert abs(stored.updated_at - timezone.now()) < dt.timedelta(minutes=10)
    assert stored.period_start == periods.parse(stored.period).start
    with pytest.raises(CommandError):
        call_command("indicators_backfill", "--since", "2026/01")
