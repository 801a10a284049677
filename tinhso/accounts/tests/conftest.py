"""The province every scope test runs in.

::

    Tỉnh Thử (province)            agency "ubnd_tinh"   official "province"
    ├── Xã An (commune A)          agency "xa_a"        officials "a", "a_noperm", "a_inactive"
    │   └── Thôn Một (village)     agency "thon"        official "village"
    └── Xã Bình (commune B)        agency "xa_b"        official "b"

"reader" role: OFFICIALS_VIEW; "silent" role: UNITS_VIEW only (lacks OFFICIALS_VIEW).
"""

from dataclasses import dataclass, field

import pytest

from tinhso.accounts.models import User
from tinhso.accounts.permissions import Perm
from tinhso.accounts.tests.factories import (
    AgencyFactory,
    CitizenFactory,
    OfficialFactory,
    RoleFactory,
    make_unit,
)
from tinhso.units.models import Agency, Unit


@dataclass
class World:
    units: dict[str, Unit] = field(default_factory=dict)
    agencies: dict[str, Agency] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)

    def names(self, users) -> set[str]:
        by_pk = {person.pk: name for name, person in self.people.items()}
        return {by_pk[user.pk] for user in users}


OFFICIALS = {"province", "a", "a_noperm", "a_inactive", "village", "b"}


@pytest.fixture
def world(db) -> World:
    w = World()
    w.units["province"] = make_unit("Tỉnh Thử", type=Unit.Type.TINH)
    w.units["a"] = make_unit("Xã An", parent=w.units["province"])
    w.units["village"] = make_unit("Thôn Một", parent=w.units["a"], type=Unit.Type.THON)
    w.units["b"] = make_unit("Xã Bình", parent=w.units["province"])
    for name, unit in [("ubnd_tinh", "province"), ("xa_a", "a"), ("thon", "village")]:
        w.agencies[name] = AgencyFactory(unit=w.units[unit], name=f"Cơ quan {name}")
    w.agencies["xa_b"] = AgencyFactory(unit=w.units["b"], name="Cơ quan xa_b")

    reader = RoleFactory(code="doc-can-bo", permissions=[Perm.OFFICIALS_VIEW])
    silent = RoleFactory(code="chi-xem-don-vi", permissions=[Perm.UNITS_VIEW])
    w.people["province"] = OfficialFactory(agency=w.agencies["ubnd_tinh"], roles=[reader])
    w.people["a"] = OfficialFactory(agency=w.agencies["xa_a"], roles=[reader])
    w.people["a_noperm"] = OfficialFactory(agency=w.agencies["xa_a"], roles=[silent])
    w.people["a_inactive"] = OfficialFactory(
        agency=w.agencies["xa_a"], roles=[reader], is_active=False
    )
    w.people["village"] = OfficialFactory(agency=w.agencies["thon"], roles=[reader])
    w.people["b"] = OfficialFactory(agency=w.agencies["xa_b"], roles=[reader])
    w.people["citizen"] = CitizenFactory()
    w.people["superuser"] = User.objects.create_superuser(
        "quantri", password="khong-dung-trong-test-1", kind=User.Kind.CITIZEN
    )
    return w
