"""Factories of the feedback room.

``CategoryFactory()``                      a leaf category "Ổ gà" under a new group, 5 working days
``CategoryFactory(group=True)``            a group (no parent)
``CategoryFactory(calendar_days=True)``    counted in calendar days
``CategoryFactory(private=True)``          never published
``RoutingRuleFactory(agency=..., unit=..., category=...)``
``ReportFactory(category=..., commune_code=..., latitude=..., longitude=...)`` through
    ``services.report_create`` (channel "portal", a point in Vinh, Nghệ An by default);
    ``reporter=`` a citizen; traits: ``accepted``, ``in_progress``, ``handled`` (each runs the
    services as the system).
``citizen(**fields)``  a citizen user with an e-mail address.
``VINH = (18.6796, 105.6813)`` a point in Vinh; ``near(point, metres_north)`` another point.
"""

import itertools
import math

import factory
from factory.django import DjangoModelFactory

from tinhso.feedback import services
from tinhso.feedback.models import Category, Report, RoutingRule

VINH = (18.679600, 105.681300)
_citizens = itertools.count(1)


def near(point: tuple[float, float], metres_north: float = 0.0, metres_east: float = 0.0):
    lat, lon = point
    dlat = metres_north / 111_320.0
    dlon = metres_east / (111_320.0 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def citizen(**fields):
    from tinhso.accounts.models import User

    n = next(_citizens)
    fields.setdefault("username", f"congdan{n}")
    fields.setdefault("email", f"congdan{n}@example.vn")
    fields.setdefault("full_name", f"Công Dân {n}")
    return User.objects.create_user(password="mat-khau-thu", kind=User.Kind.CITIZEN, **fields)


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        skip_postgeneration_save = True

    service_code = factory.Sequence(lambda n: f"loai-{n}")
    name = factory.Sequence(lambda n: f"Ổ gà {n}")
    parent = factory.SubFactory(
        "tinhso.feedback.tests.factories.CategoryFactory", parent=None, group_name=True
    )
    handling_days = 5
    day_kind = Category.DayKind.WORKING
    is_public = True
    attributes = factory.LazyFunction(list)

    class Params:
        group = factory.Trait(parent=None, name=factory.Sequence(lambda n: f"Giao thông {n}"))
        group_name = factory.Trait(name=factory.Sequence(lambda n: f"Nhóm {n}"))
        calendar_days = factory.Trait(day_kind=Category.DayKind.CALENDAR)
        private = factory.Trait(is_public=False)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.category_create(acting_user=None, **kwargs)


class RoutingRuleFactory(DjangoModelFactory):
    class Meta:
        model = RoutingRule

    order = factory.Sequence(lambda n: 100 + n)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.routing_rule_create(acting_user=None, **kwargs)


class ReportFactory(DjangoModelFactory):
    class Meta:
        model = Report
        skip_postgeneration_save = True

    category = factory.SubFactory(CategoryFactory)
    description = "Ổ gà lớn giữa đường, xe máy dễ ngã."
    channel = Report.Channel.PORTAL
    latitude = VINH[0]
    longitude = VINH[1]
    address = ""
    commune_code = ""
    reporter = None
    contact_email = ""

    class Params:
        accepted = factory.Trait(_steps=("accept",))
        in_progress = factory.Trait(_steps=("accept", "start"))
        handled = factory.Trait(_steps=("accept", "start", "resolve"))
        _steps = ()

    @classmethod
    def _create(cls, model_class, *args, _steps=(), **kwargs):
        report = services.report_create(acting_user=None, **kwargs)
        for step in _steps:
            message = "Đã vá ổ gà." if step == "resolve" else ""
            services.report_act(acting_user=None, report=report, action=step, message=message)
        return report
