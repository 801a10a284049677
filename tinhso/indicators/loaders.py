"""Loading the shipped data (``tinhso/indicators/data/*.json``): the default catalogue, the
national targets of Decisions 749/QĐ-TTg and 411/QĐ-TTg, and the DTI frameworks.

Every loader is idempotent (by code) and runs through the services, as the system.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from tinhso.indicators import errors, registry, services
from tinhso.indicators.models import DataElement, DtiComponent, DtiFramework, DtiIndex, Indicator

DATA_DIR = Path(__file__).resolve().parent / "data"
CATALOGUE = DATA_DIR / "catalogue.json"
TARGETS = DATA_DIR / "targets_749_411.json"
FRAMEWORKS = sorted(DATA_DIR.glob("dti_*.json"))


def _read(path: Path | str) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


@transaction.atomic
def load_catalogue(data: dict[str, Any] | None = None) -> dict[str, int]:
    """Category combos, data elements, data sets and indicators; an indicator that
    ``requires`` computed elements no installed module publishes is skipped."""
    data = data or _read(CATALOGUE)
    registry.sync_elements()
    for combo in data.get("category_combos", []):
        services.category_combo_define(acting_user=None, **combo)
    for element in data.get("elements", []):
        services.data_element_define(acting_user=None, **element)
    for data_set in data.get("data_sets", []):
        services.data_set_define(acting_user=None, **data_set)
    known = set(DataElement.objects.values_list("code", flat=True))
    loaded = skipped = 0
    for indicator in data.get("indicators", []):
        indicator = dict(indicator)
        if not set(indicator.pop("requires", [])) <= known:
            skipped += 1
            continue
        services.indicator_define(acting_user=None, **indicator)
        loaded += 1
    return {"elements": len(data.get("elements", [])), "indicators": loaded, "skipped": skipped}


@transaction.atomic
def load_targets(data: dict[str, Any] | None = None) -> int:
    data = data or _read(TARGETS)
    count = 0
    for item in data.get("targets", []):
        indicator = Indicator.objects.filter(code=item["indicator"]).first()
        if indicator is None:
            continue
        for year in item.get("years") or data.get("years") or []:
            services.target_set(
                acting_user=None,
                indicator=indicator,
                year=int(year),
                value=item["value"],
                prorate=bool(item.get("prorate", False)),
                source=f"QĐ {item['decision']}: {item['text']}"[:200],
            )
            count += 1
    return count


@transaction.atomic
def load_framework(data: dict[str, Any]) -> DtiFramework:
    """A DTI framework (replaced whole: indices and components as the file says)."""
    indices = data.get("indices") or []
    if not indices or any(
        abs(sum(c["points"] for c in index.get("components", [])) - index["points"]) > 1e-6
        for index in indices
    ):
        raise errors.FrameworkInvalid()
    framework, _created = DtiFramework.objects.update_or_create(
        code=services.clean_code(data["code"]),
        defaults={
            "name": data["name"],
            "year": int(data["year"]),
            "level": data.get("level", "province"),
            "max_points": float(data.get("max_points") or sum(i["points"] for i in indices)),
            "description": data.get("description", ""),
        },
    )
    framework.indices.all().delete()
    for position, item in enumerate(indices):
        index = DtiIndex.objects.create(
            framework=framework,
            code=item["code"],
            name=item["name"],
            group=item.get("group", ""),
            points=float(item["points"]),
            position=position,
        )
        DtiComponent.objects.bulk_create(
            DtiComponent(
                index=index,
                code=component["code"],
                name=component["name"],
                points=float(component["points"]),
                rule=component.get("rule", DtiComponent.Rule.RATIO),
                indicator=component.get("indicator", ""),
                full_at=float(component.get("full_at", 100)),
                steps=component.get("steps", []),
                position=number,
            )
            for number, component in enumerate(item.get("components", []))
        )
    return framework


def load_all() -> dict[str, Any]:
    """Everything shipped: catalogue, targets, frameworks."""
    report: dict[str, Any] = {"catalogue": load_catalogue(), "targets": load_targets()}
    report["frameworks"] = [load_framework(_read(path)).code for path in FRAMEWORKS]
    return report
