"""Background work of the dossiers room: reminders before a deadline, escalation after it.

``tinhso dossiers_tick`` (run it from cron or a timer, e.g. every 15 minutes in office hours)
enqueues both tasks; tests call the functions directly. Each dossier is reminded once and
escalated once (``reminded_at`` / ``escalated_at``), so running the tick often is harmless.

- reminder: the dossier's clock runs and its promised date is at most
  ``TINHSO_DOSSIER_REMIND_DAYS`` (default 1) working days away → the officer holding it (or,
  when nobody in particular holds it, the officials of the agency that do) gets an e-mail;
- escalation: the promised date has passed → the leaders of the agency holding it (the
  officials holding ``dossiers.approve``) and the officer are told, so an apology (form 04)
  goes out.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from tinhso.accounts.models import User
from tinhso.accounts.permissions import user_can
from tinhso.dossiers import clocks, services
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.permissions import DossierPerm
from tinhso.dossiers.workflow import CLOCK_RUNNING
from tinhso.kernel.calendar import calendar_from_db
from tinhso.kernel.errors import InvalidInput
from tinhso.kernel.notifications import notify

logger = logging.getLogger(__name__)


def _officials(agency_id: int, permission: str) -> list[User]:
    people = User.objects.filter(agency_id=agency_id, kind=User.Kind.OFFICIAL, is_active=True)
    return [person for person in people.prefetch_related("roles") if user_can(person, permission)]


def _tell(people, subject: str, body: str) -> int:
    sent = 0
    for person in {person.pk: person for person in people}.values():
        try:
            notify(recipient=person, subject=subject, body=body)
            sent += 1
        except InvalidInput:  # no e-mail address: nothing to send it to
            logger.info("Official %s has no address for a dossier reminder.", person.pk)
    return sent


def _running():
    return Dossier.objects.filter(status__in=CLOCK_RUNNING, due_at__isnull=False).select_related(
        "current_officer", "current_agency", "procedure_version"
    )


@task()
def send_deadline_reminders() -> int:
    """Remind the officers of the dossiers due soon; returns how many dossiers were reminded."""
    now = timezone.now()
    calendar = calendar_from_db()
    within = int(getattr(settings, "TINHSO_DOSSIER_REMIND_DAYS", 1))
    count = 0
    for dossier in _running().filter(reminded_at__isnull=True, due_at__gte=now):
        if not clocks.due_soon(dossier.due_at, within_days=within, now=now, calendar=calendar):
            continue
        if not services.dossier_mark_reminded(dossier=dossier):
            continue
        people = (
            [dossier.current_officer]
            if dossier.current_officer
            else _officials(dossier.current_agency_id, DossierPerm.PROCESS)
            + _officials(dossier.current_agency_id, DossierPerm.RECEIVE)
        )
        left = clocks.working_days_left(dossier.due_at, now=now, calendar=calendar)
        _tell(
            people,
            _("Dossier %(code)s is due soon") % {"code": dossier.code},
            _("Dossier %(code)s (%(procedure)s) is due at %(due)s: %(left)d working day(s) left.")
            % {
                "code": dossier.code,
                "procedure": dossier.procedure_version.name,
                "due": timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y"),
                "left": left or 0,
            },
        )
        count += 1
    return count


@task()
def escalate_overdue() -> int:
    """Tell the leaders about dossiers past their promised date; returns how many."""
    now = timezone.now()
    count = 0
    for dossier in _running().filter(escalated_at__isnull=True, due_at__lt=now):
        if not services.dossier_mark_reminded(dossier=dossier, escalated=True):
            continue
        people = _officials(dossier.current_agency_id, DossierPerm.APPROVE)
        if dossier.current_officer:
            people.append(dossier.current_officer)
        _tell(
            people,
            _("Dossier %(code)s is late") % {"code": dossier.code},
            _(
                "Dossier %(code)s (%(procedure)s) passed its deadline of %(due)s. "
                "Settle it or send the applicant an apology with a new date (form 04)."
            )
            % {
                "code": dossier.code,
                "procedure": dossier.procedure_version.name,
                "due": timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y"),
            },
        )
        count += 1
    return count
