"""Who sees personal data in clear: the person, and officials with the permission in scope."""

import pytest
from django.template import Context, Template

from tinhso.accounts.permissions import Perm
from tinhso.accounts.personal_data import personal_data_for, show_personal_data
from tinhso.accounts.tests.factories import OfficialFactory


@pytest.fixture
def desk_a(world):
    """A one-stop officer of commune A, allowed to see personal data."""
    return OfficialFactory(
        agency=world.agencies["xa_a"],
        permissions=[Perm.OFFICIALS_VIEW, Perm.CITIZENS_VIEW_PERSONAL],
    )


def test_the_person_themself(world):
    citizen = world.people["citizen"]
    assert show_personal_data(citizen, citizen)
    assert personal_data_for(citizen, citizen)["cccd"] == citizen.cccd


def test_officials_with_the_permission_in_scope(world, desk_a):
    assert show_personal_data(desk_a, world.people["village"])
    assert show_personal_data(desk_a, world.people["a"])
    assert not show_personal_data(desk_a, world.people["b"])
    assert not show_personal_data(desk_a, world.people["province"])


def test_officials_without_the_permission(world):
    assert not show_personal_data(world.people["a"], world.people["village"])
    assert not show_personal_data(world.people["province"], world.people["b"])


def test_a_citizen_is_seen_through_the_record_that_brings_them(world, desk_a):
    citizen = world.people["citizen"]
    assert not show_personal_data(desk_a, citizen)  # no record, no unit: masked
    assert show_personal_data(desk_a, citizen, unit=world.units["village"])
    assert not show_personal_data(desk_a, citizen, unit=world.units["b"])
    masked = personal_data_for(desk_a, citizen)
    assert masked["cccd"] == citizen.cccd[:3] + "******" + citizen.cccd[-3:]
    assert masked["phone"] == "091****678"
    assert masked["address"] == "***, phường Vinh Phú, tỉnh Nghệ An"


def test_nobody_else(world):
    citizen = world.people["citizen"]
    other = OfficialFactory(
        agency=world.agencies["xa_a"], permissions=[Perm.CITIZENS_VIEW_PERSONAL], is_active=False
    )
    assert not show_personal_data(other, citizen, unit=world.units["a"])
    assert not show_personal_data(None, citizen)
    assert not show_personal_data(world.people["b"], citizen, unit=world.units["b"])
    assert show_personal_data(world.people["superuser"], citizen)


def test_the_template_tag(world, desk_a):
    template = Template(
        "{% load personal_data %}{% show_personal_data viewer subject as ok %}"
        "{% if ok %}{{ subject.phone }}{% else %}{{ subject.phone|masked_phone }}{% endif %}"
    )
    village = world.people["village"]
    assert template.render(Context({"viewer": desk_a, "subject": village})) == village.phone
    masked = template.render(Context({"viewer": world.people["b"], "subject": village}))
    assert masked == village.phone[:3] + "****" + village.phone[-3:]
