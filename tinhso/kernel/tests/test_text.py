"""Vietnamese text folding for search."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinhso.kernel.text import fold, normalize

VIETNAMESE_LETTERS = "".join(
    [
        "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịk",
        "lmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ",
    ]
)
VIETNAMESE_TEXT = VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + "0123456789 \t\n"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Dịch vụ công TRỰC TUYẾN", "dich vu cong truc tuyen"),
        ("Đăng ký kết hôn", "dang ky ket hon"),
        ("  Ủy ban   nhân dân\txã  ", "uy ban nhan dan xa"),
        ("Nghệ An", "nghe an"),
        ("ĐƯỜNG Nguyễn Trãi", "duong nguyen trai"),
        ("", ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_accepts_decomposed_input():
    assert fold(unicodedata.normalize("NFD", "Thủ tục hành chính")) == "thu tuc hanh chinh"


def test_normalize():
    decomposed = unicodedata.normalize("NFD", "  Hồ   sơ\n số 1 ")
    assert normalize(decomposed) == unicodedata.normalize("NFC", "Hồ sơ số 1")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=VIETNAMESE_TEXT))
def test_fold_of_vietnamese_is_ascii(text):
    folded = fold(text)
    assert folded.isascii()
    assert folded == folded.lower()
    assert "  " not in folded


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalize_is_idempotent(text):
    assert normalize(normalize(text)) == normalize(text)
