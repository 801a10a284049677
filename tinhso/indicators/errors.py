"""Error codes of the indicators room (IOC).

Each class is one refusal with a stable ``code`` that API clients and tests match on; the
message is English here and Vietnamese through the translation catalogue.
"""

from django.utils.translation import gettext_lazy as _

from tinhso.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound


class PeriodInvalid(InvalidInput):
    code = "period_invalid"
    default_message = _(
        "A period is written 202611 (a month), 2026Q4 (a quarter) or 2026 (a year)."
    )


class PeriodTypeInvalid(InvalidInput):
    code = "period_type_invalid"
    default_message = _("A period type is month, quarter or year.")


class PeriodTypeMismatch(InvalidInput):
    code = "period_type_mismatch"
    default_message = _("This data set is reported for another type of period.")


class ExpressionInvalid(InvalidInput):
    code = "expression_invalid"
    default_message = _(
        "The expression cannot be read: use numbers, + - * /, parentheses, #{code} or "
        "#{code.disaggregation} for a data element and N{code} for an indicator."
    )


class ExpressionUnknownCode(InvalidInput):
    code = "expression_unknown_code"
    default_message = _("The expression names a data element or indicator that does not exist.")


class ExpressionCycle(InvalidInput):
    code = "expression_cycle"
    default_message = _("The indicator refers to itself, directly or through other indicators.")


class CodeInvalid(InvalidInput):
    code = "indicators_code_invalid"
    default_message = _(
        "A code is 1 to 50 letters, digits, dots, dashes or underscores, starting with a "
        "letter or digit."
    )


class CodeTaken(InvalidInput):
    code = "indicators_code_taken"
    default_message = _("This code is already used.")


class NameEmpty(InvalidInput):
    code = "indicators_name_empty"
    default_message = _("A name is required.")


class AggregationInvalid(InvalidInput):
    code = "aggregation_invalid"
    default_message = _("This is not a known aggregation type.")


class ValueInvalid(InvalidInput):
    code = "value_invalid"
    default_message = _("A value must be a number.")


class ValidationRuleViolated(InvalidInput):
    code = "validation_rule_violated"
    default_message = _("The values break a validation rule of the data set.")


class RuleOperatorInvalid(InvalidInput):
    code = "rule_operator_invalid"
    default_message = _("A validation rule compares with ==, !=, <, <=, > or >=.")


class ElementNotFound(NotFound):
    code = "data_element_not_found"
    default_message = _("No data element has this code.")


class ElementUnknown(InvalidInput):
    code = "data_element_unknown"
    default_message = _("No data element has this code.")


class ElementNotInDataSet(InvalidInput):
    code = "data_element_not_in_data_set"
    default_message = _("This data element is not part of the data set.")


class ElementComputed(InvalidInput):
    code = "data_element_computed"
    default_message = _("This data element is computed by the platform and cannot be entered.")


class ComboUnknown(InvalidInput):
    code = "combo_unknown"
    default_message = _("This disaggregation does not belong to the data element.")


class DataSetNotFound(NotFound):
    code = "data_set_not_found"
    default_message = _("No data set has this code.")


class DataSetUnknown(InvalidInput):
    code = "data_set_unknown"
    default_message = _("No data set has this code.")


class IndicatorNotFound(NotFound):
    code = "indicator_not_found"
    default_message = _("No indicator has this code.")


class IndicatorUnknown(InvalidInput):
    code = "indicator_unknown"
    default_message = _("No indicator has this code.")


class UnitUnknown(InvalidInput):
    code = "org_unit_unknown"
    default_message = _("No administrative unit in force matches.")


class UnitOutOfScope(Forbidden):
    code = "indicators_unit_out_of_scope"
    default_message = _("This unit lies outside the units you may report for.")


class PeriodExpired(Conflict):
    code = "period_expired"
    default_message = _("This period is closed for data entry (its expiry days have passed).")


class PeriodInFuture(InvalidInput):
    code = "period_in_future"
    default_message = _("Values cannot be entered for a period that has not started.")


class DataSetLocked(Conflict):
    code = "data_set_locked"
    default_message = _("This form has been completed or approved: reopen it to change values.")


class ApprovalNotAllowed(Forbidden):
    code = "approval_not_allowed"
    default_message = _("Only the level above the reporting unit may approve its data.")


class ImportInvalid(InvalidInput):
    """The file has bad rows; ``details`` lists every one with its line number."""

    code = "import_invalid"
    default_message = _("The file has rows that are not valid; nothing was imported.")


class ImportFormatInvalid(InvalidInput):
    code = "import_format_invalid"
    default_message = _("The file cannot be read as dataValueSets JSON, CSV or the Excel template.")


class IdSchemeInvalid(InvalidInput):
    code = "id_scheme_invalid"
    default_message = _("The id scheme is code or name.")


class TargetInvalid(InvalidInput):
    code = "target_invalid"
    default_message = _("A target needs an indicator, a year and a number.")


class FrameworkNotFound(NotFound):
    code = "dti_framework_not_found"
    default_message = _("No DTI framework has this code.")


class FrameworkInvalid(InvalidInput):
    code = "dti_framework_invalid"
    default_message = _("The DTI framework is not valid.")
