"""Permissions of the feedback room, and the default roles that hold them."""

from django.utils.translation import gettext_lazy as _

from tinhso.accounts.permissions import register
from tinhso.accounts.roles import (
    CASE_HANDLER,
    COMMUNICATION,
    LEADER,
    ONE_STOP_OFFICER,
    UNIT_ADMIN,
    grant_by_default,
)

FEEDBACK_VIEW = register("feedback.view", _("View field reports in scope"))
FEEDBACK_HANDLE = register("feedback.handle", _("Handle field reports in scope"))
FEEDBACK_INTAKE = register(
    "feedback.intake", _("Enter field reports received by phone or in person")
)
FEEDBACK_MODERATE = register("feedback.moderate", _("Approve report photos for publication"))
FEEDBACK_MANAGE = register(
    "feedback.manage", _("Manage report categories, routing rules and Open311 clients")
)

grant_by_default(CASE_HANDLER, FEEDBACK_VIEW, FEEDBACK_HANDLE, FEEDBACK_MODERATE, FEEDBACK_INTAKE)
grant_by_default(LEADER, FEEDBACK_VIEW, FEEDBACK_HANDLE)
grant_by_default(ONE_STOP_OFFICER, FEEDBACK_VIEW, FEEDBACK_INTAKE)
grant_by_default(COMMUNICATION, FEEDBACK_MODERATE)
grant_by_default(UNIT_ADMIN, FEEDBACK_VIEW, FEEDBACK_MANAGE)
