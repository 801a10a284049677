"""Permissions of the qa room, and the default roles that get them.

- ``qa.view``: see the questions of the agencies in one's scope (the officer queue);
- ``qa.route``: the desk that routes "don't know which agency" questions;
- ``qa.answer``: draft answers, forward a question to another agency;
- ``qa.review``: review, approve and publish answers, reject questions;
- ``qa.moderate``: restore or remove content hidden by users' flags.
"""

from django.utils.translation import gettext_lazy as _

from tinhso.accounts.permissions import register
from tinhso.accounts.roles import CASE_HANDLER, LEADER, ONE_STOP_OFFICER, grant_by_default


class QaPerm:
    VIEW = register("qa.view", _("See the questions of the agencies in scope"))
    ROUTE = register("qa.route", _("Route questions to the agency that answers them"))
    ANSWER = register("qa.answer", _("Draft answers to questions and forward questions"))
    REVIEW = register("qa.review", _("Review, approve and publish answers"))
    MODERATE = register("qa.moderate", _("Moderate reported questions"))


grant_by_default(CASE_HANDLER, QaPerm.VIEW, QaPerm.ANSWER)
grant_by_default(LEADER, QaPerm.VIEW, QaPerm.ANSWER, QaPerm.REVIEW, QaPerm.MODERATE)
grant_by_default(ONE_STOP_OFFICER, QaPerm.VIEW, QaPerm.ROUTE, QaPerm.MODERATE)
