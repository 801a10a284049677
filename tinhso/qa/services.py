"""Every write of the qa room: asking, routing, answering, publishing, moderation, votes.

Keyword-only functions, one transaction each: the question row is locked, the action is
checked against ``workflow.QUESTION_FLOW`` (a refusal is ``Conflict`` 409
``transition_not_allowed``), an audit row and a history step are written, and notifications
go out only once the transaction commits (``kernel.notifications``). ``acting_user=None``
means the system (a task, the demo, another room's service acting as the system).

Officers act within their scope: the question's unit must lie in the subtree of their
agency's unit, for the permission the action needs (``permissions.QaPerm``).

Settings: ``TINHSO_QA_ANSWER_DAYS`` (working days to answer, default 10),
``TINHSO_QA_FLAGS_TO_HIDE`` (flags that hide an item pending moderation, default 3).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.permissions import user_can
from tinhso.accounts.scope import unit_in_scope
from tinhso.kernel.audit import audit_record, diff
from tinhso.kernel.calendar import add_working_days, calendar_from_db, working_days_between
from tinhso.kernel.errors import Forbidden
from tinhso.kernel.files import DOCUMENT_TYPES, IMAGE_TYPES, store_upload
from tinhso.kernel.models import StoredFile
from tinhso.kernel.notifications import notify
from tinhso.kernel.text import fold, normalize
from tinhso.qa import errors
from tinhso.qa.models import Flag, HelpfulVote, Question, QuestionAttachment, QuestionStep, Topic
from tinhso.qa.permissions import QaPerm
from tinhso.qa.workflow import (
    MODERATION_FLOW,
    QUESTION_FLOW,
    Action,
    Moderation,
    ModerationAction,
    Status,
)
from tinhso.units.models import Agency

ATTACHMENT_TYPES = DOCUMENT_TYPES | IMAGE_TYPES
MAX_ATTACHMENTS = 5
TITLE_LENGTH = (5, 200)
BODY_LENGTH = (10, 10_000)
ANSWER_LENGTH = (10, 20_000)
REASON_MIN = 5

_AUDITED = (
    "status", "moderation", "agency_id", "unit_id", "topic_id", "title", "deadline",
    "answered_at", "published_at", "flag_count",
)  # fmt: skip


def answer_days() -> int:
    return int(getattr(settings, "TINHSO_QA_ANSWER_DAYS", 10))


def flags_to_hide() -> int:
    return int(getattr(settings, "TINHSO_QA_FLAGS_TO_HIDE", 3))


# --- helpers ------------------------------------------------------------------------------------


def _snapshot(question: Question) -> dict[str, Any]:
    return {name: getattr(question, name) for name in _AUDITED}


def _audit(acting_user, action: str, question: Question, before: dict, summary: str = "") -> None:
    audit_record(
        actor=acting_user,
        action=f"qa.{action}",
        obj=question,
        summary=summary or f"Question {question.pk}: {action}",
        changes=diff(before, _snapshot(question)),
    )


def _step(acting_user, question: Question, action: str, before_status: str, note: str = ""):
    QuestionStep.objects.create(
        question=question,
        action=action,
        from_status=before_status,
        to_status=question.status,
        actor=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        agency=getattr(acting_user, "agency", None) if acting_user is not None else None,
        note=note,
        at=timezone.now(),
    )


def _require(acting_user, permission: str, question: Question) -> None:
    """The system may do anything; an officer needs the permission on the question's unit."""
    if acting_user is None:
        return
    if not unit_in_scope(acting_user, question.unit, permission=permission):
        raise Forbidden()


def _locked(question: Question) -> Question:
    return Question.objects.select_for_update().get(pk=question.pk)


def _text(value: str, bounds: tuple[int, int], error: type) -> str:
    value = normalize(value or "") if error is errors.TitleInvalid else (value or "").strip()
    if not bounds[0] <= len(value) <= bounds[1]:
        raise error()
    return value


def _reason(value: str) -> str:
    value = (value or "").strip()
    if len(value) < REASON_MIN:
        raise errors.ReasonRequired()
    return value[:2000]


def _agency(agency: Agency | int | None) -> Agency | None:
    if agency is None:
        return None
    if not isinstance(agency, Agency):
        agency = Agency.objects.filter(pk=agency).select_related("unit").first()
    if agency is None or not agency.is_active:
        raise errors.AgencyUnknown()
    return agency


def _topic(topic: Topic | str | int | None) -> Topic | None:
    if topic is None or topic == "":
        return None
    if not isinstance(topic, Topic):
        lookup = {"pk": topic} if isinstance(topic, int) else {"code": topic}
        topic = Topic.objects.filter(**lookup).first()
    if topic is None or not topic.is_active:
        raise errors.TopicUnknown()
    return topic


def _installed_unit():
    from tinhso.units.selectors import installed_unit

    return installed_unit()


def _deadline(start):
    return add_working_days(start, answer_days(), calendar=calendar_from_db())


def _tell(user, subject: str, body: str) -> None:
    """Notify a person by e-mail if they gave an address (an asker need not)."""
    if user is None or not getattr(user, "email", ""):
        return
    notify(recipient=user, subject=subject, body=body)


def _tell_agency(agency: Agency | None, subject: str, body: str) -> None:
    if agency is not None and agency.email:
        notify(address=agency.email, subject=subject, body=body)


def _attach(acting_user, question: Question, attachments: Iterable, kind: str) -> None:
    attachments = list(attachments or ())
    if len(attachments) + question.attachments.filter(kind=kind).count() > MAX_ATTACHMENTS:
        raise errors.TooManyAttachments()
    for item in attachments:
        if isinstance(item, StoredFile):
            stored = item
        elif isinstance(item, UploadedFile) or hasattr(item, "read"):
            stored = store_upload(
                acting_user=acting_user,
                uploaded_file=item,
                purpose=f"qa.{kind}",
                allowed_types=ATTACHMENT_TYPES,
            )
        else:
            raise TypeError(f"Not a file: {item!r}")
        QuestionAttachment.objects.get_or_create(question=question, file=stored, kind=kind)


def _transition(question: Question, action: str) -> tuple[str, str]:
    before = question.status
    question.status = QUESTION_FLOW.target(before, action)
    return before, question.status


def _question_url(question: Question) -> str:
    from django.urls import reverse

    base = getattr(settings, "TINHSO_SITE_URL", "").rstrip("/")
    return base + reverse("qa:detail", args=[question.pk])


# --- asking -------------------------------------------------------------------------------------


@transaction.atomic
def question_create(
    *,
    acting_user,
    asker,
    title: str,
    body: str,
    agency: Agency | int | None = None,
    field: Topic | str | int | None = None,
    channel: str = "portal",
    attachments: Iterable = (),
    source_ref: str = "",
) -> Question:
    """Ask a question (gửi câu hỏi) to ``agency``, or to the desk when ``agency`` is None.

    ``asker``: the citizen or business asking (None for an anonymous field report turned
    into a question). ``acting_user``: the asker themself, an official entering it for
    someone (hotline, a field report), or None for the system. ``field``: a ``Topic``, its
    code or id. ``attachments``: ``StoredFile`` rows already checked by the kernel, or
    uploaded files (checked here against DOCUMENT_TYPES | IMAGE_TYPES).
    """
    if acting_user is not None:
        if not acting_user.is_authenticated:
            raise errors.AskerRequired()
        on_behalf = acting_user.is_official or acting_user.is_superuser
        if not on_behalf and (asker is None or asker.pk != acting_user.pk):
            raise errors.NotAsker()
    if asker is not None and getattr(asker, "is_official", False) and asker != acting_user:
        raise errors.AskerRequired()
    if channel not in Question.Channel.values:
        raise errors.ChannelInvalid()
    title = _text(title, TITLE_LENGTH, errors.TitleInvalid)
    body = _text(body, BODY_LENGTH, errors.BodyInvalid)
    agency = _agency(agency)
    topic = _topic(field)
    now = timezone.now()
    question = Question(
        asker=asker,
        agency=agency,
        unit=agency.unit if agency else _installed_unit(),
        topic=topic,
        title=title,
        body=body,
        channel=channel,
        source_ref=(source_ref or "")[:100],
        status=Status.ASSIGNED if agency else Status.SUBMITTED,
        created_at=now,
        assigned_at=now if agency else None,
        deadline=_deadline(now),
        title_folded=fold(title),
        body_folded=fold(body),
    )
    question.save(force_insert=True)
    _attach(acting_user or asker, question, attachments, QuestionAttachment.Kind.QUESTION)
    _step(acting_user, question, Action.SUBMIT, "", note=channel)
    _audit(acting_user, "question_create", question, {}, summary=f"Question {question.pk} asked")
    _tell_agency(
        agency,
        _("New question: %(title)s") % {"title": title},
        _("A new question is waiting for an answer: %(url)s") % {"url": _question_url(question)},
    )
    return question


@transaction.atomic
def question_route(
    *, acting_user, question: Question, agency: Agency | int, note: str = ""
) -> Question:
    """The desk sends a "don't know which agency" question to the agency that answers it."""
    _require(acting_user, QaPerm.ROUTE, question)
    question = _locked(question)
    agency = _agency(agency)
    before = _snapshot(question)
    before_status, _after = _transition(question, Action.ROUTE)
    question.agency, question.unit = agency, agency.unit
    question.assigned_at = timezone.now()
    question.save()
    _step(acting_user, question, Action.ROUTE, before_status, note=(note or "").strip())
    _audit(acting_user, "question_route", question, before)
    _tell_agency(
        agency,
        _("New question: %(title)s") % {"title": question.title},
        _("A new question is waiting for an answer: %(url)s") % {"url": _question_url(question)},
    )
    return question


@transaction.atomic
def question_forward(
    *, acting_user, question: Question, agency: Agency | int, reason: str
) -> Question:
    """Forward a question to another agency (chuyển câu hỏi), with the reason; the asker is
    told. The new agency gets a fresh answer period from now."""
    if acting_user is not None and not (
        user_can(acting_user, QaPerm.ANSWER) or user_can(acting_user, QaPerm.ROUTE)
    ):
        raise Forbidden()
    permission = QaPerm.ANSWER if user_can(acting_user, QaPerm.ANSWER) else QaPerm.ROUTE
    _require(acting_user, permission, question)
    question = _locked(question)
    reason = _reason(reason)
    agency = _agency(agency)
    if question.agency_id == agency.pk:
        raise errors.ForwardSameAgency()
    before = _snapshot(question)
    before_status, _after = _transition(question, Action.FORWARD)
    now = timezone.now()
    question.agency, question.unit = agency, agency.unit
    question.assigned_at = now
    question.deadline = _deadline(now)
    question.forward_count += 1
    question.reminder_sent_at = question.escalated_at = None
    question.save()
    _step(acting_user, question, Action.FORWARD, before_status, note=reason)
    _audit(acting_user, "question_forward", question, before)
    _tell(
        question.asker,
        _("Your question was forwarded to %(agency)s") % {"agency": agency.name},
        _("Your question “%(title)s” was forwarded to %(agency)s. Reason: %(reason)s\n%(url)s")
        % {
            "title": question.title,
            "agency": agency.name,
            "reason": reason,
            "url": _question_url(question),
        },
    )
    _tell_agency(
        agency,
        _("New question: %(title)s") % {"title": question.title},
        _("A new question is waiting for an answer: %(url)s") % {"url": _question_url(question)},
    )
    return question


@transaction.atomic
def question_withdraw(*, acting_user, question: Question) -> Question:
    """The asker withdraws a question nobody has started to answer."""
    if acting_user is None or question.asker_id != acting_user.pk:
        raise errors.NotAsker()
    question = _locked(question)
    before = _snapshot(question)
    before_status, _after = _transition(question, Action.WITHDRAW)
    question.closed_at = timezone.now()
    question.save()
    _step(acting_user, question, Action.WITHDRAW, before_status)
    _audit(acting_user, "question_withdraw", question, before)
    return question


@transaction.atomic
def question_reject(*, acting_user, question: Question, reason: str) -> Question:
    """Reject a question that is not one (spam, a complaint for another procedure...)."""
    if acting_user is not None and not (
        user_can(acting_user, QaPerm.REVIEW) or user_can(acting_user, QaPerm.ROUTE)
    ):
        raise Forbidden()
    permission = QaPerm.REVIEW if user_can(acting_user, QaPerm.REVIEW) else QaPerm.ROUTE
    _require(acting_user, permission, question)
    question = _locked(question)
    reason = _reason(reason)
    before = _snapshot(question)
    before_status, _after = _transition(question, Action.REJECT)
    question.closed_at = timezone.now()
    question.save()
    _step(acting_user, question, Action.REJECT, before_status, note=reason)
    _audit(acting_user, "question_reject", question, before)
    _tell(
        question.asker,
        _("Your question was not accepted"),
        _("Your question “%(title)s” was not accepted. Reason: %(reason)s")
        % {"title": question.title, "reason": reason},
    )
    return question


# --- answering ----------------------------------------------------------------------------------


@transaction.atomic
def answer_save_draft(
    *, acting_user, question: Question, answer: str, attachments: Iterable = ()
) -> Question:
    """Write or rewrite the draft answer (dự thảo trả lời); the first save starts drafting."""
    _require(acting_user, QaPerm.ANSWER, question)
    question = _locked(question)
    text = _text(answer, ANSWER_LENGTH, errors.AnswerInvalid)
    action = Action.SAVE_DRAFT if question.status == Status.DRAFTING else Action.START_DRAFT
    before = _snapshot(question)
    before_status, _after = _transition(question, action)
    question.answer = text
    question.answer_folded = fold(text)
    if acting_user is not None:
        question.drafted_by = acting_user
    question.save()
    _attach(acting_user, question, attachments, QuestionAttachment.Kind.ANSWER)
    if action == Action.START_DRAFT:
        _step(acting_user, question, action, before_status)
    _audit(acting_user, f"answer_{action}", question, before)
    return question


@transaction.atomic
def answer_submit_for_review(
    *, acting_user, question: Question, answer: str | None = None
) -> Question:
    """Send the draft to a reviewer (trình duyệt), optionally with a last edit."""
    _require(acting_user, QaPerm.ANSWER, question)
    question = _locked(question)
    before = _snapshot(question)
    before_status, _after = _transition(question, Action.SUBMIT_FOR_REVIEW)
    if answer is not None:
        question.answer = _text(answer, ANSWER_LENGTH, errors.AnswerInvalid)
        question.answer_folded = fold(question.answer)
    else:
        _text(question.answer, ANSWER_LENGTH, errors.AnswerInvalid)
    if acting_user is not None:
        question.drafted_by = acting_user
    question.save()
    _step(acting_user, question, Action.SUBMIT_FOR_REVIEW, before_status)
    _audit(acting_user, "answer_submit_for_review", question, before)
    return question


@transaction.atomic
def answer_return(*, acting_user, question: Question, note: str) -> Question:
    """The reviewer sends the draft back to the drafter with what to change."""
    _require(acting_user, QaPerm.REVIEW, question)
    question = _locked(question)
    note = _reason(note)
    before = _snapshot(question)
    before_status, _after = _transition(question, Action.RETURN)
    question.save()
    _step(acting_user, question, Action.RETURN, before_status, note=note)
    _audit(acting_user, "answer_return", question, before)
    if question.drafted_by is not None:
        _tell(
            question.drafted_by,
            _("Draft answer returned: %(title)s") % {"title": question.title},
            note,
        )
    return question


def _fix_answer(acting_user, question: Question, now) -> None:
    """The official answer is given: its time, agency and the on-time figures."""
    question.answered_at = now
    question.answered_by_agency = question.agency
    if acting_user is not None:
        question.reviewed_by = acting_user
    calendar = calendar_from_db()
    question.working_days_to_answer = max(
        working_days_between(question.created_at, now, calendar=calendar), 0
    )
    question.answered_on_time = question.deadline is None or now <= question.deadline


@transaction.atomic
def answer_approve(*, acting_user, question: Question) -> Question:
    """Approve the answer and send it to the asker without publishing it (e.g. a personal
    matter): ``answered_at`` is set, ``published_at`` is not."""
    _require(acting_user, QaPerm.REVIEW, question)
    question = _locked(question)
    before = _snapshot(question)
    before_status, _after = _transition(question, Action.APPROVE)
    _fix_answer(acting_user, question, timezone.now())
    question.save()
    _step(acting_user, question, Action.APPROVE, before_status)
    _audit(acting_user, "answer_approve", question, before)
    _tell(
        question.asker,
        _("Your question has been answered"),
        _("%(agency)s answered your question “%(title)s”:\n\n%(answer)s\n\n%(url)s")
        % {
            "agency": question.agency.name if question.agency else "",
            "title": question.title,
            "answer": question.answer,
            "url": _question_url(question),
        },
    )
    return question


@transaction.atomic
def answer_publish(*, acting_user, question: Question) -> Question:
    """Publish the official answer (công khai câu trả lời): approve it if still in review,
    then make the question and its answer public. The asker is told."""
    _require(acting_user, QaPerm.REVIEW, question)
    question = _locked(question)
    before = _snapshot(question)
    before_status, _after = _transition(question, Action.PUBLISH)
    now = timezone.now()
    if question.answered_at is None:
        _fix_answer(acting_user, question, now)
    question.published_at = now
    question.save()
    _step(acting_user, question, Action.PUBLISH, before_status)
    _audit(acting_user, "answer_publish", question, before)
    _tell(
        question.asker,
        _("The answer to your question is published"),
        _("%(agency)s answered your question “%(title)s”:\n\n%(answer)s\n\n%(url)s")
        % {
            "agency": question.answered_by_agency.name if question.answered_by_agency else "",
            "title": question.title,
            "answer": question.answer,
            "url": _question_url(question),
        },
    )
    return question


@transaction.atomic
def question_close(*, acting_user, question: Question) -> Question:
    """Close an answered question that will not be published."""
    _require(acting_user, QaPerm.REVIEW, question)
    question = _locked(question)
    before = _snapshot(question)
    before_status, _after = _transition(question, Action.CLOSE)
    question.closed_at = timezone.now()
    question.save()
    _step(acting_user, question, Action.CLOSE, before_status)
    _audit(acting_user, "question_close", question, before)
    return question


# --- flags, moderation, votes -------------------------------------------------------------------


def _require_person(acting_user) -> None:
    if acting_user is None or not acting_user.is_authenticated or not acting_user.is_active:
        raise Forbidden()


@transaction.atomic
def question_flag(*, acting_user, question: Question, reason: str, note: str = "") -> Flag:
    """Report abusive content (spam, offensive, off-topic), once per person. At
    ``TINHSO_QA_FLAGS_TO_HIDE`` (3) open flags the question is hidden pending moderation."""
    _require_person(acting_user)
    if reason not in Flag.Reason.values:
        raise errors.FlagReasonInvalid()
    question = _locked(question)
    if not question.is_public:
        raise errors.QuestionNotFound()
    if Flag.objects.filter(question=question, user=acting_user).exists():
        raise errors.AlreadyFlagged()
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                question=question,
                user=acting_user,
                reason=reason,
                note=(note or "").strip()[:500],
                created_at=timezone.now(),
            )
    except IntegrityError as exc:
        raise errors.AlreadyFlagged() from exc
    before = _snapshot(question)
    question.flag_count = Flag.objects.filter(question=question, resolved_at__isnull=True).count()
    if question.flag_count >= flags_to_hide() and question.moderation == Moderation.VISIBLE:
        question.moderation = MODERATION_FLOW.target(question.moderation, ModerationAction.HIDE)
        _step(None, question, ModerationAction.HIDE, question.status, note="flags")
    question.save(update_fields=["flag_count", "moderation"])
    _audit(acting_user, "question_flag", question, before, summary=f"Flag: {reason}")
    return flag


@transaction.atomic
def question_moderate(*, acting_user, question: Question, action: str, note: str = "") -> Question:
    """A moderator hides, restores or removes a question. Restoring or removing settles the
    open flags; a removed question is kept but never shown."""
    _require(acting_user, QaPerm.MODERATE, question)
    question = _locked(question)
    before = _snapshot(question)
    question.moderation = MODERATION_FLOW.target(question.moderation, action)
    if action in (ModerationAction.RESTORE, ModerationAction.REMOVE):
        Flag.objects.filter(question=question, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
        question.flag_count = 0
    question.save(update_fields=["moderation", "flag_count"])
    _step(acting_user, question, action, question.status, note=(note or "").strip())
    _audit(acting_user, f"question_{action}", question, before)
    return question


@transaction.atomic
def question_vote_helpful(*, acting_user, question: Question) -> Question:
    """ "This answer helped me": one vote per person on a published answer."""
    _require_person(acting_user)
    question = _locked(question)
    if not question.is_public:
        raise errors.NotPublished()
    try:
        with transaction.atomic():
            HelpfulVote.objects.create(
                question=question, user=acting_user, created_at=timezone.now()
            )
    except IntegrityError as exc:
        raise errors.AlreadyVoted() from exc
    Question.objects.filter(pk=question.pk).update(helpful_count=F("helpful_count") + 1)
    question.refresh_from_db(fields=["helpful_count"])
    return question


# --- fields (lĩnh vực) --------------------------------------------------------------------------


@transaction.atomic
def topic_ensure(*, acting_user, code: str, name: str, position: int = 0) -> Topic:
    """Create a field, or rename it (the demo and administrators)."""
    if acting_user is not None and not acting_user.is_superuser:
        raise Forbidden()
    topic, created = Topic.objects.get_or_create(
        code=code, defaults={"name": normalize(name), "position": position}
    )
    if not created and (topic.name != normalize(name) or topic.position != position):
        topic.name, topic.position = normalize(name), position
        topic.save(update_fields=["name", "position"])
    if created:
        audit_record(actor=acting_user, action="qa.topic_create", obj=topic, summary=code)
    return topic


# --- the other way round: a question becomes a field report --------------------------------------


def question_to_report(*, acting_user, question: Question, **report_fields: Any):
    """Turn a question into a field report (phản ánh hiện trường) through
    ``tinhso.feedback.services.report_create``; the question is then rejected with a note
    pointing at the report. ``report_fields`` (category, location...) go to the report."""
    try:
        feedback = importlib.import_module("tinhso.feedback.services")
        report_create = feedback.report_create
    except (ImportError, AttributeError) as exc:
        raise errors.FeedbackUnavailable() from exc
    with transaction.atomic():
        can_route = user_can(acting_user, QaPerm.ROUTE)
        _require(acting_user, QaPerm.ROUTE if can_route else QaPerm.REVIEW, question)
        report = report_create(
            acting_user=acting_user,
            reporter=question.asker,
            description=f"{question.title}\n\n{question.body}",
            channel="qa",
            source_ref=f"qa:{question.pk}",
            **report_fields,
        )
        question_reject(
            acting_user=acting_user,
            question=question,
            reason=_("Handled as field report %(ref)s.")
            % {"ref": getattr(report, "code", None) or getattr(report, "pk", report)},
        )
    return report
