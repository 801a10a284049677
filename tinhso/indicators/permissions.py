"""Permissions of the indicators room, and the default roles that hold them."""

from django.utils.translation import gettext_lazy as _

from tinhso.accounts.permissions import register
from tinhso.accounts.roles import CASE_HANDLER, LEADER, UNIT_ADMIN, grant_by_default


class IndicatorPerm:
    VIEW = register("indicators.view", _("See the internal indicators of the units in scope"))
    ENTER = register("indicators.enter", _("Enter and import indicator values in scope"))
    APPROVE = register("indicators.approve", _("Approve the reported data of the units below"))
    MANAGE = register(
        "indicators.manage", _("Define data elements, indicators, targets and DTI frameworks")
    )


grant_by_default(UNIT_ADMIN, IndicatorPerm.VIEW, IndicatorPerm.ENTER, IndicatorPerm.MANAGE)
grant_by_default(CASE_HANDLER, IndicatorPerm.VIEW, IndicatorPerm.ENTER)
grant_by_default(LEADER, IndicatorPerm.VIEW, IndicatorPerm.APPROVE)
