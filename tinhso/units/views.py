"""Pages of the units room: the unit browser (public: the national list is public data) and
the agency pages (signed-in officials, within their scope).

Thin like the API: selectors in, templates out. The tree expands inline with htmx
(``unit_children`` answers a partial) and every link also works without JavaScript.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from tinhso.kernel.errors import NotFound
from tinhso.units import selectors
from tinhso.units.models import Agency

SEARCH_LIMIT = 50
AGENCIES_PER_PAGE = 50


def _unit_or_404(code: str, *, include_retired: bool = True):
    try:
        return selectors.unit_get_by_code(code, include_retired=include_retired)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


@require_GET
def unit_browser(request):
    """The tree from the top (the installed province, or every province) and the search."""
    query = request.GET.get("q", "").strip()
    context = {"query": query}
    if query:
        results = list(selectors.unit_search(query)[: SEARCH_LIMIT + 1])
        context["results"] = results[:SEARCH_LIMIT]
        context["more_results"] = len(results) > SEARCH_LIMIT
        return render(request, "units/browser.html", context)
    installed = None if request.GET.get("all") else selectors.installed_unit()
    units = selectors.unit_children(installed) if installed else selectors.unit_roots()
    context.update(installed=installed, units=list(units))
    return render(request, "units/browser.html", context)


@require_GET
def unit_detail(request, code: str):
    unit = _unit_or_404(code)
    agencies = None
    if request.user.is_authenticated:
        agencies = list(selectors.agencies_for_user(request.user, unit=unit))
    context = {
        "unit": unit,
        "ancestors": list(selectors.unit_ancestors(unit)),
        # A retired unit shows the sub-units it had; a unit in force, those in force.
        "children": list(selectors.unit_children(unit, in_force_only=unit.in_force)),
        "agencies": agencies,
        "successors": list(unit.successors.order_by("code")),
        "predecessors": list(unit.predecessors.order_by("code")),
    }
    return render(request, "units/unit_detail.html", context)


@require_GET
def unit_children(request, code: str):
    """The sub-units of one unit: a fragment for htmx, or the unit's page without it."""
    unit = _unit_or_404(code)
    if not request.headers.get("HX-Request"):
        return redirect(reverse("units:unit_detail", args=[unit.code]) + "#sub-units")
    return render(request, "units/_tree.html", {"units": list(selectors.unit_children(unit))})


@login_required
@require_GET
def agency_list(request):
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    within = None
    if request.GET.get("unit"):
        within = _unit_or_404(request.GET["unit"])
    agencies = selectors.agencies_for_user(
        request.user,
        within=within,
        query=query,
        kind=kind if kind in Agency.Kind.values else None,
    )
    page = Paginator(agencies, AGENCIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "units/agency_list.html",
        {
            "page": page,
            "agencies": page.object_list,
            "query": query,
            "kind": kind,
            "kinds": Agency.Kind.choices,
            "within": within,
        },
    )


@login_required
@require_GET
def agency_detail(request, pk: int):
    try:
        agency = selectors.get_agency_for_user(request.user, pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    context = {
        "agency": agency,
        "ancestors": list(selectors.unit_ancestors(agency.unit)),
        "sub_agencies": list(
            selectors.agencies_for_user(request.user).filter(parent=agency).order_by("name")
        ),
    }
    return render(request, "units/agency_detail.html", context)
