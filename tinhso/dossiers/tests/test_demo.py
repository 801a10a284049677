"""The demo loader: the catalogue, dossiers in every state per commune desk, idempotent."""

import pytest

from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.dossiers.demo import load_demo
from tinhso.dossiers.models import Dossier, Procedure, Status
from tinhso.dossiers.tests.factories import desk_setup

pytestmark = pytest.mark.django_db


def test_demo_fills_every_state_once():
    setup = desk_setup()
    for n in range(3):
        CitizenFactory(email=f"demo{n}@example.vn")
    load_demo(province=setup.commune.parent)
    assert Procedure.objects.count() >= 20
    states = set(Dossier.objects.values_list("status", flat=True))
    assert states == set(Status.values)
    count = Dossier.objects.count()
    load_demo(province=setup.commune.parent)
    assert Dossier.objects.count() == count
    late = Dossier.objects.filter(status=Status.PROCESSING, due_at__isnull=False).order_by("due_at")
    assert late.first().due_at < late.last().due_at
