"""Admin of the dossiers room: the catalogue read-mostly, dossiers read-only (every change goes
through the services, so it is checked, logged and audited)."""

from django.contrib import admin

from tinhso.dossiers.models import (
    Dossier,
    DossierEvent,
    DossierStep,
    Field,
    Payment,
    Procedure,
    ProcedureVersion,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    readonly_fields = ["search_name"]


class VersionInline(ReadOnlyMixin, admin.TabularInline):
    model = ProcedureVersion
    fields = ["number", "created_at", "created_by", "fingerprint"]
    readonly_fields = fields
    extra = 0


@admin.register(Procedure)
class ProcedureAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["code", "name", "field", "online_mode", "processing_days", "is_active"]
    list_filter = ["online_mode", "is_active", "field"]
    search_fields = ["code", "search_name"]
    inlines = [VersionInline]


class StepInline(ReadOnlyMixin, admin.TabularInline):
    model = DossierStep
    fields = ["sequence", "name", "agency", "officer", "started_at", "due_at", "done_at",
              "classification"]  # fmt: skip
    readonly_fields = fields
    extra = 0


class EventInline(ReadOnlyMixin, admin.TabularInline):
    model = DossierEvent
    fields = ["at", "action", "from_status", "to_status", "actor", "agency", "note"]
    readonly_fields = fields
    extra = 0


@admin.register(Dossier)
class DossierAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["__str__", "procedure", "status", "channel", "receiving_agency", "due_at",
                    "classification"]  # fmt: skip
    list_filter = ["status", "channel", "classification"]
    search_fields = ["code"]
    list_select_related = ["procedure", "receiving_agency"]
    exclude = ["form_data", "applicant_cccd", "applicant_phone", "applicant_address"]
    inlines = [StepInline, EventInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["reference", "dossier", "amount", "method", "state", "paid_at"]
    list_filter = ["method", "state"]
    search_fields = ["reference", "transaction_no"]
