"""Admin of the IOC catalogue: read-mostly views for support staff (writes go through the
services and the API, which validate expressions and keep roll-ups fresh)."""

from django import forms
from django.contrib import admin

from tinhso.indicators import boards
from tinhso.indicators.models import (
    Board,
    BoardItem,
    CategoryCombo,
    DataElement,
    DataSet,
    DtiFramework,
    Indicator,
    Target,
    UnitGeometry,
)


@admin.register(CategoryCombo)
class CategoryComboAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(DataElement)
class DataElementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "aggregation", "source", "is_public"]
    list_filter = ["source", "aggregation", "is_public"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "source"]


@admin.register(DataSet)
class DataSetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "period_type", "expiry_days", "timely_days"]
    search_fields = ["code", "name"]
    readonly_fields = ["code"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "pillar", "is_public"]
    list_filter = ["pillar", "is_public"]
    search_fields = ["code", "name"]
    # Expressions are checked by ``services.indicator_define``; the admin does not edit them.
    readonly_fields = ["code", "numerator", "denominator", "factor"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["indicator", "unit", "year", "value", "prorate", "source"]
    list_filter = ["year"]
    raw_id_fields = ["unit"]
    readonly_fields = ["indicator", "unit", "year", "value"]


@admin.register(DtiFramework)
class DtiFrameworkAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "year", "max_points"]


class BoardItemForm(forms.ModelForm):
    """The same checks as a JSON import (``boards.board_import``), one item at a time."""

    class Meta:
        model = BoardItem
        fields = ["position", "kind", "code", "title", "framework", "options"]

    def clean(self):
        data = super().clean()
        item = {key: data.get(key) for key in ("kind", "code", "framework", "options")}
        item = {key: value for key, value in item.items() if value not in (None, "")}
        problems = boards.check_items([item])
        for problem in problems:
            field = problem["field"].split(".", 1)[-1].split("[", 1)[0]
            field = field if field in self.fields else None
            self.add_error(field, problem["message"])
        return data


class BoardItemInline(admin.TabularInline):
    model = BoardItem
    form = BoardItemForm
    extra = 1
    fields = ["position", "kind", "code", "title", "framework", "options"]
    ordering = ["position"]


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    """Boards are data: a province edits its own here, or moves them as JSON
    (``tinhso indicators_board import|export FILE``)."""

    list_display = ["code", "name", "is_public", "is_default", "period_type", "position"]
    list_filter = ["is_public", "period_type"]
    search_fields = ["code", "name"]
    inlines = [BoardItemInline]


@admin.register(UnitGeometry)
class UnitGeometryAdmin(admin.ModelAdmin):
    """Outlines come from ``tinhso indicators_board_geometry FILE``; shown, not edited."""

    list_display = ["unit", "source", "updated_at"]
    search_fields = ["unit__name", "unit__code"]
    readonly_fields = ["unit", "geometry", "min_lon", "min_lat", "max_lon", "max_lat", "source"]
