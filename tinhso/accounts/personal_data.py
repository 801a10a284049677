"""Who may see personal data unmasked (Decree 13/2023/NĐ-CP).

The rule: the person themself, a superuser, and an official holding
``Perm.CITIZENS_VIEW_PERSONAL`` whose scope covers the subject. An official subject is covered
when their agency's unit is in the viewer's subtree. A citizen or business belongs to no unit:
they are covered only through the record that brings them to the official (a dossier received
by an agency in scope), so callers pass that record's ``unit``; without it the data stays
masked.

Everyone else sees ``mask_cccd`` / ``mask_phone`` / ``mask_address``.
"""

from tinhso.accounts.permissions import Perm
from tinhso.accounts.scope import unit_in_scope
from tinhso.accounts.validators import mask_address, mask_cccd, mask_phone
from tinhso.units.models import Unit


def show_personal_data(viewer, subject, *, unit: Unit | None = None) -> bool:
    """Whether ``viewer`` may see ``subject``'s CCCD, phone and address in clear.

    For an official subject, pass the user fetched with ``select_related("agency__unit")``
    to keep this free of queries.
    """
    if viewer is None or not viewer.is_authenticated or not viewer.is_active:
        return False
    if viewer.is_superuser or (subject is not None and viewer.pk == subject.pk):
        return True
    if unit is None and subject is not None and subject.is_official and subject.agency_id:
        unit = subject.agency.unit
    return unit_in_scope(viewer, unit, permission=Perm.CITIZENS_VIEW_PERSONAL)


def personal_data_for(viewer, subject, *, unit: Unit | None = None) -> dict[str, str]:
    """The subject's CCCD, phone and address as ``viewer`` may see them."""
    if show_personal_data(viewer, subject, unit=unit):
        return {"cccd": subject.cccd, "phone": subject.phone, "address": subject.address}
    return {
        "cccd": mask_cccd(subject.cccd),
        "phone": mask_phone(subject.phone),
        "address": mask_address(subject.address),
    }
