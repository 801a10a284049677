"""Location → commune (form choice, nearest centre point, address words) and ordered routing
rules, first match wins."""

import pytest
from django.test import override_settings

from tinhso.feedback import routing, services
from tinhso.feedback.tests.factories import VINH, CategoryFactory, ReportFactory, near
from tinhso.units.tests.factories import AgencyFactory, VillageFactory

pytestmark = pytest.mark.django_db


def test_the_commune_chosen_on_the_form_wins(world):
    report = ReportFactory(category=world.roads, commune_code=world.commune_b.code)
    assert report.commune == world.commune_b
    assert report.agency == world.agency_b


def test_a_village_resolves_to_its_commune(world):
    village = VillageFactory(parent=world.commune_a, code="9100199")
    report = ReportFactory(category=world.roads, commune_code=village.code)
    assert report.commune == world.commune_a


def test_the_nearest_centre_point(world):
    report = ReportFactory(category=world.roads, latitude=near(VINH, 4000)[0], longitude=VINH[1])
    assert report.commune == world.commune_b
    assert report.agency == world.agency_b
    far = ReportFactory(category=world.roads, latitude=near(VINH, 30000)[0], longitude=VINH[1])
    assert far.commune is None


def test_the_address_words_without_diacritics(world):
    report = ReportFactory(
        category=world.roads,
        latitude=None,
        longitude=None,
        address="12 Lê Lợi, phuong ben thuy thu",
    )
    assert report.commune == world.commune_b
    assert routing.commune_from_address("Số 3, Anh Sơn Thử") == world.commune_a
    assert routing.commune_from_address("đường không tên") is None


def test_outside_the_province_is_422(world):
    with pytest.raises(Exception) as caught:
        ReportFactory(category=world.roads, latitude=21.0285, longitude=105.8542)  # Hà Nội
    assert caught.value.code == "location_outside_province"
    assert caught.value.status == 422
    assert str(caught.value.message) == "Vị trí này nằm ngoài địa bàn tỉnh sử dụng hệ thống."
    with pytest.raises(Exception) as caught:
        ReportFactory(category=world.roads, latitude=95, longitude=105)
    assert caught.value.code == "location_invalid"
    with override_settings(TINHSO_FEEDBACK_BOUNDS=(20.5, 21.5, 105, 106.5)):
        assert ReportFactory(category=world.roads, latitude=21.0285, longitude=105.8542).pk


def test_no_location_is_refused(world):
    with pytest.raises(Exception) as caught:
        ReportFactory(category=world.roads, latitude=None, longitude=None)
    assert caught.value.code == "location_required"
    with pytest.raises(Exception) as caught:
        ReportFactory(category=world.roads, commune_code="00000")
    assert caught.value.code == "commune_unknown"


def test_rules_in_order_first_match_wins(world):
    # A rule for any area placed before the commune rules takes everything of its category.
    police = AgencyFactory(unit=world.province, department=True, code="000.08.00.T91")
    rule = services.routing_rule_create(
        acting_user=None, agency=police, category=world.roads, order=5
    )
    report = ReportFactory(category=world.roads, commune_code=world.commune_a.code)
    assert (report.agency, report.routing_rule) == (police, rule)
    services.routing_rule_update(acting_user=None, rule=rule, is_active=False)
    report = ReportFactory(category=world.roads, commune_code=world.commune_a.code)
    assert report.agency == world.agency_a


def test_a_group_rule_covers_its_categories_and_the_fallbacks(world):
    lights = ReportFactory(category=world.lights, commune_code=world.commune_b.code)
    assert lights.agency == world.power
    other = CategoryFactory(service_code="khac", name="Khác")
    report = ReportFactory(category=other, commune_code=world.commune_b.code)
    assert report.agency == world.agency_b  # the commune's People's Committee
    with_default = CategoryFactory(service_code="moi", name="Mới", default_agency=world.power)
    assert ReportFactory(category=with_default, commune_code=world.commune_a.code).agency == (
        world.power
    )


def test_a_unit_admin_adds_rules_only_in_scope(world):
    from tinhso.feedback.permissions import FEEDBACK_MANAGE
    from tinhso.units.tests.factories import official_with

    admin_a = official_with(world.agency_a, FEEDBACK_MANAGE)
    services.routing_rule_create(acting_user=admin_a, agency=world.agency_a, unit=world.commune_a)
    for unit in (world.commune_b, None):
        with pytest.raises(Exception) as caught:
            services.routing_rule_create(acting_user=admin_a, agency=world.agency_a, unit=unit)
        assert caught.value.code == "forbidden"


def test_categories_are_two_levels_deep(world):
    with pytest.raises(Exception) as caught:
        services.category_create(
            acting_user=None, service_code="sau", name="Sâu", parent=world.roads
        )
    assert caught.value.code == "category_too_deep"
    with pytest.raises(Exception) as caught:
        ReportFactory(category=world.traffic, commune_code=world.commune_a.code)
    assert caught.value.code == "category_unknown"


def test_administrators_edit_rules_in_the_admin_through_the_services(world, client):
    from django.contrib.auth import get_user_model

    from tinhso.feedback.models import RoutingRule
    from tinhso.kernel.models import AuditEvent

    admin = get_user_model().objects.create_superuser(
        username="quantri_thu", password="mat-khau-thu", email="qt@example.vn"
    )
    client.force_login(admin)
    response = client.post(
        "/quan-tri/feedback/routingrule/add/",
        {"order": 1, "unit": world.commune_b.pk, "category": world.roads.pk,
         "agency": world.power.pk, "is_active": "on", "note": "thử"},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:500]
    rule = RoutingRule.objects.get(order=1)
    assert AuditEvent.objects.filter(action="feedback.rule_create", object_id=str(rule.pk)).exists()
    report = ReportFactory(category=world.roads, commune_code=world.commune_b.code)
    assert report.agency == world.power
