"""Scope isolation: an officer of commune A never sees commune B's dossiers; a processing
agency elsewhere sees what was handed to it; citizens see their own; the public look-up shows
no personal data."""

import pytest

from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.dossiers import errors, selectors, services
from tinhso.dossiers.permissions import DossierPerm
from tinhso.dossiers.tests.factories import DossierFactory, ProcedureFactory, desk_setup
from tinhso.units.tests.factories import AgencyFactory, CommuneFactory, official_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_communes():
    commune_a = CommuneFactory()
    commune_b = CommuneFactory(parent=commune_a.parent)
    a, b = desk_setup(commune_a), desk_setup(commune_b)
    procedure = ProcedureFactory()
    return a, b, procedure


def test_an_officer_never_sees_another_communes_dossiers(two_communes):
    a, b, procedure = two_communes
    mine = DossierFactory(setup=a, procedure=procedure, processing=True)
    theirs = DossierFactory(setup=b, procedure=procedure, processing=True)
    for officer in (a.desk_officer, a.handler, a.leader):
        visible = set(selectors.dossiers_for_user(officer).values_list("pk", flat=True))
        assert mine.pk in visible and theirs.pk not in visible
        with pytest.raises(errors.DossierNotFound):
            selectors.get_dossier_for_user(officer, theirs.pk)
    assert [item.dossier.pk for item in selectors.work_queue(a.handler)] == [mine.pk]
    assert list(selectors.register(a.desk_officer)) == [mine]
    # Acting on it is impossible too, and answered as if it did not exist.
    with pytest.raises(errors.DossierNotFound):
        services.dossier_stop(acting_user=a.handler, dossier=theirs, reasons="Không")


def test_the_province_sees_its_communes(two_communes):
    a, b, procedure = two_communes
    DossierFactory(setup=a, procedure=procedure, received=True)
    DossierFactory(setup=b, procedure=procedure, received=True)
    province_agency = AgencyFactory(unit=a.commune.parent, province_level=True)
    leader = official_with(province_agency, DossierPerm.VIEW, DossierPerm.VIEW_REGISTER)
    assert selectors.dossiers_for_user(leader).count() == 2
    other = official_with(AgencyFactory(province_level=True), DossierPerm.VIEW)
    assert selectors.dossiers_for_user(other).count() == 0


def test_a_processing_agency_elsewhere_sees_what_was_handed_to_it(two_communes):
    a, b, procedure = two_communes
    dossier = DossierFactory(setup=a, procedure=procedure, processing=True)
    assert not selectors.dossiers_for_user(b.handler).filter(pk=dossier.pk).exists()
    services.dossier_transfer(
        acting_user=a.handler, dossier=dossier, to_agency=b.committee, to_officer=b.handler,
        note="Xác minh nơi cư trú",
    )  # fmt: skip
    assert selectors.get_dossier_for_user(b.handler, dossier.pk) == dossier
    assert [item.dossier for item in selectors.work_queue(b.handler)] == [dossier]
    # B acts on it, then hands it back; B keeps seeing it (it is in the hand-over log).
    services.dossier_transfer(
        acting_user=b.handler, dossier=dossier, to_agency=a.committee, to_officer=a.leader
    )
    assert selectors.get_dossier_for_user(b.handler, dossier.pk) == dossier
    assert selectors.work_queue(b.handler) == []
    # Other dossiers of A stay out of B's sight.
    other = DossierFactory(setup=a, procedure=procedure, received=True)
    assert not selectors.dossiers_for_user(b.handler).filter(pk=other.pk).exists()


def test_citizens_see_only_their_own(setup):
    dossier = DossierFactory(setup=setup, submitted=True)
    stranger = CitizenFactory()
    assert selectors.dossiers_for_user(dossier.applicant).get() == dossier
    assert not selectors.dossiers_for_user(stranger).exists()
    with pytest.raises(errors.DossierNotFound):
        selectors.get_dossier_for_user(stranger, dossier.pk)


def test_public_lookup_shows_no_personal_data(setup):
    dossier = DossierFactory(setup=setup, received=True)
    found = selectors.dossier_public_lookup(dossier.code.lower())
    shown = " ".join(str(value) for value in found.__dict__.values())
    assert found.code == dossier.code and found.status == "received"
    assert dossier.applicant_name not in shown and dossier.applicant_cccd not in shown
    with pytest.raises(errors.DossierNotFound):
        selectors.dossier_public_lookup("000.00.00.H40-260101-9999")
