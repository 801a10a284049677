"""The procedure catalogue (danh mục thủ tục hành chính): versions, the form as data, and the
CSV / Excel import and export.

A procedure item is the JSON of ``data/procedures.json`` (see the dossiers contract):
code, name, field_code, field_name, levels, agency_kinds, legal_basis, papers, fees,
processing_days, online_mode, cutoff, result_type, result_name, steps, form. ``procedure_save``
checks an item and stores it as a new immutable ``ProcedureVersion`` when it differs from the
current one (a dossier keeps the version it was filed under).

The spreadsheet format (CSV, UTF-8, or the first sheet of an .xlsx) has one procedure per row
and the columns ``COLUMNS``: plain values as text; ``levels`` and ``agency_kinds``
comma-separated; ``legal_basis``, ``papers``, ``fees``, ``steps`` and ``form`` as JSON text;
``cutoff`` and ``is_active`` as 1/0 (also true/false, có/không). An import is all or nothing:
every row is checked first and any problem is reported per row and field
(``catalogue_rows_invalid`` with ``details=[{line, field, code, message}]``).

The form as data: ``form.steps[].fields[]`` with ``name``, ``label``, ``type`` (text, textarea,
number, date, select, checkbox, cccd, phone, email, tax_code), ``required`` and optionally
``prefill``, ``help``, ``pattern``, ``min_length``, ``max_length``, ``min``, ``max`` (a number,
a date or ``"today"``), ``options`` (``[{value, label}]``). ``form_clean`` checks answers
against it and returns them cleaned, or raises ``form_invalid`` with one
``{field, code, message}`` per problem.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.permissions import require
from tinhso.accounts.scope import scope_unit
from tinhso.accounts.validators import validate_cccd, validate_phone, validate_tax_code
from tinhso.dossiers import errors
from tinhso.dossiers.models import Field, OnlineMode, Procedure, ProcedureVersion, ResultType
from tinhso.dossiers.permissions import DossierPerm
from tinhso.kernel.audit import audit_record
from tinhso.kernel.text import fold, normalize
from tinhso.units.models import Agency

DATA_FILE = Path(__file__).resolve().parent / "data" / "procedures.json"

FIELD_TYPES = frozenset(
    {
        "text",
        "textarea",
        "number",
        "date",
        "select",
        "checkbox",
        "cccd",
        "phone",
        "email",
        "tax_code",
    }
)
PREFILL_SOURCES = frozenset(
    {"full_name", "cccd", "date_of_birth", "sex", "phone", "email", "address", "tax_code"}
)
LEVELS = frozenset({"tinh", "huyen", "xa"})
COLUMNS = [
    "code",
    "name",
    "field_code",
    "field_name",
    "levels",
    "agency_kinds",
    "legal_basis",
    "papers",
    "fees",
    "processing_days",
    "online_mode",
    "cutoff",
    "result_type",
    "result_name",
    "steps",
    "form",
    "is_active",
]
_JSON_COLUMNS = {"legal_basis", "papers", "fees", "steps", "form"}
_LIST_COLUMNS = {"levels", "agency_kinds"}
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._\-]{0,29}$")


# --- permissions ------------------------------------------------------------------------------


def require_catalogue_manager(user) -> None:
    """The catalogue is the whole installation's: only a superuser, or an official holding
    ``dossiers.manage_catalogue`` in an agency on a top-level unit (the province), edits it."""
    if user is None:
        return
    require(user, DossierPerm.MANAGE_CATALOGUE)
    if user.is_superuser:
        return
    top = scope_unit(user)
    if top is None or top.parent_id is not None:
        raise errors.CatalogueOutOfScope()


# --- the form as data -------------------------------------------------------------------------


def form_fields(version_or_form) -> list[dict]:
    """Every field of a version's form (or of a ``form`` dict), in order."""
    form = version_or_form if isinstance(version_or_form, Mapping) else version_or_form.form
    return [item for step in (form.get("steps") or []) for item in (step.get("fields") or [])]


def _bound(value: Any, kind: str) -> Any:
    if kind == "date":
        if value == "today":
            return timezone.localdate()
        return dt.date.fromisoformat(str(value))
    return value


def _clean_value(spec: Mapping[str, Any], raw: Any) -> tuple[Any, tuple[str, str] | None]:
    """(clean value, None) or (None, (code, message))."""
    kind = spec.get("type", "text")
    if kind == "checkbox":
        if isinstance(raw, bool):
            return raw, None
        text = str(raw).strip().lower()
        if text in {"1", "true", "on", "yes", "co", "có"}:
            return True, None
        if text in {"0", "false", "off", "no", "khong", "không", ""}:
            return False, None
        return None, ("checkbox_invalid", _("Tick the box or leave it empty."))
    text = normalize(str(raw)) if kind != "textarea" else str(raw).strip()
    if kind in {"text", "textarea"}:
        if spec.get("min_length") and len(text) < int(spec["min_length"]):
            return None, (
                "too_short",
                _("Enter at least %(n)d characters.") % {"n": int(spec["min_length"])},
            )
        if spec.get("max_length") and len(text) > int(spec["max_length"]):
            return None, (
                "too_long",
                _("Enter at most %(n)d characters.") % {"n": int(spec["max_length"])},
            )
        if spec.get("pattern") and not re.fullmatch(spec["pattern"], text):
            return None, ("pattern_mismatch", _("The value does not have the expected format."))
        return text, None
    if kind == "number":
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return None, ("number_invalid", _("Enter a number."))
        if number != number or number in (float("inf"), float("-inf")):
            return None, ("number_invalid", _("Enter a number."))
        if spec.get("min") is not None and number < float(spec["min"]):
            return None, ("too_small", _("Enter at least %(n)s.") % {"n": spec["min"]})
        if spec.get("max") is not None and number > float(spec["max"]):
            return None, ("too_large", _("Enter at most %(n)s.") % {"n": spec["max"]})
        return (int(number) if number.is_integer() else number), None
    if kind == "date":
        try:
            day = dt.date.fromisoformat(text[:10]) if len(text) >= 10 else None
        except ValueError:
            day = None
        if day is None:
            return None, ("date_invalid", _("Enter a date as YYYY-MM-DD."))
        if spec.get("min") is not None and day < _bound(spec["min"], "date"):
            return None, ("date_too_early", _("This date is too early."))
        if spec.get("max") is not None and day > _bound(spec["max"], "date"):
            return None, ("date_too_late", _("This date is too late."))
        return day.isoformat(), None
    if kind == "select":
        values = [str(option.get("value")) for option in spec.get("options") or []]
        if text not in values:
            return None, ("choice_invalid", _("Choose one of the options."))
        return text, None
    checks = {
        "cccd": validate_cccd,
        "phone": validate_phone,
        "tax_code": validate_tax_code,
    }
    if kind in checks:
        try:
            return checks[kind](text), None
        except ValidationError as exc:
            return None, (exc.code or f"{kind}_invalid", " ".join(exc.messages))
    if kind == "email":
        try:
            validate_email(text)
        except ValidationError:
            return None, ("email_invalid", _("Enter a valid e-mail address."))
        return text.lower(), None
    return text, None


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def form_clean(version_or_form, data: Mapping[str, Any]) -> dict[str, Any]:
    """The answers checked against the form and cleaned (unknown names dropped, empty optional
    answers left out); ``form_invalid`` with ``{field, code, message}`` per problem."""
    clean: dict[str, Any] = {}
    problems: list[dict] = []
    for spec in form_fields(version_or_form):
        name = spec["name"]
        raw = (data or {}).get(name)
        if spec.get("type") == "checkbox" and raw is None:
            raw = False
        if _empty(raw) or (spec.get("type") == "checkbox" and raw is False):
            if spec.get("required"):
                problems.append(
                    errors.field_problem(name, "required", _("This field is required."))
                )
            elif spec.get("type") == "checkbox":
                clean[name] = False
            continue
        value, problem = _clean_value(spec, raw)
        if problem:
            problems.append(errors.field_problem(name, problem[0], problem[1]))
        else:
            clean[name] = value
    if problems:
        raise errors.with_fields(errors.FormInvalid(), problems)
    return clean


def prefill_values(user, version_or_form) -> dict[str, Any]:
    """The answers the State already knows ("Ngày không viết"): each field with a ``prefill``
    source gets the value from the person's account (sex mapped onto the field's options)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    known = {
        "full_name": user.full_name or getattr(user, "organisation_name", ""),
        "cccd": user.cccd,
        "date_of_birth": user.date_of_birth.isoformat() if user.date_of_birth else "",
        "sex": user.sex,
        "phone": user.phone,
        "email": user.email,
        "address": user.address,
        "tax_code": user.tax_code,
    }
    values: dict[str, Any] = {}
    for spec in form_fields(version_or_form):
        source = spec.get("prefill")
        value = known.get(source or "", "")
        if not value:
            continue
        if source == "sex" and spec.get("type") == "select":
            options = {str(option.get("value")) for option in spec.get("options") or []}
            aliases = {"male": ["male", "nam", "m"], "female": ["female", "nu", "nữ", "f"]}
            value = next((alias for alias in aliases.get(value, []) if alias in options), "")
            if not value:
                continue
        values[spec["name"]] = value
    return values


# --- checking a procedure item ----------------------------------------------------------------


def _problem(path: str, code: str, message) -> dict:
    return {"field": path, "code": code, "message": str(message)}


def _is_int(value: Any, *, minimum: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _check_form(form: Any, problems: list[dict]) -> None:
    if not isinstance(form, Mapping) or not isinstance(form.get("steps"), list):
        problems.append(_problem("form", "form_invalid", _("The form needs a list of steps.")))
        return
    seen: set[str] = set()
    for s, step in enumerate(form["steps"]):
        if not isinstance(step, Mapping) or not isinstance(step.get("fields"), list):
            problems.append(
                _problem(f"form.steps[{s}]", "form_invalid", _("Each step needs a list of fields."))
            )
            continue
        for f, item in enumerate(step["fields"]):
            path = f"form.steps[{s}].fields[{f}]"
            if not isinstance(item, Mapping):
                problems.append(_problem(path, "form_invalid", _("A field must be an object.")))
                continue
            name = item.get("name")
            if not isinstance(name, str) or not _NAME_RE.match(name) or name in seen:
                problems.append(
                    _problem(
                        f"{path}.name",
                        "field_name_invalid",
                        _("Field names are unique, lower-case letters, digits and _."),
                    )
                )
            else:
                seen.add(name)
            if not isinstance(item.get("label"), str) or not item.get("label"):
                problems.append(_problem(f"{path}.label", "required", _("A field needs a label.")))
            kind = item.get("type")
            if kind not in FIELD_TYPES:
                problems.append(
                    _problem(f"{path}.type", "field_type_invalid", _("Unknown field type."))
                )
            if kind == "select":
                options = item.get("options")
                if (
                    not isinstance(options, list)
                    or not options
                    or not all(isinstance(o, Mapping) and "value" in o for o in options)
                ):
                    problems.append(
                        _problem(
                            f"{path}.options",
                            "options_invalid",
                            _("A choice needs options with a value and a label."),
                        )
                    )
            if item.get("prefill") not in (None, "", *PREFILL_SOURCES):
                problems.append(
                    _problem(f"{path}.prefill", "prefill_invalid", _("Unknown prefill source."))
                )
            if item.get("pattern"):
                try:
                    re.compile(item["pattern"])
                except (re.error, TypeError):
                    problems.append(
                        _problem(f"{path}.pattern", "pattern_invalid", _("Invalid pattern."))
                    )
            if kind == "date":
                for bound in ("min", "max"):
                    value = item.get(bound)
                    if value in (None, "today"):
                        continue
                    try:
                        dt.date.fromisoformat(str(value))
                    except ValueError:
                        problems.append(
                            _problem(f"{path}.{bound}", "date_invalid", _("Invalid date."))
                        )


def procedure_check(data: Any) -> tuple[dict[str, Any], list[dict]]:
    """A catalogue item normalised, and the list of its problems (empty when it is valid)."""
    problems: list[dict] = []
    if not isinstance(data, Mapping):
        return {}, [_problem("", "procedure_invalid", _("A procedure must be an object."))]
    item = dict(data)
    for key in ("code", "name", "field_code", "field_name", "result_name"):
        value = item.get(key)
        item[key] = normalize(value) if isinstance(value, str) else value
        if key != "result_name" and (not isinstance(item[key], str) or not item[key]):
            problems.append(_problem(key, "required", _("This field is required.")))
    item.setdefault("result_name", "")
    if isinstance(item.get("code"), str) and item["code"] and not _CODE_RE.match(item["code"]):
        problems.append(_problem("code", "code_invalid", _("A code is letters, digits and dots.")))
    if isinstance(item.get("name"), str) and len(item["name"]) > 500:
        problems.append(_problem("name", "too_long", _("At most %(n)d characters.") % {"n": 500}))
    levels = item.get("levels")
    if (
        not isinstance(levels, list)
        or not levels
        or not all(isinstance(level, str) and level in LEVELS for level in levels)
    ):
        problems.append(_problem("levels", "levels_invalid", _("Levels: tinh and/or xa.")))
    kinds = item.get("agency_kinds")
    if (
        not isinstance(kinds, list)
        or not kinds
        or not all(isinstance(kind, str) and kind in Agency.Kind.values for kind in kinds)
    ):
        problems.append(
            _problem("agency_kinds", "agency_kinds_invalid", _("Unknown kind of agency."))
        )
    legal = item.setdefault("legal_basis", [])
    if not isinstance(legal, list) or not all(isinstance(x, str) for x in legal):
        problems.append(_problem("legal_basis", "legal_basis_invalid", _("A list of texts.")))
    papers = item.setdefault("papers", [])
    paper_codes: set[str] = set()
    if not isinstance(papers, list):
        problems.append(_problem("papers", "papers_invalid", _("A list of papers.")))
    else:
        for p, paper in enumerate(papers):
            ok = (
                isinstance(paper, Mapping)
                and isinstance(paper.get("code"), str)
                and _NAME_RE.match(paper["code"])
                and paper["code"] not in paper_codes
                and paper["code"] != "other"
                and isinstance(paper.get("name"), str)
                and paper["name"]
                and isinstance(paper.get("required", False), bool)
                and _is_int(paper.get("copies", 1))
            )
            if not ok:
                problems.append(
                    _problem(
                        f"papers[{p}]",
                        "paper_invalid",
                        _("A paper has a unique code, a name, required (true/false), copies."),
                    )
                )
            else:
                paper_codes.add(paper["code"])
    fees = item.setdefault("fees", [])
    if not isinstance(fees, list) or not all(
        isinstance(fee, Mapping) and isinstance(fee.get("name"), str) and _is_int(fee.get("amount"))
        for fee in fees
    ):
        problems.append(
            _problem("fees", "fees_invalid", _("Each fee has a name and an amount in dong."))
        )
    days = item.get("processing_days")
    if not _is_int(days):
        problems.append(
            _problem("processing_days", "processing_days_invalid", _("A whole number ≥ 0."))
        )
    if item.get("online_mode") not in OnlineMode.values:
        problems.append(_problem("online_mode", "online_mode_invalid", _("full, partial or none.")))
    if not isinstance(item.get("cutoff", False), bool):
        problems.append(_problem("cutoff", "cutoff_invalid", _("true or false.")))
    item.setdefault("cutoff", False)
    if item.get("result_type") not in ResultType.values:
        problems.append(
            _problem("result_type", "result_type_invalid", _("electronic, paper or both."))
        )
    steps = item.setdefault("steps", [])
    if not isinstance(steps, list) or not all(
        isinstance(step, Mapping)
        and isinstance(step.get("code"), str)
        and step.get("code")
        and isinstance(step.get("name"), str)
        and _is_int(step.get("days"))
        and step.get("agency_kind") in Agency.Kind.values
        for step in steps
    ):
        problems.append(
            _problem(
                "steps",
                "steps_invalid",
                _("Each step has a code, a name, days (≥ 0) and an agency kind."),
            )
        )
    elif steps and _is_int(days) and sum(step["days"] for step in steps) != days:
        problems.append(
            _problem(
                "steps",
                "steps_days_mismatch",
                _("The steps' days must add up to the processing time."),
            )
        )
    _check_form(item.get("form"), problems)
    return item, problems


def _fingerprint(item: Mapping[str, Any]) -> str:
    raw = json.dumps(item, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


_VERSIONED_KEYS = [c for c in COLUMNS if c != "is_active"]


@transaction.atomic
def procedure_save(
    *, acting_user, data: Mapping[str, Any], is_active: bool | None = None
) -> tuple[ProcedureVersion, str]:
    """Store a catalogue item: a new procedure, a new version of an existing one when the item
    changed, or nothing when it is the same. Returns (the current version, ``"created"`` |
    ``"updated"`` | ``"unchanged"``). Refusal: ``procedure_invalid`` with field details."""
    require_catalogue_manager(acting_user)
    item, problems = procedure_check(data)
    if problems:
        raise errors.with_fields(errors.ProcedureInvalid(), problems)
    item = {key: item[key] for key in _VERSIONED_KEYS if key in item}
    field_obj, _created = Field.objects.get_or_create(
        code=item["field_code"],
        defaults={"name": item["field_name"], "search_name": fold(item["field_name"])},
    )
    if field_obj.name != item["field_name"]:
        field_obj.name, field_obj.search_name = item["field_name"], fold(item["field_name"])
        field_obj.save()
    fingerprint = _fingerprint(item)
    procedure = (
        Procedure.objects.select_for_update(of=("self",))
        .select_related("current_version")
        .filter(code=item["code"])
        .first()
    )
    outcome = "created" if procedure is None else "updated"
    if procedure is None:
        procedure = Procedure(code=item["code"])
    current = procedure.current_version if procedure.pk else None
    if current is not None and current.fingerprint == fingerprint:
        version, outcome = current, "unchanged"
    else:
        if not procedure.pk:
            procedure.name, procedure.field = item["name"], field_obj
            procedure.processing_days = item["processing_days"]
            procedure.search_name = fold(item["name"])
            procedure.save()
        number = (current.number + 1) if current else 1
        version = ProcedureVersion(
            procedure=procedure,
            number=number,
            data=item,
            fingerprint=fingerprint,
            created_by=acting_user if getattr(acting_user, "pk", None) else None,
        )
        version.save(force_insert=True)
    active_changed = is_active is not None and procedure.is_active != is_active
    if outcome != "unchanged" or active_changed:
        procedure.current_version = version
        procedure.name = item["name"]
        procedure.search_name = fold(f"{item['code']} {item['name']}")
        procedure.field = field_obj
        procedure.online_mode = item["online_mode"]
        procedure.processing_days = item["processing_days"]
        procedure.levels = item["levels"]
        procedure.agency_kinds = item["agency_kinds"]
        if is_active is not None:
            procedure.is_active = is_active
        procedure.save()
        audit_record(
            actor=acting_user,
            action=f"dossiers.procedure_{'create' if outcome == 'created' else 'update'}",
            obj=procedure,
            summary=f"{procedure.code} v{version.number}",
            changes={"version": version.number, "is_active": procedure.is_active},
        )
        if outcome == "unchanged":
            outcome = "updated"
    return version, outcome


# --- import and export ------------------------------------------------------------------------


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)


def _truthy(text: str) -> bool | None:
    value = fold(str(text or "")).strip()
    if value in {"1", "true", "co", "yes", "x"}:
        return True
    if value in {"0", "false", "khong", "no", ""}:
        return False
    return None


def _row_to_item(record: Mapping[str, Any], line: int, problems: list[dict]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for column in COLUMNS:
        raw = record.get(column)
        raw = "" if raw is None else raw
        if column in _JSON_COLUMNS:
            text = str(raw).strip()
            if not text:
                item[column] = [] if column != "form" else {"steps": []}
                continue
            try:
                item[column] = json.loads(text)
            except ValueError:
                problems.append(
                    {
                        "line": line,
                        "field": column,
                        "code": "json_invalid",
                        "message": _("This column must hold JSON."),
                    }
                )
        elif column in _LIST_COLUMNS:
            item[column] = [part.strip() for part in str(raw).split(",") if part.strip()]
        elif column == "processing_days":
            text = str(raw).strip()
            try:
                item[column] = int(float(text)) if text else None
            except ValueError:
                item[column] = text
        elif column in {"cutoff", "is_active"}:
            value = _truthy(raw) if column == "cutoff" or str(raw).strip() else True
            if value is None:
                problems.append(
                    {
                        "line": line,
                        "field": column,
                        "code": f"{column}_invalid",
                        "message": _("Write 1 or 0."),
                    }
                )
            item[column] = value
        else:
            item[column] = str(raw).strip()
    return item


def _read_rows(file: str | Path | IO, file_format: str | None) -> tuple[list[dict], int]:
    """The rows of a CSV or Excel file as dicts (header names lower-cased), and the line number
    of the first data row."""
    name = str(file) if isinstance(file, str | Path) else getattr(file, "name", "") or ""
    file_format = (file_format or Path(name).suffix.lstrip(".") or "csv").lower()
    if isinstance(file, str | Path):
        data: Any = Path(file).read_bytes()
    else:
        data = file.read()
    try:
        if file_format == "xlsx":
            from openpyxl import load_workbook

            if isinstance(data, str):
                data = data.encode()
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            rows = [
                ["" if cell is None else cell for cell in row]
                for row in sheet.iter_rows(values_only=True)
            ]
            workbook.close()
        elif file_format == "csv":
            text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
            rows = list(csv.reader(io.StringIO(text, newline="")))
        else:
            raise errors.CatalogueFileInvalid()
    except errors.CatalogueFileInvalid:
        raise
    except Exception as exc:  # a broken zip, bad encoding...: the file is unreadable
        raise errors.CatalogueFileInvalid() from exc
    if not rows:
        raise errors.CatalogueFileInvalid()
    header = [str(name).strip().lower() for name in rows[0]]
    missing = [column for column in COLUMNS if column not in header and column != "is_active"]
    if missing:
        raise errors.CatalogueFileInvalid(
            _("The first row must name the columns; missing: %(missing)s.")
            % {"missing": ", ".join(missing)},
            details=[
                {"line": 1, "field": m, "code": "column_missing", "message": m} for m in missing
            ],
        )
    records = []
    for values in rows[1:]:
        if not any(str(value).strip() for value in values):
            records.append({})
            continue
        records.append(dict(zip(header, values, strict=False)))
    return records, 2


def catalogue_import(
    *, acting_user, file: str | Path | IO, file_format: str | None = None
) -> ImportReport:
    """Import a CSV or Excel catalogue, all or nothing: every row is checked first;
    ``catalogue_rows_invalid`` lists ``{line, field, code, message}`` for each problem and
    nothing is written. Unchanged procedures keep their version; changed ones get a new one."""
    require_catalogue_manager(acting_user)
    records, first_line = _read_rows(file, file_format)
    problems: list[dict] = []
    items: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for offset, record in enumerate(records):
        line = first_line + offset
        if not record:
            continue
        row_problems: list[dict] = []
        item = _row_to_item(record, line, row_problems)
        if not row_problems:
            item_clean, found = procedure_check(item)
            row_problems.extend({"line": line, **problem} for problem in found)
            code = item_clean.get("code")
            if isinstance(code, str) and code in seen:
                row_problems.append(
                    {
                        "line": line,
                        "field": "code",
                        "code": "code_duplicate",
                        "message": _("This code is already on line %(line)d.")
                        % {"line": seen[code]},
                    }
                )
            elif isinstance(code, str):
                seen[code] = line
        problems.extend(row_problems)
        items.append((line, item))
    if problems:
        raise errors.CatalogueRowsInvalid(details=problems)
    return _save_items(acting_user, [item for _line, item in items])


def _save_items(acting_user, items: Iterable[Mapping[str, Any]]) -> ImportReport:
    report = ImportReport()
    with transaction.atomic():
        for item in items:
            active = item.get("is_active")
            version, outcome = procedure_save(
                acting_user=acting_user,
                data={k: v for k, v in item.items() if k != "is_active"},
                is_active=active if isinstance(active, bool) else None,
            )
            report.rows += 1
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.codes.append(version.procedure.code)
    return report


def catalogue_load_json(*, acting_user=None, path: str | Path | None = None) -> ImportReport:
    """Load a JSON catalogue (default: ``data/procedures.json``), all or nothing;
    ``catalogue_rows_invalid`` (``line`` = the item's position, from 1) when an item is bad."""
    require_catalogue_manager(acting_user)
    try:
        items = json.loads(Path(path or DATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise errors.CatalogueFileInvalid() from exc
    if not isinstance(items, list):
        raise errors.CatalogueFileInvalid()
    problems = []
    for position, item in enumerate(items, start=1):
        _clean, found = procedure_check(item)
        problems.extend({"line": position, **problem} for problem in found)
    if problems:
        raise errors.CatalogueRowsInvalid(details=problems)
    return _save_items(acting_user, items)


def _export_row(procedure: Procedure) -> list[Any]:
    data = procedure.current_version.data
    row = []
    for column in COLUMNS:
        if column == "is_active":
            row.append(1 if procedure.is_active else 0)
        elif column in _JSON_COLUMNS:
            row.append(json.dumps(data.get(column), ensure_ascii=False))
        elif column in _LIST_COLUMNS:
            row.append(",".join(data.get(column) or []))
        elif column == "cutoff":
            row.append(1 if data.get("cutoff") else 0)
        else:
            row.append(data.get(column, ""))
    return row


def catalogue_export(
    *, file_format: str = "csv", procedures: Iterable[Procedure] | None = None
) -> bytes:
    """The catalogue (every procedure's current version) as CSV (UTF-8 with BOM, so
    spreadsheets open it right) or Excel bytes, in the import format."""
    if procedures is None:
        procedures = Procedure.objects.select_related("current_version").filter(
            current_version__isnull=False
        )
    rows = [_export_row(procedure) for procedure in procedures]
    if file_format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "thu_tuc"
        sheet.append(COLUMNS)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    if file_format != "csv":
        raise errors.CatalogueFileInvalid()
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
