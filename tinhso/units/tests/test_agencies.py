"""Agencies: create, update, close, and the scoped reads."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinhso.kernel.errors import Forbidden, InvalidInput, NotFound
from tinhso.kernel.models import AuditEvent
from tinhso.units import selectors, services
from tinhso.units.models import Agency
from tinhso.units.tests.factories import AgencyFactory, CommuneFactory

pytestmark = pytest.mark.django_db


def create(user, unit, **kwargs):
    data = {"code": "001.05.91.T91", "name": "Bộ phận một cửa", "kind": Agency.Kind.MOT_CUA}
    return services.agency_create(acting_user=user, unit=unit, **{**data, **kwargs})


def test_create_normalises_the_code_and_audits(tree):
    agency = create(tree.commune_admin, tree.commune_a, code="  001.05.91.t91 ", email="a@b.vn")
    assert agency.code == "001.05.91.T91"
    assert agency.search_name == "bo phan mot cua"
    event = AuditEvent.objects.get(action="units.agency_create", object_id=str(agency.pk))
    assert event.actor == tree.commune_admin
    assert event.changes["code"] == [None, "001.05.91.T91"]


@pytest.mark.parametrize("code", ["", "001.05.91", "0010.5.91.T91", "001.05.91.940", "A.B.C.D"])
def test_create_refuses_a_malformed_code(tree, code):
    with pytest.raises(InvalidInput) as exc:
        create(None, tree.commune_a, code=code)
    assert exc.value.code == "agency_code_invalid"
    assert exc.value.details[0]["field"] == "code"


def test_create_refuses_a_taken_code_in_any_case(tree):
    create(None, tree.commune_a)
    with pytest.raises(InvalidInput) as exc:
        create(None, tree.commune_b, code="001.05.91.t91")
    assert exc.value.code == "agency_code_taken"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"name": " "}, "agency_name_empty"),
        ({"kind": "ministry"}, "agency_kind_invalid"),
        ({"email": "not-an-address"}, "agency_email_invalid"),
        ({"short_name": "x" * 101}, "value_too_long"),
    ],
)
def test_create_checks_its_input(tree, kwargs, code):
    with pytest.raises(InvalidInput) as exc:
        create(None, tree.commune_a, **kwargs)
    assert exc.value.code == code


def test_create_needs_permission_and_scope(tree):
    with pytest.raises(Forbidden) as exc:
        create(tree.commune_viewer, tree.commune_a)
    assert exc.value.code == "forbidden"
    with pytest.raises(Forbidden) as exc:
        create(tree.commune_admin, tree.commune_b)
    assert exc.value.code == "unit_out_of_scope"
    assert create(tree.province_admin, tree.commune_b).unit == tree.commune_b


def test_no_new_agency_on_a_retired_unit(tree):
    retired = CommuneFactory(parent=tree.province, retired=True)
    with pytest.raises(InvalidInput) as exc:
        create(None, retired)
    assert exc.value.code == "agency_unit_retired"


def test_parent_must_sit_on_the_same_unit_or_above(tree):
    desk = create(None, tree.commune_a, parent=tree.agency_a)
    assert desk.parent == tree.agency_a
    assert create(None, tree.commune_a, code="001.06.91.T91", parent=tree.province_agency)
    with pytest.raises(InvalidInput) as exc:
        create(None, tree.commune_a, code="001.07.91.T91", parent=tree.agency_b)
    assert exc.value.code == "agency_parent_invalid"
    # No cycles: the committee cannot become a sub-agency of its own desk.
    with pytest.raises(InvalidInput) as exc:
        services.agency_update(acting_user=None, agency=tree.agency_a, parent=desk)
    assert exc.value.code == "agency_parent_invalid"


def test_update_changes_only_what_is_given(tree):
    agency = services.agency_update(
        acting_user=tree.commune_admin,
        agency=tree.agency_a,
        name="UBND xã Anh Sơn (mới)",
        phone="0238 3 123 456",
        code="000.01.91.t91",
    )
    agency.refresh_from_db()
    assert agency.name == "UBND xã Anh Sơn (mới)"
    assert agency.search_name == "ubnd xa anh son (moi)"
    assert agency.code == "000.01.91.T91"
    assert agency.kind == Agency.Kind.UBND_XA
    event = AuditEvent.objects.get(action="units.agency_update")
    assert set(event.changes) == {"name", "phone"}
    # The phone is personal-data-shaped; the audit log masks it.
    assert "123 456" not in str(event.changes["phone"])


def test_update_without_change_writes_nothing(tree):
    services.agency_update(acting_user=None, agency=tree.agency_a, name=tree.agency_a.name)
    assert not AuditEvent.objects.filter(action="units.agency_update").exists()


def test_update_checks_scope_of_both_units(tree):
    with pytest.raises(Forbidden):
        services.agency_update(acting_user=tree.commune_admin, agency=tree.agency_b, name="X")
    with pytest.raises(Forbidden):
        services.agency_update(
            acting_user=tree.commune_admin, agency=tree.agency_a, unit=tree.commune_b
        )
    moved = services.agency_update(
        acting_user=tree.province_admin, agency=tree.agency_a, unit=tree.commune_b
    )
    assert moved.unit == tree.commune_b


def test_update_refuses_a_taken_code(tree):
    with pytest.raises(InvalidInput) as exc:
        services.agency_update(acting_user=None, agency=tree.agency_a, code=tree.agency_b.code)
    assert exc.value.code == "agency_code_taken"


def test_deactivate_is_audited_once(tree):
    services.agency_deactivate(acting_user=tree.commune_admin, agency=tree.agency_a)
    services.agency_deactivate(acting_user=tree.commune_admin, agency=tree.agency_a)
    tree.agency_a.refresh_from_db()
    assert not tree.agency_a.is_active
    assert AuditEvent.objects.filter(action="units.agency_deactivate").count() == 1


# --- scoped reads ---------------------------------------------------------------------------


def test_commune_official_sees_their_commune_only(tree):
    assert list(selectors.agencies_for_user(tree.commune_viewer)) == [tree.agency_a]
    with pytest.raises(NotFound):
        selectors.get_agency_for_user(tree.commune_viewer, tree.agency_b.pk)
    assert selectors.get_agency_for_user(tree.commune_viewer, tree.agency_a.pk) == tree.agency_a


def test_province_official_sees_the_province(tree):
    assert set(selectors.agencies_for_user(tree.province_admin)) == {
        tree.province_agency,
        tree.agency_a,
        tree.agency_b,
    }
    assert list(selectors.agencies_for_user(tree.province_admin, unit=tree.province)) == [
        tree.province_agency
    ]
    assert set(selectors.agencies_for_user(tree.province_admin, within=tree.commune_a)) == {
        tree.agency_a
    }


def test_superuser_sees_all_and_others_nothing(tree, superuser, django_user_model):
    assert selectors.agencies_for_user(superuser).count() == 4
    citizen = django_user_model.objects.create_user(username="cong_dan", password="x" * 12)
    assert list(selectors.agencies_for_user(citizen)) == []
    from django.contrib.auth.models import AnonymousUser

    assert list(selectors.agencies_for_user(AnonymousUser())) == []


def test_agency_filters(tree):
    user = tree.province_admin
    assert list(selectors.agencies_for_user(user, query="ben thuy")) == [tree.agency_b]
    assert list(selectors.agencies_for_user(user, query="000.02.91.t91")) == [tree.agency_b]
    assert list(selectors.agencies_for_user(user, kind=Agency.Kind.UBND_TINH)) == [
        tree.province_agency
    ]
    services.agency_deactivate(acting_user=None, agency=tree.agency_b)
    assert tree.agency_b not in selectors.agencies_for_user(user, active=True)


def test_agency_list_has_no_n_plus_one(tree, django_assert_num_queries):
    for n in range(5):
        AgencyFactory(unit=tree.commune_a, code=f"010.{n:02d}.91.T91")
    user = tree.province_admin
    selectors.agencies_for_user(user).count()  # the user's scope is computed once, then kept
    with django_assert_num_queries(1):
        rows = [
            (a.unit.code, a.parent_id and a.parent.code) for a in selectors.agencies_for_user(user)
        ]
    assert len(rows) == 8


@given(
    st.from_regex(r"\A[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2}\Z"),
    st.sampled_from([str.lower, str.upper, lambda s: f"  {s}\t"]),
)
def test_every_well_formed_code_is_accepted_in_any_case(code, spelling):
    assert services.clean_agency_code(spelling(code)) == code
