"""Every allowed transition of a report, a sample of forbidden ones, and who may act."""

import pytest

from tinhso.feedback import services, workflow
from tinhso.feedback.models import ReportPause
from tinhso.feedback.tests.factories import ReportFactory
from tinhso.kernel.errors import Conflict

pytestmark = pytest.mark.django_db

# A way to reach each state from "reported".
PATHS = {
    workflow.REPORTED: [],
    workflow.ACCEPTED: ["accept"],
    workflow.IN_PROGRESS: ["accept", "start"],
    workflow.ON_HOLD: ["accept", "hold"],
    workflow.WAITING: ["accept", "ask_reporter"],
    workflow.HANDLED: ["accept", "resolve"],
    workflow.CLOSED: ["accept", "resolve", "close"],
    workflow.REOPENED: ["accept", "resolve", "reopen"],
    workflow.REJECTED_NOT_COMPETENT: ["reject_not_competent"],
    workflow.REJECTED_DUPLICATE: ["reject_duplicate"],
    workflow.REJECTED_SPAM: ["reject_spam"],
}
ALL_TRANSITIONS = [
    (source, action, target)
    for source in sorted(workflow.REPORT_FLOW.states)
    for action in workflow.REPORT_FLOW.allowed(source)
    for target in [workflow.REPORT_FLOW.target(source, action)]
]


def _drive(report, steps, user):
    for step in steps:
        services.report_act(acting_user=user, report=report, action=step, message="Lý do thử")
    return report


def test_every_state_has_a_path():
    assert set(PATHS) == workflow.REPORT_FLOW.states
    assert workflow.REPORT_FLOW.states == workflow.OPEN_STATES | workflow.DONE_STATES


@pytest.mark.parametrize(("source", "action", "target"), ALL_TRANSITIONS)
def test_every_allowed_transition(world, source, action, target):
    report = ReportFactory(
        category=world.roads, commune_code=world.commune_a.code, reporter=world.reporter
    )
    _drive(report, PATHS[source], world.handler_a)
    assert report.status == source
    if action == workflow.REPORTER_REPLIED:
        services.report_reporter_update(
            acting_user=world.reporter, report=report, message="Số nhà 15"
        )
    else:
        services.report_act(
            acting_user=world.handler_a, report=report, action=action, message="Nội dung thử"
        )
    report.refresh_from_db()
    assert report.status == target
    last = report.updates.filter(kind="status").order_by("-pk").first()
    assert (last.status_from, last.status_to) == (source, target)
    open_pauses = ReportPause.objects.filter(report=report, ended_at__isnull=True).count()
    assert open_pauses == (1 if target in workflow.PAUSED_STATES else 0)


@pytest.mark.parametrize(
    ("source", "action"),
    [
        (workflow.REPORTED, "resolve"),
        (workflow.REPORTED, "close"),
        (workflow.ACCEPTED, "accept"),
        (workflow.ON_HOLD, "ask_reporter"),
        (workflow.HANDLED, "start"),
        (workflow.CLOSED, "accept"),
        (workflow.REJECTED_SPAM, "resolve"),
        (workflow.IN_PROGRESS, "fly_away"),
    ],
)
def test_forbidden_transitions_are_409_with_the_allowed_actions(world, source, action):
    report = ReportFactory(category=world.roads, commune_code=world.commune_a.code)
    _drive(report, PATHS[source], world.handler_a)
    with pytest.raises(Conflict) as caught:
        services.report_act(acting_user=world.handler_a, report=report, action=action, message="x")
    assert caught.value.code == "transition_not_allowed"
    assert caught.value.details["allowed"] == workflow.REPORT_FLOW.allowed(source)
    assert str(caught.value.message) == "Không được thực hiện thao tác này ở trạng thái hiện tại."
    report.refresh_from_db()
    assert report.status == source


def test_actions_that_need_a_reason_or_an_answer(world):
    report = ReportFactory(category=world.roads, commune_code=world.commune_a.code, accepted=True)
    for action, code in [
        ("hold", "reason_required"),
        ("ask_reporter", "reason_required"),
        ("resolve", "answer_required"),
        ("reject_spam", "reason_required"),
    ]:
        with pytest.raises(Exception) as caught:
            services.report_act(acting_user=world.handler_a, report=report, action=action)
        assert caught.value.code == code


def test_another_communes_handler_cannot_act(world):
    report = ReportFactory(category=world.roads, commune_code=world.commune_a.code)
    with pytest.raises(Exception) as caught:
        services.report_accept(acting_user=world.handler_b, report=report)
    assert caught.value.code == "report_not_found"
    # The supervising province official may act on it.
    services.report_accept(acting_user=world.province_handler, report=report)
    assert report.status == "accepted"


def test_a_citizen_cannot_act(world):
    report = ReportFactory(category=world.roads, commune_code=world.commune_a.code)
    with pytest.raises(Exception) as caught:
        services.report_accept(acting_user=world.reporter, report=report)
    assert caught.value.code == "forbidden"


def test_reassign_with_a_reason_keeps_the_history(world):
    report = ReportFactory(category=world.roads, commune_code=world.commune_a.code)
    services.report_reassign(
        acting_user=world.handler_a, report=report, agency=world.agency_b, reason="Thuộc địa bàn B"
    )
    report.refresh_from_db()
    assert report.agency == world.agency_b
    entry = report.updates.filter(kind="assignment").order_by("-pk").first()
    assert (entry.agency_from, entry.agency_to, entry.message) == (
        world.agency_a,
        world.agency_b,
        "Thuộc địa bàn B",
    )
    assert not entry.is_public
    with pytest.raises(Exception) as caught:
        services.report_reassign(
            acting_user=world.handler_a, report=report, agency=world.agency_a, reason="Trả lại"
        )
    assert caught.value.code == "report_not_found"
    with pytest.raises(Exception) as caught:
        services.report_reassign(
            acting_user=world.handler_b, report=report, agency=world.agency_a, reason=""
        )
    assert caught.value.code == "reason_required"


def test_every_change_is_audited(world):
    from tinhso.kernel.models import AuditEvent

    report = ReportFactory(category=world.roads, commune_code=world.commune_a.code)
    services.report_accept(acting_user=world.handler_a, report=report)
    actions = list(
        AuditEvent.objects.filter(object_id=str(report.pk), object_type="feedback.report")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["feedback.report_create", "feedback.accept"]
