"""Fresh computed indicators: a change committed through a module's services shows on the
board (``selectors.board_values``, read from the roll-ups) with no tick and no refresh call.

Real commits (``transaction=True``): the refresh runs after commit, which a test wrapped in
one rolled-back transaction would never reach. It runs inline here (``TINHSO_IOC_REFRESH``
is ``"inline"`` for the whole suite, in conftest.py); ``test_refresher`` covers the production
default, the background thread.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone

from tinhso.dossiers import services as dossier_services
from tinhso.dossiers.tests.conftest import _fake_render
from tinhso.dossiers.tests.factories import DossierFactory, desk_setup
from tinhso.feedback import services as feedback_services
from tinhso.feedback.tests.factories import CategoryFactory, RoutingRuleFactory
from tinhso.indicators import loaders, registry, selectors
from tinhso.indicators.models import Aggregate, DataElement, DataValue
from tinhso.kernel import events
from tinhso.units.tests.factories import AgencyFactory, CommuneFactory, ProvinceFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    pass


@pytest.fixture
def world(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    fake_pdf = SimpleNamespace(render_form=_fake_render, PdfUnavailable=RuntimeError)
    monkeypatch.setattr(dossier_services, "_pdf_module", lambda: fake_pdf)
    monkeypatch.setattr(
        dossier_services,
        "_signing_module",
        lambda: SimpleNamespace(sign_pdf=lambda content, **kwargs: content + b"% signed\n"),
    )
    events.discard_pending()
    loaders.load_catalogue()
    province = ProvinceFactory(name="Tỉnh Tươi", code="93")
    commune_a = CommuneFactory(parent=province, name="Xã Một", code="93001")
    commune_b = CommuneFactory(parent=province, name="Xã Hai", code="93002")
    today = timezone.localdate()
    return SimpleNamespace(
        province=province,
        commune_a=commune_a,
        commune_b=commune_b,
        desk_a=desk_setup(commune_a),
        desk_b=desk_setup(commune_b),
        month=f"{today.year}{today.month:02d}",
        year=str(today.year),
    )


def board(unit, period, *codes):
    return {tile["code"]: tile["value"] for tile in selectors.board_values(unit, period, codes)}


def value(unit, period, code):
    return board(unit, period, code)[code]


def test_a_received_dossier_shows_for_its_commune_province_and_year_without_any_tick(world):
    assert value(world.province, world.year, "dossiers.received") is None
    DossierFactory(setup=world.desk_a, received=True)
    for unit in (world.commune_a, world.province):
        for period in (world.month, world.year):
            assert value(unit, period, "dossiers.received") == 1, (unit, period)
    assert value(world.commune_b, world.month, "dossiers.received") is None
    # The catalogue's share over the counts (the factory files online).
    tiles = board(
        world.province, world.year, "dossiers.received_online", "dossiers_ty_le_truc_tuyen"
    )
    assert tiles == {"dossiers.received_online": 1, "dossiers_ty_le_truc_tuyen": 100}


def test_without_the_subscriber_nothing_moves_until_a_refresh(world):
    events.unsubscribe(registry.on_events)
    try:
        DossierFactory(setup=world.desk_a, received=True)
    finally:
        events.subscribe(registry.on_events, labels=registry.watched_labels())
    assert value(world.province, world.month, "dossiers.received") is None
    assert registry.tick() > 0
    assert value(world.province, world.month, "dossiers.received") == 1


def test_a_rolled_back_change_shows_nothing(world):
    with pytest.raises(Boom), transaction.atomic():
        DossierFactory(setup=world.desk_a, received=True)
        raise Boom
    assert value(world.province, world.month, "dossiers.received") is None
    assert not DataValue.objects.filter(element__code="dossiers.received").exists()


def test_resolving_moves_the_on_time_rate_and_counts_add_up_to_the_province(world):
    DossierFactory(setup=world.desk_a, result_ready=True)  # resolved early, just now
    DossierFactory(setup=world.desk_b, received=True)
    DossierFactory(setup=world.desk_b, received=True)
    tiles = board(world.province, world.year, "dossiers.resolved", "dossiers.on_time_rate")
    assert tiles == {"dossiers.resolved": 1, "dossiers.on_time_rate": 100}
    for code in ("dossiers.received", "dossiers.received_online", "dossiers.resolved"):
        a = value(world.commune_a, world.month, code) or 0
        b = value(world.commune_b, world.month, code) or 0
        assert a + b == value(world.province, world.month, code), code
    assert value(world.province, world.month, "dossiers.received") == 3


@pytest.fixture
def feedback_world(world):
    agency = AgencyFactory(unit=world.commune_a, code="000.01.93.T93", name="UBND Xã Một")
    category = CategoryFactory(service_code="den-duong", name="Đèn đường hỏng", handling_days=2)
    RoutingRuleFactory(order=10, unit=None, category=category, agency=agency)
    world.category = category
    return world


class _Clock:
    def __init__(self, monkeypatch):
        self.moment = None
        real = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: self.moment or real())


def _report(world):
    return feedback_services.report_create(
        acting_user=None,
        category=world.category,
        description="Đèn đường hỏng trước cổng trường.",
        commune_code=world.commune_a.code,
        latitude=None,
        longitude=None,
    )


def test_a_field_report_handled_late_lowers_the_on_time_rate(feedback_world, monkeypatch):
    world = feedback_world
    clock = _Clock(monkeypatch)
    start = timezone.localtime().replace(day=1, hour=9, minute=0, second=0, microsecond=0)
    clock.moment = start
    first, second = _report(world), _report(world)
    assert value(world.province, world.month, "feedback.received") == 2
    for step in ("accept", "start", "resolve"):
        feedback_services.report_act(
            acting_user=None, report=first, action=step, message="Đã thay bóng đèn."
        )
    assert value(world.province, world.year, "feedback.on_time_rate") == 100
    clock.moment = start + dt.timedelta(days=20)  # far past a two-working-day deadline
    for step in ("accept", "start", "resolve"):
        feedback_services.report_act(
            acting_user=None, report=second, action=step, message="Đã thay bóng đèn."
        )
    tiles = board(world.province, world.year, "feedback.handled", "feedback.on_time_rate")
    assert tiles == {"feedback.handled": 2, "feedback.on_time_rate": 50}
    assert value(world.commune_a, world.month, "feedback.handled_rate") == 100


def _snapshot():
    computed = DataElement.objects.filter(source=DataElement.Source.COMPUTED)
    facts = sorted(
        DataValue.objects.filter(element__in=computed).values_list(
            "element__code", "unit_id", "period", "value"
        )
    )
    rollup = sorted(
        Aggregate.objects.filter(element__in=computed).values_list(
            "element__code", "unit_id", "view", "period", "combo", "total", "count"
        )
    )
    return facts, rollup


def test_the_backfill_finds_what_the_incremental_refresh_wrote(world):
    DossierFactory(setup=world.desk_a, result_ready=True)
    DossierFactory(setup=world.desk_b, received=True)
    DossierFactory(setup=world.desk_b, returned=True)
    incremental = _snapshot()
    assert incremental[0], "the incremental refresh wrote nothing"
    DataValue.objects.filter(element__source=DataElement.Source.COMPUTED).delete()
    Aggregate.objects.filter(element__source=DataElement.Source.COMPUTED).delete()
    assert value(world.province, world.month, "dossiers.received") is None
    report = registry.backfill(since=timezone.localdate().replace(day=1) - dt.timedelta(days=40))
    assert report.values == len(incremental[0])
    assert _snapshot() == incremental
    assert value(world.province, world.month, "dossiers.received") == 3
