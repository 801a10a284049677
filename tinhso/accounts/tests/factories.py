"""Factories of the accounts room (factory_boy), plus a small unit builder.

Units are built with the ORM directly (``make_unit``): the materialised path is the parent's
path plus the unit's zero-padded id, as ``tinhso.units`` defines it.
"""

import datetime
import itertools

import factory
from factory.django import DjangoModelFactory, Password

from tinhso.accounts.models import Role, User
from tinhso.accounts.validators import compose_cccd
from tinhso.units.models import Agency, Unit, path_segment

PASSWORD = "mat-khau-Vung-Tau-2024"
_unit_codes = itertools.count(90001)


def make_unit(name: str, *, parent: Unit | None = None, type: str = Unit.Type.XA) -> Unit:
    unit = Unit.objects.create(
        code=str(next(_unit_codes)),
        name=name,
        type=type,
        parent=parent,
        level=(parent.level + 1) if parent else 0,
        path="",
        search_name=name.lower(),
    )
    unit.path = (parent.path if parent else "") + path_segment(unit.pk)
    Unit.objects.filter(pk=unit.pk).update(path=unit.path)
    return unit


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency

    unit = factory.LazyFunction(lambda: make_unit("Xã Thử"))
    code = factory.Sequence(lambda n: f"000.{n // 100 % 100:02d}.{n % 100:02d}.H40")
    name = factory.Sequence(lambda n: f"UBND xã số {n}")
    kind = Agency.Kind.UBND_XA
    search_name = factory.LazyAttribute(lambda o: o.name.lower())


class RoleFactory(DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"vai-tro-{n}")
    name = factory.Sequence(lambda n: f"Vai trò {n}")
    permissions = factory.LazyFunction(list)


class CitizenFactory(DjangoModelFactory):
    class Meta:
        model = User

    kind = User.Kind.CITIZEN
    date_of_birth = factory.Sequence(lambda n: datetime.date(1985, 1, 1) + datetime.timedelta(n))
    sex = User.Sex.FEMALE
    cccd = factory.LazyAttributeSequence(
        lambda o, n: compose_cccd(
            province_code="040", date_of_birth=o.date_of_birth, sex=o.sex, serial=n
        )
    )
    username = factory.LazyAttribute(lambda o: o.cccd)
    full_name = factory.Sequence(lambda n: f"Nguyễn Thị Hoa {n}")
    phone = "0912345678"
    address = "Số 12, đường Lê Lợi, phường Vinh Phú, tỉnh Nghệ An"
    password = Password(PASSWORD)


class OfficialFactory(DjangoModelFactory):
    """``OfficialFactory(roles=[role, ...])`` or ``OfficialFactory(permissions=[...])``
    (a role made for the purpose)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    kind = User.Kind.OFFICIAL
    agency = factory.SubFactory(AgencyFactory)
    username = factory.Sequence(lambda n: f"canbo{n}")
    full_name = factory.Sequence(lambda n: f"Trần Văn Cán Bộ {n}")
    phone = factory.Sequence(lambda n: f"0987{n % 1000000:06d}")
    password = Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.roles.add(*extracted)

    @factory.post_generation
    def permissions(self, create, extracted, **kwargs):
        if create and extracted is not None:
            self.roles.add(RoleFactory(permissions=list(extracted)))
