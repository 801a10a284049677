"""Admin pages of the kernel room. Calendar overrides are edited here, through the services so
every change is audited; the audit log can only be read."""

from django.contrib import admin
from django.db import transaction

from tinhso.kernel.models import AuditEvent, CalendarDay, Notification, StoredFile
from tinhso.kernel.services import calendar_day_remove, calendar_day_set


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "legal_basis"]
    list_filter = ["kind"]
    search_fields = ["name", "legal_basis"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            if change and "date" in form.changed_data:
                calendar_day_remove(acting_user=request.user, date=form.initial["date"])
            saved = calendar_day_set(
                acting_user=request.user,
                date=obj.date,
                kind=obj.kind,
                name=obj.name,
                legal_basis=obj.legal_basis,
            )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        calendar_day_remove(acting_user=request.user, date=obj.date)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for day in queryset:
                calendar_day_remove(acting_user=request.user, date=day.date)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "actor_label", "action", "object_type", "object_id", "summary"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id", "request_id", "summary"]
    date_hierarchy = "occurred_at"
    list_select_related = ["actor"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "channel", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["subject"]
    date_hierarchy = "created_at"


@admin.register(StoredFile)
class StoredFileAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "original_name", "content_type", "size", "purpose"]
    list_filter = ["content_type", "purpose"]
    search_fields = ["original_name", "sha256"]
    date_hierarchy = "created_at"
