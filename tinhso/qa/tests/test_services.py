"""Asking, routing, answering and publishing through the services; every transition."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tinhso.kernel.errors import Conflict, Forbidden
from tinhso.kernel.models import AuditEvent, Notification
from tinhso.qa import errors, services
from tinhso.qa.models import Question, QuestionAttachment
from tinhso.qa.tests.factories import QuestionFactory, TopicFactory
from tinhso.qa.workflow import QUESTION_FLOW, Status

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def ask(qa, **kwargs):
    values = {
        "acting_user": qa.citizen,
        "asker": qa.citizen,
        "title": "Đăng ký khai sinh cho con",
        "body": "Tôi cần giấy tờ gì để đăng ký khai sinh cho con mới sinh?",
    }
    values.update(kwargs)
    return services.question_create(**values)


def test_ask_an_agency_starts_assigned_with_a_deadline(qa):
    topic = TopicFactory(code="ho-tich", name="Hộ tịch")
    question = ask(qa, agency=qa.agency_a, field="ho-tich")
    assert question.status == Status.ASSIGNED
    assert question.unit == qa.commune_a
    assert question.topic == topic
    assert question.title_folded == "dang ky khai sinh cho con"
    assert question.deadline > question.created_at + dt.timedelta(days=13)
    assert AuditEvent.objects.filter(action="qa.question_create", object_id=str(question.pk))
    # The agency is told by e-mail.
    assert Notification.objects.filter(address="xaan@example.vn").exists()


def test_ask_dont_know_which_waits_for_the_desk(qa):
    question = ask(qa)
    assert question.status == Status.SUBMITTED
    assert question.agency is None
    assert question.unit == qa.province


def test_deadline_counts_working_days_from_the_kernel_calendar(qa, settings):
    settings.TINHSO_QA_ANSWER_DAYS = 3
    question = ask(qa, agency=qa.agency_a)
    # Friday 2026-10-09 10:00 local → Wed 14 (3 working days: Mon, Tue, Wed) at office close.
    friday = dt.datetime(2026, 10, 9, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert services._deadline(friday).date() == dt.date(2026, 10, 14)
    # Vietnamese Culture Day (24 November) is a day off: it does not count.
    friday = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert services._deadline(friday).date() == dt.date(2026, 11, 26)
    assert question.deadline is not None


def test_ask_checks_title_body_agency_field(qa):
    with pytest.raises(errors.TitleInvalid):
        ask(qa, title="Hỏi")
    with pytest.raises(errors.BodyInvalid):
        ask(qa, body="ngắn")
    qa.agency_b.is_active = False
    qa.agency_b.save()
    with pytest.raises(errors.AgencyUnknown):
        ask(qa, agency=qa.agency_b)
    with pytest.raises(errors.TopicUnknown):
        ask(qa, field="khong-co")
    with pytest.raises(errors.ChannelInvalid):
        ask(qa, channel="fax")


def test_a_citizen_cannot_ask_for_someone_else(qa):
    with pytest.raises(errors.NotAsker):
        ask(qa, acting_user=qa.other_citizen)


def test_an_official_may_enter_a_question_for_a_citizen(qa):
    question = ask(qa, acting_user=qa.desk, channel="hotline")
    assert question.asker == qa.citizen
    assert question.channel == "hotline"


def test_question_create_for_a_field_report_without_asker(qa):
    question = services.question_create(
        acting_user=None,
        asker=None,
        title="Phản ánh chuyển thành câu hỏi",
        body="Người dân hỏi về thời gian sửa đường liên xã.",
        agency=qa.agency_a,
        channel="feedback",
        source_ref="feedback:42",
    )
    assert question.source_ref == "feedback:42"
    assert question.channel == "feedback"


def test_attachments_are_checked_and_kept(qa):
    photo = SimpleUploadedFile("anh.png", PNG, content_type="image/png")
    question = ask(qa, agency=qa.agency_a, attachments=[photo])
    assert QuestionAttachment.objects.filter(question=question, kind="question").count() == 1
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf")
    with pytest.raises(Exception) as caught:
        ask(qa, agency=qa.agency_a, attachments=[fake])
    assert getattr(caught.value, "status", None) == 422


def test_full_path_draft_review_publish(qa):
    question = ask(qa, agency=qa.agency_a)
    question = services.answer_save_draft(
        acting_user=qa.drafter, question=question, answer="Cần giấy chứng sinh và CCCD của cha mẹ."
    )
    assert question.status == Status.DRAFTING
    question = services.answer_save_draft(
        acting_user=qa.drafter, question=question, answer="Cần giấy chứng sinh, CCCD của cha mẹ."
    )
    question = services.answer_submit_for_review(acting_user=qa.drafter, question=question)
    assert question.status == Status.IN_REVIEW
    question = services.answer_return(
        acting_user=qa.leader, question=question, note="Bổ sung căn cứ"
    )
    assert question.status == Status.DRAFTING
    question = services.answer_submit_for_review(
        acting_user=qa.drafter,
        question=question,
        answer="Theo Luật Hộ tịch 2014, cần giấy chứng sinh và CCCD của cha mẹ.",
    )
    question = services.answer_publish(acting_user=qa.leader, question=question)
    assert question.status == Status.PUBLISHED
    assert question.published_at == question.answered_at
    assert question.answered_by_agency == qa.agency_a
    assert question.answered_on_time is True
    assert question.working_days_to_answer == 0
    assert question.answer_folded.startswith("theo luat ho tich 2014")
    assert Notification.objects.filter(address="dan@example.vn").exists()


def test_approve_then_publish_keeps_two_times(qa):
    question = QuestionFactory(agency=qa.agency_a, in_state="answered")
    assert question.status == Status.ANSWERED and question.published_at is None
    answered_at = question.answered_at
    question = services.answer_publish(acting_user=qa.leader, question=question)
    assert question.answered_at == answered_at
    assert question.published_at >= answered_at


def test_route_and_forward_with_reason_tell_the_asker(qa):
    question = ask(qa)
    question = services.question_route(acting_user=qa.desk, question=question, agency=qa.agency_a)
    assert question.status == Status.ASSIGNED and question.unit == qa.commune_a
    with pytest.raises(errors.ReasonRequired):
        services.question_forward(
            acting_user=qa.drafter, question=question, agency=qa.agency_b, reason=""
        )
    with pytest.raises(errors.ForwardSameAgency):
        services.question_forward(
            acting_user=qa.drafter, question=question, agency=qa.agency_a, reason="Sai cơ quan"
        )
    question = services.question_forward(
        acting_user=qa.drafter, question=question, agency=qa.agency_b, reason="Thuộc xã Bình"
    )
    assert question.status == Status.FORWARDED
    assert question.agency == qa.agency_b and question.forward_count == 1
    assert question.steps.filter(action="forward", note="Thuộc xã Bình").exists()
    mail = Notification.objects.get(address="dan@example.vn")
    assert "UBND xã Bình" in mail.subject and "Thuộc xã Bình" in mail.body


@pytest.mark.parametrize(
    "state,action,call",
    [
        ("submitted", "route", "route"),
        ("assigned", "forward", "forward"),
        ("forwarded", "forward", "forward"),
        ("drafting", "forward", "forward"),
        ("assigned", "start_draft", "draft"),
        ("forwarded", "start_draft", "draft"),
        ("drafting", "save_draft", "draft"),
        ("drafting", "submit_for_review", "submit"),
        ("in_review", "return", "return"),
        ("in_review", "approve", "approve"),
        ("in_review", "publish", "publish"),
        ("answered", "publish", "publish"),
        ("answered", "close", "close"),
        ("submitted", "reject", "reject"),
        ("assigned", "reject", "reject"),
        ("forwarded", "reject", "reject"),
        ("drafting", "reject", "reject"),
        ("submitted", "withdraw", "withdraw"),
        ("assigned", "withdraw", "withdraw"),
        ("forwarded", "withdraw", "withdraw"),
    ],
)
def test_every_allowed_transition(qa, state, action, call):
    agency = None if state == "submitted" else qa.agency_a
    question = QuestionFactory(agency=agency, asker=qa.citizen, in_state=state)
    assert question.status == state
    expected = QUESTION_FLOW.target(state, action)
    result = _do(call, qa, question)
    assert result.status == expected
    assert Question.objects.get(pk=question.pk).status == expected


def _do(call, qa, question):
    s = services
    other = qa.agency_b if question.agency_id != qa.agency_b.pk else qa.agency_a
    return {
        "route": lambda: s.question_route(acting_user=None, question=question, agency=qa.agency_a),
        "forward": lambda: s.question_forward(
            acting_user=None, question=question, agency=other, reason="Không đúng thẩm quyền"
        ),
        "draft": lambda: s.answer_save_draft(
            acting_user=None, question=question, answer="Dự thảo câu trả lời đầy đủ."
        ),
        "submit": lambda: s.answer_submit_for_review(acting_user=None, question=question),
        "return": lambda: s.answer_return(acting_user=None, question=question, note="Sửa lại"),
        "approve": lambda: s.answer_approve(acting_user=None, question=question),
        "publish": lambda: s.answer_publish(acting_user=None, question=question),
        "close": lambda: s.question_close(acting_user=None, question=question),
        "reject": lambda: s.question_reject(
            acting_user=None, question=question, reason="Không phải câu hỏi"
        ),
        "withdraw": lambda: s.question_withdraw(acting_user=qa.citizen, question=question),
    }[call]()


@pytest.mark.parametrize(
    "state,call",
    [
        ("submitted", "publish"),
        ("assigned", "submit"),
        ("assigned", "approve"),
        ("drafting", "publish"),
        ("in_review", "draft"),
        ("published", "draft"),
        ("published", "forward"),
        ("published", "withdraw"),
        ("rejected", "route"),
        ("closed", "publish"),
        ("answered", "reject"),
    ],
)
def test_forbidden_transitions_are_409_with_allowed_actions(qa, state, call):
    agency = None if state in ("submitted", "rejected") else qa.agency_a
    question = QuestionFactory(agency=agency, asker=qa.citizen, in_state=state)
    with pytest.raises(Conflict) as caught:
        _do(call, qa, question)
    assert caught.value.code == "transition_not_allowed"
    assert caught.value.details["allowed"] == QUESTION_FLOW.allowed(state)


def test_permissions_and_scope_are_checked(qa):
    question = QuestionFactory(agency=qa.agency_a, in_state="in_review")
    # The drafter may not publish (no qa.review); commune B's leader is out of scope.
    with pytest.raises(Forbidden):
        services.answer_publish(acting_user=qa.drafter, question=question)
    with pytest.raises(Forbidden):
        services.answer_publish(acting_user=qa.b_leader, question=question)
    with pytest.raises(Forbidden):
        services.answer_save_draft(
            acting_user=qa.citizen, question=question, answer="Trả lời của công dân"
        )
    with pytest.raises(errors.NotAsker):
        services.question_withdraw(acting_user=qa.other_citizen, question=question)


def test_late_answer_is_counted_late(qa):
    question = QuestionFactory(agency=qa.agency_a, in_state="in_review")
    Question.objects.filter(pk=question.pk).update(
        created_at=timezone.now() - dt.timedelta(days=30),
        deadline=timezone.now() - dt.timedelta(days=10),
    )
    question = services.answer_publish(acting_user=qa.leader, question=question)
    assert question.answered_on_time is False
    assert question.working_days_to_answer >= 18


def test_question_to_report_without_feedback_service(qa, monkeypatch):
    import importlib

    real = importlib.import_module

    def fake(name, *args):
        if name == "tinhso.feedback.services":
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake)
    question = QuestionFactory(agency=qa.agency_a)
    with pytest.raises(errors.FeedbackUnavailable):
        services.question_to_report(acting_user=None, question=question)
