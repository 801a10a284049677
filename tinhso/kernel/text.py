"""Vietnamese text for search: one folded form that "Dịch vụ công", "DICH VU CONG" and
"dich  vu cong" all share, so a search typed without diacritics still finds its target."""

import unicodedata

_D_STROKE = str.maketrans({"đ": "d", "Đ": "d"})


def normalize(text: str) -> str:
    """NFC, trimmed, every run of whitespace made one space: the form names are stored in."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def fold(text: str) -> str:
    """The search key of ``text``: no diacritics, đ → d, lower case, single spaces.

    >>> fold("Dịch vụ công TRỰC TUYẾN")
    'dich vu cong truc tuyen'
    """
    # Lower-case first: lower-casing can itself produce combining marks (İ → i + dot above),
    # which must then be stripped for fold to be idempotent.
    text = text.lower().translate(_D_STROKE)
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return " ".join(unicodedata.normalize("NFC", stripped).split())
