"""Boards of the IOC (bảng điều hành) as data, and what a board shows for a unit and period.

A ``Board`` is a list of ``BoardItem`` rows (KPI tiles, a 12-month series, bars by child unit,
the three pillars, a ranking of child units, the DTI ranking, a map of child units), edited in
the admin or moved between installations as JSON (``board_export`` / ``board_import``,
``tinhso indicators_board import|export FILE``). The shipped boards are
``data/board_*.json``.

``board_show`` assembles everything a page, the API and the exports need in a bounded number
of queries whatever the number of child units: it reads only the precomputed roll-ups through
``selectors`` (tiles with one ``board_values``, sparklines and series with one
``values_table`` over 12 months, every chart over the children with one ``values_table``), the
DTI scores and the unit outlines. Charts are drawn server-side: this module computes the SVG
geometry (coordinates, paths, classes) and the templates only place it, so a page works without
JavaScript, prints, and WeasyPrint renders the same markup as PDF.

Numbers are kept raw for the API and the exports and formatted the Vietnamese way (1.234,5)
for pages and PDF (``vn_number``).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.indicators import periods, selectors
from tinhso.indicators.dti import competition_ranks
from tinhso.indicators.models import (
    Aggregate,
    Board,
    BoardItem,
    DataElement,
    DtiFramework,
    Indicator,
    PeriodType,
    Pillar,
    UnitGeometry,
)
from tinhso.kernel.audit import audit_record
from tinhso.kernel.errors import InvalidInput, NotFound
from tinhso.units.models import Unit

DATA_DIR = Path(__file__).resolve().parent / "data"
PILLARS = (Pillar.GOVERNMENT, Pillar.ECONOMY, Pillar.SOCIETY)
MAP_CLASSES = 5
# Viridis, 5 steps: sequential, colour-blind-safe, printable in grey; index 0 = no data.
PALETTE = ("#f1f4f8", "#fde725", "#7ad151", "#22a884", "#2a788e", "#414487")
BARS_LIMIT = 15


# --- errors -------------------------------------------------------------------------------------


class BoardNotFound(NotFound):
    code = "board_not_found"
    default_message = gettext_lazy("No board has this code, or it is not open to you.")


class BoardUnitNotFound(NotFound):
    code = "board_unit_not_found"
    default_message = gettext_lazy("No administrative unit has this code.")


class BoardInvalid(InvalidInput):
    code = "board_invalid"
    default_message = gettext_lazy("The board definition is not valid.")


class BoardViewInvalid(InvalidInput):
    code = "board_view_invalid"
    default_message = gettext_lazy(
        'The view is "reported" (as reported) or "current" (re-attributed to today\'s units).'
    )


class GeometryInvalid(InvalidInput):
    code = "geometry_invalid"
    default_message = gettext_lazy(
        "The file is not a GeoJSON FeatureCollection of Polygon or MultiPolygon features."
    )


# --- numbers ------------------------------------------------------------------------------------


def vn_number(value: float | None, decimals: int = 1) -> str:
    """``1234.5`` → ``1.234,5`` (Vietnamese grouping and decimal comma); "" for None.
    Whole values lose their decimals (``80`` not ``80,0``)."""
    if value is None:
        return ""
    if float(value).is_integer():
        decimals = 0
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def with_measure(value: float | None, decimals: int, measure: str) -> str:
    if value is None:
        return ""
    number = vn_number(value, decimals)
    if not measure:
        return number
    if measure in ("%", "percent"):
        return f"{number}%"
    return f"{number} {measure}"


# --- definitions as data ------------------------------------------------------------------------


def _known_codes(codes: set[str]) -> set[str]:
    known = set(Indicator.objects.filter(code__in=codes).values_list("code", flat=True))
    known |= set(DataElement.objects.filter(code__in=codes).values_list("code", flat=True))
    return known


def board_export(board: Board) -> dict[str, Any]:
    """The board as a JSON-ready dict that ``board_import`` reads back unchanged."""
    return {
        "code": board.code,
        "name": board.name,
        "description": board.description,
        "is_public": board.is_public,
        "is_default": board.is_default,
        "period_type": board.period_type,
        "position": board.position,
        "items": [
            {
                key: value
                for key, value in (
                    ("kind", item.kind),
                    ("code", item.code),
                    ("title", item.title),
                    ("framework", item.framework),
                    ("options", item.options),
                )
                if value or key == "kind"
            }
            for item in board.items.order_by("position", "pk")
        ],
    }


def _check_definition(data: Any) -> list[dict[str, Any]]:
    """Every problem of a board definition, with where it is (``items[3].code``)."""
    if not isinstance(data, dict):
        return [{"field": "", "message": _("A board is a JSON object.")}]
    problems: list[dict[str, Any]] = []
    code = data.get("code")
    if not isinstance(code, str) or not code or len(code) > 50:
        problems.append({"field": "code", "message": _("A board needs a code.")})
    elif not all((c.isalnum() and c.isascii()) or c in "-_" for c in code):
        problems.append(
            {"field": "code", "message": _("A code is letters, digits, dashes or underscores.")}
        )
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        problems.append({"field": "name", "message": _("A board needs a name.")})
    if data.get("period_type", PeriodType.YEAR) not in PeriodType.values:
        problems.append(
            {"field": "period_type", "message": _("A period type is month, quarter or year.")}
        )
    items = data.get("items")
    if not isinstance(items, list) or not items:
        problems.append({"field": "items", "message": _("A board needs at least one item.")})
        return problems
    return problems + check_items(items)


def check_items(items: list[Any]) -> list[dict[str, Any]]:
    """Every problem of a board's items (kinds, codes, DTI frameworks), ``items[n].field``."""
    problems: list[dict[str, Any]] = []
    wanted: dict[str, list[str]] = {}
    frameworks: dict[str, list[str]] = {}
    for number, item in enumerate(items):
        where = f"items[{number}]"
        if not isinstance(item, dict):
            problems.append({"field": where, "message": _("An item is a JSON object.")})
            continue
        kind = item.get("kind")
        if kind not in BoardItem.Kind.values:
            problems.append(
                {
                    "field": f"{where}.kind",
                    "message": _("Unknown kind of item; use one of: %(kinds)s.")
                    % {"kinds": ", ".join(BoardItem.Kind.values)},
                }
            )
            continue
        options = item.get("options", {})
        if not isinstance(options, dict):
            problems.append({"field": f"{where}.options", "message": _("Options are an object.")})
            options = {}
        if kind == BoardItem.Kind.DTI:
            framework = item.get("framework")
            if not isinstance(framework, str) or not framework:
                problems.append(
                    {"field": f"{where}.framework", "message": _("Name the DTI framework.")}
                )
            else:
                frameworks.setdefault(framework, []).append(f"{where}.framework")
        elif kind == BoardItem.Kind.PILLARS:
            for position, pillar_code in enumerate(options.get("codes", [])):
                wanted.setdefault(str(pillar_code), []).append(f"{where}.options.codes[{position}]")
        else:
            item_code = item.get("code")
            if not isinstance(item_code, str) or not item_code:
                problems.append(
                    {
                        "field": f"{where}.code",
                        "message": _("Name an indicator or a data element."),
                    }
                )
            else:
                wanted.setdefault(item_code, []).append(f"{where}.code")
    known = _known_codes(set(wanted))
    for unknown in sorted(set(wanted) - known):
        for where in wanted[unknown]:
            problems.append(
                {
                    "field": where,
                    "value": unknown,
                    "message": _("No indicator or data element has this code."),
                }
            )
    found = set(DtiFramework.objects.filter(code__in=frameworks).values_list("code", flat=True))
    for unknown in sorted(set(frameworks) - found):
        for where in frameworks[unknown]:
            problems.append(
                {"field": where, "value": unknown, "message": _("No DTI framework has this code.")}
            )
    return problems


@transaction.atomic
def board_import(*, acting_user, data: Any) -> Board:
    """Create or replace the board ``data`` defines (its items replaced as a whole).
    ``BoardInvalid`` with every problem in ``details``; nothing is written then."""
    problems = _check_definition(data)
    if problems:
        raise BoardInvalid(details=problems)
    board, created = Board.objects.select_for_update().get_or_create(
        code=data["code"],
        defaults={"name": data["name"].strip()[:200]},
    )
    before = None if created else board_export(board)
    board.name = data["name"].strip()[:200]
    board.description = str(data.get("description", ""))
    board.is_public = bool(data.get("is_public", True))
    board.is_default = bool(data.get("is_default", False))
    board.period_type = data.get("period_type", PeriodType.YEAR)
    board.position = int(data.get("position", 0) or 0)
    board.save()
    if board.is_default:
        Board.objects.exclude(pk=board.pk).filter(is_default=True).update(is_default=False)
    board.items.all().delete()
    BoardItem.objects.bulk_create(
        [
            BoardItem(
                board=board,
                position=number,
                kind=item["kind"],
                code=str(item.get("code", ""))[:120],
                title=str(item.get("title", ""))[:200],
                framework=str(item.get("framework", ""))[:50],
                options=item.get("options") or {},
            )
            for number, item in enumerate(data["items"])
        ]
    )
    after = board_export(board)
    if before != after:
        audit_record(
            actor=acting_user,
            action="indicators.board_import",
            obj=board,
            summary=board.code,
            changes={"before": before, "after": after},
        )
    return board


def load_shipped_boards() -> list[Board]:
    """Import every ``data/board_*.json`` (idempotent: an unchanged board is not rewritten)."""
    import json

    return [
        board_import(acting_user=None, data=json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(DATA_DIR.glob("board_*.json"))
    ]


# --- geometry -----------------------------------------------------------------------------------


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        return list(coordinates)
    if kind == "MultiPolygon":
        return [ring for polygon in coordinates for ring in polygon]
    raise GeometryInvalid()


def _bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    points = [point for ring in _rings(geometry) for point in ring]
    if not points:
        raise GeometryInvalid()
    try:
        lons = [float(p[0]) for p in points]
        lats = [float(p[1]) for p in points]
    except (TypeError, ValueError, IndexError) as exc:
        raise GeometryInvalid() from exc
    if not all(-180 <= v <= 180 for v in lons) or not all(-90 <= v <= 90 for v in lats):
        raise GeometryInvalid()
    return min(lons), min(lats), max(lons), max(lats)


@transaction.atomic
def geometry_import(
    *, acting_user, data: Any, code_property: str = "code", source: str = ""
) -> dict[str, Any]:
    """Store the outline of each feature of a GeoJSON FeatureCollection on the unit in force
    whose code is the feature's ``properties[code_property]``. Returns ``{"imported": n,
    "unmatched": [codes]}``; a feature that is not a (Multi)Polygon refuses the whole file."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GeometryInvalid()
    features = data.get("features")
    if not isinstance(features, list):
        raise GeometryInvalid()
    by_code: dict[str, tuple[dict[str, Any], tuple[float, float, float, float]]] = {}
    for number, feature in enumerate(features):
        try:
            code = str(feature["properties"][code_property]).strip()
            geometry = feature["geometry"]
            by_code[code] = (geometry, _bbox(geometry))
        except (KeyError, TypeError, GeometryInvalid) as exc:
            raise GeometryInvalid(details=[{"field": f"features[{number}]"}]) from exc
    units = {u.code: u for u in Unit.objects.filter(code__in=by_code, valid_until__isnull=True)}
    imported = 0
    for code, (geometry, bbox) in by_code.items():
        unit = units.get(code)
        if unit is None:
            continue
        UnitGeometry.objects.update_or_create(
            unit=unit,
            defaults={
                "geometry": geometry,
                "min_lon": bbox[0],
                "min_lat": bbox[1],
                "max_lon": bbox[2],
                "max_lat": bbox[3],
                "source": source[:200],
            },
        )
        imported += 1
    unmatched = sorted(set(by_code) - set(units))
    audit_record(
        actor=acting_user,
        action="indicators.geometry_import",
        object_type="indicators.unitgeometry",
        object_id=source[:100] or "geojson",
        summary=f"{imported} imported, {len(unmatched)} unmatched",
        changes={"imported": imported, "unmatched": unmatched[:100]},
    )
    return {"imported": imported, "unmatched": unmatched}


def project_paths(
    outlines: dict[int, UnitGeometry], *, width: float = 600, pad: float = 6
) -> tuple[dict[int, str], float]:
    """SVG path data for each unit's outline, fitted together into a ``width`` wide box
    (equirectangular, longitudes shrunk by cos(latitude) so shapes keep their proportions).
    Returns the paths and the box's height."""
    if not outlines:
        return {}, 0
    min_lon = min(g.min_lon for g in outlines.values())
    max_lon = max(g.max_lon for g in outlines.values())
    min_lat = min(g.min_lat for g in outlines.values())
    max_lat = max(g.max_lat for g in outlines.values())
    shrink = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * shrink, 1e-9)
    span_y = max(max_lat - min_lat, 1e-9)
    scale = (width - 2 * pad) / span_x
    height = span_y * scale + 2 * pad
    paths = {}
    for unit_id, outline in outlines.items():
        parts = []
        for ring in _rings(outline.geometry):
            points = [
                f"{pad + (lon - min_lon) * shrink * scale:.1f},{pad + (max_lat - lat) * scale:.1f}"
                for lon, lat, *_rest in ring
            ]
            if points:
                parts.append("M" + "L".join(points) + "Z")
        paths[unit_id] = "".join(parts)
    return paths, round(height, 1)


# --- what a board shows -------------------------------------------------------------------------


@dataclass
class Scope:
    """Where a board is looked at: a unit, or the whole country (``unit`` None)."""

    unit: Unit | None
    period: periods.Period
    view: str

    @property
    def slug(self) -> str:
        return self.unit.code if self.unit is not None else "ca-nuoc"

    @property
    def name(self) -> str:
        return self.unit.name if self.unit is not None else _("The whole country")


@dataclass
class Block:
    """One chart or table of a board, ready for a template, the API and the exports."""

    item: BoardItem
    kind: str
    title: str
    code: str = ""
    measure: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)  # raw values, for exports and API
    display: list[list[str]] = field(default_factory=list)  # formatted, for pages and PDF
    chart: dict[str, Any] = field(default_factory=dict)  # SVG geometry
    data: list[dict[str, Any]] = field(default_factory=list)  # for the API
    empty: bool = False
    note: str = ""
    exports: dict[str, str] = field(default_factory=dict)  # set by the page: format → URL
    row_links: list[str] = field(default_factory=list)  # set by the page: each row's board

    @property
    def key(self) -> str:
        return str(self.item.pk)

    @property
    def label_column(self) -> int:
        """The column that names the row (a unit, a month, a pillar): a row header."""
        return 1 if self.kind in (BoardItem.Kind.RANKING, BoardItem.Kind.DTI) else 0

    @property
    def table_rows(self) -> list[dict[str, Any]]:
        links = self.row_links
        return [
            {
                "link": links[n] if n < len(links) else "",
                "cells": [
                    {"text": text, "label": column == self.label_column}
                    for column, text in enumerate(row)
                ],
            }
            for n, row in enumerate(self.display)
        ]


@dataclass
class Shown:
    board: Board
    scope: Scope
    tiles: list[dict[str, Any]]
    blocks: list[Block]
    children: list[Unit]


def visible_boards(user, unit: Unit | None) -> list[Board]:
    boards = list(Board.objects.all())
    if selectors.internal_allowed(user, unit):
        return boards
    return [board for board in boards if board.is_public]


def board_get(code: str, *, user, unit: Unit | None) -> Board:
    board = Board.objects.filter(code=code).first()
    if board is None or (not board.is_public and not selectors.internal_allowed(user, unit)):
        raise BoardNotFound()
    return board


def default_board(*, user, unit: Unit | None) -> Board | None:
    boards = visible_boards(user, unit)
    return boards[0] if boards else None


def default_period(period_type: str, today) -> periods.Period:
    """The period a board opens on: the one holding the last finished month (its figures
    are in), of the board's type."""
    last_month = periods.containing(today, periods.MONTH).previous()
    return last_month.of_type(period_type)


def period_choices(today) -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods offered by the selector: three years, eight quarters, 24 months."""
    last_month = periods.containing(today, periods.MONTH).previous()
    years = [periods.year(last_month.year - n) for n in range(3)]
    quarters, quarter = [], last_month.of_type(periods.QUARTER)
    for _n in range(8):
        quarters.append(quarter)
        quarter = quarter.previous()
    months, month = [], last_month
    for _n in range(24):
        months.append(month)
        month = month.previous()
    return [
        (_("Years"), [(p.id, period_label(p)) for p in years]),
        (_("Quarters"), [(p.id, period_label(p)) for p in quarters]),
        (_("Months"), [(p.id, period_label(p)) for p in months]),
    ]


def period_label(period: periods.Period) -> str:
    if period.type == periods.MONTH:
        return _("Month %(month)02d/%(year)d") % {"month": period.index, "year": period.year}
    if period.type == periods.QUARTER:
        return _("Quarter %(quarter)d/%(year)d") % {"quarter": period.index, "year": period.year}
    return _("Year %(year)d") % {"year": period.year}


def parse_view(text: str | None) -> str:
    value = (text or Aggregate.View.REPORTED).strip()
    if value not in Aggregate.View.values:
        raise BoardViewInvalid()
    return value


def _catalogue(codes: set[str]) -> dict[str, Indicator | DataElement]:
    found: dict[str, Indicator | DataElement] = {
        e.code: e for e in DataElement.objects.filter(code__in=codes)
    }
    found.update({i.code: i for i in Indicator.objects.filter(code__in=codes)})
    return found


def _decimals(item: Indicator | DataElement | None) -> int:
    return item.decimals if isinstance(item, Indicator) else 2


def _higher_is_better(item: Indicator | DataElement | None) -> bool:
    return getattr(item, "higher_is_better", True)


def _nice_max(value: float) -> float:
    """A round top for an axis: 1, 2, 2.5 or 5 × a power of ten, at least ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _change_text(change: float | None, decimals: int, measure: str) -> str:
    """The size of a change: percentage points for a rate, else the measure."""
    if change is None:
        return ""
    if measure in ("%", "percent"):
        return _("%(number)s percentage points") % {"number": vn_number(abs(change), decimals)}
    return with_measure(abs(change), decimals, measure)


def _sparkline(values: list[float | None], width: float = 120, height: float = 32) -> str:
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = width / max(len(values) - 1, 1)
    points = [
        f"{n * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
        for n, v in enumerate(values)
        if v is not None
    ]
    return " ".join(points)


def _month_label(period_id: str) -> str:
    period = periods.parse(period_id)
    return f"{period.index:02d}/{period.year % 100:02d}"


def _series_chart(
    points: list[tuple[str, float | None]], target: float | None, decimals: int
) -> dict[str, Any]:
    """Geometry of a line chart that fills its box's width with text at its CSS size:
    horizontal positions are percentages of the width, vertical ones pixels; the lines are
    drawn in an inner SVG stretched over the plot area (``0..1000`` wide)."""
    height, top, plot_h = 236, 10, 190
    left, right = 14.0, 97.0  # % of the width: room on the left for the axis labels
    known = [v for _p, v in points if v is not None]
    top_value = _nice_max(max([*known, target or 0], default=0))
    count = max(len(points) - 1, 1)

    def y(value: float) -> float:
        return round(plot_h - value / top_value * plot_h, 1)

    def x_pct(n: int) -> float:
        return round(left + n * (right - left) / count, 2)

    segments, current, dots = [], [], []
    for n, (_period_id, value) in enumerate(points):
        if value is None:
            if current:
                segments.append(" ".join(current))
            current = []
            continue
        current.append(f"{round(n * 1000 / count, 1)},{y(value)}")
        dots.append({"x": x_pct(n), "y": round(top + y(value), 1)})
    if current:
        segments.append(" ".join(current))
    ticks = [
        {"y": round(top + y(top_value * n / 4), 1), "label": vn_number(top_value * n / 4, 1)}
        for n in range(5)
    ]
    labels = [
        {"x": x_pct(n), "label": _month_label(period_id)}
        for n, (period_id, _v) in enumerate(points)
        if n % 3 == (len(points) - 1) % 3  # every third month, ending on the last
    ]
    return {
        "height": height,
        "top": top,
        "plot_h": plot_h,
        "left": left,
        "right": right,
        "width_pct": round(right - left, 2),
        "axis_x": round(left - 1, 2),
        "bottom": top + plot_h,
        "label_y": top + plot_h + 20,
        "segments": [seg for seg in segments if " " in seg],
        "dots": dots,
        "ticks": ticks,
        "labels": labels,
        "target_y": round(top + y(target), 1)
        if target is not None and target <= top_value
        else None,
    }


def _bars_chart(rows: list[tuple[str, float | None, str]]) -> dict[str, Any]:
    """Horizontal bars, one per row ``(label, value, formatted)``: the name on the left and
    the value on the right of a line above each bar, so text keeps its size on a phone and
    long commune names stay readable; bar lengths are percentages of the width."""
    row_h = 2.9  # em: the chart grows with the visitor's text size
    top_value = _nice_max(max((v for _l, v, _f in rows if v is not None), default=0))
    bars = []
    for n, (label, value, formatted) in enumerate(rows):
        y = n * row_h
        bars.append(
            {
                "label": label,
                "text_y": round(y + 1.05, 2),
                "bar_y": round(y + 1.45, 2),
                "length": 0 if value is None else round(max(value, 0) / top_value * 100, 2),
                "value": formatted or _("No data"),
                "empty": value is None,
            }
        )
    return {"height": round(len(rows) * row_h, 2), "bars": bars, "bar_h": 0.95}


def _classes(values: list[float]) -> list[tuple[float, float]]:
    """Equal-interval classes between the lowest and highest value (fewer when few values)."""
    if not values:
        return []
    low, high = min(values), max(values)
    if high == low:
        return [(low, high)]
    count = min(MAP_CLASSES, len(set(values)))
    width = (high - low) / count
    return [(low + n * width, low + (n + 1) * width) for n in range(count)]


def _class_of(value: float | None, classes: list[tuple[float, float]], higher: bool) -> int:
    """1 = the weakest class … len(classes) = the strongest (0: no data)."""
    if value is None or not classes:
        return 0
    for n, (_low, high) in enumerate(classes, start=1):
        if value <= high + 1e-9:
            found = n
            break
    else:
        found = len(classes)
    return found if higher else len(classes) + 1 - found


def _pillar_of(item: Indicator | DataElement | None) -> str:
    return getattr(item, "pillar", "") or ""


def board_show(board: Board, *, scope: Scope, user) -> Shown:
    """Everything the board shows for ``scope``: tiles and blocks (see the module docstring)."""
    items = list(board.items.order_by("position", "pk"))
    unit, period, view = scope.unit, scope.period, scope.view
    internal_ok = selectors.internal_allowed(user, unit)
    wanted: set[str] = set()
    for item in items:
        if item.kind == BoardItem.Kind.PILLARS:
            wanted |= {str(c) for c in item.options.get("codes", [])}
        elif item.code:
            wanted.add(item.code)
    tile_codes = [i.code for i in items if i.kind == BoardItem.Kind.TILE]
    pillar_items = [i for i in items if i.kind == BoardItem.Kind.PILLARS]
    for item in pillar_items:
        if not item.options.get("codes"):
            wanted |= set(tile_codes)
    catalogue = {
        code: entry for code, entry in _catalogue(wanted).items() if entry.is_public or internal_ok
    }

    def visible(code: str) -> bool:
        return code in catalogue

    # Tiles (and the pillars' indicators): one board_values.
    pillar_codes: list[str] = []
    for item in pillar_items:
        for code in item.options.get("codes") or tile_codes:
            if visible(code) and code not in pillar_codes:
                pillar_codes.append(code)
    valued = [c for c in dict.fromkeys([*tile_codes, *pillar_codes]) if visible(c)]
    by_code = {
        tile["code"]: tile
        for tile in selectors.board_values(unit, period, valued, user=user, view=view)
    }

    # 12 months up to the period's end: sparklines and series, one values_table.
    months = periods.last_months(period, 12)
    series_codes = [i.code for i in items if i.kind == BoardItem.Kind.SERIES and visible(i.code)]
    monthly_codes = list(dict.fromkeys([*[c for c in tile_codes if visible(c)], *series_codes]))
    monthly = selectors.values_table(codes=monthly_codes, units=[unit], asked=months, view=view)
    key = selectors.unit_key(unit)

    def month_values(code: str) -> list[float | None]:
        return [monthly.get((key, m.id), {}).get(code) for m in months]

    tiles = []
    for code in tile_codes:
        tile = by_code.get(code)
        if tile is None:
            continue
        entry = catalogue[code]
        decimals = _decimals(entry)
        good = None
        if tile["change"] not in (None, 0):
            good = (tile["change"] > 0) == tile["higher_is_better"]
        tiles.append(
            {
                **tile,
                "decimals": decimals,
                "value_text": with_measure(tile["value"], decimals, tile["measure"]),
                "target_text": with_measure(tile["target"], decimals, tile["measure"]),
                "reached_text": f"{vn_number(tile['target_reached'], 1)}%",
                "reached_width": min(100.0, tile["target_reached"] or 0.0),
                "change_text": _change_text(tile["change"], decimals, tile["measure"]),
                "direction": ""
                if tile["change"] is None
                else ("up" if tile["change"] > 0 else "down" if tile["change"] < 0 else "flat"),
                "good": good,
                "sparkline": month_values(code),
                "sparkline_points": _sparkline(month_values(code)),
            }
        )

    # Everything over the child units: one query for them, one values_table.
    children = selectors.children_in_force(unit)
    child_codes = list(
        dict.fromkeys(
            i.code
            for i in items
            if i.kind in (BoardItem.Kind.BARS, BoardItem.Kind.RANKING, BoardItem.Kind.MAP)
            and visible(i.code)
        )
    )
    child_table = (
        selectors.values_table(codes=child_codes, units=children, asked=[period], view=view)
        if children and child_codes
        else {}
    )
    outlines: dict[int, UnitGeometry] = {}
    if children and any(i.kind == BoardItem.Kind.MAP for i in items):
        outlines = {
            g.unit_id: g for g in UnitGeometry.objects.filter(unit__in=[c.pk for c in children])
        }

    def child_values(code: str) -> list[tuple[Unit, float | None]]:
        return [(c, child_table.get((c.pk, period.id), {}).get(code)) for c in children]

    blocks: list[Block] = []
    for item in items:
        if item.kind == BoardItem.Kind.TILE:
            continue
        entry = catalogue.get(item.code)
        if item.kind not in (BoardItem.Kind.PILLARS, BoardItem.Kind.DTI) and entry is None:
            continue  # unknown or internal: left out, like a tile
        if item.kind == BoardItem.Kind.SERIES:
            blocks.append(_series_block(item, entry, month_values(item.code), months, by_code))
        elif item.kind == BoardItem.Kind.PILLARS:
            codes = [c for c in (item.options.get("codes") or tile_codes) if c in by_code]
            blocks.append(_pillars_block(item, [by_code[c] for c in codes]))
        elif not children:
            continue  # a commune: nothing below it to compare
        elif item.kind == BoardItem.Kind.BARS:
            blocks.append(_bars_block(item, entry, child_values(item.code)))
        elif item.kind == BoardItem.Kind.RANKING:
            blocks.append(_ranking_block(item, entry, child_values(item.code)))
        elif item.kind == BoardItem.Kind.MAP:
            blocks.append(_map_block(item, entry, child_values(item.code), outlines))
        elif item.kind == BoardItem.Kind.DTI:
            block = _dti_block(item, unit, period)
            if block is not None:
                blocks.append(block)
    return Shown(board=board, scope=scope, tiles=tiles, blocks=blocks, children=children)


def _title(item: BoardItem, default: str) -> str:
    return item.title or default


def _series_block(item, entry, values, months, by_code) -> Block:
    decimals = _decimals(entry)
    points = [(m.id, v) for m, v in zip(months, values, strict=True)]
    target = by_code.get(item.code, {}).get("target")
    block = Block(
        item=item,
        kind=item.kind,
        code=item.code,
        measure=entry.measure,
        title=_title(item, entry.name),
        headers=[_("Month"), _("Value")],
        rows=[[m.id, v] for m, v in zip(months, values, strict=True)],
        display=[
            [period_label(m), with_measure(v, decimals, entry.measure) or _("No data")]
            for m, v in zip(months, values, strict=True)
        ],
        chart=_series_chart(points, target, decimals),
        data=[{"period": m.id, "value": v} for m, v in zip(months, values, strict=True)],
        empty=all(v is None for v in values),
    )
    if target is not None:
        block.note = _("Dashed line: the target, %(target)s.") % {
            "target": with_measure(target, decimals, entry.measure)
        }
    return block


def _bars_block(item, entry, values: list[tuple[Unit, float | None]]) -> Block:
    decimals = _decimals(entry)
    limit = int(item.options.get("limit", BARS_LIMIT) or BARS_LIMIT)
    higher = _higher_is_better(entry)
    ordered = sorted(
        values,
        key=lambda uv: (uv[1] is None, -(uv[1] or 0) if higher else (uv[1] or 0), uv[0].name),
    )
    shown = ordered[:limit]
    block = Block(
        item=item,
        kind=item.kind,
        code=item.code,
        measure=entry.measure,
        title=_title(item, entry.name),
        headers=[_("Unit"), _("Value")],
        rows=[[u.name, v] for u, v in ordered],
        display=[[u.name, with_measure(v, decimals, entry.measure)] for u, v in shown],
        chart=_bars_chart(
            [(u.name, v, with_measure(v, decimals, entry.measure)) for u, v in shown]
        ),
        data=[{"unit": u.code, "unit_name": u.name, "value": v} for u, v in ordered],
        empty=all(v is None for _u, v in values),
    )
    if len(ordered) > limit:
        block.note = _("The %(shown)d best of %(total)d units; the export holds all of them.") % {
            "shown": limit,
            "total": len(ordered),
        }
    return block


def _ranking_block(item, entry, values: list[tuple[Unit, float | None]]) -> Block:
    decimals = _decimals(entry)
    higher = _higher_is_better(entry)
    known = {u.pk: (v if higher else -v) for u, v in values if v is not None}
    ranks = competition_ranks(known)
    ordered = sorted(values, key=lambda uv: (ranks.get(uv[0].pk, 10**9), uv[0].name))
    rows = [[ranks.get(u.pk), u.name, v] for u, v in ordered]
    return Block(
        item=item,
        kind=item.kind,
        code=item.code,
        measure=entry.measure,
        title=_title(item, _("Ranking: %(name)s") % {"name": entry.name}),
        headers=[_("Rank"), _("Unit"), _("Value")],
        rows=rows,
        display=[
            [str(rank) if rank else "–", name, with_measure(v, decimals, entry.measure)]
            for rank, name, v in rows
        ],
        chart={"units": [u for u, _v in ordered]},
        data=[
            {"rank": ranks.get(u.pk), "unit": u.code, "unit_name": u.name, "value": v}
            for u, v in ordered
        ],
        empty=not known,
        note=_("Higher is better.") if higher else _("Lower is better."),
    )


def _map_block(item, entry, values, outlines: dict[int, UnitGeometry]) -> Block:
    decimals = _decimals(entry)
    higher = _higher_is_better(entry)
    classes = _classes([v for _u, v in values if v is not None])
    legend = []
    for n, (low, high) in enumerate(classes, start=1):
        strength = n if higher else len(classes) + 1 - n
        legend.append(
            {
                "klass": strength,
                "label": _("Group %(n)d") % {"n": strength},
                "range": f"{vn_number(low, decimals)} – {vn_number(high, decimals)}",
            }
        )
    legend.sort(key=lambda entry_: entry_["klass"])
    cells = []
    for unit, value in values:
        klass = _class_of(value, classes, higher)
        cells.append(
            {
                "unit": unit,
                "value": value,
                "text": with_measure(value, decimals, entry.measure) or _("No data"),
                "klass": klass,
                "fill": PALETTE[klass],
                "class_label": _("Group %(n)d") % {"n": klass} if klass else _("No data"),
            }
        )
    paths, height = project_paths(outlines)
    for cell in cells:
        cell["path"] = paths.get(cell["unit"].pk, "")
    return Block(
        item=item,
        kind=item.kind,
        code=item.code,
        measure=entry.measure,
        title=_title(item, _("Map: %(name)s") % {"name": entry.name}),
        headers=[_("Unit"), _("Value"), _("Group")],
        rows=[[c["unit"].name, c["value"], c["klass"] or None] for c in cells],
        display=[[c["unit"].name, c["text"], c["class_label"]] for c in cells],
        chart={
            "cells": cells,
            "legend": legend,
            "classes": len(classes),
            "svg": bool(paths),
            "width": 600,
            "height": height,
        },
        data=[
            {
                "unit": c["unit"].code,
                "unit_name": c["unit"].name,
                "value": c["value"],
                "group": c["klass"] or None,
            }
            for c in cells
        ],
        empty=not classes,
        note=_("Group 1 is the weakest, group %(n)d the strongest.") % {"n": len(classes)}
        if classes
        else "",
    )


def _pillars_block(item, tiles: list[dict[str, Any]]) -> Block:
    """Per pillar, the mean share of target reached (capped at 100 %) of its indicators."""
    by_pillar: dict[str, list[dict[str, Any]]] = {p: [] for p in PILLARS}
    for tile in tiles:
        if tile["pillar"] in by_pillar and tile["target_reached"] is not None:
            by_pillar[tile["pillar"]].append(tile)
    rows, display, bars, data = [], [], [], []
    for pillar in PILLARS:
        found = by_pillar[pillar]
        score = (
            round(sum(min(t["target_reached"], 100) for t in found) / len(found), 1)
            if found
            else None
        )
        label = str(Pillar(pillar).label)
        rows.append([label, len(found), score])
        display.append([label, str(len(found)), f"{vn_number(score, 1)}%" if score else ""])
        bars.append((label, score, f"{vn_number(score, 1)}%" if score is not None else ""))
        data.append(
            {
                "pillar": pillar,
                "name": label,
                "indicators": [t["code"] for t in found],
                "target_reached": score,
            }
        )
    chart = _bars_chart(bars)
    return Block(
        item=item,
        kind=item.kind,
        title=_title(item, _("The three pillars: share of targets reached")),
        measure="%",
        headers=[_("Pillar"), _("Indicators with a target"), _("Share of targets reached")],
        rows=rows,
        display=display,
        chart=chart,
        data=data,
        empty=all(r[2] is None for r in rows),
        note=_("Each indicator counts at most its full target; the pillar is their mean."),
    )


def _dti_block(item, unit: Unit | None, period: periods.Period) -> Block | None:
    framework = DtiFramework.objects.filter(code=item.framework).first()
    if framework is None:
        return None
    scores = list(selectors.dti_ranking(framework, parent=unit, year=period.year))
    rows = [
        [s.rank, s.unit.name, round(s.points, 2), round(s.points / framework.max_points, 4)]
        for s in scores
    ]
    return Block(
        item=item,
        kind=item.kind,
        title=_title(item, _("DTI ranking %(year)d: %(name)s") % {
            "year": period.year, "name": framework.name}),
        headers=[_("Rank"), _("Unit"), _("Points"), _("DTI (0–1)")],
        rows=rows,
        display=[
            [str(r[0] or "–"), r[1], vn_number(r[2], 2), vn_number(r[3], 4)] for r in rows
        ],
        chart={"units": [s.unit for s in scores], "max_points": framework.max_points},
        data=[
            {"rank": s.rank, "unit": s.unit.code, "unit_name": s.unit.name,
             "points": s.points, "index_value": round(s.points / framework.max_points, 4)}
            for s in scores
        ],
        empty=not scores,
        note=_("Points out of %(max)s.") % {"max": vn_number(framework.max_points, 0)},
    )  # fmt: skip


# --- exports ------------------------------------------------------------------------------------


def tiles_table(shown: Shown) -> tuple[list[str], list[list[Any]]]:
    headers = [
        _("Indicator"),
        _("Measure"),
        _("Value"),
        _("Previous period"),
        _("Change"),
        _("Target"),
        _("Share of target reached (%)"),
    ]
    rows = [
        [
            t["name"],
            t["measure"],
            t["value"],
            t["previous"],
            t["change"],
            t["target"],
            t["target_reached"],
        ]
        for t in shown.tiles
    ]
    return headers, rows


def to_csv(headers: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 with a BOM (Excel opens Vietnamese correctly), numbers with a dot."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(title: str, caption: str, headers: list[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Bang"
    sheet.append([caption])
    sheet["A1"].font = Font(bold=True)
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for column, header in zip(sheet.columns, headers, strict=False):
        width = max([len(str(header)), *(len(str(c.value or "")) for c in column[2:])])
        sheet.column_dimensions[column[0].column_letter].width = min(60, width + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
