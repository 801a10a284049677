"""Forms of the feedback pages: they parse and label what the citizen or official typed; every
rule (location, routing, contact, photos, transitions) stays in ``services.py``."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.feedback import routing, selectors
from tinhso.feedback.models import Report
from tinhso.units.models import Unit

DESCRIPTION_MAX = 4000
COMMUNE_CHOICES_LIMIT = 2000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos in one input; the kernel checks each one (type by content, size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def category_choices() -> list:
    """Two-level choices: one optgroup per group, the categories inside (service codes)."""
    choices: list = [("", _("Choose a category"))]
    for group, categories in selectors.category_groups():
        items = [(category.service_code, category.name) for category in categories]
        if group is None:
            choices.extend(items)
        else:
            choices.append((group.name, items))
    return choices


def commune_choices() -> list[tuple[str, str]]:
    units = Unit.objects.current().filter(type__in=routing.COMMUNE_TYPES)
    province = routing.installed_province()
    if province is not None:
        units = units.subtree(province)
    units = units.order_by("name").only("code", "name")[:COMMUNE_CHOICES_LIMIT]
    return [("", _("I do not know / not listed"))] + [(unit.code, unit.name) for unit in units]


class ReportForm(forms.Form):
    """The citizen's report (phone first): what, where, photos, optional contact."""

    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    category = forms.ChoiceField(label=_("What is the problem about?"))
    description = forms.CharField(
        label=_("Describe what you saw"),
        help_text=_("Where exactly, since when, how serious. At most 4000 characters."),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    photos = MultipleImageField(
        label=_("Photos (optional)"),
        help_text=_("Up to 5 photos, JPEG, PNG or WebP."),
        required=False,
    )
    latitude = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)
    longitude = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)
    address = forms.CharField(
        label=_("Address or landmark"),
        help_text=_("For example: in front of house 12, Lê Lợi street, Bến Thủy ward."),
        required=False,
        max_length=255,
    )
    commune = forms.ChoiceField(label=_("Commune or ward"), required=False)
    is_anonymous = forms.BooleanField(
        label=_("Send anonymously"),
        help_text=_("Your name is never published. Anonymous: the agency does not see it either."),
        required=False,
    )
    contact_name = forms.CharField(label=_("Your name"), required=False, max_length=150)
    contact_phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    contact_email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("To receive the answer and each change of status."),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["commune"].choices = commune_choices()
        self.fields["contact_name"].widget.attrs["autocomplete"] = "name"
        if not self.is_bound and not self.initial.get("submission_key"):
            self.initial["submission_key"] = uuid.uuid4().hex
        for name in ("latitude", "longitude"):
            self.fields[name].widget.attrs["id"] = f"id_{name}"

    def category_object(self):
        return selectors.category_by_service_code(self.cleaned_data["category"])


class HotlineForm(ReportForm):
    """A call taken by an operator (kênh đường dây nóng) or a report made in person."""

    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[
            (Report.Channel.HOTLINE, _("Hotline call")),
            (Report.Channel.IN_PERSON, _("In person")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_name"].label = _("Caller's name")
        self.fields["contact_phone"].label = _("Caller's phone")
        self.fields["contact_email"].label = _("Caller's e-mail")
        self.fields["is_anonymous"].label = _("The caller asks to stay anonymous")
        self.fields["description"].label = _("What the caller reports")
        self.fields["category"].label = _("Category")


class FollowForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail"),
        help_text=_("We write to you when the status changes."),
        required=False,
    )


class MessageForm(forms.Form):
    message = forms.CharField(
        label=_("Add information"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with the answer?"),
        coerce=int,
        choices=[
            (5, _("5 – Very satisfied")),
            (4, _("4 – Satisfied")),
            (3, _("3 – Acceptable")),
            (2, _("2 – Not satisfied")),
            (1, _("1 – Not at all satisfied")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PublicFilterForm(forms.Form):
    q = forms.CharField(label=_("Words or code"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("Category"), required=False)
    commune = forms.ChoiceField(label=_("Commune or ward"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Handled and closed")),
            (Report.Status.HANDLED, Report.Status.HANDLED.label),
            (Report.Status.CLOSED, Report.Status.CLOSED.label),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = category_choices()
        categories[0] = ("", _("All categories"))
        # A whole group is a filter too.
        groups = [
            (group.service_code, group.name)
            for group, _items in selectors.category_groups()
            if group is not None
        ]
        if groups:
            categories.insert(1, (_("Groups"), groups))
        self.fields["category"].choices = categories
        communes = commune_choices()
        communes[0] = ("", _("All communes"))
        self.fields["commune"].choices = communes
        for field in self.fields.values():
            field.widget.attrs["class"] = "input"


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Words or code"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open")), ("done", _("Done")), ("", _("All")), *Report.Status.choices],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("q", "status"):
            self.fields[name].widget.attrs["class"] = "input"
