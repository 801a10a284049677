"""The demo province: real units, a realistic set of agencies, officials and citizens.

Everything goes through the modules' services (so it is validated and audited like real
work) and is idempotent: a second run finds what the first one made and changes nothing.
"""

import datetime
import random
from dataclasses import dataclass, field
from importlib import import_module

from django.db import transaction

from tinhso.accounts.models import Role, User
from tinhso.accounts.roles import (
    CASE_HANDLER,
    COMMUNICATION,
    LEADER,
    ONE_STOP_OFFICER,
    UNIT_ADMIN,
)
from tinhso.accounts.services import citizen_register, official_create, roles_ensure_defaults
from tinhso.kernel.audit import audit_record
from tinhso.units.models import Agency, Unit
from tinhso.units.selectors import unit_by_codename, unit_children
from tinhso.units.services import agency_create, unit_create, units_load_from_package

DEMO_PASSWORD = "DemoDVC#2026"
DEMO_MODULES = ["dossiers", "feedback", "qa", "outreach", "indicators"]
# CCCD "province of birth" codes for the demo citizens (040 = Nghệ An).
BIRTH_PROVINCE = "040"

# Level-1 codes of QCVN 102:2016 for provinces: H + the old two-digit province number. The
# demo only needs a few; others get H + their current code.
PROVINCE_LEVEL1 = {"40": "H40"}

# Communes given their own desks, officials and villages in the demo (Nghệ An's codes);
# in another province the first three communes are used.
DEMO_COMMUNES = ["16681", "17329", "17464"]  # Phường Thành Vinh, Xã Anh Sơn, Xã Diễn Châu

PROVINCE_AGENCIES = [
    # (code middle, kind, name, short name)
    ("00", "ubnd_tinh", "Ủy ban nhân dân tỉnh {p}", "UBND tỉnh"),
    ("01", "so", "Văn phòng Ủy ban nhân dân tỉnh {p}", "VP UBND tỉnh"),
    ("02", "trung_tam", "Trung tâm Phục vụ hành chính công tỉnh {p}", "TTPVHCC"),
    ("03", "so", "Sở Khoa học và Công nghệ tỉnh {p}", "Sở KH&CN"),
    ("04", "so", "Sở Tư pháp tỉnh {p}", "Sở Tư pháp"),
    ("05", "so", "Sở Nông nghiệp và Môi trường tỉnh {p}", "Sở NN&MT"),
    ("06", "so", "Sở Tài chính tỉnh {p}", "Sở Tài chính"),
    ("07", "so", "Sở Văn hóa, Thể thao và Du lịch tỉnh {p}", "Sở VHTT&DL"),
    ("08", "cong_an", "Công an tỉnh {p}", "Công an tỉnh"),
]

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Võ", "Đặng", "Hồ", "Thái"]
MIDDLE_MALE = ["Văn", "Đức", "Minh", "Quang", "Hữu"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Thanh", "Hồng"]
GIVEN_MALE = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Long", "Nam", "Sơn", "Tuấn"]
GIVEN_FEMALE = ["Anh", "Chi", "Hà", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Trang"]


@dataclass
class DemoLogin:
    username: str
    who: str
    roles: str


@dataclass
class DemoReport:
    province: Unit | None = None
    units_loaded: int = 0
    agencies_created: int = 0
    users_created: int = 0
    logins: list[DemoLogin] = field(default_factory=list)


def _agency(*, unit: Unit, code: str, kind: str, name: str, short: str, parent=None, report):
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        agency = agency_create(
            acting_user=None,
            unit=unit,
            code=code,
            name=name,
            short_name=short,
            kind=kind,
            parent=parent,
        )
        report.agencies_created += 1
    return agency


def _official(*, admin, username, full_name, agency, role_codes, report):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = official_create(
            acting_user=admin,
            username=username,
            full_name=full_name,
            agency=agency,
            roles=Role.objects.filter(code__in=role_codes),
            email=f"{username}@demo.tinhso.vn",
            password=DEMO_PASSWORD,
        )
        report.users_created += 1
    roles = ", ".join(user.roles.order_by("code").values_list("name", flat=True))
    report.logins.append(DemoLogin(username, f"{full_name} — {agency.name}", roles))
    return user


def demo_cccd(rng: random.Random, birth: datetime.date, sex: str) -> str:
    century = (birth.year // 100) - 19  # 1900s → 0, 2000s → 1
    digit = century * 2 + (1 if sex == "female" else 0)
    return f"{BIRTH_PROVINCE}{digit}{birth.year % 100:02d}{rng.randrange(10**6):06d}"


def load_demo(*, province: str) -> DemoReport:
    report = DemoReport()
    load = units_load_from_package(province=province)
    report.units_loaded = load.provinces_created + load.communes_created
    roles_ensure_defaults()
    rng = random.Random(40)  # noqa: S311 - the same demo data every time, not a secret

    with transaction.atomic():
        root = unit_by_codename(province)
        report.province = root
        level1 = PROVINCE_LEVEL1.get(root.code, f"H{root.code[-2:]}")
        short_province = root.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
        agencies = {}
        for middle, kind, name, short in PROVINCE_AGENCIES:
            agencies[middle] = _agency(
                unit=root,
                code=f"000.{middle}.00.{level1}",
                kind=kind,
                name=name.format(p=short_province),
                short=short,
                report=report,
                parent=agencies.get("00"),
            )
        ubnd = agencies["00"]

        admin = User.objects.filter(username="quantri").first()
        if admin is None:
            admin = User.objects.create_superuser(
                username="quantri",
                email="quantri@demo.tinhso.vn",
                password=DEMO_PASSWORD,
                kind=User.Kind.OFFICIAL,
                full_name="Quản trị hệ thống",
                agency=agencies["01"],
            )
            audit_record(actor=None, action="accounts.superuser_create", obj=admin, summary="demo")
            report.users_created += 1
        report.logins.append(DemoLogin("quantri", "Quản trị hệ thống", "superuser"))

        _official(
            admin=admin, username="lanhdao.tinh", full_name="Nguyễn Văn Thành",
            agency=ubnd, role_codes=[LEADER], report=report,
        )  # fmt: skip
        _official(
            admin=admin, username="quantri.tinh", full_name="Trần Thị Hương",
            agency=agencies["03"], role_codes=[UNIT_ADMIN], report=report,
        )  # fmt: skip
        _official(
            admin=admin, username="motcua.tinh", full_name="Lê Minh Quân",
            agency=agencies["02"], role_codes=[ONE_STOP_OFFICER], report=report,
        )  # fmt: skip
        _official(
            admin=admin, username="truyenthong.tinh", full_name="Phạm Thu Trang",
            agency=agencies["07"], role_codes=[COMMUNICATION], report=report,
        )  # fmt: skip

        communes = list(unit_children(root).filter(code__in=DEMO_COMMUNES)) or list(
            unit_children(root)[:3]
        )
        for number, commune in enumerate(communes, start=1):
            slug = commune.codename.split("_", 1)[-1].replace("_", "")
            middle = f"{number:02d}"
            committee = _agency(
                unit=commune, code=f"000.{middle}.{number + 20:02d}.{level1}", kind="ubnd_xa",
                name=f"Ủy ban nhân dân {_lower_first_word(commune.name)}",
                short=f"UBND {commune.name}", report=report,
            )  # fmt: skip
            desk = _agency(
                unit=commune, code=f"001.{middle}.{number + 20:02d}.{level1}", kind="mot_cua",
                name=f"Bộ phận một cửa {commune.name}", short="Một cửa",
                parent=committee, report=report,
            )  # fmt: skip
            _agency(
                unit=commune, code=f"002.{middle}.{number + 20:02d}.{level1}", kind="cong_an",
                name=f"Công an {commune.name}", short="Công an", report=report,
            )  # fmt: skip
            sex_male = number % 2 == 1
            name = _person_name(rng, "male" if sex_male else "female")
            _official(
                admin=admin, username=f"motcua.{slug}", full_name=name, agency=desk,
                role_codes=[ONE_STOP_OFFICER], report=report,
            )  # fmt: skip
            _official(
                admin=admin, username=f"chuyenvien.{slug}",
                full_name=_person_name(rng, "female" if sex_male else "male"),
                agency=committee, role_codes=[CASE_HANDLER], report=report,
            )  # fmt: skip
            _official(
                admin=admin, username=f"quantri.{slug}", full_name=_person_name(rng, "male"),
                agency=committee, role_codes=[UNIT_ADMIN], report=report,
            )  # fmt: skip
            # Villages (xóm) under the commune: a level below the national list.
            if not unit_children(commune).exists():
                for village in range(1, 5):
                    unit_create(
                        acting_user=None, code=f"{commune.code}-{village:02d}",
                        name=f"Xóm {village}", type=Unit.Type.THON, parent=commune,
                    )  # fmt: skip
                    report.units_loaded += 1

    for index in range(6):
        sex = "male" if index % 2 == 0 else "female"
        birth = datetime.date(1950 + rng.randrange(55), rng.randrange(1, 13), rng.randrange(1, 28))
        cccd = demo_cccd(rng, birth, sex)
        full_name = _person_name(rng, sex)
        phone = f"09{rng.randrange(10**8):08d}"  # drawn every run: the sequence stays the same
        if index == 0:
            full_name = "Hồ Thị Lan" if sex == "female" else "Hồ Văn Nam"
        user = User.objects.filter(cccd=cccd).first()
        if user is None:
            user = citizen_register(
                cccd=cccd,
                full_name=full_name,
                date_of_birth=birth,
                sex=sex,
                phone=phone,
                password=DEMO_PASSWORD,
            )
            report.users_created += 1
        report.logins.append(DemoLogin(user.username, f"{user.full_name} — công dân", "citizen"))
    # Each domain module adds its own demo records through its own services.
    for module in DEMO_MODULES:
        import_module(f"tinhso.{module}.demo").load_demo(province=root)
    return report


def _person_name(rng: random.Random, sex: str) -> str:
    if sex == "male":
        return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"


def _lower_first_word(name: str) -> str:
    """ "Phường Thành Vinh" → "phường Thành Vinh", as it is written after "Ủy ban nhân dân"."""
    first, _, rest = name.partition(" ")
    return f"{first.lower()} {rest}"
