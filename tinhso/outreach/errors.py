"""Error codes of the outreach room.

Each class is one refusal with a stable ``code`` that API clients and tests match on; the
message is English here and Vietnamese through the translation catalogue.
"""

from django.utils.translation import gettext_lazy as _

from tinhso.kernel.errors import Conflict, DomainError, Forbidden, InvalidInput


class FieldEmpty(InvalidInput):
    code = "outreach_field_empty"
    default_message = _("Fill in every required field.")


class ValueTooLong(InvalidInput):
    code = "value_too_long"
    default_message = _("A value is longer than allowed.")


class ChoiceInvalid(InvalidInput):
    code = "outreach_choice_invalid"
    default_message = _("A value is not one of the allowed choices.")


class PeriodInvalid(InvalidInput):
    code = "outreach_period_invalid"
    default_message = _("A period cannot end before it starts.")


class UnitOutOfScope(Forbidden):
    code = "outreach_unit_out_of_scope"
    default_message = _("This unit lies outside the units you work for.")


class ContentNotEditable(Conflict):
    code = "content_not_editable"
    default_message = _("Only a draft can be changed; approved content is frozen.")


class ContentNotApproved(Conflict):
    code = "content_not_approved"
    default_message = _("This content has not been approved, so it cannot be aired or sent.")


class ContentKindInvalid(InvalidInput):
    code = "content_kind_invalid"
    default_message = _("This kind of content cannot go out on this channel.")


class ChannelDisabled(Conflict):
    code = "channel_disabled"
    default_message = _("This channel is not configured on this installation.")


class RecipientOptedOut(InvalidInput):
    code = "recipient_opted_out"
    default_message = _("This recipient has opted out of messages on this channel.")


class AddressInvalid(InvalidInput):
    code = "outreach_address_invalid"
    default_message = _("This address is not valid for the channel.")


class NoRecipients(InvalidInput):
    code = "outreach_no_recipients"
    default_message = _("There is nobody to send this to.")


class ScheduleClash(Conflict):
    code = "schedule_clash"
    default_message = _("The cluster already has a bulletin of the same or higher priority then.")


class NoAudio(Conflict):
    code = "bulletin_no_audio"
    default_message = _("The bulletin has no audio yet: generate it or upload a recording.")


class AudioInvalid(InvalidInput):
    code = "audio_type_invalid"
    default_message = _("Upload a WAV, MP3 or Ogg audio file of at most 50 MB.")


class TtsUnavailable(DomainError):
    status = 503
    code = "tts_unavailable"
    default_message = _(
        "Text-to-speech is not available: install espeak-ng (apt-get install espeak-ng)."
    )


class ClusterKeyInvalid(Forbidden):
    code = "cluster_key_invalid"
    default_message = _("The loudspeaker cluster's key is missing or wrong.")


class TeamLeaderExists(Conflict):
    code = "team_leader_exists"
    default_message = _("This team already has a leader.")


class NotTeamMember(Forbidden):
    code = "not_team_member"
    default_message = _("Only the team's members or the officials in charge can log its work.")


class SurveyNotOpen(Conflict):
    code = "survey_not_open"
    default_message = _("This survey is not open for answers.")


class SurveyAnswerInvalid(InvalidInput):
    code = "survey_answer_invalid"
    default_message = _("An answer is missing or not one of the choices.")
