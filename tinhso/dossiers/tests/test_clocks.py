"""Deadlines from the kernel calendar: Tết 2026 and 2027, the 15:00 cut-off, a decreed swap
entered by an administrator, supplement pauses, classification, working days left, and the
reminder / escalation tasks."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from tinhso.dossiers import clocks, selectors, services, tasks
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.tests.factories import DossierFactory, ProcedureFactory
from tinhso.kernel.models import CalendarDay, Notification
from tinhso.kernel.services import calendar_day_set

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args):
    return dt.datetime(*args, tzinfo=VN)


def local_day(moment):
    return moment.astimezone(VN).date()


def receive_at(setup, clock, moment, **procedure):
    clock.set(moment)
    dossier = DossierFactory(setup=setup, procedure=ProcedureFactory(**procedure), submitted=True)
    return services.dossier_receive(acting_user=setup.desk_officer, dossier=dossier)


def test_tet_2026_is_skipped(setup, clock):
    # Friday 13/2/2026, 10:00; Tết: Mon 16 – Fri 20/2 (eve + days 1–4), then the weekend.
    dossier = receive_at(setup, clock, at(2026, 2, 13, 10, 0), processing_days=3, steps=[])
    assert local_day(dossier.due_at) == dt.date(2026, 2, 25)
    assert dossier.due_at.astimezone(VN).time() == dt.time(17, 0)
    assert dossier.code.endswith("-260213-0001")


def test_after_the_cut_off_counts_from_the_next_working_day(setup, clock):
    late_in_day = at(2026, 2, 13, 15, 30)
    with_cutoff = receive_at(setup, clock, late_in_day, processing_days=3, steps=[], cutoff=True)
    without = receive_at(setup, clock, late_in_day, processing_days=3, steps=[], cutoff=False)
    assert local_day(with_cutoff.due_at) == dt.date(2026, 2, 26)
    assert local_day(without.due_at) == dt.date(2026, 2, 25)
    # Codes are numbered per agency and received day.
    assert with_cutoff.code.endswith("-260213-0001")
    assert without.code.endswith("-260213-0002")


def test_same_day_procedure_received_on_tet_eve_is_due_after_tet(setup, clock):
    # Received on a day off (Tết eve 2026): the clock starts on the next working day.
    dossier = receive_at(setup, clock, at(2026, 2, 16, 9, 0), processing_days=0, steps=[])
    assert local_day(dossier.due_at) == dt.date(2026, 2, 23)


def test_tet_2027_and_a_decreed_swap(setup, clock, django_user_model):
    # Wed 3/2/2027; Tết 2027: Thu 4 – Wed 10/2 (29 Tết to day 5, with days in lieu).
    before = receive_at(setup, clock, at(2027, 2, 3, 9, 0), processing_days=7, steps=[])
    assert local_day(before.due_at) == dt.date(2027, 2, 19)

    # The government decrees Thu 11 and Fri 12/2 off, made up on Saturday 20/2: an
    # administrator enters it, and the next deadlines follow.
    admin = django_user_model.objects.create_superuser(username="qt", password="x", email="")
    for day in (dt.date(2027, 2, 11), dt.date(2027, 2, 12)):
        calendar_day_set(
            acting_user=admin, date=day, kind=CalendarDay.Kind.DAY_OFF, name="Nghỉ bù Tết"
        )
    calendar_day_set(
        acting_user=admin,
        date=dt.date(2027, 2, 20),
        kind=CalendarDay.Kind.WORKING_DAY,
        name="Làm bù",
    )
    after = receive_at(setup, clock, at(2027, 2, 3, 9, 0), processing_days=7, steps=[])
    # 15, 16, 17, 18, 19, Sat 20, 22.
    assert local_day(after.due_at) == dt.date(2027, 2, 22)
    # Working days left on Monday 15/2 at 08:00: 16, 17, 18, 19, 20, 22.
    left = clocks.working_days_left(after.due_at, now=at(2027, 2, 15, 8, 0))
    assert left == 6


def test_supplement_pause_moves_the_deadlines(setup, clock):
    clock.set(at(2026, 3, 9, 9, 0))  # Monday
    dossier = DossierFactory(setup=setup, processing=True)  # 3 days: due Thu 12/3
    assert local_day(dossier.due_at) == dt.date(2026, 3, 12)
    step = dossier.steps.get(done_at__isnull=True)
    assert local_day(step.due_at) == dt.date(2026, 3, 12)

    clock.set(at(2026, 3, 10, 10, 0))
    services.dossier_request_supplement(
        acting_user=setup.handler, dossier=dossier, items=["Bản sao giấy chứng sinh"]
    )
    dossier.refresh_from_db()
    assert selectors.days_left(dossier) is not None  # the promised date is still shown
    assert clocks.legal_due(dossier) is None  # but the clock stands still

    clock.set(at(2026, 3, 16, 9, 0))
    services.dossier_supplement(acting_user=dossier.applicant, dossier=dossier)
    dossier.refresh_from_db()
    # Counted: 10; paused 11, 12, 13, 16; then 17, 18.
    assert local_day(dossier.legal_due_at) == dt.date(2026, 3, 18)
    assert local_day(dossier.due_at) == dt.date(2026, 3, 18)
    step = dossier.steps.get(done_at__isnull=True)
    assert local_day(step.due_at) == dt.date(2026, 3, 18)


@pytest.mark.parametrize(
    ("done", "expected"),
    [
        (at(2026, 3, 11, 16, 0), "early"),
        (at(2026, 3, 12, 16, 59), "on_time"),
        (at(2026, 3, 13, 8, 0), "late"),
    ],
)
def test_dossier_and_step_classification(setup, clock, done, expected):
    clock.set(at(2026, 3, 9, 9, 0))
    dossier = DossierFactory(setup=setup, processing=True)
    clock.set(done)
    services.dossier_approve(acting_user=setup.leader, dossier=dossier, result_title="Kết quả")
    dossier.refresh_from_db()
    assert dossier.classification == expected
    step = dossier.steps.get(code="xu_ly")
    assert step.classification == expected


def test_apology_moves_the_promised_date_but_the_dossier_stays_late(setup, clock):
    clock.set(at(2026, 3, 9, 9, 0))
    dossier = DossierFactory(setup=setup, processing=True)
    clock.set(at(2026, 3, 13, 9, 0))  # a day late
    services.dossier_apologise(
        acting_user=setup.handler,
        dossier=dossier,
        new_due_date=dt.date(2026, 3, 17),
        reason="Cần xác minh thêm tại thôn",
    )
    dossier.refresh_from_db()
    assert local_day(dossier.due_at) == dt.date(2026, 3, 17)
    assert local_day(dossier.legal_due_at) == dt.date(2026, 3, 12)
    assert dossier.files.filter(kind="04").exists()
    assert Notification.objects.filter(
        recipient=dossier.applicant, subject__contains=dossier.code
    ).exists()
    clock.set(at(2026, 3, 16, 9, 0))
    services.dossier_approve(acting_user=setup.leader, dossier=dossier, result_title="Kết quả")
    dossier.refresh_from_db()
    assert dossier.classification == "late"


def test_apology_is_refused_when_not_needed_and_for_a_bad_date(setup, clock):
    clock.set(at(2026, 3, 9, 9, 0))
    dossier = DossierFactory(setup=setup, processing=True)
    from tinhso.dossiers import errors

    with pytest.raises(errors.ApologyNotNeeded):
        services.dossier_apologise(
            acting_user=setup.handler, dossier=dossier, new_due_date=dt.date(2026, 3, 20),
            reason="Chậm",
        )  # fmt: skip
    clock.set(at(2026, 3, 13, 9, 0))
    with pytest.raises(errors.NewDueInvalid):
        services.dossier_apologise(
            acting_user=setup.handler,
            dossier=dossier,
            new_due_date=dt.date(2026, 3, 14),
            reason="Chậm",
        )  # fmt: skip  (a Saturday)


def test_reminders_and_escalation_go_once(setup, clock):
    clock.set(at(2026, 3, 9, 9, 0))
    dossier = DossierFactory(setup=setup, processing=True)  # due Thu 12/3, with the handler
    clock.set(at(2026, 3, 10, 9, 0))  # two working days left: too early
    assert tasks.send_deadline_reminders.call() == 0
    clock.set(at(2026, 3, 11, 9, 0))  # one left
    assert tasks.send_deadline_reminders.call() == 1
    assert tasks.send_deadline_reminders.call() == 0
    assert Notification.objects.filter(recipient=setup.handler).count() == 1
    assert tasks.escalate_overdue.call() == 0
    clock.set(at(2026, 3, 13, 9, 0))
    assert tasks.escalate_overdue.call() == 1
    assert tasks.escalate_overdue.call() == 0
    assert Notification.objects.filter(recipient=setup.leader).count() == 1
    assert Dossier.objects.get(pk=dossier.pk).escalated_at is not None


def test_tick_command_enqueues(setup, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("dossiers_tick")
