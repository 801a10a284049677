"""The default roles as data: what a fresh installation starts with.

Roles are rows (``Role``) a province may edit; this table only seeds them
(``services.roles_ensure_defaults``). Domain modules add their permissions to a default role
from their own ``permissions`` registration, without touching this file::

    from tinhso.accounts.roles import grant_by_default
    DOSSIERS_RECEIVE = register("dossiers.receive", _("Receive dossiers at the one-stop desk"))
    grant_by_default("can-bo-mot-cua", DOSSIERS_RECEIVE)
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from tinhso.accounts.permissions import Perm


@dataclass
class DefaultRole:
    code: str
    name: str  # a lazy translation; stored in the site's language when the row is created
    description: str
    permissions: list[str] = field(default_factory=list)


UNIT_ADMIN = "quan-tri-don-vi"
ONE_STOP_OFFICER = "can-bo-mot-cua"
CASE_HANDLER = "chuyen-vien"
LEADER = "lanh-dao"
COMMUNICATION = "truyen-thong"

DEFAULT_ROLES: dict[str, DefaultRole] = {
    role.code: role
    for role in [
        DefaultRole(
            UNIT_ADMIN,
            _("Unit administrator"),
            _("Manages the officials, agencies and calendar of their unit and the units below."),
            [
                Perm.UNITS_VIEW,
                Perm.UNITS_MANAGE,
                Perm.OFFICIALS_VIEW,
                Perm.OFFICIALS_MANAGE,
                Perm.AUDIT_VIEW,
                Perm.CALENDAR_MANAGE,
            ],
        ),
        DefaultRole(
            ONE_STOP_OFFICER,
            _("One-stop desk officer"),
            _("Receives dossiers and returns results at the one-stop desk."),
            [Perm.UNITS_VIEW, Perm.OFFICIALS_VIEW, Perm.CITIZENS_VIEW_PERSONAL],
        ),
        DefaultRole(
            CASE_HANDLER,
            _("Case handler"),
            _("Handles dossiers, reports and questions assigned to their agency."),
            [Perm.UNITS_VIEW, Perm.OFFICIALS_VIEW, Perm.CITIZENS_VIEW_PERSONAL],
        ),
        DefaultRole(
            LEADER,
            _("Leader"),
            _("Approves and signs; follows the work and the indicators of their unit."),
            [Perm.UNITS_VIEW, Perm.OFFICIALS_VIEW, Perm.AUDIT_VIEW],
        ),
        DefaultRole(
            COMMUNICATION,
            _("Communication staff"),
            _("Runs awareness campaigns, news and grassroots radio."),
            [Perm.UNITS_VIEW],
        ),
    ]
}


def grant_by_default(role_code: str, *permissions: str) -> None:
    """Add permissions to a default role (called by domain modules at import time)."""
    role = DEFAULT_ROLES[role_code]
    for permission in permissions:
        if permission not in role.permissions:
            role.permissions.append(permission)
