"""Identity numbers and personal data: validation and masking.

CCCD (căn cước công dân, 12 digits, no check digit)::

    PPP S YY NNNNNN
    │   │ │  └ random serial
    │   │ └ last two digits of the birth year
    │   └ century and sex (0/1 → 1900s male/female, 2/3 → 2000s, ... 8/9 → 2300s)
    └ province of birth registration (the 63 pre-2025 province codes)

Enterprise tax code (mã số thuế): 10 digits with a check digit, or 13 for dependent units,
checked with ``stdnum.vn.mst``.

Masking follows ``tinhso.kernel.logging`` so a number looks the same in a log and on a page.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.vn import mst

# The province codes used in CCCD numbers (Circular 07/2016/TT-BCA, later Circular 59/2021):
# one per province as it stood before the 2025 mergers. A CCCD keeps its code for life, so
# merged provinces' codes stay valid.
CCCD_PROVINCE_CODES: frozenset[str] = frozenset(
    {
        "001",  # Hà Nội
        "002",  # Hà Giang
        "004",  # Cao Bằng
        "006",  # Bắc Kạn
        "008",  # Tuyên Quang
        "010",  # Lào Cai
        "011",  # Điện Biên
        "012",  # Lai Châu
        "014",  # Sơn La
        "015",  # Yên Bái
        "017",  # Hòa Bình
        "019",  # Thái Nguyên
        "020",  # Lạng Sơn
        "022",  # Quảng Ninh
        "024",  # Bắc Giang
        "025",  # Phú Thọ
        "026",  # Vĩnh Phúc
        "027",  # Bắc Ninh
        "030",  # Hải Dương
        "031",  # Hải Phòng
        "033",  # Hưng Yên
        "034",  # Thái Bình
        "035",  # Hà Nam
        "036",  # Nam Định
        "037",  # Ninh Bình
        "038",  # Thanh Hóa
        "040",  # Nghệ An
        "042",  # Hà Tĩnh
        "044",  # Quảng Bình
        "045",  # Quảng Trị
        "046",  # Thừa Thiên Huế
        "048",  # Đà Nẵng
        "049",  # Quảng Nam
        "051",  # Quảng Ngãi
        "052",  # Bình Định
        "054",  # Phú Yên
        "056",  # Khánh Hòa
        "058",  # Ninh Thuận
        "060",  # Bình Thuận
        "062",  # Kon Tum
        "064",  # Gia Lai
        "066",  # Đắk Lắk
        "067",  # Đắk Nông
        "068",  # Lâm Đồng
        "070",  # Bình Phước
        "072",  # Tây Ninh
        "074",  # Bình Dương
        "075",  # Đồng Nai
        "077",  # Bà Rịa - Vũng Tàu
        "079",  # Hồ Chí Minh
        "080",  # Long An
        "082",  # Tiền Giang
        "083",  # Bến Tre
        "084",  # Trà Vinh
        "086",  # Vĩnh Long
        "087",  # Đồng Tháp
        "089",  # An Giang
        "091",  # Kiên Giang
        "092",  # Cần Thơ
        "093",  # Hậu Giang
        "094",  # Sóc Trăng
        "095",  # Bạc Liêu
        "096",  # Cà Mau
    }
)

MALE = "male"
FEMALE = "female"

_CCCD_RE = re.compile(r"^[0-9]{12}$")
_SEPARATORS_RE = re.compile(r"[\s.\-]")
_PHONE_RE = re.compile(r"^0[0-9]{9,10}$")


def _century_and_sex(digit: int) -> tuple[int, str]:
    """Digit 4 of a CCCD → (first year of the century, sex)."""
    return 1900 + (digit // 2) * 100, MALE if digit % 2 == 0 else FEMALE


def century_sex_digit(year: int, sex: str) -> int:
    """The digit 4 a CCCD carries for someone born in ``year`` with ``sex``."""
    if not 1900 <= year <= 2399:
        raise ValueError("CCCD numbers encode birth years 1900–2399 only")
    return (year - 1900) // 100 * 2 + (1 if sex == FEMALE else 0)


def compose_cccd(*, province_code: str, date_of_birth: datetime.date, sex: str, serial: int) -> str:
    """Build a CCCD that agrees with the birth date and sex (demo data, tests)."""
    if province_code not in CCCD_PROVINCE_CODES:
        raise ValueError(f"unknown CCCD province code {province_code!r}")
    if not 0 <= serial <= 999_999:
        raise ValueError("the serial has six digits")
    year = date_of_birth.year
    return f"{province_code}{century_sex_digit(year, sex)}{year % 100:02d}{serial:06d}"


def normalise_digits(value: str) -> str:
    """Drop the spaces, dots and dashes people type inside a number."""
    return _SEPARATORS_RE.sub("", value or "")


def validate_cccd(
    number: str, *, date_of_birth: datetime.date | None = None, sex: str | None = None
) -> str:
    """Check a CCCD number (and that it agrees with the birth date and sex, when given).

    Returns the number without separators. Raises ``ValidationError`` with the code
    ``cccd_format``, ``cccd_province``, ``cccd_century_sex`` or ``cccd_birth_year``. The
    messages never repeat the number: it is personal data.
    """
    number = normalise_digits(number)
    if not _CCCD_RE.match(number):
        raise ValidationError(
            _("A citizen identity number (CCCD) has exactly 12 digits."), code="cccd_format"
        )
    if number[:3] not in CCCD_PROVINCE_CODES:
        raise ValidationError(
            _("The first three digits of the CCCD are not a province code."),
            code="cccd_province",
        )
    century, encoded_sex = _century_and_sex(int(number[3]))
    year = century + int(number[4:6])
    if sex and sex != encoded_sex:
        raise ValidationError(
            _("The fourth digit of the CCCD does not match the sex entered."),
            code="cccd_century_sex",
        )
    if date_of_birth is not None:
        if date_of_birth.year // 100 * 100 != century:
            raise ValidationError(
                _("The fourth digit of the CCCD does not match the century of birth."),
                code="cccd_century_sex",
            )
        if date_of_birth.year != year:
            raise ValidationError(
                _("Digits 5 and 6 of the CCCD do not match the year of birth."),
                code="cccd_birth_year",
            )
    elif year > datetime.date.today().year:
        raise ValidationError(
            _("The CCCD encodes a year of birth in the future."), code="cccd_birth_year"
        )
    return number


def validate_tax_code(value: str) -> str:
    """Check an enterprise tax code (10 digits, or 13 for a dependent unit).

    Returns it in its usual written form (``0100109106`` or ``0100109106-001``).
    """
    try:
        compact = mst.validate(value or "")
    except StdnumValidationError as exc:
        raise ValidationError(
            _("The tax code is not valid: it has 10 or 13 digits and a correct check digit."),
            code="tax_code_invalid",
        ) from exc
    return mst.format(compact)


def tax_code_compact(value: str) -> str:
    """The tax code as digits only (a business account's username)."""
    return mst.compact(value)


def validate_phone(value: str) -> str:
    """A Vietnamese phone number (mobile 10 digits, landline 11), written from 0."""
    number = normalise_digits(value).removeprefix("+")
    if number.startswith("84") and len(number) in (11, 12):
        number = "0" + number[2:]
    if not _PHONE_RE.match(number):
        raise ValidationError(
            _("Enter a Vietnamese phone number, e.g. 0912 345 678."), code="phone_invalid"
        )
    return number


def normalise_login_name(identifier: str) -> str:
    """What a person types in the login box, as the username it stands for.

    Citizens sign in with their CCCD and businesses with their tax code, both usernames made of
    digits; people type them with spaces, dots or a dash (``001 090 012345``,
    ``0100109106-001``). Officials' usernames contain letters and are left as typed.
    """
    identifier = (identifier or "").strip()
    digits = normalise_digits(identifier)
    return digits if digits.isascii() and digits.isdigit() else identifier


# ---- masking ------------------------------------------------------------------------------


def _mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + value[len(value) - keep_end :]


def mask_cccd(number: str) -> str:
    """``001090012345`` → ``001******345``."""
    return _mask_middle(number or "", 3, 3)


def mask_phone(number: str) -> str:
    """``0912345678`` → ``091****678``."""
    return _mask_middle(number or "", 3, 3)


def mask_address(address: str) -> str:
    """Keep the commune and province (the last two parts), hide the house and street.

    ``Số 12, đường Lê Lợi, phường Vinh Phú, tỉnh Nghệ An`` → ``***, phường Vinh Phú, tỉnh
    Nghệ An``.
    """
    parts = [part.strip() for part in (address or "").split(",") if part.strip()]
    if not parts:
        return ""
    if len(parts) <= 2:
        return "***"
    return ", ".join(["***", *parts[-2:]])
