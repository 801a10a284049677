"""Permissions of the outreach room, and the default roles that hold them."""

from django.utils.translation import gettext_lazy as _

from tinhso.accounts.permissions import register
from tinhso.accounts.roles import (
    CASE_HANDLER,
    COMMUNICATION,
    LEADER,
    UNIT_ADMIN,
    grant_by_default,
)

OUTREACH_VIEW = register("outreach.view", _("View campaigns, content, radio and teams in scope"))
OUTREACH_EDIT = register("outreach.edit", _("Plan campaigns and draft communication content"))
OUTREACH_APPROVE = register("outreach.approve", _("Approve communication content for release"))
OUTREACH_RELEASE = register(
    "outreach.release", _("Release approved content: publish, send, schedule on the radio")
)
OUTREACH_RADIO = register(
    "outreach.radio", _("Manage radio stations, loudspeaker clusters and play logs")
)
OUTREACH_TEAMS = register(
    "outreach.teams", _("Manage community digital-technology teams and their activity logs")
)
OUTREACH_SURVEYS = register("outreach.surveys", _("Run awareness surveys and enter answers"))

ALL = [
    OUTREACH_VIEW,
    OUTREACH_EDIT,
    OUTREACH_APPROVE,
    OUTREACH_RELEASE,
    OUTREACH_RADIO,
    OUTREACH_TEAMS,
    OUTREACH_SURVEYS,
]

grant_by_default(COMMUNICATION, *ALL)
grant_by_default(LEADER, OUTREACH_VIEW, OUTREACH_APPROVE)
grant_by_default(UNIT_ADMIN, OUTREACH_VIEW, OUTREACH_RADIO, OUTREACH_TEAMS, OUTREACH_SURVEYS)
grant_by_default(CASE_HANDLER, OUTREACH_VIEW, OUTREACH_TEAMS, OUTREACH_SURVEYS)
