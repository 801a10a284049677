"""Scope isolation through every path that reads people or agencies today.

The province of ``conftest.world``: a commune official must not reach the other commune, the
province official reaches both, a citizen reaches only themself, an inactive account and a
role without the permission reach nothing, even inside their own subtree.
"""

import pytest
from django.urls import reverse

from tinhso.accounts import selectors
from tinhso.accounts.models import User
from tinhso.accounts.permissions import Perm
from tinhso.accounts.scope import filter_for_user, get_for_user, scope_q, unit_in_scope
from tinhso.accounts.tests.conftest import OFFICIALS
from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.kernel.errors import NotFound
from tinhso.units.models import Agency

VISIBLE_OFFICIALS = {
    "province": OFFICIALS,
    "a": {"a", "a_noperm", "a_inactive", "village"},
    "village": {"village"},
    "b": {"b"},
    "a_noperm": set(),
    "a_inactive": set(),
    "citizen": set(),
    "superuser": OFFICIALS,
}
VISIBLE_AGENCIES = {
    "province": {"ubnd_tinh", "xa_a", "thon", "xa_b"},
    "a": {"xa_a", "thon"},
    "village": {"thon"},
    "b": {"xa_b"},
    "a_noperm": set(),
    "a_inactive": set(),
    "citizen": set(),
    "superuser": {"ubnd_tinh", "xa_a", "thon", "xa_b"},
}
VIEWERS = sorted(VISIBLE_OFFICIALS)
SIGNED_IN_VIEWERS = [name for name in VIEWERS if name != "a_inactive"]

OFFICIAL_SCOPE = {"unit_field": "agency__unit", "permission": Perm.OFFICIALS_VIEW}


def agency_names(world, agencies) -> set[str]:
    by_pk = {agency.pk: name for name, agency in world.agencies.items()}
    return {by_pk[agency.pk] for agency in agencies}


# ---- the scope helpers themselves ----------------------------------------------------------


@pytest.mark.parametrize("viewer", VIEWERS)
def test_filter_for_user_on_officials(world, viewer):
    officials = User.objects.filter(kind=User.Kind.OFFICIAL)
    seen = filter_for_user(officials, world.people[viewer], **OFFICIAL_SCOPE)
    assert world.names(seen) == VISIBLE_OFFICIALS[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_filter_for_user_on_agencies(world, viewer):
    seen = filter_for_user(
        Agency.objects.all(), world.people[viewer], unit_field="unit",
        permission=Perm.OFFICIALS_VIEW,
    )  # fmt: skip
    assert agency_names(world, seen) == VISIBLE_AGENCIES[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_get_for_user_answers_not_found_outside_scope(world, viewer):
    officials = User.objects.filter(kind=User.Kind.OFFICIAL)
    for name in OFFICIALS:
        target = world.people[name]
        if name in VISIBLE_OFFICIALS[viewer]:
            found = get_for_user(officials, world.people[viewer], **OFFICIAL_SCOPE, pk=target.pk)
            assert found == target
        else:
            with pytest.raises(NotFound):
                get_for_user(officials, world.people[viewer], **OFFICIAL_SCOPE, pk=target.pk)


def test_anonymous_and_none_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    officials = User.objects.filter(kind=User.Kind.OFFICIAL)
    for viewer in (None, AnonymousUser()):
        assert not filter_for_user(officials, viewer, **OFFICIAL_SCOPE).exists()


def test_scope_is_a_query_condition_not_a_python_filter(world):
    # None means "every row" (superusers); anyone else gets a Q the database applies.
    assert scope_q(world.people["superuser"], **OFFICIAL_SCOPE) is None
    condition = scope_q(world.people["a"], **OFFICIAL_SCOPE)
    sql = str(User.objects.filter(condition).query)
    assert "path" in sql


def test_unit_in_scope_follows_the_same_rule(world):
    a = world.people["a"]
    assert unit_in_scope(a, world.units["a"], permission=Perm.OFFICIALS_VIEW)
    assert unit_in_scope(a, world.units["village"], permission=Perm.OFFICIALS_VIEW)
    assert not unit_in_scope(a, world.units["b"], permission=Perm.OFFICIALS_VIEW)
    assert not unit_in_scope(a, world.units["province"], permission=Perm.OFFICIALS_VIEW)
    assert not unit_in_scope(a, world.units["a"], permission=Perm.OFFICIALS_MANAGE)
    assert not unit_in_scope(world.people["citizen"], world.units["a"], permission="x")


def test_an_official_of_a_closed_agency_sees_nothing(world):
    Agency.objects.filter(pk=world.agencies["xa_a"].pk).update(is_active=False)
    a = User.objects.get(pk=world.people["a"].pk)
    assert not selectors.officials_for_user(a).exists()


def test_moving_an_official_moves_their_scope(world):
    a = User.objects.get(pk=world.people["a"].pk)
    a.agency = world.agencies["xa_b"]
    a.save()
    a = User.objects.get(pk=a.pk)
    assert world.names(selectors.officials_for_user(a)) == {"a", "b"}


# ---- selectors -------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", VIEWERS)
def test_officials_selectors(world, viewer):
    user = world.people[viewer]
    assert world.names(selectors.officials_for_user(user)) == VISIBLE_OFFICIALS[viewer]
    for name in OFFICIALS:
        if name in VISIBLE_OFFICIALS[viewer]:
            assert selectors.get_official_for_user(user, world.people[name].pk).pk
        else:
            with pytest.raises(NotFound):
                selectors.get_official_for_user(user, world.people[name].pk)


def test_citizen_sees_only_themself(world):
    citizen = world.people["citizen"]
    assert list(selectors.accounts_for_user(citizen)) == [citizen]
    CitizenFactory()
    assert list(selectors.accounts_for_user(citizen)) == [citizen]


def test_inactive_account_sees_nothing_not_even_itself(world):
    assert not selectors.accounts_for_user(world.people["a_inactive"]).exists()


def test_role_without_the_permission_sees_only_its_own_account(world):
    a_noperm = world.people["a_noperm"]
    assert not selectors.officials_for_user(a_noperm).exists()
    assert list(selectors.accounts_for_user(a_noperm)) == [a_noperm]


def test_agencies_for_official_management_needs_manage(world):
    assert not selectors.agencies_for_official_management(world.people["a"]).exists()


# ---- the HTTP API ------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", SIGNED_IN_VIEWERS)
def test_api_officials_list_and_detail(world, client, viewer):
    client.force_login(world.people[viewer])
    response = client.get("/api/v1/accounts/officials", {"limit": 100})
    assert response.status_code == 200
    body = response.json()
    ids = {item["id"] for item in body["items"]}
    assert ids == {world.people[name].pk for name in VISIBLE_OFFICIALS[viewer]}
    assert body["count"] == len(VISIBLE_OFFICIALS[viewer])
    for name in OFFICIALS:
        detail = client.get(f"/api/v1/accounts/officials/{world.people[name].pk}")
        if name in VISIBLE_OFFICIALS[viewer]:
            assert detail.status_code == 200
            assert detail.json()["username"] == world.people[name].username
        else:
            assert detail.status_code == 404
            assert detail.json()["code"] == "not_found"


def test_api_refuses_an_inactive_account(world, client):
    client.force_login(world.people["a_inactive"])
    response = client.get("/api/v1/accounts/officials")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    target = world.people["a"].pk
    assert client.get(f"/api/v1/accounts/officials/{target}").status_code == 401


def test_api_refuses_anonymous(world, client):
    response = client.get("/api/v1/accounts/officials")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# ---- the pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", SIGNED_IN_VIEWERS)
def test_pages_officials_list_and_detail(world, client, viewer):
    client.force_login(world.people[viewer])
    response = client.get(reverse("accounts:officials"))
    assert response.status_code == 200
    listed = {official.pk for official in response.context["officials"]}
    assert listed == {world.people[name].pk for name in VISIBLE_OFFICIALS[viewer]}
    for name in OFFICIALS:
        target = world.people[name]
        if name in VISIBLE_OFFICIALS[viewer]:
            assert f"<td>{target.username}</td>" in response.content.decode()
        page = client.get(reverse("accounts:official_detail", args=[target.pk]))
        if name in VISIBLE_OFFICIALS[viewer]:
            assert page.status_code == 200
            assert target.username in page.content.decode()
        else:
            assert page.status_code == 404
        # Outside scope, nothing of the official leaks into any page.
        if name not in VISIBLE_OFFICIALS[viewer] and target.pk != world.people[viewer].pk:
            assert f"<td>{target.username}</td>" not in response.content.decode()


def test_pages_send_an_inactive_account_to_the_login(world, client):
    client.force_login(world.people["a_inactive"])
    response = client.get(reverse("accounts:officials"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
