"""CCCD, tax code and phone validation; masking; the login-name normaliser."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st
from stdnum.vn import mst

from tinhso.accounts.validators import (
    CCCD_PROVINCE_CODES,
    compose_cccd,
    mask_address,
    mask_cccd,
    mask_phone,
    normalise_login_name,
    validate_cccd,
    validate_phone,
    validate_tax_code,
)


def error_code(func, *args, **kwargs) -> str:
    with pytest.raises(ValidationError) as exc:
        func(*args, **kwargs)
    return exc.value.code


def test_province_codes_are_the_63_pre_2025_provinces():
    assert len(CCCD_PROVINCE_CODES) == 63
    assert {"001", "031", "048", "079", "040", "096"} <= CCCD_PROVINCE_CODES
    # Codes that were never provinces (gaps in the official list).
    assert not {"000", "003", "005", "097", "099"} & CCCD_PROVINCE_CODES


@pytest.mark.parametrize(
    ("number", "born", "sex"),
    [
        ("001090012345", datetime.date(1990, 3, 1), "male"),
        ("079195000001", datetime.date(1995, 12, 31), "female"),
        ("040203123456", datetime.date(2003, 7, 4), "male"),
        ("048310999999", datetime.date(2010, 1, 1), "female"),
        ("001 090 012 345", datetime.date(1990, 3, 1), "male"),
    ],
)
def test_good_cccd(number, born, sex):
    assert validate_cccd(number, date_of_birth=born, sex=sex) == number.replace(" ", "")
    assert validate_cccd(number) == number.replace(" ", "")


@pytest.mark.parametrize(
    ("number", "born", "sex", "code"),
    [
        ("00109001234", None, None, "cccd_format"),  # 11 digits
        ("0010900123456", None, None, "cccd_format"),  # 13 digits
        ("00109001234a", None, None, "cccd_format"),
        ("００１０９００１２３４５", None, None, "cccd_format"),  # full-width digits
        ("", None, None, "cccd_format"),
        ("003090012345", None, None, "cccd_province"),  # 003 is not a province code
        ("099090012345", None, None, "cccd_province"),
        ("001090012345", None, "female", "cccd_century_sex"),  # 0 = male
        ("001190012345", None, "male", "cccd_century_sex"),  # 1 = female
        ("001290012345", datetime.date(1990, 1, 1), "male", "cccd_century_sex"),  # 2 = 2000s
        ("001091012345", datetime.date(1990, 1, 1), "male", "cccd_birth_year"),
        ("001299012345", None, None, "cccd_birth_year"),  # born in 2099: the future
    ],
)
def test_bad_cccd(number, born, sex, code):
    assert error_code(validate_cccd, number, date_of_birth=born, sex=sex) == code


def test_cccd_messages_do_not_repeat_the_number():
    with pytest.raises(ValidationError) as exc:
        validate_cccd("001091012345", date_of_birth=datetime.date(1990, 1, 1))
    assert "001091012345" not in " ".join(exc.value.messages)


birth_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date.today())
sexes = st.sampled_from(["male", "female"])
provinces = st.sampled_from(sorted(CCCD_PROVINCE_CODES))
serials = st.integers(min_value=0, max_value=999_999)


@given(born=birth_dates, sex=sexes, province=provinces, serial=serials)
def test_every_composed_cccd_validates(born, sex, province, serial):
    number = compose_cccd(province_code=province, date_of_birth=born, sex=sex, serial=serial)
    assert validate_cccd(number, date_of_birth=born, sex=sex) == number


@given(born=birth_dates, sex=sexes, province=provinces, serial=serials, digit=st.integers(0, 9))
def test_another_century_sex_digit_breaks_it(born, sex, province, serial, digit):
    number = compose_cccd(province_code=province, date_of_birth=born, sex=sex, serial=serial)
    if int(number[3]) == digit:
        return
    changed = number[:3] + str(digit) + number[4:]
    assert error_code(validate_cccd, changed, date_of_birth=born, sex=sex) == "cccd_century_sex"


@given(born=birth_dates, sex=sexes, province=provinces, serial=serials, year=st.integers(0, 99))
def test_another_birth_year_breaks_it(born, sex, province, serial, year):
    number = compose_cccd(province_code=province, date_of_birth=born, sex=sex, serial=serial)
    if born.year % 100 == year:
        return
    changed = number[:4] + f"{year:02d}" + number[6:]
    assert error_code(validate_cccd, changed, date_of_birth=born, sex=sex) == "cccd_birth_year"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("0100109106", "0100109106"),
        ("0100233488", "0100233488"),
        ("0101245486", "0101245486"),
        ("0100109106-001", "0100109106-001"),
        ("0100109106001", "0100109106-001"),
        (" 01.00.109.106 ", "0100109106"),
    ],
)
def test_valid_tax_codes(value, written):
    assert mst.is_valid(value)  # the reference agrees these are real-looking, valid codes
    assert validate_tax_code(value) == written


@pytest.mark.parametrize(
    "value", ["0312345675", "0100233480", "12345", "01001091061", "0100109106-0011", "", "abc"]
)
def test_invalid_tax_codes(value):
    assert not mst.is_valid(value)
    assert error_code(validate_tax_code, value) == "tax_code_invalid"


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("0912 345 678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0238.3844.555", "02383844555"),
    ],
)
def test_phone_numbers(value, number):
    assert validate_phone(value) == number


@pytest.mark.parametrize("value", ["12345", "912345678", "0912-345-67a", "+1 202 555 0100"])
def test_bad_phone_numbers(value):
    assert error_code(validate_phone, value) == "phone_invalid"


def test_masks():
    assert mask_cccd("001090012345") == "001******345"
    assert mask_phone("0912345678") == "091****678"
    assert mask_cccd("") == ""
    assert mask_cccd("12345") == "*****"
    assert (
        mask_address("Số 12, đường Lê Lợi, phường Vinh Phú, tỉnh Nghệ An")
        == "***, phường Vinh Phú, tỉnh Nghệ An"
    )
    assert mask_address("Xóm 3, xã Nghi Lộc") == "***"
    assert mask_address("") == ""


def test_template_filters_mask():
    template = Template(
        "{% load personal_data %}{{ c|masked_cccd }} {{ p|masked_phone }} {{ a|masked_address }}"
    )
    rendered = template.render(
        Context({"c": "001090012345", "p": "0912345678", "a": "Số 1, Ngõ 2, Xã X, Tỉnh Y"})
    )
    assert rendered == "001******345 091****678 ***, Xã X, Tỉnh Y"


@pytest.mark.parametrize(
    ("typed", "username"),
    [
        (" 001 090 012345 ", "001090012345"),
        ("0100109106-001", "0100109106001"),
        ("canbo.xa-an", "canbo.xa-an"),
        ("  nguyenvana ", "nguyenvana"),
    ],
)
def test_normalise_login_name(typed, username):
    assert normalise_login_name(typed) == username
