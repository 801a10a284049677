"""Admin of the outreach room: read-only views for operators and support.

Every change goes through the services (pages and API): the approval flow, releases, radio
schedules and activity logs must be checked and audited, so the admin edits nothing but
templates and opt-outs, and deletes nothing.
"""

from django.contrib import admin

from tinhso.outreach.models import (
    ActivityLog,
    BroadcastSlot,
    Campaign,
    Cluster,
    Content,
    ContentTemplate,
    Delivery,
    Dispatch,
    News,
    OptOut,
    PlayLog,
    Station,
    Survey,
    Team,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("title", "unit", "starts_on", "ends_on", "is_peak")
    list_filter = ("is_peak",)
    search_fields = ("title",)
    raw_id_fields = ("unit", "target_units")


@admin.register(Content)
class ContentAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "status", "priority", "unit", "approved_at", "released_at")
    list_filter = ("kind", "status", "priority", "dx_section")
    search_fields = ("title",)
    raw_id_fields = ("unit", "campaign")


@admin.register(ContentTemplate)
class ContentTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "unit")
    list_filter = ("kind",)
    raw_id_fields = ("unit",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(News)
class NewsAdmin(ReadOnlyAdmin):
    list_display = ("title", "published_at", "is_visible")
    search_fields = ("title",)


@admin.register(Dispatch)
class DispatchAdmin(ReadOnlyAdmin):
    list_display = ("pk", "channel", "content", "status", "attempts", "next_attempt_at")
    list_filter = ("channel", "status")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("dispatch", "status", "attempts", "error_code", "sent_at")
    list_filter = ("status",)


@admin.register(OptOut)
class OptOutAdmin(ReadOnlyAdmin):
    list_display = ("channel", "created_at", "reason")
    list_filter = ("channel",)


@admin.register(Station)
class StationAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "unit", "is_active")


@admin.register(Cluster)
class ClusterAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "station", "is_active", "last_seen_at")
    exclude = ("api_key_hash",)


@admin.register(BroadcastSlot)
class BroadcastSlotAdmin(ReadOnlyAdmin):
    list_display = ("cluster", "content", "priority", "starts_at", "ends_at", "status")
    list_filter = ("status", "priority")


@admin.register(PlayLog)
class PlayLogAdmin(ReadOnlyAdmin):
    list_display = ("cluster", "content", "started_at", "duration_seconds", "source")
    list_filter = ("source",)


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ("name", "unit", "decision_ref", "is_active")
    search_fields = ("name",)


@admin.register(ActivityLog)
class ActivityLogAdmin(ReadOnlyAdmin):
    list_display = ("team", "date", "kind", "households_visited", "vneid_level2", "source")
    list_filter = ("kind", "source")


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ("title", "phase", "status", "unit")
    list_filter = ("phase", "status")
