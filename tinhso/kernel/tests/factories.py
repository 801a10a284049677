"""Factories of the kernel room."""

import datetime as dt

import factory

from tinhso.kernel.models import CalendarDay, Notification


class CalendarDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarDay
        django_get_or_create = ("date",)

    date = factory.Sequence(lambda n: dt.date(2030, 1, 1) + dt.timedelta(days=n))
    kind = CalendarDay.Kind.DAY_OFF
    name = factory.Faker("sentence", nb_words=4)
    legal_basis = ""

    class Params:
        working = factory.Trait(kind=CalendarDay.Kind.WORKING_DAY)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    address = factory.Sequence(lambda n: f"nguoi{n}@example.vn")
    channel = "email"
    subject = "Hồ sơ đã được tiếp nhận"
    body = "Hồ sơ của ông/bà đã được tiếp nhận."
