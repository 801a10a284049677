"""Admin of the qa room: fields (lĩnh vực) are edited here through ``topic_ensure``; questions
are read-only (every change to a question goes through the services, from the officer pages
or the API, so it is checked against the workflow and audited)."""

from django.contrib import admin

from tinhso.qa import services
from tinhso.qa.models import Question, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "position", "is_active")
    search_fields = ("name", "code")

    def save_model(self, request, obj, form, change):
        saved = services.topic_ensure(
            acting_user=request.user, code=obj.code, name=obj.name, position=obj.position
        )
        obj.pk = saved.pk
        if saved.is_active != obj.is_active:
            Topic.objects.filter(pk=saved.pk).update(is_active=obj.is_active)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "moderation", "agency", "created_at", "deadline")
    list_filter = ("status", "moderation", "topic")
    search_fields = ("title_folded",)
    list_select_related = ("agency",)
    raw_id_fields = ("asker", "agency", "answered_by_agency", "drafted_by", "reviewed_by", "unit")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
