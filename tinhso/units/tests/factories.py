"""Factories of the units room, for every module's tests.

Units and agencies are created through the services (``unit_create``, ``agency_create``,
as the system), so every unit has a real level and path and every agency a valid, unique
electronic identifier. ``.build()`` gives unsaved objects without a path: use ``.create()``
for anything that touches the tree or scope.

``UnitFactory`` (a province by default; codes "9xxxx", never a real code)
    ``UnitFactory()``                   a province (Tỉnh), a root
    ``UnitFactory(commune=True)``       a commune (Xã) under a new province
    ``UnitFactory(ward=True)``          a ward (Phường) under a new province
    ``UnitFactory(village=True)``       a village (Thôn) under a new commune
    ``UnitFactory(residential_group=True)`` a residential group (Tổ dân phố) under a new ward
    ``UnitFactory(retired=True)``       in force 2020-01-01 .. 2025-06-30 (history)
    Traits combine: ``UnitFactory(commune=True, retired=True)``; ``parent=`` overrides the
    new parent: ``UnitFactory(commune=True, parent=province)``.
    Shortcuts: ``ProvinceFactory``, ``CommuneFactory``, ``WardFactory``, ``VillageFactory``.

``AgencyFactory`` (a commune People's Committee on a new commune by default; identifiers
"NNN.NN.99.T99", never a real one)
    ``AgencyFactory(unit=commune)``     on a given unit
    ``AgencyFactory(province_level=True)`` the People's Committee of a new province
    ``AgencyFactory(department=True)``  a department (Sở) on a new province
    ``AgencyFactory(desk=True)``        a one-stop desk under a new commune People's
                                        Committee, on the same unit
    ``AgencyFactory(inactive=True)``    a closed agency (closed with ``agency_deactivate``)

``official_with(agency, *permissions, username=None, **user_fields)`` makes an official
(kind "official") of ``agency`` holding the given ``Perm`` constants through one new role;
their scope is the subtree of ``agency.unit``.
"""

import datetime as dt
import itertools

import factory
from factory.django import DjangoModelFactory

from tinhso.units import services
from tinhso.units.models import Agency, Unit


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"9{n:04d}")
    name = factory.Sequence(lambda n: f"Tỉnh Thử Nghiệm {n}")
    type = Unit.Type.TINH
    parent = None
    codename = ""
    valid_from = dt.date(2025, 7, 1)
    valid_until = None

    class Params:
        commune = factory.Trait(
            type=Unit.Type.XA,
            name=factory.Sequence(lambda n: f"Xã Thử Nghiệm {n}"),
            parent=factory.SubFactory("tinhso.units.tests.factories.UnitFactory"),
        )
        ward = factory.Trait(
            type=Unit.Type.PHUONG,
            name=factory.Sequence(lambda n: f"Phường Thử Nghiệm {n}"),
            parent=factory.SubFactory("tinhso.units.tests.factories.UnitFactory"),
        )
        village = factory.Trait(
            type=Unit.Type.THON,
            name=factory.Sequence(lambda n: f"Thôn Thử Nghiệm {n}"),
            parent=factory.SubFactory("tinhso.units.tests.factories.UnitFactory", commune=True),
        )
        residential_group = factory.Trait(
            type=Unit.Type.TO_DAN_PHO,
            name=factory.Sequence(lambda n: f"Tổ dân phố Thử Nghiệm {n}"),
            parent=factory.SubFactory("tinhso.units.tests.factories.UnitFactory", ward=True),
        )
        retired = factory.Trait(valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2025, 6, 30))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.unit_create(acting_user=None, **kwargs)


class ProvinceFactory(UnitFactory):
    pass


class CommuneFactory(UnitFactory):
    commune = True


class WardFactory(UnitFactory):
    ward = True


class VillageFactory(UnitFactory):
    village = True


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency
        skip_postgeneration_save = True

    unit = factory.SubFactory(UnitFactory, commune=True)
    parent = None
    # QCVN 102 shape (3.2.2.letter+2 digits); the "T99" tail is no real province's.
    code = factory.Sequence(lambda n: f"{n // 100 % 1000:03d}.{n % 100:02d}.99.T99")
    name = factory.LazyAttributeSequence(lambda o, n: f"UBND {o.unit.name} {n}")
    short_name = ""
    kind = Agency.Kind.UBND_XA
    email = ""
    phone = ""
    address = ""

    class Params:
        province_level = factory.Trait(
            unit=factory.SubFactory(UnitFactory),
            kind=Agency.Kind.UBND_TINH,
        )
        department = factory.Trait(
            unit=factory.SubFactory(UnitFactory),
            kind=Agency.Kind.SO,
            name=factory.Sequence(lambda n: f"Sở Thử Nghiệm {n}"),
        )
        desk = factory.Trait(
            kind=Agency.Kind.MOT_CUA,
            name=factory.Sequence(lambda n: f"Bộ phận một cửa {n}"),
            parent=factory.SubFactory(
                "tinhso.units.tests.factories.AgencyFactory",
                unit=factory.SelfAttribute("..unit"),
            ),
        )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.agency_create(acting_user=None, **kwargs)

    @factory.post_generation
    def inactive(obj, create, extracted, **kwargs):
        if create and extracted:
            services.agency_deactivate(acting_user=None, agency=obj)
            obj.is_active = False


def official_with(agency: Agency, *permissions: str, username: str | None = None, **extra):
    """An official (cán bộ) of ``agency`` holding ``permissions`` through one new role."""
    from tinhso.accounts.models import Role, User

    n = next(_officials)
    role = Role.objects.create(
        code=f"units-test-role-{n}", name=f"Vai trò thử {n}", permissions=list(permissions)
    )
    user = User.objects.create_user(
        username=username or f"can_bo_{n}",
        password="mat-khau-thu-nghiem",
        kind=User.Kind.OFFICIAL,
        agency=agency,
        full_name=f"Cán bộ {n}",
        **extra,
    )
    user.roles.add(role)
    return user


_officials = itertools.count(1)
