"""Regressions found by the scope matrix (tinhso/accounts/tests/scope_matrix)."""

import pytest

from tinhso.accounts.models import User
from tinhso.dossiers import errors, selectors, services
from tinhso.dossiers.permissions import DossierPerm
from tinhso.dossiers.tests.factories import DossierFactory
from tinhso.units.services import agency_deactivate
from tinhso.units.tests.factories import AgencyFactory, official_with

pytestmark = pytest.mark.django_db


def test_a_closed_agency_no_longer_sees_what_was_handed_to_it(setup, client):
    """An official of a closed agency has no scope left (accounts.scope), also for the
    dossiers once handed to that agency: the hand-over clause ignored the closure."""
    dossier = DossierFactory(setup=setup, processing=True)
    elsewhere = AgencyFactory()
    officer = official_with(elsewhere, DossierPerm.VIEW, DossierPerm.PROCESS)
    services.dossier_transfer(acting_user=setup.handler, dossier=dossier, to_agency=elsewhere)
    assert selectors.get_dossier_for_user(officer, dossier.pk) == dossier
    agency_deactivate(acting_user=None, agency=elsewhere)
    officer = User.objects.get(pk=officer.pk)  # a new request: nothing cached
    assert not selectors.dossiers_for_user(officer).filter(pk=dossier.pk).exists()
    with pytest.raises(errors.DossierNotFound):
        selectors.get_dossier_for_user(officer, dossier.pk)
    with pytest.raises(errors.DossierNotFound):
        services.dossier_stop(acting_user=officer, dossier=dossier, reasons="Dừng")
    client.force_login(officer)
    assert client.get(f"/api/v1/dossiers/{dossier.pk}").status_code == 404
    response = client.post(
        f"/api/v1/dossiers/{dossier.pk}/stop", {"reasons": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    dossier.refresh_from_db()
    assert dossier.status == "processing"


def test_an_agency_that_handed_a_dossier_back_is_refused_403_not_404(setup, client):
    """It still sees the dossier (it is in its hand-over log), so a move it may no longer make
    is a 403, not a 404 that denies what the same person just read."""
    dossier = DossierFactory(setup=setup, processing=True)
    elsewhere = AgencyFactory()
    officer = official_with(elsewhere, DossierPerm.VIEW, DossierPerm.PROCESS)
    services.dossier_transfer(acting_user=setup.handler, dossier=dossier, to_agency=elsewhere)
    services.dossier_transfer(acting_user=officer, dossier=dossier, to_agency=setup.committee)
    client.force_login(officer)
    assert client.get(f"/api/v1/dossiers/{dossier.pk}").status_code == 200
    response = client.post(
        f"/api/v1/dossiers/{dossier.pk}/stop", {"reasons": "Dừng"}, content_type="application/json"
    )
    assert response.status_code == 403
    response = client.patch(
        f"/api/v1/dossiers/{dossier.pk}", {"form_data": {}}, content_type="application/json"
    )
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.status == "processing"
