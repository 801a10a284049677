"""Forms of the qa pages. They only shape input; the rules live in ``services``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.qa.models import Flag, Topic
from tinhso.qa.services import MAX_ATTACHMENTS
from tinhso.units.models import Agency


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(_("Attach at most 5 files."))
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class AskForm(forms.Form):
    title = forms.CharField(
        label=_("Your question in one line"),
        min_length=5,
        max_length=200,
        help_text=_("Answers to similar questions appear below while you type."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "next"}),
    )
    body = forms.CharField(
        label=_("Details"),
        min_length=10,
        max_length=10_000,
        help_text=_("Describe your situation. Do not write your citizen identity number."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    field = forms.ModelChoiceField(
        label=_("Field"),
        queryset=Topic.objects.filter(is_active=True),
        required=False,
        empty_label=_("— Choose a field —"),
        to_field_name="code",
    )
    agency = forms.ModelChoiceField(
        label=_("Agency to ask"),
        queryset=Agency.objects.filter(is_active=True).order_by("unit__path", "name"),
        required=False,
        empty_label=_("I don't know which agency: the desk will send it on"),
    )
    attachments = MultipleFileField(
        label=_("Attachments (optional)"),
        required=False,
        help_text=_("Up to 5 files: PDF, Word, Excel or photos."),
    )


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why?"), choices=Flag.Reason.choices)
