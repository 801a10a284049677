"""Admin of the feedback room: categories, routing rules, centre points and Open311 clients
are edited here (routing rules are "editable by administrators"); reports are read-only —
they change only through the services (the handling pages and the API), never deleted."""

from django.contrib import admin, messages

from tinhso.feedback import services
from tinhso.feedback.models import (
    ApiClient,
    Category,
    CommuneCentroid,
    Report,
    ReportUpdate,
    RoutingRule,
)
from tinhso.kernel.errors import DomainError
from tinhso.kernel.text import fold


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "service_code", "parent", "handling_days", "day_kind", "is_public")
    list_filter = ("is_active", "is_public", "day_kind")
    search_fields = ("name", "service_code", "keywords")
    autocomplete_fields = ("default_agency",)

    def save_model(self, request, obj, form, change):
        obj.search_name = fold(obj.name)
        super().save_model(request, obj, form, change)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("order", "unit", "category", "agency", "is_active")
    list_editable = ("is_active",)
    list_filter = ("is_active",)
    ordering = ("order", "pk")
    raw_id_fields = ("unit",)
    autocomplete_fields = ("agency",)

    def save_model(self, request, obj, form, change):
        # Through the services: scope checked and the change audited.
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            if change:
                services.routing_rule_update(acting_user=request.user, rule=obj, **fields)
                return
            rule = services.routing_rule_create(
                acting_user=request.user,
                agency=obj.agency,
                unit=obj.unit,
                category=obj.category,
                order=obj.order,
                note=obj.note,
            )
            obj.pk = rule.pk
            if not obj.is_active:
                services.routing_rule_update(acting_user=request.user, rule=rule, is_active=False)
        except DomainError as exc:
            messages.error(request, str(exc.message))


@admin.register(CommuneCentroid)
class CommuneCentroidAdmin(admin.ModelAdmin):
    list_display = ("unit", "latitude", "longitude")
    raw_id_fields = ("unit",)


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "key_prefix", "requests_per_minute", "is_active", "created_at")
    readonly_fields = ("key_prefix", "created_at")
    exclude = ("key_hash",)

    def has_add_permission(self, request):
        # A key is made by services.api_client_create, which shows it once.
        return False


class ReportUpdateInline(admin.TabularInline):
    model = ReportUpdate
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "status_from", "status_to", "message", "is_public")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("code", "category", "status", "agency", "commune", "received_at", "deadline")
    list_filter = ("status", "channel")
    search_fields = ("code",)
    inlines = [ReportUpdateInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
