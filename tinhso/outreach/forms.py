"""Forms of the outreach pages. They parse and show errors; every rule lives in ``services``.

Labels are English msgids translated to Vietnamese; number fields open the phone's number pad
(``inputmode="numeric"``) and never go below zero.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.outreach.models import ActivityLog, Audience, Priority, Question, Skill

SKILL_LABELS = {
    Skill.PUBLIC_SERVICES: _("Online public services"),
    Skill.ONLINE_SHOPPING: _("Online shopping"),
    Skill.ONLINE_PAYMENT: _("Online payment"),
    Skill.SAFETY_ONLINE: _("Staying safe online"),
    Skill.LOCAL_PLATFORMS: _("Local platforms"),
}


def _count(label, help_text=""):
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=0,
        max_value=100000,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "step": 1}),
    )


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ActivityLogForm(forms.Form):
    """One activity of a community digital-technology team (nhật ký hoạt động).

    The same fields go to the sync API when the phone saved the log offline; ``client_uuid``
    is made on the phone (or here, when the form is posted without JavaScript).
    """

    client_uuid = forms.UUIDField(widget=forms.HiddenInput, required=False)
    team = forms.TypedChoiceField(
        label=_("Team"), coerce=int, widget=forms.Select(attrs={"data-sync-key": "team_id"})
    )
    date = forms.DateField(label=_("Date"), widget=_date_widget())
    place = forms.CharField(
        label=_("Place"),
        max_length=255,
        help_text=_("Village, hamlet or the place of the session."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("Kind of activity"), choices=ActivityLog.Kind.choices)
    households_visited = _count(_("Households visited"))
    guided_public_services = _count(SKILL_LABELS[Skill.PUBLIC_SERVICES])
    guided_online_shopping = _count(SKILL_LABELS[Skill.ONLINE_SHOPPING])
    guided_online_payment = _count(SKILL_LABELS[Skill.ONLINE_PAYMENT])
    guided_safety_online = _count(SKILL_LABELS[Skill.SAFETY_ONLINE])
    guided_local_platforms = _count(SKILL_LABELS[Skill.LOCAL_PLATFORMS])
    vneid_installed = _count(_("VNeID installed"))
    vneid_level2 = _count(_("VNeID level 2 activated"))
    online_dossiers = _count(_("Online dossiers assisted"))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    SKILL_FIELD_NAMES = [
        "guided_public_services",
        "guided_online_shopping",
        "guided_online_payment",
        "guided_safety_online",
        "guided_local_platforms",
    ]
    COUNT_FIELD_NAMES = [
        "households_visited",
        *SKILL_FIELD_NAMES,
        "vneid_installed",
        "vneid_level2",
        "online_dossiers",
    ]

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        teams = list(teams)
        self.fields["team"].choices = [(team.pk, team.name) for team in teams]
        if len(teams) == 1:
            self.fields["team"].initial = teams[0].pk
        self.fields["date"].initial = timezone.localdate()
        if not self.is_bound:
            self.fields["client_uuid"].initial = uuid.uuid4()

    @property
    def skill_fields(self):
        return [self[name] for name in self.SKILL_FIELD_NAMES]

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate() + dt.timedelta(days=1):
            raise forms.ValidationError(_("An activity cannot be logged in the future."))
        return value

    def item(self) -> dict:
        """The log as one item of ``activity_log_sync``."""
        data = self.cleaned_data
        item = {
            "client_uuid": str(data.get("client_uuid") or uuid.uuid4()),
            "team_id": data["team"],
            "date": data["date"].isoformat(),
            "place": data["place"],
            "kind": data["kind"],
            "note": data.get("note") or "",
        }
        for name in self.COUNT_FIELD_NAMES:
            item[name] = data.get(name) or 0
        return item


class ContentForm(forms.Form):
    """A draft of communication content (bản thảo)."""

    kind = forms.ChoiceField(label=_("Kind"))
    title = forms.CharField(label=_("Headline"), max_length=255)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 10}))
    campaign = forms.TypedChoiceField(
        label=_("Campaign"), required=False, coerce=int, empty_value=None
    )
    priority = forms.ChoiceField(
        label=_("Broadcast priority"),
        choices=Priority.choices,
        initial=Priority.NORMAL,
        help_text=_("Radio bulletins only. An emergency bulletin pre-empts the schedule."),
    )
    dx_section = forms.BooleanField(
        label=_("Part of the weekly digital-transformation radio section"), required=False
    )

    def __init__(self, *args, kinds=(), campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kinds)
        self.fields["campaign"].choices = [("", _("No campaign"))] + [
            (campaign.pk, campaign.title) for campaign in campaigns
        ]


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the author"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _local_datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ScheduleForm(forms.Form):
    """Put an approved bulletin on a loudspeaker cluster's schedule."""

    cluster = forms.TypedChoiceField(label=_("Loudspeaker cluster"), coerce=int)
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=_local_datetime_widget(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )

    def __init__(self, *args, clusters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cluster"].choices = [
            (cluster.pk, f"{cluster.name} – {cluster.station.name}") for cluster in clusters
        ]


class PlayLogForm(forms.Form):
    """An operator's entry of what a cluster aired (nhật ký phát)."""

    cluster = forms.TypedChoiceField(label=_("Loudspeaker cluster"), coerce=int)
    content = forms.TypedChoiceField(label=_("Bulletin"), coerce=int)
    started_at = forms.DateTimeField(
        label=_("Aired at"),
        widget=_local_datetime_widget(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    minutes = forms.DecimalField(
        label=_("Minutes aired"),
        min_value=0.1,
        max_value=240,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5", "min": "0.5"}),
    )

    def __init__(self, *args, clusters=(), bulletins=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cluster"].choices = [
            (cluster.pk, f"{cluster.name} – {cluster.station.name}") for cluster in clusters
        ]
        self.fields["content"].choices = [(content.pk, content.title) for content in bulletins]


class SurveyAnswerForm(forms.Form):
    """A survey's questions as fields ``q<id>``, plus who answers (audience, commune)."""

    audience = forms.ChoiceField(
        label=_("You are"), choices=Audience.choices, initial=Audience.GENERAL
    )

    def __init__(self, *args, survey, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        units = list(units)
        if units:
            self.fields["unit"] = forms.TypedChoiceField(
                label=_("Your commune or ward"),
                coerce=int,
                choices=[(unit.pk, unit.name) for unit in units],
            )
        self.question_fields = []
        for question in survey.questions.all():
            name = f"q{question.pk}"
            if question.kind == Question.Kind.YES_NO:
                field = forms.ChoiceField(
                    choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect
                )
            elif question.kind == Question.Kind.SCALE:
                field = forms.ChoiceField(
                    choices=[(str(n), str(n)) for n in range(1, 6)], widget=forms.RadioSelect
                )
            elif question.kind == Question.Kind.CHOICE:
                field = forms.ChoiceField(
                    choices=[(choice, choice) for choice in question.choices],
                    widget=forms.RadioSelect,
                )
            else:
                field = forms.CharField(
                    max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
                )
            field.label = question.text
            field.question = question
            self.fields[name] = field
            self.question_fields.append(name)

    def answers(self) -> dict[str, str]:
        return {
            name[1:]: self.cleaned_data.get(name) or ""
            for name in self.question_fields
            if self.cleaned_data.get(name) not in (None, "")
        }


# --- management forms: campaigns, teams, surveys, dispatch ---------------------------------------

# Field names the services report in ``DomainError.details`` → the form field shown beside.
SERVICE_FIELD_ALIASES = {"addresses": "addresses", "unit": "unit", "questions": "q1_text"}


def add_service_error(form: forms.Form, exc) -> None:
    """Show a service's refusal beside the field it names (``details[].field``), or on top."""
    placed = False
    for detail in getattr(exc, "details", None) or []:
        if not isinstance(detail, dict):
            continue
        name = SERVICE_FIELD_ALIASES.get(detail.get("field"), detail.get("field"))
        if name in form.fields:
            form.add_error(name, str(exc.message))
            placed = True
            break
    if not placed:
        form.add_error(None, str(exc.message))


def _checkboxes(label, help_text=""):
    return forms.MultipleChoiceField(
        label=label, help_text=help_text, required=False, widget=forms.CheckboxSelectMultiple
    )


def _unit_label(unit) -> str:
    return f"{unit.name} ({unit.get_type_display()})"


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class CampaignForm(forms.Form):
    """A communication campaign: goal, period, peak, target units, audiences, key messages,
    channels and one target per metric the core counts (``TARGET_METRICS``)."""

    title = forms.CharField(label=_("Title"), max_length=255)
    goal = forms.CharField(
        label=_("Goal"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=_date_widget())
    ends_on = forms.DateField(label=_("Ends on"), widget=_date_widget())
    is_peak = forms.BooleanField(
        label=_("Peak campaign"),
        required=False,
        help_text=_("Peak periods are highlighted on the campaign calendar."),
    )
    target_units = _checkboxes(_("Target units"))
    audiences = _checkboxes(_("Target audiences"))
    key_messages = forms.CharField(
        label=_("Key messages"),
        required=False,
        help_text=_("One message per line."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    channels = _checkboxes(_("Channels"))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        from tinhso.outreach.models import TARGET_METRICS, ChannelKind

        self.fields["target_units"].choices = [(str(u.pk), _unit_label(u)) for u in units]
        self.fields["audiences"].choices = Audience.choices
        self.fields["channels"].choices = ChannelKind.choices
        self.target_names = []
        for key, label in TARGET_METRICS.items():
            name = f"target_{key}"
            self.fields[name] = _count(label)
            self.target_names.append(name)

    @property
    def target_fields(self):
        return [self[name] for name in self.target_names]

    @property
    def main_fields(self):
        return [self[name] for name in self.fields if name not in self.target_names]

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end date must not be before the start date."))
        return data

    def targets(self) -> dict[str, int]:
        return {
            name.removeprefix("target_"): self.cleaned_data[name]
            for name in self.target_names
            if self.cleaned_data.get(name)
        }

    def key_message_list(self) -> list[str]:
        return _lines(self.cleaned_data.get("key_messages", ""))


class TeamForm(forms.Form):
    """A new team for a village or residential group, its leader and first members."""

    unit = forms.TypedChoiceField(label=_("Village or residential group"), coerce=int)
    name = forms.CharField(label=_("Team name"), max_length=200)
    decision_ref = forms.CharField(
        label=_("Decision reference"),
        required=False,
        max_length=100,
        help_text=_("The commune chair's decision setting up the team, e.g. 12/QĐ-UBND."),
    )
    decision_date = forms.DateField(label=_("Decision date"), required=False, widget=_date_widget())
    leader_name = forms.CharField(label=_("Team leader's full name"), max_length=200)
    leader_phone = forms.CharField(
        label=_("Team leader's phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    leader_position = forms.CharField(
        label=_("Team leader's position"),
        required=False,
        max_length=200,
        help_text=_("For example: village head."),
    )
    members = forms.CharField(
        label=_("Members"),
        required=False,
        help_text=_(
            "One member per line: full name; phone; position (phone and position may be left out)."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, _unit_label(u)) for u in units]

    def member_rows(self) -> list[dict]:
        rows = []
        for line in _lines(self.cleaned_data.get("members", "")):
            parts = [part.strip() for part in line.split(";")] + ["", ""]
            rows.append({"full_name": parts[0], "phone": parts[1], "position": parts[2]})
        return rows


class MemberForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"))
    position = forms.CharField(label=_("Position"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from tinhso.outreach.models import TeamMember

        self.fields["role"].choices = TeamMember.Role.choices
        self.fields["role"].initial = TeamMember.Role.MEMBER


class TrainingForm(forms.Form):
    title = forms.CharField(label=_("Training"), max_length=255)
    held_on = forms.DateField(label=_("Date"), widget=_date_widget())
    organiser = forms.CharField(label=_("Organiser"), required=False, max_length=200)
    hours = forms.DecimalField(
        label=_("Hours"),
        required=False,
        min_value=0,
        max_value=999,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5", "min": "0"}),
    )
    attendees = _count(_("Attendees"))
    skills = _checkboxes(_("Skills"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].choices = [(key, label) for key, label in SKILL_LABELS.items()]


SURVEY_QUESTION_ROWS = 6


class SurveyForm(forms.Form):
    """A questionnaire: up to ``SURVEY_QUESTION_ROWS`` questions (empty rows are skipped)."""

    title = forms.CharField(label=_("Title"), max_length=255)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    campaign = forms.TypedChoiceField(
        label=_("Campaign"), required=False, coerce=int, empty_value=None
    )
    phase = forms.ChoiceField(label=_("When"))
    opens_on = forms.DateField(label=_("Opens on"), required=False, widget=_date_widget())
    closes_on = forms.DateField(label=_("Closes on"), required=False, widget=_date_widget())

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        from tinhso.outreach.models import Survey

        self.fields["campaign"].choices = [("", _("No campaign"))] + [
            (campaign.pk, campaign.title) for campaign in campaigns
        ]
        self.fields["phase"].choices = Survey.Phase.choices
        self.fields["phase"].initial = Survey.Phase.STANDALONE
        self.question_rows = []
        for n in range(1, SURVEY_QUESTION_ROWS + 1):
            self.fields[f"q{n}_text"] = forms.CharField(
                label=_("Question %(number)s") % {"number": n}, required=False, max_length=500
            )
            self.fields[f"q{n}_kind"] = forms.ChoiceField(
                label=_("Kind of answer"), choices=Question.Kind.choices, initial="yes_no"
            )
            self.fields[f"q{n}_choices"] = forms.CharField(
                label=_("Choices"),
                required=False,
                help_text=_("For one choice: one choice per line."),
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[f"q{n}_correct"] = forms.CharField(
                label=_("The right choice"),
                required=False,
                max_length=200,
                help_text=_("Counted in the awareness score when given."),
            )
            self.question_rows.append(
                {
                    "number": n,
                    "fields": [
                        self[f"q{n}_{part}"] for part in ("text", "kind", "choices", "correct")
                    ],
                }
            )

    @property
    def head_fields(self):
        return [
            self[name]
            for name in ("title", "description", "campaign", "phase", "opens_on", "closes_on")
        ]

    def clean(self):
        data = super().clean()
        opens_on, closes_on = data.get("opens_on"), data.get("closes_on")
        if opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", _("The end date must not be before the start date."))
        if not self.questions() and "q1_text" not in self.errors:
            self.add_error("q1_text", _("Write at least one question."))
        for n in range(1, SURVEY_QUESTION_ROWS + 1):
            if data.get(f"q{n}_text") and data.get(f"q{n}_kind") == Question.Kind.CHOICE:
                choices = _lines(data.get(f"q{n}_choices", ""))
                if len(choices) < 2:
                    self.add_error(f"q{n}_choices", _("Give at least two choices."))
                elif data.get(f"q{n}_correct") and data[f"q{n}_correct"].strip() not in choices:
                    self.add_error(
                        f"q{n}_correct", _("The right choice must be one of the choices.")
                    )
        return data

    def questions(self) -> list[dict]:
        data = getattr(self, "cleaned_data", {})
        result = []
        for n in range(1, SURVEY_QUESTION_ROWS + 1):
            text = (data.get(f"q{n}_text") or "").strip()
            if not text:
                continue
            kind = data.get(f"q{n}_kind") or Question.Kind.YES_NO
            item = {"text": text, "kind": kind}
            if kind == Question.Kind.CHOICE:
                item["choices"] = _lines(data.get(f"q{n}_choices", ""))
                item["correct"] = (data.get(f"q{n}_correct") or "").strip()
            result.append(item)
        return result


class DispatchForm(forms.Form):
    """Send approved content on a channel to units, audiences and/or explicit addresses."""

    channel = forms.ChoiceField(label=_("Channel"))
    units = _checkboxes(
        _("Units"),
        _("Contacts registered under these units. None chosen: the whole unit of the content."),
    )
    audiences = _checkboxes(_("Audiences"), _("None chosen: every audience."))
    addresses = forms.CharField(
        label=_("Addresses"),
        required=False,
        help_text=_("Phone numbers, Zalo ids or e-mail addresses, one per line."),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )

    def __init__(self, *args, channels=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = list(channels)
        if len(self.fields["channel"].choices) == 1:
            self.fields["channel"].initial = self.fields["channel"].choices[0][0]
        self.fields["units"].choices = [(str(u.pk), _unit_label(u)) for u in units]
        self.fields["audiences"].choices = Audience.choices

    def address_list(self) -> list[str]:
        return _lines(self.cleaned_data.get("addresses", ""))
