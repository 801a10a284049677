"""The translation catalogues: Vietnamese complete, compiled, and in step with the code.

Every user-facing string is written in English and shown in Vietnamese unless the visitor
chose English. A new string without a Vietnamese translation would show English on a
Vietnamese page, so these tests fail until it is translated:

    make messages        # extract into tinhso/locale/*/LC_MESSAGES/django.po and compile
    # translate the new entries of tinhso/locale/vi/LC_MESSAGES/django.po, then:
    make messages        # compile again: the .mo files are committed
"""

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings

PACKAGE_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = PACKAGE_DIR / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
HOW_TO_FIX = (
    "Run `make messages`, translate the entries in tinhso/locale/vi/LC_MESSAGES/django.po "
    "(no empty or fuzzy msgstr), then run `make messages` again and commit the .po and .mo files."
)
# printf-style (%(name)s, %d, %%) and str.format-style ({name}) placeholders.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[a-zA-Z%]|\{[^{}]*\}")


def catalogue(language: str, kind: str = "po"):
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"django.{kind}"
    assert path.exists(), f"{path} is missing. {HOW_TO_FIX}"
    return polib.pofile(str(path)) if kind == "po" else polib.mofile(str(path))


def key(entry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def translations(entries) -> dict[tuple[str, str, str], object]:
    """Each translated entry's key mapped to its msgstr (a tuple of forms for plurals)."""
    result = {}
    for entry in entries:
        if entry.msgid_plural:
            value = tuple(entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural, key=int))
        else:
            value = entry.msgstr
        result[key(entry)] = value
    return result


def describe(keys) -> str:
    return "\n".join(
        f"  msgid {msgid!r}" + (f" (context {ctx!r})" if ctx else "")
        for ctx, msgid, _ in sorted(keys)
    )


def test_vietnamese_catalogue_header():
    po = catalogue("vi")
    assert po.metadata["Language"] == "vi"
    assert po.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert not po.metadata_is_fuzzy


def test_vietnamese_catalogue_is_complete():
    po = catalogue("vi")
    untranslated = [key(e) for e in po.untranslated_entries() if "fuzzy" not in e.flags]
    fuzzy = [key(e) for e in po.fuzzy_entries()]
    plural_gaps = [key(e) for e in po if e.msgid_plural and not all(e.msgstr_plural.values())]

    assert not untranslated, (
        f"Untranslated Vietnamese entries:\n{describe(untranslated)}\n{HOW_TO_FIX}"
    )
    assert not fuzzy, f"Fuzzy Vietnamese entries (check, then drop the flag):\n{describe(fuzzy)}"
    assert not plural_gaps, f"Plural entries with an empty form:\n{describe(plural_gaps)}"


def test_vietnamese_translations_keep_the_placeholders_and_are_nfc():
    problems = []
    for entry in catalogue("vi").translated_entries():
        forms = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        expected = Counter(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for msgstr in forms:
            found = Counter(PLACEHOLDER.findall(msgstr))
            if found != expected:
                wanted, got = sorted(expected.elements()), sorted(found.elements())
                problems.append(f"{entry.msgid!r}: placeholders {wanted} became {got}")
            if not unicodedata.is_normalized("NFC", msgstr):
                problems.append(f"{entry.msgid!r}: the translation is not NFC-composed Unicode")

    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_source(language):
    source = translations(catalogue(language).translated_entries())
    compiled = translations(catalogue(language, "mo"))

    assert compiled == source, (
        f"tinhso/locale/{language}/LC_MESSAGES/django.mo is out of date with its .po: "
        "run `make messages` and commit the .mo file."
    )


@pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msgmerge") is None,
    reason="GNU gettext (xgettext, msgmerge) is not installed, so the strings in the code "
    "cannot be extracted here; CI installs it (apt-get install gettext).",
)
def test_every_string_in_the_code_is_translated(tmp_path):
    """Extract the strings from a copy of the code, as `make messages` does, and look them up."""
    copy = tmp_path / "tinhso"
    # The copy is extracted without any catalogue, so the result is exactly what the code holds.
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "locale"))
    committed_po = (LOCALE_DIR / "vi" / "LC_MESSAGES" / "django.po").read_bytes()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tinhso.settings",
        # Import the copy, so its settings point LOCALE_PATHS at the copy, not at the repository.
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
        "TINHSO_VAR_DIR": str(tmp_path / "var"),
    }
    command = [sys.executable, "-m", "django", "makemessages", "-l", "vi"]
    command += ["--no-location", "--no-obsolete"]
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    extracted_path = copy / "locale" / "vi" / "LC_MESSAGES" / "django.po"
    assert extracted_path.exists(), f"makemessages wrote no catalogue:\n{result.stdout}"
    assert (LOCALE_DIR / "vi" / "LC_MESSAGES" / "django.po").read_bytes() == committed_po
    extracted = {key(entry) for entry in polib.pofile(str(extracted_path))}
    committed = catalogue("vi")
    translated = {key(entry) for entry in committed.translated_entries()}
    stale = {key(entry) for entry in committed if not entry.obsolete} - extracted

    missing = extracted - translated
    assert extracted, f"makemessages extracted nothing:\n{result.stdout}\n{result.stderr}"
    assert not missing, (
        f"{len(missing)} string(s) in the code have no Vietnamese translation:\n"
        f"{describe(missing)}\n{HOW_TO_FIX}"
    )
    assert not stale, (
        f"The Vietnamese catalogue has entries no longer in the code:\n{describe(stale)}\n"
        "Run `make messages` to drop them."
    )


PAGES = [
    # (url, Vietnamese text seen by default, the same text in English)
    ("/", "Dịch vụ công trực tuyến", "Online public services"),
    ("/don-vi/", "Đơn vị hành chính", "Administrative units"),
    ("/tai-khoan/dang-nhap/", "Mật khẩu", "Password"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "vietnamese", "english"), PAGES)
def test_pages_are_vietnamese_unless_english_was_chosen(client, settings, url, vietnamese, english):
    html = client.get(url).content.decode()
    assert '<html lang="vi"' in html
    assert vietnamese in html and english not in html
    assert "Đăng nhập" in html and "Đơn vị hành chính" in html  # the navigation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(url).content.decode()
    assert '<html lang="en"' in html
    assert english in html and vietnamese not in html
    assert "Log in" in html and "Administrative units" in html


@pytest.mark.django_db
def test_api_error_messages_are_vietnamese_unless_english_was_chosen(client, settings):
    url = "/api/v1/kernel/calendar/working-days"
    query = {"start": "hôm qua", "days": 3}

    body = client.get(url, query).json()
    assert (body["code"], body["message"]) == ("validation_error", "Dữ liệu gửi lên không hợp lệ.")
    assert client.get("/api/v1/khong-co/").json()["message"] == "Không tìm thấy."

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(url, query).json()
    assert (body["code"], body["message"]) == ("validation_error", "The data sent is not valid.")
    assert client.get("/api/v1/khong-co/").json()["message"] == "Not found."
