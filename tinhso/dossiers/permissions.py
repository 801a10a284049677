"""Permissions of the dossiers room, and the default roles that hold them.

- ``dossiers.view``: see the dossiers of one's unit subtree (and those transferred to one's
  agency);
- ``dossiers.receive``: the one-stop desk: receive, refuse, ask for supplements before receipt,
  enter an in-person dossier for a citizen, take cash, return results;
- ``dossiers.process``: handle a dossier: transfer, ask for supplements, stop, apologise, ask
  for the fee;
- ``dossiers.approve``: approve and sign the result;
- ``dossiers.manage_catalogue``: edit, import and export the procedure catalogue (only from an
  agency on a top-level unit: the catalogue is the whole installation's);
- ``dossiers.view_register``: read the register (form 07), export it, read the indicators.
"""

from django.utils.translation import gettext_lazy as _

from tinhso.accounts.permissions import register
from tinhso.accounts.roles import (
    CASE_HANDLER,
    LEADER,
    ONE_STOP_OFFICER,
    UNIT_ADMIN,
    grant_by_default,
)


class DossierPerm:
    VIEW = register("dossiers.view", _("See the dossiers in scope"))
    RECEIVE = register("dossiers.receive", _("Receive dossiers at the one-stop desk"))
    PROCESS = register("dossiers.process", _("Process dossiers"))
    APPROVE = register("dossiers.approve", _("Approve and sign dossier results"))
    MANAGE_CATALOGUE = register(
        "dossiers.manage_catalogue", _("Manage the catalogue of procedures")
    )
    VIEW_REGISTER = register(
        "dossiers.view_register", _("Read and export the dossier register and indicators")
    )


grant_by_default(ONE_STOP_OFFICER, DossierPerm.VIEW, DossierPerm.RECEIVE, DossierPerm.VIEW_REGISTER)
grant_by_default(CASE_HANDLER, DossierPerm.VIEW, DossierPerm.PROCESS)
grant_by_default(
    LEADER, DossierPerm.VIEW, DossierPerm.PROCESS, DossierPerm.APPROVE, DossierPerm.VIEW_REGISTER
)
grant_by_default(
    UNIT_ADMIN, DossierPerm.VIEW, DossierPerm.MANAGE_CATALOGUE, DossierPerm.VIEW_REGISTER
)
