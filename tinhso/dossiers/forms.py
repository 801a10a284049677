"""Forms of the dossiers pages.

The procedure's own form is data (``ProcedureVersion.form``): ``form_step_fields`` turns one
step of it into plain dicts the templates render, and the answers are checked by the
catalogue's ``form_clean`` (the same check the services run on submit), so a page shows
exactly the services' field-level messages. The officers' action forms are ordinary Django
forms; their values go to the services, whose refusals are shown beside the fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.dossiers.models import Channel, Classification, ResultType, Status

# Field types of the form-as-data → the <input type> (and inputmode) a phone shows.
INPUT_TYPES = {
    "text": ("text", ""),
    "number": ("number", "numeric"),
    "date": ("date", ""),
    "cccd": ("text", "numeric"),
    "phone": ("tel", "tel"),
    "email": ("email", "email"),
    "tax_code": ("text", "numeric"),
}
AUTOCOMPLETE = {
    "full_name": "name",
    "phone": "tel",
    "email": "email",
    "address": "street-address",
    "date_of_birth": "bday",
}


def form_steps(version) -> list[dict]:
    """The steps of a version's form (each ``{title, fields}``)."""
    return list((version.form or {}).get("steps") or [])


def form_step_fields(
    step: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    errors: Mapping[str, str] | None = None,
    prefilled: Mapping[str, Any] | None = None,
    prefix: str = "f",
) -> list[dict]:
    """The fields of one step ready for the template: spec, current value, error, whether the
    value came from the citizen's record."""
    errors = errors or {}
    prefilled = prefilled or {}
    fields = []
    for spec in step.get("fields") or []:
        name = spec["name"]
        kind = spec.get("type", "text")
        value = values.get(name, "")
        if value is None:
            value = ""
        input_type, inputmode = INPUT_TYPES.get(kind, ("text", ""))
        fields.append(
            {
                "name": name,
                "id": f"{prefix}-{name}",
                "label": spec.get("label") or name,
                "type": kind,
                "input_type": input_type,
                "inputmode": inputmode,
                "autocomplete": AUTOCOMPLETE.get(spec.get("prefill") or "", ""),
                "required": bool(spec.get("required")),
                "help": spec.get("help", ""),
                "options": [
                    {"value": str(option.get("value")), "label": option.get("label", "")}
                    for option in spec.get("options") or []
                ],
                "max_length": spec.get("max_length"),
                "value": value,
                "checked": value is True or str(value).lower() in {"1", "true", "on"},
                "error": errors.get(name, ""),
                "prefilled": name in prefilled
                and str(prefilled.get(name)) == str(value)
                and value != "",
            }
        )
    return fields


def read_step_answers(step: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """The answers of one step posted by the page (a checkbox not sent is ``False``)."""
    answers: dict[str, Any] = {}
    for spec in step.get("fields") or []:
        name = spec["name"]
        if spec.get("type") == "checkbox":
            answers[name] = name in data
        else:
            answers[name] = str(data.get(name, "")).strip()
    return answers


def field_errors(error) -> dict[str, str]:
    """``{field: message}`` from a kernel error's field-level ``details``."""
    problems = getattr(error, "details", None) or []
    result: dict[str, str] = {}
    if isinstance(problems, list):
        for problem in problems:
            if isinstance(problem, Mapping) and problem.get("field"):
                result.setdefault(str(problem["field"]), str(problem.get("message", "")))
    return result


# --- the officers' action forms ---------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonsForm(forms.Form):
    reasons = forms.CharField(
        label=_("Reasons"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class SupplementRequestForm(forms.Form):
    items = forms.CharField(
        label=_("Papers or information to supplement (one per line)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def item_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]


class HandOverForm(forms.Form):
    to_agency = forms.TypedChoiceField(label=_("Agency that takes over"), coerce=int)
    to_officer = forms.TypedChoiceField(
        label=_("Officer (optional)"), coerce=int, required=False, empty_value=None
    )
    step_code = forms.ChoiceField(label=_("Processing step"), required=False)
    note = forms.CharField(
        label=_("Hand-over note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, agencies=(), officers=(), steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].choices = [("", _("Choose an agency"))] + [
            (agency.pk, f"{agency.name} ({agency.unit.name})") for agency in agencies
        ]
        self.fields["to_officer"].choices = [("", _("Anyone at that agency"))] + [
            (user.pk, f"{user.full_name or user.get_username()} – {user.agency.name}")
            for user in officers
        ]
        self.fields["step_code"].choices = [("", _("The working days left"))] + [
            (step.get("code", ""), f"{step.get('name', '')} ({step.get('days', 0)})")
            for step in steps
            if step.get("code")
        ]


class PaymentRequestForm(forms.Form):
    amount = forms.IntegerField(label=_("Amount to pay (đồng)"), min_value=0)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PayAtDeskForm(forms.Form):
    receipt_no = forms.CharField(label=_("Receipt number"), required=False, max_length=64)


class ApologyForm(forms.Form):
    new_due_date = forms.DateField(
        label=_("New return date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Reason for the delay"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ApproveForm(forms.Form):
    result_title = forms.CharField(label=_("Title of the result"), required=False, max_length=500)
    result_body = forms.CharField(
        label=_("Content of the result"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    result_file = forms.FileField(label=_("Or upload the result (PDF)"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnResultForm(forms.Form):
    electronically = forms.BooleanField(label=_("Returned electronically"), required=False)
    on_paper = forms.BooleanField(label=_("Returned on paper"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[
            (5, _("5 – Very satisfied")),
            (4, _("4 – Satisfied")),
            (3, _("3 – Acceptable")),
            (2, _("2 – Unsatisfied")),
            (1, _("1 – Very unsatisfied")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RegisterFilterForm(forms.Form):
    start = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Status.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All")), *Channel.choices]
    )
    classification = forms.ChoiceField(
        label=_("Timeliness"),
        required=False,
        choices=[("", _("All")), *Classification.choices],
    )
    q = forms.CharField(label=_("Dossier code or applicant"), required=False, max_length=100)

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "start": data.get("start"),
            "end": data.get("end"),
            "status": data.get("status") or None,
            "channel": data.get("channel") or None,
            "classification": data.get("classification") or None,
            "query": data.get("q") or "",
        }


class ApplicantForm(forms.Form):
    """Who brings an in-person dossier (entered by the desk)."""

    applicant_name = forms.CharField(label=_("Applicant's full name"), max_length=255)
    applicant_cccd = forms.CharField(
        label=_("Personal identification number"), required=False, max_length=12
    )
    applicant_phone = forms.CharField(label=_("Phone number"), required=False, max_length=15)
    applicant_email = forms.EmailField(label=_("E-mail"), required=False)
    applicant_address = forms.CharField(label=_("Address"), required=False, max_length=255)
    result_delivery = forms.ChoiceField(
        label=_("How the result is returned"), choices=ResultType.choices
    )
