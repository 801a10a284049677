"""Where a report is and who handles it: location → commune, then (commune × category) → agency.

**Limitation: we have no commune boundaries.** The national unit list (``vietnam-provinces``)
carries names and codes but no coordinates or polygons, so a point cannot be placed inside a
commune exactly. A location is resolved, in this order, to:

1. the commune the reporter chose on the form (or a village under it: its commune);
2. the nearest known commune centre point (``CommuneCentroid`` rows an administrator or the
   demo enters) within ``TINHSO_FEEDBACK_CENTROID_MAX_KM`` (default 10 km);
3. a commune whose name appears in the typed address, compared folded (no diacritics).

If none applies the report stays without a commune and is routed by category alone (a rule
without an area, the category's default agency). A point outside the installed province's
bounding box is refused with ``location_outside_province`` (422). The box is
``TINHSO_FEEDBACK_BOUNDS = (lat_min, lat_max, long_min, long_max)`` or, by default, the entry
of ``PROVINCE_BOUNDS`` for ``TINHSO_PROVINCE_CODENAME``; a province without one is not checked.

Routing rules are tried by ``order``; the first rule whose area contains the commune (or has
no area) and whose category is the report's category or its group (or has none) wins. Without
a match: the category's default agency, then the commune's People's Committee.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from tinhso.feedback import errors
from tinhso.feedback.models import Category, CommuneCentroid, RoutingRule
from tinhso.kernel.text import fold
from tinhso.units.models import Agency, Unit

# (lat_min, lat_max, long_min, long_max), a little generous around the coastline and border.
PROVINCE_BOUNDS: dict[str, tuple[float, float, float, float]] = {
    "nghe_an": (18.5, 20.0, 103.8, 105.9),
    "ha_tinh": (17.8, 18.85, 105.1, 106.55),
    "thanh_hoa": (19.3, 20.7, 104.35, 106.1),
    "ha_noi": (20.55, 21.4, 105.25, 106.05),
}

COMMUNE_TYPES = frozenset({Unit.Type.XA, Unit.Type.PHUONG, Unit.Type.THI_TRAN, Unit.Type.DAC_KHU})
SUB_COMMUNE_TYPES = frozenset({Unit.Type.THON, Unit.Type.TO_DAN_PHO})
EARTH_RADIUS_M = 6_371_000.0


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, metres: float) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, long_min, long_max) of a square that holds the circle of ``metres``
    around the point: the cheap index-friendly prefilter before ``haversine_m``."""
    dlat = math.degrees(metres / EARTH_RADIUS_M)
    dlon = math.degrees(metres / (EARTH_RADIUS_M * max(math.cos(math.radians(lat)), 1e-6)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def province_bounds() -> tuple[float, float, float, float] | None:
    configured = getattr(settings, "TINHSO_FEEDBACK_BOUNDS", None)
    if configured:
        return tuple(float(x) for x in configured)  # type: ignore[return-value]
    return PROVINCE_BOUNDS.get(getattr(settings, "TINHSO_PROVINCE_CODENAME", ""))


def installed_province() -> Unit | None:
    codename = getattr(settings, "TINHSO_PROVINCE_CODENAME", "")
    if not codename:
        return None
    return Unit.objects.current().filter(codename=codename, parent__isnull=True).first()


def check_point(latitude, longitude) -> tuple[Decimal, Decimal]:
    """The point rounded to 6 decimals (≈ 10 cm), or ``location_invalid`` /
    ``location_outside_province``."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError) as exc:
        raise errors.LocationInvalid() from exc
    if (
        not (math.isfinite(lat) and math.isfinite(lon))
        or not (-90 <= lat <= 90)
        or not (-180 <= lon <= 180)
    ):
        raise errors.LocationInvalid()
    bounds = province_bounds()
    if bounds is not None:
        lat_min, lat_max, lon_min, lon_max = bounds
        if not (lat_min <= lat <= lat_max and lon_min <= lon <= lon_max):
            raise errors.LocationOutsideProvince(
                details={"latitude": lat, "longitude": lon, "bounds": list(bounds)}
            )
    return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")


def commune_of(unit: Unit) -> Unit:
    """The commune a unit belongs to (itself, or the commune above a village)."""
    if unit.type in SUB_COMMUNE_TYPES and unit.parent_id:
        return commune_of(unit.parent)
    return unit


def commune_by_code(code: str) -> Unit:
    unit = Unit.objects.current().filter(code=code).select_related("parent").first()
    if unit is None:
        raise errors.CommuneUnknown(details=[{"field": "commune", "code": "commune_unknown"}])
    commune = commune_of(unit)
    province = installed_province()
    if commune.type not in COMMUNE_TYPES or (
        province is not None and not commune.is_within(province)
    ):
        raise errors.CommuneUnknown(details=[{"field": "commune", "code": "commune_unknown"}])
    return commune


def nearest_commune(lat: float, lon: float) -> Unit | None:
    max_m = float(getattr(settings, "TINHSO_FEEDBACK_CENTROID_MAX_KM", 10)) * 1000
    lat_min, lat_max, lon_min, lon_max = bounding_box(lat, lon, max_m)
    best, best_m = None, max_m
    candidates = CommuneCentroid.objects.filter(
        latitude__gte=lat_min, latitude__lte=lat_max, longitude__gte=lon_min,
        longitude__lte=lon_max, unit__valid_until__isnull=True,
    ).select_related("unit")  # fmt: skip
    for centroid in candidates:
        metres = haversine_m(lat, lon, float(centroid.latitude), float(centroid.longitude))
        if metres <= best_m:
            best, best_m = centroid.unit, metres
    return best


def _type_words() -> list[str]:
    return sorted({fold(str(label)) for label in Unit.Type.labels} | {
        "xa", "phuong", "thi tran", "dac khu", "p.", "x.", "tt."
    }, key=len, reverse=True)  # fmt: skip


def commune_from_address(address: str) -> Unit | None:
    """The one commune whose name appears in ``address`` (folded), or None when none or
    several bare names match."""
    text = f" {fold(address).replace(',', ' ').replace('.', '. ')} "
    text = " ".join(text.split())
    if not text:
        return None
    text = f" {text} "
    province = installed_province()
    units = Unit.objects.current().filter(type__in=COMMUNE_TYPES)
    if province is not None:
        units = units.subtree(province)
    full, bare = [], []
    prefixes = ("xa ", "phuong ", "thi tran ", "dac khu ")
    for unit in units.only("pk", "name", "type", "path", "code", "search_name"):
        name = fold(unit.name)
        if f" {name} " in text:
            full.append(unit)
            continue
        for prefix in prefixes:
            if name.startswith(prefix):
                core = name[len(prefix) :]
                if f" {core} " in text:
                    bare.append(unit)
                break
    if full:
        return max(full, key=lambda unit: len(unit.name))
    if len(bare) == 1:
        return bare[0]
    return None


@dataclass
class Location:
    latitude: Decimal | None
    longitude: Decimal | None
    address: str
    commune: Unit | None


def resolve_location(
    *, latitude=None, longitude=None, address: str = "", commune_code: str = ""
) -> Location:
    """Check the point and find the commune (see the module docstring); at least one of a
    point, an address or a commune is required (``location_required``)."""
    has_point = latitude not in (None, "") or longitude not in (None, "")
    if not has_point and not address.strip() and not commune_code:
        raise errors.LocationRequired()
    lat = lon = None
    if has_point:
        if latitude in (None, "") or longitude in (None, ""):
            raise errors.LocationInvalid()
        lat, lon = check_point(latitude, longitude)
    commune = None
    if commune_code:
        commune = commune_by_code(commune_code)
    if commune is None and lat is not None:
        commune = nearest_commune(float(lat), float(lon))
    if commune is None and address.strip():
        commune = commune_from_address(address)
    return Location(latitude=lat, longitude=lon, address=address.strip(), commune=commune)


def route(*, category: Category, commune: Unit | None) -> tuple[Agency | None, RoutingRule | None]:
    """The responsible agency and the rule that chose it (first match wins)."""
    rules = RoutingRule.objects.filter(is_active=True, agency__is_active=True).select_related(
        "unit", "agency"
    )
    categories = {category.pk, category.parent_id} - {None}
    for rule in rules.order_by("order", "pk"):
        if rule.category_id is not None and rule.category_id not in categories:
            continue
        if rule.unit_id is not None and (commune is None or not commune.is_within(rule.unit)):
            continue
        return rule.agency, rule
    if category.default_agency_id and category.default_agency.is_active:
        return category.default_agency, None
    if category.parent_id and category.parent.default_agency_id:
        agency = category.parent.default_agency
        if agency.is_active:
            return agency, None
    if commune is not None:
        agency = (
            Agency.objects.filter(unit=commune, kind=Agency.Kind.UBND_XA, is_active=True)
            .order_by("pk")
            .first()
        )
        if agency is not None:
            return agency, None
    return None, None
