"""Dossier codes ``<agency code>-YYMMDD-XXXX``: unique and gapless per agency and day, even
when many officers receive at the same moment (PostgreSQL), and a rolled-back receipt gives its
number back."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.tests.factories import DossierFactory, ProcedureFactory, desk_setup


@pytest.mark.django_db
def test_codes_count_per_agency_and_day():
    day = timezone.localdate()
    assert services.allocate_code(agency_code="000.01.21.H40", day=day).endswith("-0001")
    assert services.allocate_code(agency_code="000.01.21.H40", day=day).endswith("-0002")
    assert services.allocate_code(agency_code="000.02.22.H40", day=day).endswith("-0001")
    code = services.allocate_code(agency_code="000.01.21.H40", day=day)
    assert code == f"000.01.21.H40-{day:%y%m%d}-0003"


@pytest.mark.django_db
def test_a_rolled_back_receipt_gives_its_number_back():
    day = timezone.localdate()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.allocate_code(agency_code="000.09.29.H40", day=day)
        raise RuntimeError("the receipt failed")
    assert services.allocate_code(agency_code="000.09.29.H40", day=day).endswith("-0001")


@pytest.mark.django_db(transaction=True)
def test_concurrent_receipts_get_unique_gapless_codes():
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite has a single writer, so there is no race to test.")
    workers = 12
    setup = desk_setup()
    procedure = ProcedureFactory()
    dossiers = [
        DossierFactory(setup=setup, procedure=procedure, submitted=True) for _ in range(workers)
    ]
    barrier = threading.Barrier(workers)
    failures = []

    def receive(dossier):
        try:
            barrier.wait(timeout=30)
            services.dossier_receive(acting_user=setup.desk_officer, dossier=dossier)
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=receive, args=(d,)) for d in dossiers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    codes = sorted(Dossier.objects.exclude(code="").values_list("code", flat=True))
    day = timezone.localdate()
    assert codes == [f"{setup.desk.code}-{day:%y%m%d}-{n:04d}" for n in range(1, workers + 1)]
