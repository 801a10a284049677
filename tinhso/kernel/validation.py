"""Field-level validation messages for the API, in the request's language.

pydantic explains a bad field in English ("Input should be a valid integer"); a citizen's app
should show Vietnamese. Each pydantic error type maps to a message of ours; the machine-readable
``code`` stays pydantic's type, so clients can still branch on it.
"""

from typing import Any

from django.utils.translation import gettext as _


def _messages() -> dict[str, str]:
    # Built per call so each message is translated into the active language.
    whole = _("Enter a whole number.")
    number = _("Enter a number.")
    date = _("Enter a date as YYYY-MM-DD.")
    moment = _("Enter a date and time as YYYY-MM-DDTHH:MM.")
    obj = _("Send an object.")
    uuid = _("Enter a valid identifier (UUID).")
    return {
        "missing": _("This field is required."),
        "string_type": _("Enter text."),
        "string_too_short": _("Enter at least %(min_length)s characters."),
        "string_too_long": _("Enter at most %(max_length)s characters."),
        "string_pattern_mismatch": _("The value does not have the expected format."),
        "int_type": whole,
        "int_parsing": whole,
        "int_from_float": whole,
        "float_type": number,
        "float_parsing": number,
        "decimal_type": number,
        "decimal_parsing": number,
        "bool_type": _("Enter true or false."),
        "bool_parsing": _("Enter true or false."),
        "date_type": date,
        "date_parsing": date,
        "date_from_datetime_parsing": date,
        "date_from_datetime_inexact": date,
        "datetime_type": moment,
        "datetime_parsing": moment,
        "datetime_from_date_parsing": moment,
        "time_type": _("Enter a time as HH:MM."),
        "time_parsing": _("Enter a time as HH:MM."),
        "greater_than": _("Enter a value greater than %(gt)s."),
        "greater_than_equal": _("Enter a value of at least %(ge)s."),
        "less_than": _("Enter a value less than %(lt)s."),
        "less_than_equal": _("Enter a value of at most %(le)s."),
        "literal_error": _("Choose one of: %(expected)s."),
        "enum": _("Choose one of: %(expected)s."),
        "json_invalid": _("The request body is not valid JSON."),
        "list_type": _("Send a list."),
        "dict_type": obj,
        "model_type": obj,
        "model_attributes_type": obj,
        "uuid_type": uuid,
        "uuid_parsing": uuid,
        "extra_forbidden": _("This field is not accepted."),
    }


def field_error_message(error: dict[str, Any]) -> str:
    """The message for one pydantic error dict (``type``, ``msg``, ``ctx``)."""
    kind = error.get("type", "")
    if kind == "value_error":
        # Our own validators raise ValueError with a translated message: keep it.
        return str(error.get("msg", "")).removeprefix("Value error, ")
    template = _messages().get(kind)
    if template is None:
        return _("This value is not valid.")
    context = {key: value for key, value in (error.get("ctx") or {}).items()}
    try:
        return template % context if "%(" in template else template
    except (KeyError, TypeError, ValueError):
        return _("This value is not valid.")
