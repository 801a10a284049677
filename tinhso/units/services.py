"""Every write of the units room: the unit tree and the agencies on it.

Keyword-only functions, one transaction each, audited. ``acting_user=None`` means the system
(a management command, a data load, a test factory): no permission check and the audit row
names "system". Any other user needs ``Perm.UNITS_MANAGE`` and the units touched inside their
scope.

The tree is a materialised path (see ``models.subtree_bounds``): a unit's ``path`` is its
parent's path plus its own zero-padded id, so a new unit is inserted first and given its path
in the same transaction, and a move rewrites the whole subtree with one UPDATE.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from tinhso.accounts.permissions import Perm, require
from tinhso.accounts.scope import unit_in_scope
from tinhso.kernel.audit import audit_record, diff
from tinhso.kernel.text import fold, normalize
from tinhso.units import errors
from tinhso.units.models import (
    AGENCY_CODE_RE,
    PATH_SEGMENT_WIDTH,
    Agency,
    Unit,
    path_segment,
    subtree_bounds,
)

# The two-level local government (chính quyền địa phương hai cấp) took effect on this day:
# the provinces and communes of the national list are in force from it.
REFORM_DATE = dt.date(2025, 7, 1)

UNIT_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,19}$")
# Path words that a unit code must not shadow: /don-vi/<code>/, /api/v1/units/<code>.
RESERVED_UNIT_CODES = frozenset({"co-quan", "agencies"})
_PATH_MAX = Unit._meta.get_field("path").max_length


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""Default of the optional arguments of ``*_update``: "leave this field as it is"."""


# --- checks shared by the services ----------------------------------------------------------


def _require_manage(acting_user, units: Iterable[Unit | None]) -> None:
    """Refuse unless ``acting_user`` may manage every unit in ``units``.

    ``None`` in ``units`` stands for "the top of the tree" (a new root), which only a
    superuser manages.
    """
    if acting_user is None:
        return
    require(acting_user, Perm.UNITS_MANAGE)
    for unit in units:
        if unit is None:
            if not (acting_user.is_superuser and acting_user.is_active):
                raise errors.UnitOutOfScope()
        elif not unit_in_scope(acting_user, unit, permission=Perm.UNITS_MANAGE):
            raise errors.UnitOutOfScope()


def _check_length(model, field_name: str, value: str) -> None:
    max_length = model._meta.get_field(field_name).max_length
    if value and len(value) > max_length:
        raise errors.ValueTooLong(
            details=[
                {
                    "field": field_name,
                    "code": "value_too_long",
                    "message": _("At most %(n)d characters.") % {"n": max_length},
                }
            ]
        )


def _field_error(exc_class, field_name: str):
    instance = exc_class()
    instance.details = [
        {"field": field_name, "code": instance.code, "message": str(instance.message)}
    ]
    return instance


def unit_code_is_valid(code: str) -> bool:
    return bool(UNIT_CODE_RE.match(code)) and code.lower() not in RESERVED_UNIT_CODES


def clean_unit_code(code: str) -> str:
    code = (code or "").strip()
    if not unit_code_is_valid(code):
        raise _field_error(errors.UnitCodeInvalid, "code")
    return code


def clean_unit_name(name: str) -> str:
    name = normalize(name or "")
    if not name:
        raise _field_error(errors.UnitNameEmpty, "name")
    _check_length(Unit, "name", name)
    return name


def clean_unit_type(type: str) -> str:
    if type not in Unit.Type.values:
        raise _field_error(errors.UnitTypeInvalid, "type")
    return type


def _check_validity(valid_from: dt.date | None, valid_until: dt.date | None) -> None:
    if valid_from and valid_until and valid_until < valid_from:
        raise _field_error(errors.UnitValidityInvalid, "valid_until")


def make_codename(name: str) -> str:
    """``"Xã Anh Sơn"`` → ``"xa_anh_son"``: the package's style of codename, for any name."""
    return re.sub(r"[^a-z0-9]+", "_", fold(name)).strip("_")[:200]


def _lock(unit: Unit) -> Unit:
    return Unit.objects.select_for_update().get(pk=unit.pk)


def _unit_state(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "codename": unit.codename,
        "type": unit.type,
        "parent": unit.parent_id,
        "level": unit.level,
        "valid_from": unit.valid_from,
        "valid_until": unit.valid_until,
    }


def _code_taken(code: str, *, exclude_pk: int | None = None) -> bool:
    qs = Unit.objects.current().filter(code=code)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


# --- the unit tree --------------------------------------------------------------------------


@transaction.atomic
def unit_create(
    *,
    acting_user,
    code: str,
    name: str,
    type: str,
    parent: Unit | None = None,
    codename: str = "",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> Unit:
    """Add a unit under ``parent`` (or a new root) and give it its level and path.

    A unit created with ``valid_until`` is history (a legacy district, a commune before a
    merger): it may sit under a retired parent and may reuse a code in force.
    """
    code = clean_unit_code(code)
    name = clean_unit_name(name)
    type = clean_unit_type(type)
    _check_validity(valid_from, valid_until)
    if parent is not None:
        # Locking the parent keeps its path stable until this unit's path is written: a
        # concurrent move of the parent waits for us, and we wait for it.
        parent = _lock(parent)
        if parent.valid_until is not None and valid_until is None:
            raise _field_error(errors.UnitParentRetired, "parent")
        if len(parent.path) + PATH_SEGMENT_WIDTH > _PATH_MAX:
            raise errors.UnitTreeTooDeep()
    _require_manage(acting_user, [parent])
    if valid_until is None and _code_taken(code):
        raise _field_error(errors.UnitCodeTaken, "code")

    unit = Unit(
        code=code,
        name=name,
        codename=codename or make_codename(name),
        type=type,
        parent=parent,
        level=parent.level + 1 if parent else 1,
        path="",
        valid_from=valid_from,
        valid_until=valid_until,
        search_name=fold(name),
    )
    try:
        with transaction.atomic():
            unit.save(force_insert=True)
    except IntegrityError as exc:
        # A concurrent twin won the partial unique index on in-force codes.
        raise _field_error(errors.UnitCodeTaken, "code") from exc
    unit.path = (parent.path if parent else "") + path_segment(unit.pk)
    Unit.objects.filter(pk=unit.pk).update(path=unit.path)
    audit_record(
        actor=acting_user,
        action="units.unit_create",
        obj=unit,
        summary=f"{unit.code} {unit.name}",
        changes=diff({}, _unit_state(unit)),
    )
    return unit


@transaction.atomic
def unit_update(
    *,
    acting_user,
    unit: Unit,
    code: str = UNSET,
    name: str = UNSET,
    codename: str = UNSET,
    type: str = UNSET,
    valid_from: dt.date | None = UNSET,
) -> Unit:
    """Change a unit's own data. Its place in the tree changes with ``unit_move``, its end
    with ``unit_retire``."""
    unit = _lock(unit)
    _require_manage(acting_user, [unit])
    before = _unit_state(unit)
    if code is not UNSET:
        code = clean_unit_code(code)
        if unit.valid_until is None and _code_taken(code, exclude_pk=unit.pk):
            raise _field_error(errors.UnitCodeTaken, "code")
        unit.code = code
    if name is not UNSET:
        unit.name = clean_unit_name(name)
        unit.search_name = fold(unit.name)
    if codename is not UNSET:
        unit.codename = codename or make_codename(unit.name)
        _check_length(Unit, "codename", unit.codename)
    if type is not UNSET:
        unit.type = clean_unit_type(type)
    if valid_from is not UNSET:
        _check_validity(valid_from, unit.valid_until)
        unit.valid_from = valid_from
    changes = diff(before, _unit_state(unit))
    if not changes:
        return unit
    try:
        with transaction.atomic():
            unit.save(
                update_fields=["code", "name", "codename", "type", "valid_from", "search_name"]
            )
    except IntegrityError as exc:
        raise _field_error(errors.UnitCodeTaken, "code") from exc
    audit_record(
        actor=acting_user,
        action="units.unit_update",
        obj=unit,
        summary=f"{unit.code} {unit.name}",
        changes=changes,
    )
    return unit


@transaction.atomic
def unit_move(*, acting_user, unit: Unit, new_parent: Unit | None) -> Unit:
    """Put ``unit`` (and its whole subtree) under ``new_parent``, or make it a root.

    Every path and level in the subtree is rewritten by one UPDATE; records that point at
    these units keep pointing at them, and scope follows the new place at once.
    """
    unit = _lock(unit)
    if new_parent is not None:
        new_parent = _lock(new_parent)
    _require_manage(acting_user, [unit, new_parent])
    if unit.valid_until is not None:
        raise errors.UnitRetired()
    if new_parent is not None:
        if new_parent.is_within(unit):
            raise _field_error(errors.UnitMoveCycle, "parent")
        if new_parent.valid_until is not None:
            raise _field_error(errors.UnitParentRetired, "parent")
    new_parent_id = new_parent.pk if new_parent else None
    if new_parent_id == unit.parent_id:
        return unit

    old_path = unit.path
    new_path = (new_parent.path if new_parent else "") + path_segment(unit.pk)
    low, high = subtree_bounds(old_path)
    subtree = Unit.objects.filter(path__gte=low, path__lt=high)
    # Lock the subtree first: a unit being created under one of these units commits before
    # the UPDATE below starts, so the UPDATE (a new statement, a new snapshot) sees it.
    paths = list(subtree.select_for_update().values_list("path", flat=True))
    deepest = max(len(path) for path in paths)
    if deepest - len(old_path) + len(new_path) > _PATH_MAX:
        raise errors.UnitTreeTooDeep()
    level_shift = (new_parent.level + 1 if new_parent else 1) - unit.level
    subtree.update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1), output_field=CharField()),
        level=F("level") + level_shift,
    )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    audit_record(
        actor=acting_user,
        action="units.unit_move",
        obj=unit,
        summary=f"{unit.code} {unit.name}",
        changes={"parent": [unit.parent_id, new_parent_id]},
    )
    unit.refresh_from_db()
    return unit


@transaction.atomic
def unit_retire(
    *,
    acting_user,
    unit: Unit,
    valid_until: dt.date,
    successors: Sequence[Unit] = (),
) -> Unit:
    """End a unit on ``valid_until`` (a merger, a split, a dissolution).

    A merger retires each old unit with the new one as successor; a split retires the old
    unit with every new one as successors. The retired unit keeps its records, its agencies
    and its place in the tree (history stays where it happened); its code becomes free for
    a new unit. Sub-units still in force must be moved or retired first.
    """
    unit = _lock(unit)
    successors = list(successors)
    _require_manage(acting_user, [unit, *successors])
    if unit.valid_until is not None:
        raise errors.UnitRetired()
    _check_validity(unit.valid_from, valid_until)
    if unit.children.filter(valid_until__isnull=True).exists():
        raise errors.UnitHasChildrenInForce()
    for successor in successors:
        if successor.pk == unit.pk or successor.valid_until is not None:
            raise _field_error(errors.UnitSuccessorInvalid, "successors")
    unit.valid_until = valid_until
    unit.save(update_fields=["valid_until"])
    if successors:
        unit.successors.add(*successors)
    audit_record(
        actor=acting_user,
        action="units.unit_retire",
        obj=unit,
        summary=f"{unit.code} {unit.name}",
        changes={
            "valid_until": [None, valid_until],
            "successors": [s.pk for s in successors],
        },
    )
    return unit


# --- loading the national list --------------------------------------------------------------


@dataclass
class LoadReport:
    """What ``units_load_from_package`` did, counted per level."""

    provinces_created: int = 0
    provinces_updated: int = 0
    provinces_unchanged: int = 0
    communes_created: int = 0
    communes_updated: int = 0
    communes_unchanged: int = 0
    communes_moved: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.provinces_created
            + self.provinces_updated
            + self.communes_created
            + self.communes_updated
            + self.communes_moved
        )


@dataclass(frozen=True)
class _Spec:
    code: str
    name: str
    codename: str
    type: str
    parent_code: str | None = None


_PACKAGE_TYPES = {
    "tỉnh": Unit.Type.TINH,
    "thành phố trung ương": Unit.Type.THANH_PHO_TRUNG_UONG,
    "xã": Unit.Type.XA,
    "phường": Unit.Type.PHUONG,
    "đặc khu": Unit.Type.DAC_KHU,
}
_PROVINCE_PREFIXES = ("tinh_", "thanh_pho_")


def province_codename_key(codename: str) -> str:
    """``"Tỉnh Nghệ An"``, ``"tinh_nghe_an"``, ``"nghe-an"`` → ``"nghe_an"``."""
    key = make_codename(codename)
    for prefix in _PROVINCE_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def _province_spec(province) -> _Spec:
    type = _PACKAGE_TYPES[province.division_type.value]
    name = normalize(province.name)
    # The package names cities "Thành phố Hà Nội" but provinces just "Nghệ An"; the official
    # name carries the type.
    if type == Unit.Type.TINH and not fold(name).startswith("tinh "):
        name = f"Tỉnh {name}"
    return _Spec(
        code=f"{int(province.code):02d}", name=name, codename=make_codename(name), type=type
    )


def _ward_spec(ward) -> _Spec:
    name = normalize(ward.name)
    return _Spec(
        code=f"{int(ward.code):05d}",
        name=name,
        codename=make_codename(name),
        type=_PACKAGE_TYPES[ward.division_type.value],
        parent_code=f"{int(ward.province_code):02d}",
    )


def package_specs(*, province: str | None = None) -> tuple[list[_Spec], list[_Spec]]:
    """Provinces and communes of the installed ``vietnam-provinces`` package, as unit specs.

    ``province`` narrows to one province: its codename with or without the "tinh_" /
    "thanh_pho_" prefix, or its two-digit code.
    """
    from vietnam_provinces import Province, Ward

    provinces = list(Province.iter_all())
    if province:
        wanted = province.strip()
        if wanted.isdigit():
            provinces = [p for p in provinces if int(p.code) == int(wanted)]
        else:
            key = province_codename_key(wanted)
            provinces = [p for p in provinces if province_codename_key(p.codename) == key]
        if not provinces:
            raise errors.ProvinceUnknown()
        codes = {p.code for p in provinces}
        wards = [w for w in Ward.iter_all() if w.province_code in codes]
    else:
        wards = list(Ward.iter_all())
    return [_province_spec(p) for p in provinces], [_ward_spec(w) for w in wards]


def _bulk_insert(units: list[Unit], parents: dict[int, Unit | None]) -> None:
    """Insert ``units`` and give each its path; ``parents`` maps ``id(unit)`` to its parent,
    whose path is already final."""
    Unit.objects.bulk_create(units, batch_size=500)
    for unit in units:
        parent = parents[id(unit)]
        unit.path = (parent.path if parent else "") + path_segment(unit.pk)
    Unit.objects.bulk_update(units, ["path"], batch_size=500)


def _upsert_level(
    specs: list[_Spec],
    existing: dict[str, Unit],
    parents_by_code: dict[str, Unit],
    valid_from: dt.date,
) -> tuple[dict[str, Unit], int, int, int, list[tuple[Unit, Unit | None]]]:
    """Create or refresh one level of the tree. Returns the units by code, the counts
    (created, updated, unchanged) and the units whose parent changed."""
    to_create: list[Unit] = []
    parents: dict[int, Unit | None] = {}
    to_update: list[Unit] = []
    to_move: list[tuple[Unit, Unit | None]] = []
    result: dict[str, Unit] = {}
    unchanged = 0
    for spec in specs:
        parent = parents_by_code[spec.parent_code] if spec.parent_code else None
        unit = existing.get(spec.code)
        if unit is None:
            unit = Unit(
                code=spec.code,
                name=spec.name,
                codename=spec.codename,
                type=spec.type,
                parent=parent,
                level=parent.level + 1 if parent else 1,
                path="",
                valid_from=valid_from,
                search_name=fold(spec.name),
            )
            parents[id(unit)] = parent
            to_create.append(unit)
        else:
            wanted = (spec.name, spec.codename, spec.type)
            if (unit.name, unit.codename, unit.type) != wanted:
                unit.name, unit.codename, unit.type = wanted
                unit.search_name = fold(spec.name)
                to_update.append(unit)
            else:
                unchanged += 1
            if unit.parent_id != (parent.pk if parent else None):
                to_move.append((unit, parent))
        result[spec.code] = unit
    _bulk_insert(to_create, parents)
    Unit.objects.bulk_update(to_update, ["name", "codename", "type", "search_name"], 500)
    return result, len(to_create), len(to_update), unchanged, to_move


def units_load_from_package(*, province: str | None = None, acting_user=None) -> LoadReport:
    """Load or refresh the provinces and communes of the national list (the installed
    ``vietnam-provinces`` package), in force from 1 July 2025.

    Idempotent: units are matched on their code among the units in force; a second run
    changes nothing, and a run after a package upgrade renames what was renamed and adds
    what was added. Nothing is deleted: a unit gone from the list is retired by a person
    with ``unit_retire``, who knows its successors.
    """
    province_specs, ward_specs = package_specs(province=province)
    report = LoadReport()
    with transaction.atomic():
        _require_manage(acting_user, [None])
        codes = [s.code for s in province_specs] + [s.code for s in ward_specs]
        existing = {unit.code: unit for unit in Unit.objects.current().filter(code__in=codes)}
        provinces, *counts, moves = _upsert_level(province_specs, existing, {}, REFORM_DATE)
        report.provinces_created, report.provinces_updated, report.provinces_unchanged = counts
        for unit, _parent in moves:
            # A province found under another unit (entered by hand): make it a root again.
            provinces[unit.code] = unit_move(acting_user=None, unit=unit, new_parent=None)
        _communes, *counts, moves = _upsert_level(ward_specs, existing, provinces, REFORM_DATE)
        report.communes_created, report.communes_updated, report.communes_unchanged = counts
        for unit, parent in moves:
            unit_move(acting_user=None, unit=unit, new_parent=parent)
        report.communes_moved = len(moves)
        if report.changed:
            audit_record(
                actor=acting_user,
                action="units.load_package",
                object_type="units.unit",
                object_id="",
                summary=f"vietnam-provinces: {province or 'all provinces'}",
                changes=vars(report),
            )
    return report


# --- importing extra levels from CSV --------------------------------------------------------

CSV_COLUMNS = ("code", "name", "type", "parent_code")
CSV_OPTIONAL_COLUMNS = ("valid_from", "valid_until")

# Local names of the levels below the commune, folded: each maps to the model's two kinds.
_TYPE_ALIASES = {
    "ap": Unit.Type.THON,
    "ban": Unit.Type.THON,
    "buon": Unit.Type.THON,
    "lang": Unit.Type.THON,
    "plei": Unit.Type.THON,
    "soc": Unit.Type.THON,
    "xom": Unit.Type.THON,
    "khoi": Unit.Type.TO_DAN_PHO,
    "khom": Unit.Type.TO_DAN_PHO,
    "khu_pho": Unit.Type.TO_DAN_PHO,
    "tinh": Unit.Type.TINH,
    "thanh_pho_trung_uong": Unit.Type.THANH_PHO_TRUNG_UONG,
}


def parse_unit_type(text: str) -> str | None:
    """``"thôn"``, ``"Tổ dân phố"``, ``"to_dan_pho"``, ``"huyện"`` → a ``Unit.Type`` value."""
    key = make_codename(text or "")
    if key in Unit.Type.values:
        return key
    return _TYPE_ALIASES.get(key)


def parse_date(text: str) -> dt.date | None:
    """``2025-07-01`` or ``01/07/2025``; empty gives ``None``; anything else ``ValueError``."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


@dataclass
class RowError:
    line: int
    code: str
    reason: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "code": self.code,
            "reason": self.reason,
            "message": self.message,
        }


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    code: str
    name: str
    type: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    parent_unit: Unit | None = None  # a parent already in the database
    parent_row: _Row | None = None  # a parent defined earlier in the file
    existing: Unit | None = None  # the unit this row refreshes
    unit: Unit | None = None

    @property
    def in_force(self) -> bool:
        return self.valid_until is None

    @property
    def depth_in_file(self) -> int:
        return 0 if self.parent_row is None else self.parent_row.depth_in_file + 1


def _read_csv_text(file) -> str:
    if isinstance(file, str | Path):
        data: Any = Path(file).read_bytes()
    else:
        data = file.read()
    if isinstance(data, bytes):
        # utf-8-sig: spreadsheets save a byte-order mark at the start.
        return data.decode("utf-8-sig")
    return data.lstrip("\ufeff")


class _ImportValidator:
    """Reads every row, resolves parents, and collects every problem before anything is
    written."""

    def __init__(self, acting_user, text: str) -> None:
        self.acting_user = acting_user
        self.text = text
        self.errors: list[RowError] = []
        self.rows: list[_Row] = []

    def error(self, line: int, code: str, reason: str, message: str) -> None:
        self.errors.append(RowError(line=line, code=code, reason=reason, message=message))

    def run(self) -> list[_Row]:
        reader = csv.DictReader(io.StringIO(self.text, newline=""))
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
        missing = [name for name in CSV_COLUMNS if name not in header]
        if missing:
            self.error(
                1,
                "",
                "bad_header",
                _("The first line must name the columns %(columns)s; missing: %(missing)s.")
                % {"columns": ",".join(CSV_COLUMNS), "missing": ",".join(missing)},
            )
            return []
        reader.fieldnames = header
        raw_rows = []
        for record in reader:
            values = {key: (value or "").strip() for key, value in record.items() if key}
            raw_rows.append((reader.line_num, values))
        self._load_database_context(raw_rows)
        for line, values in raw_rows:
            row = self._parse(line, values)
            if row is not None:
                self.rows.append(row)
        return self.rows

    def _load_database_context(self, raw_rows) -> None:
        codes = {values.get("code", "") for _, values in raw_rows}
        codes |= {values.get("parent_code", "") for _, values in raw_rows}
        codes.discard("")
        self.db_units: dict[str, list[Unit]] = {}
        for unit in Unit.objects.filter(code__in=codes).order_by("-valid_until"):
            self.db_units.setdefault(unit.code, []).append(unit)
        self.seen_in_force: dict[str, _Row] = {}
        self.seen_retired: dict[tuple[str, dt.date], _Row] = {}
        self.lines_by_code: dict[str, list[int]] = {}
        for line, values in raw_rows:
            self.lines_by_code.setdefault(values.get("code", ""), []).append(line)

    def _parse(self, line: int, values: dict[str, str]) -> _Row | None:
        code, name = values.get("code", ""), normalize(values.get("name", ""))
        ok = True
        if not unit_code_is_valid(code):
            ok = False
            self.error(line, code, "bad_code", str(errors.UnitCodeInvalid.default_message))
        if not name:
            ok = False
            self.error(line, code, "empty_name", _("The name is empty."))
        elif len(name) > Unit._meta.get_field("name").max_length:
            ok = False
            self.error(line, code, "name_too_long", _("The name is too long."))
        type = parse_unit_type(values.get("type", ""))
        if type is None:
            ok = False
            self.error(
                line,
                code,
                "unknown_type",
                _("Unknown unit type %(type)s.") % {"type": repr(values.get("type", ""))},
            )
        dates = {}
        for column in CSV_OPTIONAL_COLUMNS:
            try:
                dates[column] = parse_date(values.get(column, ""))
            except ValueError:
                ok = False
                dates[column] = None
                self.error(
                    line,
                    code,
                    "bad_date",
                    _("%(column)s %(value)s is not a date (use 2025-07-01 or 01/07/2025).")
                    % {"column": column, "value": repr(values.get(column, ""))},
                )
        if (
            dates["valid_from"]
            and dates["valid_until"]
            and dates["valid_until"] < dates["valid_from"]
        ):
            ok = False
            self.error(line, code, "bad_date", _("valid_until is before valid_from."))
        row = _Row(
            line=line,
            code=code,
            name=name,
            type=type or "",
            valid_from=dates["valid_from"],
            valid_until=dates["valid_until"],
        )
        ok = self._resolve_parent(row, values.get("parent_code", "")) and ok
        if ok and code:
            ok = self._check_duplicate(row)
        return row if ok else None

    def _resolve_parent(self, row: _Row, parent_code: str) -> bool:
        if not parent_code:
            if self.acting_user is not None and not self.acting_user.is_superuser:
                self.error(
                    row.line,
                    row.code,
                    "parent_out_of_scope",
                    _("Only an administrator can add a unit at the top of the tree."),
                )
                return False
            return True
        # Order of preference: the unit in force with that code (in the file or the
        # database: they are the same unit), then a retired one defined earlier in the
        # file, then the only retired one in the database.
        in_file = self.seen_in_force.get(parent_code)
        db_units = self.db_units.get(parent_code, [])
        db_in_force = [u for u in db_units if u.valid_until is None]
        if in_file is not None and in_file.existing is None:
            row.parent_row = in_file
        elif db_in_force:
            row.parent_unit = db_in_force[0]
        else:
            retired_rows = [r for (c, _d), r in self.seen_retired.items() if c == parent_code]
            if retired_rows:
                row.parent_row = max(retired_rows, key=lambda r: r.line)
            elif len(db_units) == 1:
                row.parent_unit = db_units[0]
            elif len(db_units) > 1:
                self.error(
                    row.line,
                    row.code,
                    "ambiguous_parent",
                    _(
                        "Several retired units have the code %(code)s; "
                        "define the parent earlier in the file."
                    )
                    % {"code": parent_code},
                )
                return False
            else:
                lines = self.lines_by_code.get(parent_code, [])
                earlier = [n for n in lines if n < row.line]
                later = [n for n in lines if n > row.line]
                message = _("Unknown parent %(code)s.") % {"code": parent_code}
                if earlier:
                    message = _("The parent %(code)s on line %(line)d is not valid.") % {
                        "code": parent_code,
                        "line": earlier[-1],
                    }
                elif later:
                    message += " " + _("It is defined on line %(line)d: move it above.") % {
                        "line": later[0]
                    }
                self.error(row.line, row.code, "unknown_parent", message)
                return False
        parent_in_force = (
            row.parent_row.in_force if row.parent_row else row.parent_unit.valid_until is None
        )
        if row.in_force and not parent_in_force:
            self.error(
                row.line,
                row.code,
                "parent_retired",
                _("The parent %(code)s is no longer in force.") % {"code": parent_code},
            )
            return False
        if (
            row.parent_unit is not None
            and self.acting_user is not None
            and not unit_in_scope(self.acting_user, row.parent_unit, permission=Perm.UNITS_MANAGE)
        ):
            self.error(
                row.line,
                row.code,
                "parent_out_of_scope",
                _("The parent %(code)s lies outside the units you manage.") % {"code": parent_code},
            )
            return False
        return True

    def _same_parent(self, row: _Row, unit: Unit) -> bool:
        if row.parent_row is not None:
            return row.parent_row.existing is not None and row.parent_row.existing.pk == (
                unit.parent_id
            )
        return (row.parent_unit.pk if row.parent_unit else None) == unit.parent_id

    def _check_duplicate(self, row: _Row) -> bool:
        if row.in_force:
            earlier = self.seen_in_force.get(row.code)
            if earlier is not None:
                self.error(
                    row.line,
                    row.code,
                    "duplicate_code",
                    _("Code %(code)s already appears on line %(line)d.")
                    % {"code": row.code, "line": earlier.line},
                )
                return False
            in_force = [u for u in self.db_units.get(row.code, []) if u.valid_until is None]
            if in_force:
                if not self._same_parent(row, in_force[0]):
                    self.error(
                        row.line,
                        row.code,
                        "duplicate_code",
                        _("Code %(code)s already belongs to %(name)s, under another parent.")
                        % {"code": row.code, "name": in_force[0].name},
                    )
                    return False
                row.existing = in_force[0]
            self.seen_in_force[row.code] = row
        else:
            key = (row.code, row.valid_until)
            earlier = self.seen_retired.get(key)
            if earlier is not None:
                self.error(
                    row.line,
                    row.code,
                    "duplicate_code",
                    _("Code %(code)s with the same end date already appears on line %(line)d.")
                    % {"code": row.code, "line": earlier.line},
                )
                return False
            for unit in self.db_units.get(row.code, []):
                if unit.valid_until == row.valid_until and self._same_parent(row, unit):
                    row.existing = unit
            self.seen_retired[key] = row
        return True


def units_import_csv(*, acting_user, file: str | Path | IO) -> ImportReport:
    """Load units below (or beside) the national list from a CSV file: villages (thôn, tổ
    dân phố), legacy districts, pre-merger communes.

    Columns ``code,name,type,parent_code[,valid_from,valid_until]``; a row may name as
    parent a unit in the database or one defined on an earlier line. Every row is checked
    first; if any is bad, ``UnitsImportInvalid`` lists every bad row (line number, code,
    reason) and nothing is loaded. A row whose unit already exists (same code, same parent,
    same end) refreshes its name, type and start date, so a corrected file can be loaded
    again.
    """
    text = _read_csv_text(file)
    with transaction.atomic():
        if acting_user is not None:
            require(acting_user, Perm.UNITS_MANAGE)
        validator = _ImportValidator(acting_user, text)
        rows = validator.run()
        report = ImportReport(rows=len(rows) + len({e.line for e in validator.errors}))
        if validator.errors:
            report.errors = sorted(validator.errors, key=lambda e: e.line)
            raise errors.UnitsImportInvalid(details=[e.as_dict() for e in report.errors])

        to_update = []
        for row in rows:
            unit = row.existing
            if unit is None:
                continue
            row.unit = unit
            wanted = (row.name, row.type, row.valid_from or unit.valid_from)
            if (unit.name, unit.type, unit.valid_from) == wanted:
                report.unchanged += 1
                continue
            unit.name, unit.type, unit.valid_from = wanted
            unit.search_name = fold(row.name)
            unit.codename = make_codename(row.name)
            to_update.append(unit)
        Unit.objects.bulk_update(
            to_update, ["name", "type", "valid_from", "search_name", "codename"], 500
        )
        report.updated = len(to_update)

        new_rows = [row for row in rows if row.existing is None]
        # Rows whose parent is in the file are inserted after that parent: one wave per depth.
        waves: dict[int, list[_Row]] = {}
        for row in new_rows:
            waves.setdefault(row.depth_in_file, []).append(row)
        for depth in sorted(waves):
            units, parents = [], {}
            for row in waves[depth]:
                parent = row.parent_row.unit if row.parent_row else row.parent_unit
                if parent is not None and len(parent.path) + PATH_SEGMENT_WIDTH > _PATH_MAX:
                    raise errors.UnitTreeTooDeep()
                row.unit = Unit(
                    code=row.code,
                    name=row.name,
                    codename=make_codename(row.name),
                    type=row.type,
                    parent=parent,
                    level=parent.level + 1 if parent else 1,
                    path="",
                    valid_from=row.valid_from,
                    valid_until=row.valid_until,
                    search_name=fold(row.name),
                )
                parents[id(row.unit)] = parent
                units.append(row.unit)
            _bulk_insert(units, parents)
        report.created = len(new_rows)
        if report.created or report.updated:
            audit_record(
                actor=acting_user,
                action="units.import_csv",
                object_type="units.unit",
                object_id="",
                summary=f"CSV import: {report.created} created, {report.updated} updated",
                changes={"created": report.created, "updated": report.updated},
            )
    return report


# --- agencies -------------------------------------------------------------------------------


def clean_agency_code(code: str) -> str:
    """Trim and upper-case an electronic identifier, then check it (QCVN 102:2016/BTTTT)."""
    code = (code or "").strip().upper()
    if not AGENCY_CODE_RE.match(code):
        raise _field_error(errors.AgencyCodeInvalid, "code")
    return code


def _check_agency_code_free(code: str, *, exclude_pk: int | None = None) -> None:
    qs = Agency.objects.filter(code=code)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise _field_error(errors.AgencyCodeTaken, "code")


def _clean_agency_name(name: str, field_name: str = "name", *, required: bool = True) -> str:
    name = normalize(name or "")
    if required and not name:
        raise _field_error(errors.AgencyNameEmpty, field_name)
    _check_length(Agency, field_name, name)
    return name


def _clean_kind(kind: str) -> str:
    if kind not in Agency.Kind.values:
        raise _field_error(errors.AgencyKindInvalid, "kind")
    return kind


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise _field_error(errors.AgencyEmailInvalid, "email") from exc
    return email


def _clean_short(model, field_name: str, value: str) -> str:
    value = normalize(value or "")
    _check_length(model, field_name, value)
    return value


def _check_agency_parent(agency: Agency | None, unit: Unit, parent: Agency | None) -> None:
    """The parent sits on the agency's unit or above it, and is not the agency's own
    descendant."""
    if parent is None:
        return
    parent_unit = Unit.objects.get(pk=parent.unit_id)
    if not unit.is_within(parent_unit):
        raise _field_error(errors.AgencyParentInvalid, "parent")
    if agency is not None and agency.pk is not None:
        seen = set()
        current: Agency | None = parent
        while current is not None and current.pk not in seen:
            if current.pk == agency.pk:
                raise _field_error(errors.AgencyParentInvalid, "parent")
            seen.add(current.pk)
            current = (
                Agency.objects.filter(pk=current.parent_id).first() if current.parent_id else None
            )


def _agency_search_name(agency: Agency) -> str:
    return fold(f"{agency.name} {agency.short_name}")[
        : Agency._meta.get_field("search_name").max_length
    ]


def _agency_state(agency: Agency) -> dict[str, Any]:
    return {
        "unit": agency.unit_id,
        "parent": agency.parent_id,
        "code": agency.code,
        "name": agency.name,
        "short_name": agency.short_name,
        "kind": agency.kind,
        "email": agency.email,
        "phone": agency.phone,
        "address": agency.address,
        "is_active": agency.is_active,
    }


def _save_agency(agency: Agency, **kwargs) -> None:
    try:
        with transaction.atomic():
            agency.save(**kwargs)
    except IntegrityError as exc:
        # The only unique column: a concurrent twin took the identifier first.
        raise _field_error(errors.AgencyCodeTaken, "code") from exc


@transaction.atomic
def agency_create(
    *,
    acting_user,
    unit: Unit,
    code: str,
    name: str,
    kind: str,
    parent: Agency | None = None,
    short_name: str = "",
    email: str = "",
    phone: str = "",
    address: str = "",
) -> Agency:
    """Add an agency (cơ quan, đơn vị) on ``unit`` with its electronic identifier."""
    _require_manage(acting_user, [unit])
    unit = Unit.objects.get(pk=unit.pk)
    if unit.valid_until is not None:
        raise _field_error(errors.AgencyUnitRetired, "unit")
    code = clean_agency_code(code)
    agency = Agency(
        unit=unit,
        parent=parent,
        code=code,
        name=_clean_agency_name(name),
        short_name=_clean_short(Agency, "short_name", short_name),
        kind=_clean_kind(kind),
        email=_clean_email(email),
        phone=_clean_short(Agency, "phone", phone),
        address=_clean_short(Agency, "address", address),
    )
    _check_agency_parent(None, unit, parent)
    _check_agency_code_free(code)
    agency.search_name = _agency_search_name(agency)
    _save_agency(agency, force_insert=True)
    audit_record(
        actor=acting_user,
        action="units.agency_create",
        obj=agency,
        summary=f"{agency.code} {agency.name}",
        changes=diff({}, _agency_state(agency)),
    )
    return agency


@transaction.atomic
def agency_update(
    *,
    acting_user,
    agency: Agency,
    unit: Unit = UNSET,
    code: str = UNSET,
    name: str = UNSET,
    kind: str = UNSET,
    parent: Agency | None = UNSET,
    short_name: str = UNSET,
    email: str = UNSET,
    phone: str = UNSET,
    address: str = UNSET,
) -> Agency:
    """Change an agency; only the arguments given change. Moving it to another unit needs
    both units in the acting user's scope (its officials' scope moves with it)."""
    agency = Agency.objects.select_for_update().select_related("unit").get(pk=agency.pk)
    _require_manage(acting_user, [agency.unit])
    before = _agency_state(agency)
    if unit is not UNSET:
        _require_manage(acting_user, [unit])
        unit = Unit.objects.get(pk=unit.pk)
        if unit.pk != agency.unit_id and unit.valid_until is not None:
            raise _field_error(errors.AgencyUnitRetired, "unit")
        agency.unit = unit
    if code is not UNSET:
        agency.code = clean_agency_code(code)
        _check_agency_code_free(agency.code, exclude_pk=agency.pk)
    if name is not UNSET:
        agency.name = _clean_agency_name(name)
    if kind is not UNSET:
        agency.kind = _clean_kind(kind)
    if parent is not UNSET:
        agency.parent = parent
    if short_name is not UNSET:
        agency.short_name = _clean_short(Agency, "short_name", short_name)
    if email is not UNSET:
        agency.email = _clean_email(email)
    if phone is not UNSET:
        agency.phone = _clean_short(Agency, "phone", phone)
    if address is not UNSET:
        agency.address = _clean_short(Agency, "address", address)
    if unit is not UNSET or parent is not UNSET:
        _check_agency_parent(agency, agency.unit, agency.parent)
    changes = diff(before, _agency_state(agency))
    if not changes:
        return agency
    agency.search_name = _agency_search_name(agency)
    _save_agency(agency)
    audit_record(
        actor=acting_user,
        action="units.agency_update",
        obj=agency,
        summary=f"{agency.code} {agency.name}",
        changes=changes,
    )
    return agency


@transaction.atomic
def agency_deactivate(*, acting_user, agency: Agency) -> Agency:
    """Close an agency. It keeps its records and its identifier (never reused); its
    officials lose their scope (``accounts.scope``) until they move to another agency.
    Closing a closed agency changes nothing."""
    agency = Agency.objects.select_for_update().select_related("unit").get(pk=agency.pk)
    _require_manage(acting_user, [agency.unit])
    if not agency.is_active:
        return agency
    agency.is_active = False
    agency.save(update_fields=["is_active"])
    audit_record(
        actor=acting_user,
        action="units.agency_deactivate",
        obj=agency,
        summary=f"{agency.code} {agency.name}",
        changes={"is_active": [True, False]},
    )
    return agency
