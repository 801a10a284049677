"""Extract the messages, fill Vietnamese translations from JSON files, and compile.

    .venv/bin/python scripts/apply_translations.py translations/*.json

Each JSON file maps an English msgid to its Vietnamese msgstr (``{"Submit": "Nộp hồ sơ"}``);
a plural entry maps to a list of forms. Runs ``makemessages`` first so new strings in the code
are in the catalogue, then fills them, clears the fuzzy flag on what it filled, and compiles.
Holds a lock on the locale directory so several people (or agents) can run it at once.
"""
# ruff: noqa: S603, S607 - fixed commands of our own tools, no user input

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tinhso"
TINHSO = str(ROOT / ".venv" / "bin" / "tinhso")


def main(paths: list[str]) -> int:
    wanted: dict[str, object] = {}
    for path in paths:
        wanted.update(json.loads(Path(path).read_text(encoding="utf-8")))
    with open(PACKAGE / "locale" / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(
            [TINHSO, "makemessages", "-l", "vi", "-l", "en", "--no-obsolete", "--no-location"],
            cwd=PACKAGE,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        po_path = PACKAGE / "locale" / "vi" / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(po_path), wrapwidth=79)
        filled = 0
        for entry in po:
            value = wanted.get(entry.msgid)
            if value is None:
                continue
            if entry.msgid_plural:
                forms = value if isinstance(value, list) else [value]
                entry.msgstr_plural = {index: form for index, form in enumerate(forms)}
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
                entry.previous_msgid = None
                entry.previous_msgid_plural = None
                entry.previous_msgctxt = None
            filled += 1
        po.save()
        # Let gettext wrap the lines as makemessages does, so diffs show only real changes.
        subprocess.run(["msgcat", "-o", str(po_path), str(po_path)], check=True)
        subprocess.run(
            [TINHSO, "compilemessages", "-v0"], cwd=PACKAGE, check=True, stdout=subprocess.DEVNULL
        )
    missing = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]
    print(f"filled {filled} entries; {len(missing)} still untranslated or fuzzy")
    for msgid in missing[:50]:
        print(f"  {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
