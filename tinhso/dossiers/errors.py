"""Error codes of the dossiers room.

Each class is one refusal with a stable ``code`` that API clients and tests match on; the
message is English here and Vietnamese through the translation catalogue. Field-level
problems carry ``details=[{"field", "code", "message"}, ...]``; a catalogue import carries
``details=[{"line", "code", "field", "message"}, ...]``. A move the workflow does not allow is
the kernel's ``transition_not_allowed`` (409, with the allowed actions).
"""

from django.utils.translation import gettext_lazy as _

from tinhso.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound


def with_fields(error, problems: list[dict]):
    """``error`` carrying field-level ``details``."""
    error.details = problems
    return error


def field_problem(field: str, code: str, message) -> dict:
    return {"field": field, "code": code, "message": str(message)}


# --- catalogue ------------------------------------------------------------------------------


class ProcedureNotFound(NotFound):
    code = "procedure_not_found"
    default_message = _("No procedure has this code.")


class ProcedureInactive(Conflict):
    code = "procedure_inactive"
    default_message = _("This procedure is no longer offered.")


class ProcedureNotOnline(InvalidInput):
    code = "procedure_not_online"
    default_message = _("This procedure cannot be filed online; please go to the one-stop desk.")


class ProcedureInvalid(InvalidInput):
    code = "procedure_invalid"
    default_message = _("The procedure's data is not valid.")


class CatalogueFileInvalid(InvalidInput):
    code = "catalogue_file_invalid"
    default_message = _("The catalogue file could not be read: use the CSV or Excel template.")


class CatalogueRowsInvalid(InvalidInput):
    code = "catalogue_rows_invalid"
    default_message = _("Some rows of the catalogue are not valid; nothing was imported.")


class CatalogueOutOfScope(Forbidden):
    code = "catalogue_out_of_scope"
    default_message = _("Only the province's administrators may change the catalogue.")


# --- filing ---------------------------------------------------------------------------------


class DossierNotFound(NotFound):
    code = "dossier_not_found"
    default_message = _("No dossier has this code.")


class FormInvalid(InvalidInput):
    code = "form_invalid"
    default_message = _("Some answers of the form are missing or not valid.")


class PaperMissing(InvalidInput):
    code = "paper_missing"
    default_message = _("Some required papers are not attached.")


class PaperUnknown(InvalidInput):
    code = "paper_unknown"
    default_message = _("This procedure does not ask for this paper.")


class AgencyInvalid(InvalidInput):
    code = "agency_invalid"
    default_message = _("This agency cannot receive or handle this procedure.")


class OfficerInvalid(InvalidInput):
    code = "officer_invalid"
    default_message = _("This official does not work for the chosen agency.")


class ApplicantRequired(InvalidInput):
    code = "applicant_required"
    default_message = _("Enter who the dossier is filed for.")


class TaxCodeRequired(InvalidInput):
    code = "tax_code_required"
    default_message = _("A business files with its tax code.")


class NotApplicant(Forbidden):
    code = "not_applicant"
    default_message = _("Only the applicant may do this.")


class DossierNotDraft(Conflict):
    code = "dossier_not_draft"
    default_message = _("Only a draft can be changed.")


class ReasonRequired(InvalidInput):
    code = "reason_required"
    default_message = _("Give the reasons.")


class NewDueInvalid(InvalidInput):
    code = "new_due_invalid"
    default_message = _("The new date must be a working day after the current deadline.")


class ApologyNotNeeded(Conflict):
    code = "apology_not_needed"
    default_message = _("This dossier is not late: no apology is needed yet.")


class ResultMissing(InvalidInput):
    code = "result_missing"
    default_message = _("Give the result: a title and its content, or a result file.")


# --- money ----------------------------------------------------------------------------------


class PaymentNotDue(Conflict):
    code = "payment_not_due"
    default_message = _("Nothing is to be paid for this dossier now.")


class PaymentUnknown(InvalidInput):
    code = "payment_unknown"
    default_message = _("No payment has this reference.")


class PaymentAmountMismatch(InvalidInput):
    code = "payment_amount_mismatch"
    default_message = _("The amount paid does not match the amount due.")


class AmountInvalid(InvalidInput):
    code = "amount_invalid"
    default_message = _("Enter an amount in dong, zero or more.")


# --- rating ---------------------------------------------------------------------------------


class RatingInvalid(InvalidInput):
    code = "rating_invalid"
    default_message = _("Give a rating from 1 to 5.")


class RatingNotAllowed(Conflict):
    code = "rating_not_allowed"
    default_message = _("A dossier can be rated once, after its result.")
