"""Reminders before the deadline and escalation after it (``qa_remind_and_escalate``)."""

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from tinhso.kernel.models import Notification
from tinhso.qa.models import Question
from tinhso.qa.tasks import qa_remind_and_escalate
from tinhso.qa.tests.factories import QuestionFactory
from tinhso.units.tests.factories import AgencyFactory


def test_reminder_once_before_the_deadline(qa):
    question = QuestionFactory(agency=qa.agency_a)
    Question.objects.filter(pk=question.pk).update(deadline=timezone.now() + dt.timedelta(hours=3))
    Notification.objects.all().delete()
    assert qa_remind_and_escalate.call() == {"reminded": 1, "escalated": 0}
    assert Notification.objects.filter(address="xaan@example.vn").count() == 1
    assert qa_remind_and_escalate.call() == {"reminded": 0, "escalated": 0}


def test_escalation_to_the_supervising_agency(qa):
    supervisor = AgencyFactory(unit=qa.province, name="UBND tỉnh", email="tinh@example.vn")
    qa.agency_a.parent = supervisor
    qa.agency_a.save()
    question = QuestionFactory(agency=qa.agency_a)
    Question.objects.filter(pk=question.pk).update(deadline=timezone.now() - dt.timedelta(days=1))
    assert qa_remind_and_escalate.call()["escalated"] == 1
    mail = Notification.objects.get(address="tinh@example.vn")
    assert question.title in mail.subject
    assert qa_remind_and_escalate.call()["escalated"] == 0


def test_answered_questions_are_left_alone(qa):
    question = QuestionFactory(agency=qa.agency_a, published=True)
    Question.objects.filter(pk=question.pk).update(deadline=timezone.now() - dt.timedelta(days=1))
    assert qa_remind_and_escalate.call() == {"reminded": 0, "escalated": 0}


def test_tick_command_runs_now(qa, capsys):
    call_command("qa_tick", "--now")
    assert "reminded=0 escalated=0" in capsys.readouterr().out
