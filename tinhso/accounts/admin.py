"""Admin for accounts and roles.

Personal data (CCCD, birth date, sex, phone, address) appears only to superusers; a staff
official with Django's ``view_user`` sees the accounts in their scope
(``selectors.accounts_for_user``), read-only and without it. Only superusers change accounts
here. Roles
are shared by every unit, so only superusers edit them, and through ``services.role_upsert``
(validated and audited).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tinhso.accounts import selectors, services
from tinhso.accounts.models import Role, User
from tinhso.accounts.permissions import REGISTRY
from tinhso.accounts.validators import validate_cccd, validate_phone, validate_tax_code

PERSONAL_FIELDS = ("cccd", "date_of_birth", "sex", "phone", "address")


class AccountChangeForm(UserChangeForm):
    """Checks identity numbers the way the services do."""

    class Meta(UserChangeForm.Meta):
        model = User

    def clean(self):
        data = super().clean()
        if data.get("cccd"):
            try:
                data["cccd"] = validate_cccd(
                    data["cccd"],
                    date_of_birth=data.get("date_of_birth"),
                    sex=data.get("sex") or None,
                )
            except ValidationError as exc:
                self.add_error("cccd", exc)
        for field, validator in (("phone", validate_phone), ("tax_code", validate_tax_code)):
            if data.get(field):
                try:
                    data[field] = validator(data[field])
                except ValidationError as exc:
                    self.add_error(field, exc)
        return data


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = AccountChangeForm
    list_display = ("username", "full_name", "kind", "agency", "is_active")
    list_filter = ("kind", "is_active", "is_staff", "is_superuser")
    list_select_related = ("agency",)
    search_fields = ("username", "full_name", "email", "organisation_name")
    ordering = ("username",)
    readonly_fields = ("oidc_subject", "last_login", "date_joined")
    filter_horizontal = ("roles",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Account"), {"fields": ("kind", "full_name", "email", "agency", "roles")}),
        (_("Personal data"), {"fields": PERSONAL_FIELDS}),
        (_("Business"), {"fields": ("organisation_name", "tax_code")}),
        (
            _("Access"),
            {"fields": ("is_active", "is_staff", "is_superuser", "oidc_subject")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "kind", "agency", "password1", "password2"),
            },
        ),
    )

    # Only superusers change accounts here; everyone else manages officials through the
    # services (scope, grantable roles, audit), so ``is_superuser`` or a role can never be
    # set around them.
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (name, options)
            for name, options in fieldsets
            if not set(options["fields"]) & set(PERSONAL_FIELDS)
        ]

    def get_search_fields(self, request):
        if request.user.is_superuser:
            return (*self.search_fields, "cccd", "tax_code")
        return self.search_fields

    def get_queryset(self, request):
        if request.user.is_superuser:
            return super().get_queryset(request)
        return selectors.accounts_for_user(request.user)


class RoleForm(forms.ModelForm):
    permissions = forms.MultipleChoiceField(
        label=_("permissions"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Role
        fields = ("code", "name", "description", "permissions")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read at form time: domain modules register their permissions when they load.
        self.fields["permissions"].choices = sorted(
            ((code, f"{label} ({code})") for code, label in REGISTRY.items()),
            key=lambda choice: choice[0],
        )


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    form = RoleForm
    list_display = ("name", "code")
    search_fields = ("name", "code")

    def get_readonly_fields(self, request, obj=None):
        # The code is how modules and the default table name a role; it never changes.
        return ("code",) if obj is not None else ()

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        saved = services.role_upsert(
            acting_user=request.user,
            code=obj.code if change else form.cleaned_data["code"],
            name=form.cleaned_data["name"],
            description=form.cleaned_data.get("description", ""),
            permissions=form.cleaned_data.get("permissions", []),
        )
        obj.pk = saved.pk
