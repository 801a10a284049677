"""Error codes of the feedback room (phản ánh hiện trường)."""

from django.utils.translation import gettext_lazy as _

from tinhso.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from tinhso.kernel.ratelimit import RateLimited as KernelRateLimited


class ReportNotFound(NotFound):
    code = "report_not_found"
    default_message = _("No field report has this code.")


class CategoryNotFound(NotFound):
    code = "category_not_found"
    default_message = _("No report category has this code.")


class CategoryUnknown(InvalidInput):
    code = "category_unknown"
    default_message = _("Choose a report category that exists and is in use.")


class CategoryTooDeep(InvalidInput):
    code = "category_too_deep"
    default_message = _("Report categories are only two levels deep.")


class CategoryCodeTaken(InvalidInput):
    code = "category_code_taken"
    default_message = _("Another category already has this service code.")


class CategoryAttributesInvalid(InvalidInput):
    code = "category_attributes_invalid"
    default_message = _("The Open311 attribute definitions are not valid.")


class DescriptionRequired(InvalidInput):
    code = "description_required"
    default_message = _("Describe what you saw.")


class DescriptionTooLong(InvalidInput):
    code = "description_too_long"
    default_message = _("The description may be at most 4000 characters.")


class LocationRequired(InvalidInput):
    code = "location_required"
    default_message = _("Give the location: a point on the map, a commune or an address.")


class LocationInvalid(InvalidInput):
    code = "location_invalid"
    default_message = _(
        "The latitude must be between -90 and 90 and the longitude between -180 and 180."
    )


class LocationOutsideProvince(InvalidInput):
    code = "location_outside_province"
    default_message = _("This location lies outside the province served by this system.")


class CommuneUnknown(InvalidInput):
    code = "commune_unknown"
    default_message = _("No commune of this province has this code.")


class AttributeRequired(InvalidInput):
    code = "attribute_required"
    default_message = _("A required attribute of this category is missing.")


class AttributeInvalid(InvalidInput):
    code = "attribute_invalid"
    default_message = _("An attribute value is not one of the allowed values.")


class ContactInvalid(InvalidInput):
    code = "contact_invalid"
    default_message = _("Enter a valid e-mail address and phone number.")


class ValueTooLong(InvalidInput):
    code = "feedback_value_too_long"
    default_message = _("A value is longer than allowed.")


class ReasonRequired(InvalidInput):
    code = "reason_required"
    default_message = _("Give a reason.")


class AnswerRequired(InvalidInput):
    code = "answer_required"
    default_message = _("Write the official answer before marking the report handled.")


class AgencyInvalid(InvalidInput):
    code = "feedback_agency_invalid"
    default_message = _("Choose an active agency.")


class ExtensionInvalid(InvalidInput):
    code = "extension_invalid"
    default_message = _("An extension is 1 to 30 days, with a reason.")


class RatingInvalid(InvalidInput):
    code = "rating_invalid"
    default_message = _("A rating is a whole number from 1 to 5.")


class RatingNotAllowed(Conflict):
    code = "rating_not_allowed"
    default_message = _("Only a handled report can be rated, once, by its reporter.")


class DuplicateInvalid(InvalidInput):
    code = "duplicate_invalid"
    default_message = _("A report can only be merged into another open report.")


class NotReporter(Forbidden):
    code = "not_reporter"
    default_message = _("Only the person who sent this report can do this.")


class ReportAnonymised(Conflict):
    code = "report_anonymised"
    default_message = _("The personal data of this report has been removed.")


class ApiKeyInvalid(Forbidden):
    code = "api_key_invalid"
    default_message = _("The api_key is missing, unknown or disabled.")


class RateLimited(KernelRateLimited):
    """The shared limiter's refusal (429, ``rate_limited``, Retry-After)."""


class PhotoNotFound(NotFound):
    code = "photo_not_found"
    default_message = _("No photo of this report has this number.")


class TooManyPhotos(InvalidInput):
    code = "too_many_photos"
    default_message = _("A report may have at most 5 photos.")
