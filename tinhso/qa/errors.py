"""Error codes of the qa room (hỏi đáp trực tuyến).

Each class is one refusal with a stable ``code`` that API clients and tests match on; the
message is English here and Vietnamese through the translation catalogue.
"""

from django.utils.translation import gettext_lazy as _

from tinhso.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound


class QuestionNotFound(NotFound):
    code = "qa_question_not_found"
    default_message = _("No question with this number is visible to you.")


class TitleInvalid(InvalidInput):
    code = "qa_title_invalid"
    default_message = _("Write a short title of 5 to 200 characters.")


class BodyInvalid(InvalidInput):
    code = "qa_body_invalid"
    default_message = _("Write your question in 10 to 10,000 characters.")


class AnswerInvalid(InvalidInput):
    code = "qa_answer_invalid"
    default_message = _("Write the answer in 10 to 20,000 characters.")


class ReasonRequired(InvalidInput):
    code = "qa_reason_required"
    default_message = _("Give a reason of at least 5 characters.")


class AgencyUnknown(InvalidInput):
    code = "qa_agency_unknown"
    default_message = _("This agency does not exist or no longer receives questions.")


class TopicUnknown(InvalidInput):
    code = "qa_field_unknown"
    default_message = _("This field does not exist.")


class ChannelInvalid(InvalidInput):
    code = "qa_channel_invalid"
    default_message = _("This is not a known channel for questions.")


class FlagReasonInvalid(InvalidInput):
    code = "qa_flag_reason_invalid"
    default_message = _("Choose why this content is abusive: spam, offensive or off-topic.")


class ForwardSameAgency(InvalidInput):
    code = "qa_forward_same_agency"
    default_message = _("Forward the question to another agency than the one that holds it.")


class TooManyAttachments(InvalidInput):
    code = "qa_too_many_attachments"
    default_message = _("Attach at most 5 files.")


class NotAsker(Forbidden):
    code = "qa_not_asker"
    default_message = _("Only the person who asked may do this.")


class AskerRequired(Forbidden):
    code = "qa_asker_required"
    default_message = _("Log in as a citizen or a business to ask a question.")


class AlreadyFlagged(Conflict):
    code = "qa_already_flagged"
    default_message = _("You have already reported this content.")


class AlreadyVoted(Conflict):
    code = "qa_already_voted"
    default_message = _("You have already marked this answer as helpful.")


class NotPublished(Conflict):
    code = "qa_not_published"
    default_message = _("This question has no published answer yet.")


class FeedbackUnavailable(Conflict):
    code = "qa_feedback_unavailable"
    default_message = _("Field reports cannot be created from questions on this installation.")
