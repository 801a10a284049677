"""Pages of the IOC (trung tâm điều hành): a board for a unit (or the whole country) and a
period, with its exports (CSV, Excel, PDF).

    /ioc/                                   the default board of the installed province
    /ioc/<board>/                           a board for the installed province (?unit= jumps)
    /ioc/<board>/<unit code | ca-nuoc>/     a board for a unit, ?period=2026|2026Q4|202611
                                            &view=reported|current
    /ioc/<board>/<scope>/xuat/<key>.<fmt>   one block (or ``chi-so``: the tiles) as csv|xlsx|pdf
    /ioc/<board>/<scope>/bang.pdf           the whole board as PDF

Thin: parse → ``boards.board_show`` → template. Bad unit, period, view or board answer a page
with a clear message (404 or 400), never a 500. Charts are SVG drawn by the server; the pages
carry no inline script and no ``on*=`` handlers.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tinhso.indicators import boards, periods
from tinhso.indicators.models import Aggregate
from tinhso.kernel import pdf
from tinhso.kernel.errors import DomainError, NotFound
from tinhso.units import selectors as unit_selectors
from tinhso.units.models import Unit

COUNTRY = "ca-nuoc"
TILES_KEY = "chi-so"
FORMATS = ("csv", "xlsx", "pdf")


def _refusals(view):
    """A refusal of the board room becomes a page with its Vietnamese message."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            status = 404 if isinstance(exc, NotFound) else 400
            return render(
                request,
                "indicators/error.html",
                {"message": exc.message, "code": exc.code, "status": status},
                status=status,
            )

    return wrapped


def _unit(slug: str) -> Unit | None:
    if slug == COUNTRY:
        return None
    try:
        return unit_selectors.unit_get_by_code(slug, include_retired=True)
    except NotFound as exc:
        raise boards.BoardUnitNotFound() from exc


def _scope(request, board, unit: Unit | None) -> boards.Scope:
    text = request.GET.get("period", "").strip()
    period = (
        periods.parse(text)
        if text
        else boards.default_period(board.period_type, timezone.localdate())
    )
    return boards.Scope(unit=unit, period=period, view=boards.parse_view(request.GET.get("view")))


def _query(scope: boards.Scope) -> str:
    return "?" + urlencode({"period": scope.period.id, "view": scope.view})


def board_url(board_code: str, unit: Unit | None, scope: boards.Scope | None = None) -> str:
    url = reverse("indicators:board", args=[board_code, unit.code if unit else COUNTRY])
    return url + (_query(scope) if scope else "")


@require_GET
@_refusals
def home(request):
    """The default board of the installed province (the country when none is installed)."""
    unit = unit_selectors.installed_unit()
    board = boards.default_board(user=request.user, unit=unit)
    if board is None:
        return render(request, "indicators/no_board.html", status=200)
    return _render_board(request, board, unit)


@require_GET
@_refusals
def board_home(request, board: str):
    """A board for the installed province; ``?unit=`` (the sibling switcher) jumps there."""
    wanted = request.GET.get("unit", "").strip()
    if wanted:
        unit = _unit(wanted)
        found = boards.board_get(board, user=request.user, unit=unit)
        scope = _scope(request, found, unit)
        return redirect(board_url(found.code, unit, scope))
    unit = unit_selectors.installed_unit()
    return _render_board(request, boards.board_get(board, user=request.user, unit=unit), unit)


@require_GET
@_refusals
def board_for_unit(request, board: str, scope: str):
    unit = _unit(scope)
    return _render_board(request, boards.board_get(board, user=request.user, unit=unit), unit)


def _render_board(request, board, unit: Unit | None):
    scope = _scope(request, board, unit)
    shown = boards.board_show(board, scope=scope, user=request.user)
    ancestors = list(unit.ancestors()) if unit is not None else []
    if unit is None:
        siblings = []
    elif unit.parent_id is None:
        siblings = list(boards.selectors.provinces_in_force())
    else:
        siblings = list(
            Unit.objects.filter(parent_id=unit.parent_id, valid_until__isnull=True).order_by("name")
        )
    query = _query(scope)
    exports = {
        block.key: {fmt: _export_url(board.code, scope, block.key, fmt) for fmt in FORMATS}
        for block in shown.blocks
    }
    exports[TILES_KEY] = {fmt: _export_url(board.code, scope, TILES_KEY, fmt) for fmt in FORMATS}
    for block in shown.blocks:
        block.exports = exports[block.key]
    context = {
        "shown": shown,
        "board": board,
        "scope": scope,
        "unit": unit,
        "period_label": boards.period_label(scope.period),
        "ancestors": ancestors,
        "parent_url": board_url(board.code, ancestors[-1], scope)
        if ancestors
        else (board_url(board.code, None, scope) if unit is not None else ""),
        "siblings": siblings if len(siblings) > 1 else [],
        "children": [(child, board_url(board.code, child, scope)) for child in shown.children],
        "country_url": board_url(board.code, None, scope),
        "boards": boards.visible_boards(request.user, unit),
        "period_choices": boards.period_choices(timezone.localdate()),
        "views": Aggregate.View.choices,
        "query": query,
        "tile_exports": exports[TILES_KEY],
        "board_pdf_url": reverse("indicators:board_pdf", args=[board.code, scope.slug]) + query,
        "form_action": reverse("indicators:board", args=[board.code, scope.slug]),
        "switch_action": reverse("indicators:board_home", args=[board.code]),
    }
    for block in shown.blocks:
        if block.kind in ("ranking", "dti", "map"):
            block.row_links = [board_url(board.code, u, scope) for u in _block_units(block)]
            for cell, link in zip(block.chart.get("cells", []), block.row_links, strict=False):
                cell["link"] = link
    return render(request, "indicators/board.html", context)


def _block_units(block) -> list[Unit]:
    if block.kind == "map":
        return [cell["unit"] for cell in block.chart["cells"]]
    return block.chart.get("units", [])


def _export_url(board_code: str, scope: boards.Scope, key: str, fmt: str) -> str:
    url = reverse("indicators:board_export", args=[board_code, scope.slug, key, fmt])
    return url + _query(scope)


def _filename(board, scope: boards.Scope, key: str, fmt: str) -> str:
    return f"{board.code}-{scope.slug}-{scope.period.id}-{key}.{fmt}"


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _pdf_response(request, context: dict, filename: str) -> HttpResponse:
    context = {**context, "font_faces": pdf.font_faces(), "pdf": True}
    html = render_to_string("indicators/board_pdf.html", context, request=request)
    try:
        content = pdf.html_to_pdf(html)
    except pdf.PdfUnavailable:
        return render(
            request,
            "indicators/error.html",
            {"message": _("PDF export is not available on this server."), "status": 503},
            status=503,
        )
    return _attachment(content, "application/pdf", filename)


@require_GET
@_refusals
def board_export(request, board: str, scope: str, key: str, fmt: str):
    """One block (or the tiles) of a board as CSV, Excel or PDF."""
    if fmt not in FORMATS:
        raise boards.BoardNotFound()
    unit = _unit(scope)
    found = boards.board_get(board, user=request.user, unit=unit)
    where = _scope(request, found, unit)
    shown = boards.board_show(found, scope=where, user=request.user)
    if key == TILES_KEY:
        title = _("Indicators")
        headers, rows = boards.tiles_table(shown)
        blocks, tiles = [], shown.tiles
    else:
        block = next((b for b in shown.blocks if b.key == key), None)
        if block is None:
            raise boards.BoardNotFound()
        title, headers, rows = block.title, block.headers, block.rows
        blocks, tiles = [block], []
    caption = f"{title} – {where.name} – {boards.period_label(where.period)}"
    filename = _filename(found, where, key, fmt)
    if fmt == "csv":
        return _attachment(boards.to_csv(headers, rows), "text/csv; charset=utf-8", filename)
    if fmt == "xlsx":
        return _attachment(
            boards.to_xlsx(title, caption, headers, rows),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename,
        )
    context = {
        "shown": shown,
        "board": found,
        "scope": where,
        "period_label": boards.period_label(where.period),
        "blocks": blocks,
        "tiles": tiles,
        "title": title,
        "tiles_table": boards.tiles_table(shown) if tiles else None,
    }
    return _pdf_response(request, context, filename)


@require_GET
@_refusals
def board_pdf(request, board: str, scope: str):
    """The whole board as one PDF (tiles, then every chart with its table)."""
    unit = _unit(scope)
    found = boards.board_get(board, user=request.user, unit=unit)
    where = _scope(request, found, unit)
    shown = boards.board_show(found, scope=where, user=request.user)
    context = {
        "shown": shown,
        "board": found,
        "scope": where,
        "period_label": boards.period_label(where.period),
        "blocks": shown.blocks,
        "tiles": shown.tiles,
        "title": found.name,
        "tiles_table": None,
    }
    return _pdf_response(request, context, _filename(found, where, "bang", "pdf"))
