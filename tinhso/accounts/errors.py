"""Error codes of the accounts room. Each refusal is a ``DomainError`` with a code the API
returns and tests assert; validators raise Django ``ValidationError`` with the codes
``cccd_*``, ``tax_code_invalid`` and ``phone_invalid`` (see ``validators``)."""

from django.utils.translation import gettext_lazy as _

from tinhso.kernel.errors import Conflict, DomainError, Forbidden, InvalidInput


class CccdTaken(Conflict):
    code = "cccd_taken"
    default_message = _("An account with this citizen identity number already exists.")


class TaxCodeTaken(Conflict):
    code = "tax_code_taken"
    default_message = _("An account with this tax code already exists.")


class UsernameTaken(Conflict):
    code = "username_taken"
    default_message = _("This username is already taken.")


class UsernameReserved(InvalidInput):
    code = "username_reserved"
    default_message = _(
        "An official's username must contain a letter: numbers alone are kept for citizen "
        "identity numbers and tax codes."
    )


class AgencyNotFound(InvalidInput):
    code = "agency_not_found"
    default_message = _("The agency does not exist or is outside your scope.")


class RoleNotFound(InvalidInput):
    code = "role_not_found"
    default_message = _("One of the roles does not exist.")


class RoleNotGrantable(Forbidden):
    code = "role_not_grantable"
    default_message = _("You cannot give or take away a role with permissions you do not hold.")


class UnknownPermission(InvalidInput):
    code = "unknown_permission"
    default_message = _("One of the permissions does not exist.")


class LoginFailed(DomainError):
    status = 401
    code = "login_failed"
    default_message = _("The username or password is not correct.")
