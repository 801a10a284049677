"""Error codes of the units room.

Each class is one refusal with a stable ``code`` that API clients and tests match on; the
message is English here and Vietnamese through the translation catalogue.
"""

from django.utils.translation import gettext_lazy as _

from tinhso.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound


class UnitNotFound(NotFound):
    code = "unit_not_found"
    default_message = _("No administrative unit in force has this code.")


class UnitUnknown(InvalidInput):
    """A unit referenced from a request body (not the URL) does not exist."""

    code = "unit_unknown"
    default_message = _("No administrative unit in force has this code.")


class UnitCodeInvalid(InvalidInput):
    code = "unit_code_invalid"
    default_message = _(
        "A unit code is 1 to 20 letters, digits, dots, dashes or underscores, "
        "starting with a letter or digit."
    )


class UnitCodeTaken(InvalidInput):
    code = "unit_code_taken"
    default_message = _("Another unit in force already has this code.")


class UnitNameEmpty(InvalidInput):
    code = "unit_name_empty"
    default_message = _("A unit needs a name.")


class UnitTypeInvalid(InvalidInput):
    code = "unit_type_invalid"
    default_message = _("This is not a known type of administrative unit.")


class UnitValidityInvalid(InvalidInput):
    code = "unit_validity_invalid"
    default_message = _("A unit cannot end before it starts.")


class UnitParentRetired(InvalidInput):
    code = "unit_parent_retired"
    default_message = _("A unit in force cannot sit under a unit that is no longer in force.")


class UnitMoveCycle(InvalidInput):
    code = "unit_move_cycle"
    default_message = _("A unit cannot be moved under itself or one of its own sub-units.")


class UnitTreeTooDeep(InvalidInput):
    code = "unit_tree_too_deep"
    default_message = _("The unit tree would become deeper than the system supports.")


class UnitRetired(Conflict):
    code = "unit_retired"
    default_message = _("This unit is no longer in force.")


class UnitHasChildrenInForce(InvalidInput):
    code = "unit_has_children_in_force"
    default_message = _("Move or retire the sub-units still in force before retiring this unit.")


class UnitSuccessorInvalid(InvalidInput):
    code = "unit_successor_invalid"
    default_message = _("A successor must be another unit that is in force.")


class UnitOutOfScope(Forbidden):
    code = "unit_out_of_scope"
    default_message = _("This unit lies outside the units you manage.")


class ProvinceUnknown(InvalidInput):
    code = "units_province_unknown"
    default_message = _("No province has this name.")


class UnitsImportInvalid(InvalidInput):
    """The CSV file has bad rows; ``details`` lists every one with its line number."""

    code = "units_import_invalid"
    default_message = _("The file has rows that are not valid; nothing was loaded.")


class ValueTooLong(InvalidInput):
    code = "value_too_long"
    default_message = _("A value is longer than allowed.")


class AgencyCodeInvalid(InvalidInput):
    code = "agency_code_invalid"
    default_message = _(
        "The electronic identifier must look like 000.00.24.H12 (QCVN 102:2016/BTTTT)."
    )


class AgencyCodeTaken(InvalidInput):
    code = "agency_code_taken"
    default_message = _("Another agency already has this electronic identifier.")


class AgencyNameEmpty(InvalidInput):
    code = "agency_name_empty"
    default_message = _("An agency needs a name.")


class AgencyKindInvalid(InvalidInput):
    code = "agency_kind_invalid"
    default_message = _("This is not a known kind of agency.")


class AgencyEmailInvalid(InvalidInput):
    code = "agency_email_invalid"
    default_message = _("Enter a valid e-mail address.")


class AgencyParentInvalid(InvalidInput):
    code = "agency_parent_invalid"
    default_message = _(
        "The parent agency must sit on the same unit or a unit above it, and cannot be "
        "the agency itself or one of its sub-agencies."
    )


class AgencyUnitRetired(InvalidInput):
    code = "agency_unit_retired"
    default_message = _("An agency cannot be placed on a unit that is no longer in force.")
