"""Imports of values (nhập dữ liệu): DHIS2 ``dataValueSets`` JSON, DHIS2 CSV, and the Excel
template officials download, fill and upload.

All three become the same rows (line number, element, combo, unit, period, value, comment),
checked together: unknown codes (by the chosen id scheme: ``code`` or ``name``), wrong periods,
non-numeric values, units outside the uploader's scope, closed periods, duplicated rows, and
the data sets' validation rules on the values as they would stand after the import. Any
problem → ``ImportInvalid`` with one entry per problem and its line, and **nothing** is
written. A dry run does every check and answers the counts without writing. The write is one
transaction (facts + roll-ups).

Lines: CSV and Excel rows are numbered as a spreadsheet shows them (the header is line 1 in a
CSV, the template's first value row is line 8); a JSON file's rows are its ``dataValues``
positions, from 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.scope import unit_in_scope
from tinhso.indicators import errors, periods, services
from tinhso.indicators.models import Completion, DataElement, DataSet, DataValue
from tinhso.indicators.permissions import IndicatorPerm
from tinhso.kernel.audit import audit_record
from tinhso.kernel.errors import DomainError
from tinhso.kernel.text import fold
from tinhso.units.models import Unit

ID_SCHEMES = ("code", "name")
CSV_COLUMNS = [
    "dataelement",
    "period",
    "orgunit",
    "catoptcombo",
    "attroptcombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
]
MAX_ROWS = 2_000_000
TEMPLATE_SHEET = "Nhap lieu"
TEMPLATE_FIRST_ROW = 8


@dataclass
class Row:
    line: int
    element: str
    period: str
    unit: str
    combo: str
    value: Any
    comment: str = ""


# --- reading ------------------------------------------------------------------------------------


def rows_from_json(data: Any) -> tuple[list[Row], str | None]:
    """Rows of a ``dataValueSets`` document, and its ``dataSet`` if it names one."""
    if not isinstance(data, dict) or not isinstance(data.get("dataValues"), list):
        raise errors.ImportFormatInvalid()
    period, unit = str(data.get("period") or ""), str(data.get("orgUnit") or "")
    rows = []
    for number, item in enumerate(data["dataValues"], start=1):
        if not isinstance(item, dict):
            item = {}
        rows.append(
            Row(
                line=number,
                element=str(item.get("dataElement") or ""),
                period=str(item.get("period") or period),
                unit=str(item.get("orgUnit") or unit),
                combo=str(item.get("categoryOptionCombo") or ""),
                value=item.get("value"),
                comment=str(item.get("comment") or ""),
            )
        )
    data_set = data.get("dataSet")
    return rows, str(data_set) if data_set else None


def rows_from_csv(text: str) -> list[Row]:
    """Rows of a DHIS2 CSV file (columns in DHIS2's order; a header line is optional)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = []
    for number, cells in enumerate(reader, start=1):
        if not cells or all(not c.strip() for c in cells):
            continue
        if number == 1 and cells[0].strip().lower() == "dataelement":
            continue
        cells = [c.strip() for c in cells] + [""] * (10 - len(cells))
        rows.append(Row(number, cells[0], cells[1], cells[2], cells[3], cells[5], comment=cells[8]))
        if len(rows) > MAX_ROWS:
            raise errors.ImportFormatInvalid()
    return rows


def rows_from_excel(file: IO[bytes]) -> tuple[list[Row], str | None]:
    """Rows of a filled Excel template (see ``excel_template``)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise errors.ImportFormatInvalid() from exc
    if TEMPLATE_SHEET not in book.sheetnames:
        raise errors.ImportFormatInvalid()
    sheet = book[TEMPLATE_SHEET]
    cells = {
        (r, c): v
        for r, row in enumerate(
            sheet.iter_rows(min_row=1, max_row=5, max_col=2, values_only=True), 1
        )
        for c, v in enumerate(row, 1)
    }
    data_set, unit, period = (str(cells.get((r, 2)) or "").strip() for r in (2, 3, 4))
    rows = []
    for number, row in enumerate(
        sheet.iter_rows(min_row=TEMPLATE_FIRST_ROW, max_col=6, values_only=True),
        start=TEMPLATE_FIRST_ROW,
    ):
        row = list(row) + [None] * (6 - len(row))
        element, _name, combo, _combo_name, value, comment = row[:6]
        if not element:
            continue
        if value is None or str(value).strip() == "":
            continue  # a blank cell in a template means "not reported"
        rows.append(
            Row(number, str(element).strip(), period, unit, str(combo or "").strip(), value,
                str(comment or ""))
        )  # fmt: skip
    book.close()
    return rows, data_set or None


def excel_template(*, data_set: DataSet, unit: Unit, period: str) -> bytes:
    """An .xlsx form for ``data_set``, ``unit`` and ``period``: one line per element and
    disaggregation, with the values already stored filled in."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill, Protection

    parsed = periods.parse(period)
    if parsed.type != data_set.period_type:
        raise errors.PeriodTypeMismatch()
    stored = services.stored_values(data_set=data_set, unit=unit, period=parsed.id)
    book = Workbook()
    sheet = book.active
    sheet.title = TEMPLATE_SHEET
    sheet["A1"] = f"{data_set.name} — {unit.name} — {parsed.id}"
    sheet["A1"].font = Font(bold=True, size=13)
    for row, (label, value) in enumerate(
        [(_("Data set"), data_set.code), (_("Unit"), unit.code), (_("Period"), parsed.id)],
        start=2,
    ):
        sheet.cell(row=row, column=1, value=label)
        sheet.cell(row=row, column=2, value=value).font = Font(bold=True)
    sheet["A5"] = _("Fill in the Value column only, then upload the file. Do not change the codes.")
    headers = [
        _("Element code"),
        _("Data element"),
        _("Disaggregation code"),
        _("Disaggregation"),
        _("Value"),
        _("Comment"),
    ]
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=TEMPLATE_FIRST_ROW - 1, column=column, value=header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    row = TEMPLATE_FIRST_ROW
    for element in data_set.elements.filter(source=DataElement.Source.ENTERED).select_related(
        "category_combo"
    ):
        combos = element.category_combo.option_combos() if element.category_combo_id else [("", "")]
        for combo, combo_name in combos:
            for column, value in enumerate(
                [element.code, element.name, combo, combo_name, stored.get((element.code, combo))],
                start=1,
            ):
                sheet.cell(row=row, column=column, value=value)
            sheet.cell(row=row, column=5).protection = Protection(locked=False)
            sheet.cell(row=row, column=6).protection = Protection(locked=False)
            row += 1
    for column, width in zip("ABCDEF", (22, 48, 18, 30, 14, 30), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- checking and writing -----------------------------------------------------------------------


def _problem(row: Row, exc: errors.DomainError | type[errors.DomainError], field: str, value: Any):
    exc = exc() if isinstance(exc, type) else exc
    return {
        "line": row.line,
        "field": field,
        "value": None if value is None else str(value)[:100],
        "code": exc.code,
        "message": str(exc.message),
    }


def _resolver(scheme: str, model, items: set[str], **extra):
    if scheme == "code":
        found = {}
        for obj in model.objects.filter(code__in=items, **extra).order_by("pk"):
            found.setdefault(obj.code, obj)
        return found
    folded = {fold(item): item for item in items}
    found = {}
    for obj in model.objects.filter(**extra).order_by("pk"):
        key = fold(obj.name)
        if key in folded:
            found.setdefault(folded[key], obj)
    return found


def values_import(
    *,
    acting_user,
    rows: list[Row],
    data_set_code: str | None = None,
    id_scheme: str = "code",
    dry_run: bool = False,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Check every row, then write them all or nothing (see the module docstring)."""
    if id_scheme not in ID_SCHEMES:
        raise errors.IdSchemeInvalid()
    today = today or timezone.localdate()
    problems: list[dict[str, Any]] = []
    data_set = None
    if data_set_code:
        data_set = DataSet.objects.filter(code=data_set_code).first()
        if data_set is None:
            raise errors.DataSetUnknown(details=[{"field": "dataSet", "value": data_set_code}])
    elements = _resolver(id_scheme, DataElement, {r.element for r in rows})
    unit_names = {r.unit for r in rows}
    units = _resolver(id_scheme, Unit, unit_names, valid_until__isnull=True)
    missing_units = unit_names - set(units)
    if missing_units:  # a retired unit may still report the periods it lived through
        units.update(_resolver(id_scheme, Unit, missing_units))
    in_set = set(data_set.elements.values_list("pk", flat=True)) if data_set else None
    facts: list[services.Fact] = []
    seen: dict[tuple, int] = {}
    for row in rows:
        element = elements.get(row.element)
        unit = units.get(row.unit)
        period = None
        bad = False
        if element is None:
            problems.append(_problem(row, errors.ElementUnknown, "dataElement", row.element))
            bad = True
        elif element.source == DataElement.Source.COMPUTED:
            problems.append(_problem(row, errors.ElementComputed, "dataElement", row.element))
            bad = True
        elif in_set is not None and element.pk not in in_set:
            problems.append(_problem(row, errors.ElementNotInDataSet, "dataElement", row.element))
            bad = True
        if unit is None:
            problems.append(_problem(row, errors.UnitUnknown, "orgUnit", row.unit))
            bad = True
        elif acting_user is not None and not unit_in_scope(
            acting_user, unit, permission=IndicatorPerm.ENTER
        ):
            problems.append(_problem(row, errors.UnitOutOfScope, "orgUnit", row.unit))
            bad = True
        try:
            period = periods.parse(row.period)
            if period.start > today:
                raise errors.PeriodInFuture()
            if data_set is not None and period.type != data_set.period_type:
                raise errors.PeriodTypeMismatch()
        except errors.InvalidInput as exc:
            problems.append(_problem(row, exc, "period", row.period))
            bad = True
        combo = ""
        if element is not None:
            try:
                combo = services.resolve_combo(element, row.combo)
            except errors.InvalidInput as exc:
                problems.append(_problem(row, exc, "categoryOptionCombo", row.combo))
                bad = True
        try:
            value = services.parse_number(row.value)
        except errors.InvalidInput as exc:
            problems.append(_problem(row, exc, "value", row.value))
            bad = True
        if bad:
            continue
        key = (element.pk, combo, unit.pk, period.id)
        if key in seen:
            problems.append(
                {
                    "line": row.line,
                    "field": "dataElement",
                    "value": row.element,
                    "code": "import_duplicate_row",
                    "message": _("The same value appears twice in the file (line %(line)s).")
                    % {"line": seen[key]},
                }
            )
            continue
        seen[key] = row.line
        facts.append(services.Fact(element, combo, unit, period, value, row.comment, row.line))

    # Forms: closed periods and validation rules, on the values as they would stand.
    groups: dict[tuple[int, int, str], list[services.Fact]] = defaultdict(list)
    sets_of: dict[int, list[DataSet]] = defaultdict(list)
    if data_set is not None:
        for fact in facts:
            groups[(data_set.pk, fact.unit.pk, fact.period.id)].append(fact)
        sets = {data_set.pk: data_set}
    else:
        element_ids = {f.element.pk for f in facts}
        sets = {}
        for candidate in DataSet.objects.filter(elements__in=element_ids).distinct():
            sets[candidate.pk] = candidate
            for pk in candidate.elements.values_list("pk", flat=True):
                sets_of[pk].append(candidate)
        for fact in facts:
            for candidate in sets_of.get(fact.element.pk, []):
                if candidate.period_type == fact.period.type:
                    groups[(candidate.pk, fact.unit.pk, fact.period.id)].append(fact)
    # Everything the forms need, in three queries whatever the size of the file.
    locked = set(
        Completion.objects.filter(
            data_set_id__in=list(sets),
            unit_id__in={f.unit.pk for f in facts},
            period__in={f.period.id for f in facts},
            state__in=[Completion.State.COMPLETED, Completion.State.APPROVED],
        ).values_list("data_set_id", "unit_id", "period")
    )
    stored: dict[tuple[int, str], dict[tuple[str, str], float]] = defaultdict(dict)
    for unit_id, period_id, code, combo, value in (
        DataValue.objects.filter(
            unit_id__in={f.unit.pk for f in facts},
            period__in={f.period.id for f in facts},
            element__data_sets__in=list(sets),
        )
        .values_list("unit_id", "period", "element__code", "combo", "value")
        .distinct()
    ):
        stored[(unit_id, period_id)][(code, combo)] = value
    members = {
        pk: set(data_set.elements.values_list("code", flat=True)) for pk, data_set in sets.items()
    }
    rules = {pk: list(data_set.rules.all()) for pk, data_set in sets.items()}
    for (set_pk, unit_pk, period_id), group in groups.items():
        current = sets[set_pk]
        unit, period = group[0].unit, group[0].period
        before = stored.get((unit_pk, period_id), {})
        try:
            services.check_entry_allowed(
                acting_user=acting_user, data_set=current, unit=unit, period=period, today=today,
                locked=False,
            )  # fmt: skip
            if (set_pk, unit_pk, period_id) in locked and any(
                before.get((f.element.code, f.combo)) != f.value for f in group
            ):
                raise errors.DataSetLocked()  # a locked form refuses changes, not repeats
        except DomainError as exc:
            if not isinstance(exc, errors.UnitOutOfScope):
                for fact in group:
                    problems.append(
                        {
                            "line": fact.line,
                            "field": "period",
                            "value": period_id,
                            "code": exc.code,
                            "message": str(exc.message),
                        }
                    )
            continue
        merged = {k: v for k, v in before.items() if k[0] in members[set_pk]}
        for fact in group:
            merged[(fact.element.code, fact.combo)] = fact.value
        for broken in services.rule_violations(
            data_set=current, values=merged, rules=rules[set_pk]
        ):
            for line in sorted(f.line for f in group):
                problems.append(
                    {
                        "line": line,
                        "field": "value",
                        "value": None,
                        "code": broken["code"],
                        "rule": broken["rule"],
                        "message": _("Validation rule broken: %(name)s") % {"name": broken["name"]},
                    }
                )
    if problems:
        problems.sort(key=lambda p: (p["line"] or 0, p["field"]))
        raise errors.ImportInvalid(details=problems)
    summary = dict.fromkeys(("imported", "updated", "deleted", "ignored"), 0)
    summary.update(dry_run=dry_run, rows=len(rows))
    if dry_run:
        existing = DataValue.objects.filter(
            element_id__in={f.element.pk for f in facts},
            period__in={f.period.id for f in facts},
            unit_id__in={f.unit.pk for f in facts},
        ).values_list("element_id", "combo", "unit_id", "period")
        known = set(existing)
        summary["updated"] = sum(1 for k in seen if k in known)
        summary["imported"] = len(seen) - summary["updated"]
        return summary
    with transaction.atomic():
        report = services.write_facts(
            facts=facts, origin=DataValue.Origin.IMPORTED, acting_user=acting_user
        )
        audit_record(
            actor=acting_user,
            action="indicators.values_import",
            object_type="indicators.datavalue",
            summary=f"{len(facts)} values",
            changes={"values": report.as_dict()},
        )
    summary.update(report.as_dict())
    return summary


def parse_upload(*, content: bytes, filename: str = "", content_type: str = ""):
    """(rows, data set code) from an uploaded file: .xlsx by its magic bytes, JSON if it
    starts with ``{``, CSV otherwise."""
    if content[:2] == b"PK":
        return rows_from_excel(io.BytesIO(content))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise errors.ImportFormatInvalid() from exc
    if text.lstrip().startswith("{"):
        try:
            return rows_from_json(json.loads(text))
        except json.JSONDecodeError as exc:
            raise errors.ImportFormatInvalid() from exc
    return rows_from_csv(text), None
