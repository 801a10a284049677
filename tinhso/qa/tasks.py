"""Background work of the qa room: deadline reminders and escalation.

``qa_remind_and_escalate`` runs periodically (``tinhso qa_tick`` enqueues it):

- a question still open ``TINHSO_QA_REMIND_DAYS`` (default 2) working days or less before its
  deadline: the holding agency (its e-mail) and the drafter are reminded, once;
- a question open after its deadline: the supervising agency (the holding agency's parent, or
  the agency itself when it has none) is told, once per agency holding it.

Each question is handled in its own short transaction with the row locked, so a run can be
repeated or run twice at once without sending twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from tinhso.kernel.audit import audit_record
from tinhso.kernel.calendar import add_working_days, calendar_from_db
from tinhso.qa.models import Question
from tinhso.qa.services import _question_url, _tell, _tell_agency
from tinhso.qa.workflow import OPEN_STATES

BATCH = 500


def remind_days() -> int:
    return int(getattr(settings, "TINHSO_QA_REMIND_DAYS", 2))


@task()
def qa_remind_and_escalate() -> dict[str, int]:
    """Send due reminders and escalations; returns how many of each were sent."""
    now = timezone.now()
    calendar = calendar_from_db()
    # A deadline at or before this moment is within the reminder window.
    horizon = add_working_days(now, remind_days(), calendar=calendar)
    sent = {"reminded": 0, "escalated": 0}
    open_qs = Question.objects.filter(status__in=OPEN_STATES, deadline__isnull=False)

    overdue = open_qs.filter(deadline__lt=now, escalated_at__isnull=True)
    for pk in list(overdue.values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            question = (
                Question.objects.select_for_update(of=("self",))
                .select_related("agency__parent")
                .filter(pk=pk, status__in=OPEN_STATES, escalated_at__isnull=True)
                .first()
            )
            if question is None:
                continue
            question.escalated_at = now
            question.save(update_fields=["escalated_at"])
            supervisor = question.agency.parent if question.agency else None
            _tell_agency(
                supervisor or question.agency,
                _("Overdue question: %(title)s") % {"title": question.title},
                _("This question was not answered by its deadline (%(agency)s): %(url)s")
                % {
                    "agency": question.agency.name if question.agency else "—",
                    "url": _question_url(question),
                },
            )
            audit_record(actor=None, action="qa.question_escalate", obj=question)
            sent["escalated"] += 1

    due = open_qs.filter(deadline__gte=now, deadline__lte=horizon, reminder_sent_at__isnull=True)
    for pk in list(due.values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            question = (
                Question.objects.select_for_update(of=("self",))
                .select_related("agency", "drafted_by")
                .filter(pk=pk, status__in=OPEN_STATES, reminder_sent_at__isnull=True)
                .first()
            )
            if question is None:
                continue
            question.reminder_sent_at = now
            question.save(update_fields=["reminder_sent_at"])
            subject = _("Question due soon: %(title)s") % {"title": question.title}
            body = _("This question must be answered by %(deadline)s: %(url)s") % {
                "deadline": timezone.localtime(question.deadline).strftime("%d/%m/%Y %H:%M"),
                "url": _question_url(question),
            }
            _tell_agency(question.agency, subject, body)
            _tell(question.drafted_by, subject, body)
            audit_record(actor=None, action="qa.question_remind", obj=question)
            sent["reminded"] += 1
    return sent
