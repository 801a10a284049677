"""Admin of the units room. Writes go through the services, so the tree, the codes and the
audit log stay right: the path and level are never typed in, a unit changes parent with
``unit_move`` and ends with ``unit_retire``."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tinhso.kernel.errors import DomainError
from tinhso.units import services
from tinhso.units.models import Agency, Unit

UNIT_FIELDS = ("code", "name", "codename", "type", "valid_from")


def _as_validation_error(exc: DomainError) -> ValidationError:
    fields = {
        item["field"]: item.get("message") or str(exc.message)
        for item in (exc.details or [])
        if isinstance(item, dict) and item.get("field")
    }
    if fields:
        return ValidationError({name: [message] for name, message in fields.items()})
    return ValidationError(str(exc.message), code=exc.code)


class ServiceAdminMixin:
    """Run the service when the form is valid; a refusal becomes a form error instead of a
    500. The service runs in ``_post_clean`` so its checks (codes, scope, tree) speak
    through the form; ``save_model`` then only copies the result."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        admin_site = self

        class ServiceForm(form_class):
            def _post_clean(self):
                # Skip the model's own full_clean (it knows neither the tree nor the
                # scope); the service is the one check.
                if self.errors:
                    return
                try:
                    self.saved = admin_site.run_service(request, self, change)
                except DomainError as exc:
                    self._update_errors(_as_validation_error(exc))

        return ServiceForm

    def save_model(self, request, obj, form, change):
        saved = form.saved
        obj.pk = saved.pk
        obj._state.adding = False
        obj._state.db = saved._state.db
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))

    def run_service(self, request, form, change):  # pragma: no cover - overridden
        raise NotImplementedError


@admin.register(Unit)
class UnitAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "type", "level", "parent", "valid_from", "valid_until")
    list_filter = ("type", "level", ("valid_until", admin.EmptyFieldListFilter))
    search_fields = ("code", "name", "search_name")
    ordering = ("path",)
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)
    readonly_fields = ("path", "level", "search_name", "valid_until", "predecessors_list")
    list_per_page = 100
    show_full_result_count = False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("code", "name", "codename", "type", "parent", "valid_from")
        return (
            *UNIT_FIELDS,
            "parent",
            "valid_until",
            "predecessors_list",
            "level",
            "path",
            "search_name",
        )

    @admin.display(description=_("formed from"))
    def predecessors_list(self, obj):
        return ", ".join(f"{u.name} ({u.code})" for u in obj.predecessors.all()) or "–"

    def run_service(self, request, form, change):
        data = form.cleaned_data
        if not change:
            return services.unit_create(
                acting_user=request.user,
                code=data["code"],
                name=data["name"],
                codename=data.get("codename", ""),
                type=data["type"],
                parent=data.get("parent"),
                valid_from=data.get("valid_from"),
            )
        unit = Unit.objects.get(pk=form.instance.pk)
        if "parent" in form.changed_data:
            unit = services.unit_move(
                acting_user=request.user, unit=unit, new_parent=data.get("parent")
            )
        return services.unit_update(
            acting_user=request.user,
            unit=unit,
            **{name: data[name] for name in UNIT_FIELDS if name in form.changed_data},
        )

    def save_related(self, request, form, formsets, change):
        # No many-to-many field is edited here (successors come from unit_retire).
        pass

    def has_delete_permission(self, request, obj=None):
        # Units are retired, never deleted: records keep pointing at them.
        return False


AGENCY_FIELDS = ("unit", "parent", "code", "name", "short_name", "kind", "email", "phone")


class AgencyAdminForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = (*AGENCY_FIELDS, "address")

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip().upper()


@admin.register(Agency)
class AgencyAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = AgencyAdminForm
    list_display = ("code", "name", "kind", "unit", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "search_name", "unit__name")
    list_select_related = ("unit",)
    raw_id_fields = ("unit", "parent")
    fields = (*AGENCY_FIELDS, "address", "is_active", "search_name")
    readonly_fields = ("is_active", "search_name")
    actions = ("deactivate",)

    def run_service(self, request, form, change):
        data = form.cleaned_data
        if not change:
            return services.agency_create(
                acting_user=request.user,
                unit=data["unit"],
                parent=data.get("parent"),
                code=data["code"],
                name=data["name"],
                short_name=data.get("short_name", ""),
                kind=data["kind"],
                email=data.get("email", ""),
                phone=data.get("phone", ""),
                address=data.get("address", ""),
            )
        agency = Agency.objects.get(pk=form.instance.pk)
        names = (*AGENCY_FIELDS, "address")
        return services.agency_update(
            acting_user=request.user,
            agency=agency,
            **{name: data[name] for name in names if name in form.changed_data},
        )

    def has_delete_permission(self, request, obj=None):
        # Agencies are closed, never deleted: their records and identifier stay.
        return False

    @admin.action(description=_("Close the selected agencies"))
    def deactivate(self, request, queryset):
        closed = 0
        for agency in queryset:
            try:
                services.agency_deactivate(acting_user=request.user, agency=agency)
                closed += 1
            except DomainError as exc:
                self.message_user(request, f"{agency}: {exc.message}", messages.ERROR)
        self.message_user(request, _("%(n)d agencies closed.") % {"n": closed})
