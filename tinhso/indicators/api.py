"""HTTP API of the indicators room (IOC), mounted under /api/v1/indicators.

    GET   /                                  indicators (public ones; internal ones in scope)
    POST  /                                  define an indicator (Idempotency-Key)
    GET   /elements                          data elements
    GET   /data-sets                         data sets with their elements and rules
    GET   /values                            values: codes × unit (× children) × periods
    GET   /board                             the tiles of a board (value, trend, target)
    POST  /dataValueSets                     import DHIS2 JSON (dryRun, idScheme; Idempotency-Key)
    POST  /dataValueSets/file                import a CSV, JSON or Excel file (same checks)
    GET   /data-sets/{code}/template         the Excel form for a unit and period
    POST  /data-sets/{code}/values           save a data-entry form
    POST  /data-sets/{code}/{action}         complete / reopen / approve / unapprove
    GET   /targets                           targets of an indicator
    POST  /targets                           set a target (Idempotency-Key)
    POST  /refresh                           refresh the computed values of a unit now
    GET   /dti/{framework}                   a DTI framework: indices, components, points
    GET   /dti/{framework}/scores            scores and ranks of the units under a parent
    POST  /dti/{framework}/compute           score and rank them now
    GET   /boards                            the boards open to the reader
    GET   /boards/{code}                     a board for ?unit= (none: the whole country),
                                             ?period= and ?view=: tiles and each chart's data
    GET   /{code}                            one indicator

Reads of public indicators need no sign-in; internal ones and every write need an official
with the permission on a unit in scope. Thin: parse → selector/service → schema; refusals are
``DomainError`` codes with Vietnamese messages.
"""

from __future__ import annotations

import enum
import hashlib
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth

from tinhso.accounts.permissions import require
from tinhso.accounts.scope import unit_in_scope
from tinhso.indicators import (
    boards,
    dti,
    errors,
    imports,
    periods,
    registry,
    selectors,
    services,
)
from tinhso.indicators.models import Aggregate, DataElement, DtiScore, Indicator, Target
from tinhso.indicators.permissions import IndicatorPerm
from tinhso.kernel.errors import NotFound
from tinhso.kernel.idempotency import run_idempotent
from tinhso.kernel.schemas import ErrorOut
from tinhso.units import selectors as unit_selectors
from tinhso.units.models import Unit

router = Router(tags=["indicators"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
View = enum.Enum("IndicatorView", {v: v for v in Aggregate.View.values}, type=str)
IdScheme = enum.Enum("IdScheme", {v: v for v in imports.ID_SCHEMES}, type=str)
CompletionAction = enum.Enum(
    "CompletionAction", {v: v for v in ("complete", "reopen", "approve", "unapprove")}, type=str
)


# --- schemas ------------------------------------------------------------------------------------


class IndicatorOut(Schema):
    code: str
    name: str
    short_name: str
    description: str
    numerator: str
    denominator: str
    factor: float
    measure: str
    decimals: int
    pillar: str
    is_public: bool
    higher_is_better: bool


class IndicatorIn(Schema):
    code: str = Field(..., max_length=50)
    name: str = Field(..., max_length=255)
    numerator: str = Field(..., max_length=2000)
    denominator: str = Field("1", max_length=2000)
    factor: float = 1
    measure: str = Field("", max_length=50)
    decimals: int = Field(1, ge=0, le=6)
    pillar: str = Field("", max_length=20)
    is_public: bool = True
    higher_is_better: bool = True
    description: str = Field("", max_length=5000)


class ComboOut(Schema):
    code: str
    name: str


class ElementOut(Schema):
    code: str
    name: str
    measure: str
    aggregation: str
    source: str
    is_public: bool
    disaggregations: list[ComboOut]

    @staticmethod
    def resolve_disaggregations(obj: DataElement) -> list[dict[str, str]]:
        if isinstance(obj, dict):
            return obj.get("disaggregations", [])
        if obj.category_combo_id is None:
            return []
        return [{"code": c, "name": n} for c, n in obj.category_combo.option_combos()]


class RuleOut(Schema):
    code: str
    name: str
    left: str
    operator: str
    right: str


class DataSetOut(Schema):
    code: str
    name: str
    period_type: str
    expiry_days: int
    timely_days: int
    elements: list[str]
    rules: list[RuleOut]

    @staticmethod
    def resolve_elements(obj) -> list[str]:
        return [e.code for e in obj.elements.all()]

    @staticmethod
    def resolve_rules(obj) -> list[Any]:
        return list(obj.rules.all())


class ValuesFilters(Schema):
    codes: str = Field(..., description="Indicator or data element codes, comma-separated.")
    unit: str = Field(..., description="Code of the unit.")
    periods: str = Field(..., description="Periods, comma-separated: 202611, 2026Q4, 2026.")
    children: bool = Field(False, description="Also the units in force directly under it.")
    disaggregate: bool = Field(False, description="Data elements: one value per disaggregation.")
    view: View = Field(View.reported, description="reported, or current (re-attributed).")


class ValueOut(Schema):
    code: str
    unit: str
    unit_name: str
    period: str
    value: float | None


class ValuesOut(Schema):
    values: list[ValueOut]


class BoardFilters(Schema):
    unit: str
    period: str
    codes: str = Field(..., description="Indicator or data element codes, comma-separated.")
    view: View = View.reported


class TileOut(Schema):
    code: str
    kind: str
    name: str
    measure: str
    pillar: str
    value: float | None
    previous: float | None
    change: float | None
    target: float | None
    target_reached: float | None
    higher_is_better: bool


class DataValueIn(Schema):
    dataElement: str = Field(..., max_length=255)
    value: Any = None
    period: str | None = Field(None, max_length=10)
    orgUnit: str | None = Field(None, max_length=255)
    categoryOptionCombo: str | None = Field(None, max_length=255)
    comment: str | None = Field(None, max_length=500)


class DataValueSetIn(Schema):
    dataSet: str | None = Field(None, max_length=50)
    period: str | None = Field(None, max_length=10)
    orgUnit: str | None = Field(None, max_length=255)
    dataValues: list[DataValueIn] = Field(..., max_length=200_000)


class ImportOut(Schema):
    dry_run: bool
    rows: int
    imported: int
    updated: int
    deleted: int
    ignored: int


class EntryIn(Schema):
    unit: str
    period: str
    values: dict[str, float | str | None]
    comments: dict[str, str] = {}


class EntryOut(Schema):
    imported: int
    updated: int
    deleted: int
    ignored: int


class CompletionIn(Schema):
    unit: str
    period: str


class CompletionOut(Schema):
    data_set: str
    unit: str
    period: str
    state: str
    on_time: bool | None


class TargetIn(Schema):
    indicator: str
    year: int
    value: float
    unit: str | None = None
    prorate: bool = False
    source: str = Field("", max_length=200)


class TargetOut(Schema):
    indicator: str
    unit: str | None
    year: int
    value: float
    prorate: bool
    source: str


class RefreshIn(Schema):
    unit: str


class RefreshOut(Schema):
    written: int


class ComponentOut(Schema):
    code: str
    name: str
    points: float
    rule: str
    indicator: str
    full_at: float
    steps: list[Any]


class IndexOut(Schema):
    code: str
    name: str
    group: str
    points: float
    components: list[ComponentOut]

    @staticmethod
    def resolve_components(obj) -> list[Any]:
        return list(obj.components.all())


class FrameworkOut(Schema):
    code: str
    name: str
    year: int
    level: str
    max_points: float
    description: str
    indices: list[IndexOut]

    @staticmethod
    def resolve_indices(obj) -> list[Any]:
        return list(obj.indices.prefetch_related("components"))


class ScoreOut(Schema):
    unit: str
    unit_name: str
    year: int
    points: float
    index_value: float
    rank: int | None
    of: int | None
    by_index: dict[str, float]


class DtiComputeIn(Schema):
    parent: str | None = None
    year: int


# --- helpers ------------------------------------------------------------------------------------


def _unit(code: str, *, field: str = "unit") -> Unit:
    try:
        return unit_selectors.unit_get_by_code(code, include_retired=True)
    except NotFound as exc:
        raise errors.UnitUnknown(details=[{"field": field, "value": code}]) from exc


def _codes(text: str) -> list[str]:
    codes = list(dict.fromkeys(c.strip() for c in (text or "").split(",") if c.strip()))
    if not codes or len(codes) > 50:
        raise errors.IndicatorUnknown()
    return codes


def _check_readable(user, codes: list[str], unit: Unit) -> None:
    """Every code must exist, and an internal one needs ``indicators.view`` in scope;
    outside scope reads as "no such indicator"."""
    internal_ok = services.can_view_internal(user, unit)
    found = dict(Indicator.objects.filter(code__in=codes).values_list("code", "is_public"))
    elements = dict(DataElement.objects.filter(code__in=codes).values_list("code", "is_public"))
    for code in codes:
        public = found.get(code, elements.get(code))
        if public is None and "." in code:
            public = elements.get(code.rsplit(".", 1)[0])
        if public is None or (not public and not internal_ok):
            raise errors.IndicatorNotFound(details=[{"field": "codes", "value": code}])


def _score_out(score: DtiScore) -> dict[str, Any]:
    return {
        "unit": score.unit.code,
        "unit_name": score.unit.name,
        "year": score.year,
        "points": score.points,
        "index_value": score.index_value,
        "rank": score.rank,
        "of": score.of,
        "by_index": score.by_index,
    }


def _target_out(target: Target) -> dict[str, Any]:
    return {
        "indicator": target.indicator.code,
        "unit": target.unit.code if target.unit_id else None,
        "year": target.year,
        "value": target.value,
        "prorate": target.prorate,
        "source": target.source,
    }


# --- catalogue ----------------------------------------------------------------------------------


@router.get("/", response=list[IndicatorOut], url_name="indicator_list", summary="Indicators")
def list_indicators(request, unit: str | None = None):
    return list(selectors.indicators_visible(request.user, _unit(unit) if unit else None))


@router.post(
    "/",
    response={201: IndicatorOut, **ERRORS},
    auth=django_auth,
    url_name="indicator_define",
    summary="Define an indicator (send an Idempotency-Key)",
)
def define_indicator(request, data: IndicatorIn):
    user = request.auth
    require(user, IndicatorPerm.MANAGE)

    def create():
        indicator = services.indicator_define(acting_user=user, **data.model_dump())
        return 201, IndicatorOut.from_orm(indicator).model_dump(mode="json")

    status, body = run_idempotent(
        request, scope="indicators.define", payload=data.model_dump(mode="json"), create=create
    )
    return Status(status, body)


@router.get(
    "/elements", response=list[ElementOut], url_name="element_list", summary="Data elements"
)
def list_elements(request):
    qs = DataElement.objects.select_related("category_combo")
    from tinhso.accounts.permissions import user_can

    if not user_can(request.user, IndicatorPerm.VIEW):
        qs = qs.filter(is_public=True)
    return list(qs)


@router.get("/data-sets", response=list[DataSetOut], url_name="data_set_list", summary="Data sets")
def list_data_sets(request):
    from tinhso.indicators.models import DataSet

    return list(DataSet.objects.prefetch_related("elements", "rules"))


# --- values -------------------------------------------------------------------------------------


@router.get(
    "/values",
    response={200: ValuesOut, **ERRORS},
    url_name="value_list",
    summary="Values of indicators or data elements for a unit (and its children) and periods",
)
def list_values(request, filters: Query[ValuesFilters]):
    unit = _unit(filters.unit)
    codes = _codes(filters.codes)
    _check_readable(request.user, codes, unit)
    asked = [periods.parse(p) for p in filters.periods.split(",") if p.strip()][:60]
    if not asked:
        raise errors.PeriodInvalid()
    if filters.disaggregate:
        expanded = []
        for code in codes:
            element = DataElement.objects.filter(code=code).select_related("category_combo").first()
            expanded.append(code)
            if element is not None and element.category_combo_id:
                expanded += [f"{code}.{c}" for c, _n in element.category_combo.option_combos()]
        codes = expanded
    units = [unit]
    if filters.children:
        units += list(Unit.objects.filter(parent=unit, valid_until__isnull=True).order_by("name"))
    table = selectors.values_table(codes=codes, units=units, asked=asked, view=filters.view.value)
    values = []
    for row_unit in units:
        for period in asked:
            for code in codes:
                value = table[(row_unit.pk, period.id)][code]
                values.append(
                    {
                        "code": code,
                        "unit": row_unit.code,
                        "unit_name": row_unit.name,
                        "period": period.id,
                        "value": value,
                    }
                )
    return {"values": values}


@router.get(
    "/board",
    response={200: list[TileOut], **ERRORS},
    url_name="board",
    summary="The tiles of a board for a unit and a period",
)
def board(request, filters: Query[BoardFilters]):
    unit = _unit(filters.unit)
    return selectors.board_values(
        unit, filters.period, _codes(filters.codes), user=request.user, view=filters.view.value
    )


# --- writes of values ---------------------------------------------------------------------------


@router.post(
    "/dataValueSets",
    response={200: ImportOut, **ERRORS},
    auth=django_auth,
    url_name="data_value_sets",
    summary="Import values as DHIS2 dataValueSets JSON, all or nothing (Idempotency-Key)",
)
def import_data_value_sets(
    request, data: DataValueSetIn, dryRun: bool = False, idScheme: IdScheme = IdScheme.code
):
    user = request.auth
    require(user, IndicatorPerm.ENTER)
    document = data.model_dump(mode="json")
    rows, data_set = imports.rows_from_json(document)

    def create():
        report = imports.values_import(
            acting_user=user, rows=rows, data_set_code=data_set, id_scheme=idScheme.value,
            dry_run=dryRun,
        )  # fmt: skip
        return 200, report

    if dryRun:
        return create()[1]
    status, body = run_idempotent(
        request,
        scope="indicators.data_value_sets",
        payload={"document": document, "idScheme": idScheme.value},
        create=create,
    )
    return Status(status, body)


@router.post(
    "/dataValueSets/file",
    response={200: ImportOut, **ERRORS},
    auth=django_auth,
    url_name="data_value_sets_file",
    summary="Import a CSV (DHIS2 columns), JSON or Excel-template file (Idempotency-Key)",
)
def import_file(
    request,
    file: File[UploadedFile],
    dryRun: bool = False,
    idScheme: IdScheme = IdScheme.code,
    dataSet: str | None = None,
):
    user = request.auth
    require(user, IndicatorPerm.ENTER)
    if file.size and file.size > 100 * 1024 * 1024:
        raise errors.ImportFormatInvalid()
    content = file.read()
    rows, named = imports.parse_upload(content=content, filename=file.name or "")

    def create():
        report = imports.values_import(
            acting_user=user, rows=rows, data_set_code=dataSet or named,
            id_scheme=idScheme.value, dry_run=dryRun,
        )  # fmt: skip
        return 200, report

    if dryRun:
        return create()[1]
    payload = {"sha256": hashlib.sha256(content).hexdigest(), "idScheme": idScheme.value}
    status, body = run_idempotent(
        request, scope="indicators.import_file", payload=payload, create=create
    )
    return Status(status, body)


@router.get(
    "/data-sets/{code}/template",
    response={200: None, **ERRORS},
    auth=django_auth,
    url_name="data_set_template",
    summary="The Excel form of a data set for a unit and period",
)
def template(request, code: str, unit: str, period: str):
    data_set = selectors.data_set_get(code)
    target = _unit(unit)
    if not unit_in_scope(request.auth, target, permission=IndicatorPerm.ENTER):
        raise errors.UnitOutOfScope()
    content = imports.excel_template(data_set=data_set, unit=target, period=period)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"{data_set.code}-{target.code}-{periods.parse(period).id}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post(
    "/data-sets/{code}/values",
    response={200: EntryOut, **ERRORS},
    auth=django_auth,
    url_name="data_set_enter",
    summary="Save a data-entry form (values by element or element.disaggregation)",
)
def enter_values(request, code: str, data: EntryIn):
    report = services.values_enter(
        acting_user=request.auth,
        data_set=selectors.data_set_get(code),
        unit=_unit(data.unit),
        period=data.period,
        values=data.values,
        comments=data.comments,
    )
    return report.as_dict()


@router.post(
    "/data-sets/{code}/{action}",
    response={200: CompletionOut, **ERRORS},
    auth=django_auth,
    url_name="data_set_transition",
    summary="Complete, reopen, approve or unapprove a form",
)
def transition(request, code: str, action: CompletionAction, data: CompletionIn):
    data_set = selectors.data_set_get(code)
    unit = _unit(data.unit)
    if action.value == "complete":
        completion = services.data_set_complete(
            acting_user=request.auth, data_set=data_set, unit=unit, period=data.period
        )
    else:
        completion = services.data_set_transition(
            acting_user=request.auth,
            data_set=data_set,
            unit=unit,
            period=data.period,
            action=action.value,
        )
    return {
        "data_set": data_set.code,
        "unit": unit.code,
        "period": completion.period,
        "state": completion.state,
        "on_time": completion.on_time,
    }


@router.post(
    "/refresh",
    response={200: RefreshOut, **ERRORS},
    auth=django_auth,
    url_name="computed_refresh",
    summary="Refresh the values computed from the modules for a unit (and the units above)",
)
def refresh(request, data: RefreshIn):
    unit = _unit(data.unit)
    if not unit_in_scope(request.auth, unit, permission=IndicatorPerm.ENTER):
        raise errors.UnitOutOfScope()
    return {"written": registry.computed_refresh(unit=unit)}


# --- targets ------------------------------------------------------------------------------------


@router.get(
    "/targets",
    response={200: list[TargetOut], **ERRORS},
    url_name="target_list",
    summary="Targets of an indicator",
)
def list_targets(request, indicator: str, year: int | None = None):
    found = selectors.indicator_get(indicator)
    if not found.is_public:
        raise errors.IndicatorNotFound()
    qs = Target.objects.filter(indicator=found).select_related("indicator", "unit")
    if year is not None:
        qs = qs.filter(year=year)
    return [_target_out(t) for t in qs.order_by("year", "unit__path")]


@router.post(
    "/targets",
    response={201: TargetOut, **ERRORS},
    auth=django_auth,
    url_name="target_set",
    summary="Set a target (send an Idempotency-Key)",
)
def set_target(request, data: TargetIn):
    user = request.auth

    def create():
        indicator = Indicator.objects.filter(code=data.indicator).first()
        if indicator is None:
            raise errors.IndicatorUnknown()
        target = services.target_set(
            acting_user=user,
            indicator=indicator,
            unit=_unit(data.unit) if data.unit else None,
            year=data.year,
            value=data.value,
            prorate=data.prorate,
            source=data.source,
        )
        return 201, _target_out(target)

    status, body = run_idempotent(
        request, scope="indicators.target_set", payload=data.model_dump(mode="json"), create=create
    )
    return Status(status, body)


# --- DTI ----------------------------------------------------------------------------------------


@router.get(
    "/dti/{framework}",
    response={200: FrameworkOut, **ERRORS},
    url_name="dti_framework",
    summary="A DTI framework: main indices, components, points and rules",
)
def get_framework(request, framework: str):
    return selectors.framework_get(framework)


@router.get(
    "/dti/{framework}/scores",
    response={200: list[ScoreOut], **ERRORS},
    url_name="dti_scores",
    summary="DTI scores and ranks of the units under a parent",
)
def dti_scores(request, framework: str, year: int, parent: str | None = None):
    found = selectors.framework_get(framework)
    scores = selectors.dti_ranking(found, parent=_unit(parent) if parent else None, year=year)
    return [_score_out(score) for score in scores]


@router.post(
    "/dti/{framework}/compute",
    response={200: list[ScoreOut], **ERRORS},
    auth=django_auth,
    url_name="dti_compute",
    summary="Score and rank the units under a parent now",
)
def dti_compute(request, framework: str, data: DtiComputeIn):
    user = request.auth
    require(user, IndicatorPerm.MANAGE)
    parent = _unit(data.parent) if data.parent else None
    if parent is None and not user.is_superuser:
        raise errors.UnitOutOfScope()
    if parent is not None and not unit_in_scope(user, parent, permission=IndicatorPerm.MANAGE):
        raise errors.UnitOutOfScope()
    scores = dti.dti_compute(
        framework=selectors.framework_get(framework), parent=parent, year=data.year
    )
    return [_score_out(score) for score in scores]


# --- boards -------------------------------------------------------------------------------------


class BoardSummaryOut(Schema):
    code: str
    name: str
    description: str
    is_public: bool
    is_default: bool
    period_type: str


class BoardQuery(Schema):
    unit: str | None = Field(
        None, description="A unit code; leave out for the whole country (every province)."
    )
    period: str | None = Field(
        None, description="2026, 2026Q4 or 202611; leave out for the board's default period."
    )
    view: View = View.reported


class BoardUnitOut(Schema):
    code: str
    name: str


class BoardTileOut(TileOut):
    sparkline: list[float | None] = Field(
        ..., description="The 12 monthly values up to the period's end, oldest first."
    )


class BoardBlockOut(Schema):
    id: int
    kind: str
    title: str
    code: str
    measure: str
    headers: list[str]
    rows: list[list[Any]]
    data: list[dict[str, Any]]
    note: str
    empty: bool


class BoardOut(Schema):
    code: str
    name: str
    description: str
    unit: BoardUnitOut | None = Field(..., description="None: the whole country.")
    period: str
    period_label: str
    view: str
    children: list[BoardUnitOut]
    tiles: list[BoardTileOut]
    blocks: list[BoardBlockOut]


@router.get(
    "/boards",
    response={200: list[BoardSummaryOut], 404: ErrorOut, 422: ErrorOut},
    url_name="board_list",
    summary="The IOC boards open to the reader",
)
def list_boards(request, unit: str | None = None):
    return boards.visible_boards(request.user, _board_unit(unit) if unit else None)


def _board_unit(code: str) -> Unit:
    try:
        return unit_selectors.unit_get_by_code(code, include_retired=True)
    except NotFound as exc:
        raise boards.BoardUnitNotFound(details=[{"field": "unit", "value": code}]) from exc


@router.get(
    "/boards/{code}",
    response={200: BoardOut, **ERRORS},
    url_name="board_detail",
    summary="A board for a unit (or the whole country) and a period: tiles and chart data",
)
def board_detail(request, code: str, filters: Query[BoardQuery]):
    unit = _board_unit(filters.unit) if filters.unit else None
    board = boards.board_get(code, user=request.user, unit=unit)
    period = (
        periods.parse(filters.period)
        if filters.period
        else boards.default_period(board.period_type, timezone.localdate())
    )
    scope = boards.Scope(unit=unit, period=period, view=filters.view.value)
    shown = boards.board_show(board, scope=scope, user=request.user)
    return {
        "code": board.code,
        "name": board.name,
        "description": board.description,
        "unit": {"code": unit.code, "name": unit.name} if unit else None,
        "period": period.id,
        "period_label": boards.period_label(period),
        "view": scope.view,
        "children": [{"code": c.code, "name": c.name} for c in shown.children],
        "tiles": shown.tiles,
        "blocks": [
            {
                "id": block.item.pk,
                "kind": block.kind,
                "title": block.title,
                "code": block.code,
                "measure": block.measure,
                "headers": block.headers,
                "rows": block.rows,
                "data": block.data,
                "note": block.note,
                "empty": block.empty,
            }
            for block in shown.blocks
        ],
    }


@router.get(
    "/{code}",
    response={200: IndicatorOut, **ERRORS},
    url_name="indicator_detail",
    summary="One indicator",
)
def get_indicator(request, code: str, unit: str | None = None):
    indicator = selectors.indicator_get(code)
    if not indicator.is_public and not (
        unit and services.can_view_internal(request.user, _unit(unit))
    ):
        raise errors.IndicatorNotFound()
    return indicator
