"""HTTP API of the qa room (django-ninja router, mounted under /api/v1/qa).

Public (no sign-in):

    GET   /api/v1/qa/questions                 published Q&A; ?q= searches without diacritics
    GET   /api/v1/qa/questions/{id}            one published question (or one's own, any state)
    GET   /api/v1/qa/suggestions?q=            published answers similar to a question typed
    GET   /api/v1/qa/fields                    the fields (lĩnh vực)

Signed-in citizens and businesses:

    POST  /api/v1/qa/questions                 ask (Idempotency-Key)
    GET   /api/v1/qa/mine                      my questions
    POST  /api/v1/qa/questions/{id}/withdraw   withdraw my question
    POST  /api/v1/qa/questions/{id}/flag       report abusive content (once)
    POST  /api/v1/qa/questions/{id}/helpful    "this answer helped me" (once)

Officers, within the scope of their agency's unit (``qa.view`` and the action's permission):

    GET   /api/v1/qa/queue                     questions in scope, the nearest deadline first
    GET   /api/v1/qa/queue/{id}                one, with its history
    POST  /api/v1/qa/queue/{id}/{action}       route, forward, draft, submit, return, approve,
                                               publish, reject, close, moderate

A forbidden transition answers 409 ``transition_not_allowed`` with the allowed actions.
"""

import datetime as dt
import enum

from django.db import transaction
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.security import django_auth

from tinhso.kernel import ratelimit
from tinhso.kernel.errors import Forbidden
from tinhso.kernel.idempotency import run_idempotent
from tinhso.kernel.pagination import LimitOffsetPagination
from tinhso.kernel.schemas import ErrorOut
from tinhso.qa import errors, selectors, services
from tinhso.qa.models import Flag, Question, Topic
from tinhso.qa.workflow import QUESTION_FLOW, ModerationAction
from tinhso.qa.workflow import Status as QStatus

router = Router(tags=["qa"])

QuestionStatus = enum.Enum("QuestionStatus", {v: v for v in QStatus.values}, type=str)
FlagReason = enum.Enum("FlagReason", {v: v for v in Flag.Reason.values}, type=str)
ModerationChoice = enum.Enum("ModerationChoice", {v: v for v in ModerationAction.values}, type=str)


# --- schemas --------------------------------------------------------------------------------


def _from(obj, key: str, compute):
    if isinstance(obj, dict):
        return obj.get(key)
    return compute(obj)


class TopicOut(Schema):
    code: str
    name: str


class AgencyRef(Schema):
    id: int
    name: str


class QuestionBrief(Schema):
    id: int
    title: str
    field: str | None
    answered_by: str | None
    published_at: dt.datetime | None

    @staticmethod
    def resolve_field(obj) -> str | None:
        return _from(obj, "field", lambda q: q.topic.name if q.topic_id else None)

    @staticmethod
    def resolve_answered_by(obj) -> str | None:
        return _from(
            obj,
            "answered_by",
            lambda q: q.answered_by_agency.name if q.answered_by_agency_id else None,
        )


class QuestionOut(QuestionBrief):
    body: str
    answer: str | None
    status: str
    status_label: str
    asked_at: dt.datetime
    answered_at: dt.datetime | None
    helpful_count: int

    @staticmethod
    def resolve_answer(obj) -> str | None:
        # Only a given answer is shown: a draft stays with the agency.
        return _from(obj, "answer", lambda q: q.answer if q.answered_at else None)

    @staticmethod
    def resolve_status_label(obj) -> str:
        return _from(obj, "status_label", lambda q: str(q.get_status_display()))

    @staticmethod
    def resolve_asked_at(obj) -> dt.datetime:
        return _from(obj, "asked_at", lambda q: q.created_at)


class MyQuestionOut(QuestionOut):
    agency: AgencyRef | None
    deadline: dt.datetime | None
    allowed_actions: list[str]

    @staticmethod
    def resolve_allowed_actions(obj) -> list[str]:
        return _from(
            obj,
            "allowed_actions",
            lambda q: [a for a in QUESTION_FLOW.allowed(q.status) if a == "withdraw"],
        )


class StepOut(Schema):
    action: str
    from_status: str
    to_status: str
    agency: str | None
    note: str
    at: dt.datetime

    @staticmethod
    def resolve_agency(obj) -> str | None:
        return obj.agency.name if obj.agency_id else None


class OfficerQuestionOut(QuestionOut):
    agency: AgencyRef | None
    unit_name: str | None
    channel: str
    source_ref: str
    moderation: str
    flag_count: int
    deadline: dt.datetime | None
    draft: str
    allowed_actions: list[str]

    @staticmethod
    def resolve_unit_name(obj) -> str | None:
        return obj.unit.name if obj.unit_id else None

    @staticmethod
    def resolve_draft(obj) -> str:
        return obj.answer

    @staticmethod
    def resolve_allowed_actions(obj) -> list[str]:
        return QUESTION_FLOW.allowed(obj.status)


class OfficerQuestionDetail(OfficerQuestionOut):
    steps: list[StepOut]

    @staticmethod
    def resolve_steps(obj) -> list:
        return list(obj.steps.select_related("agency"))


class QuestionIn(Schema):
    title: str = Field(..., max_length=200)
    body: str = Field(..., max_length=10_000)
    agency_id: int | None = Field(None, description="The agency asked; empty: the desk routes.")
    field: str | None = Field(None, description="Code of the field (lĩnh vực).")


class PublicFilters(Schema):
    q: str | None = Field(None, max_length=200, description="Words, with or without accents.")
    field: str | None = None
    agency_id: int | None = None


class QueueFilters(Schema):
    status: QuestionStatus | None = None
    open: bool = False
    q: str | None = Field(None, max_length=200)


class FlagIn(Schema):
    reason: FlagReason
    note: str = Field("", max_length=500)


class AgencyIn(Schema):
    agency_id: int
    note: str = Field("", max_length=2000)


class ForwardIn(Schema):
    agency_id: int
    reason: str = Field(..., max_length=2000)


class AnswerIn(Schema):
    answer: str = Field(..., max_length=20_000)


class AnswerOptionalIn(Schema):
    answer: str | None = Field(None, max_length=20_000)


class NoteIn(Schema):
    note: str = Field(..., max_length=2000)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class ModerateIn(Schema):
    action: ModerationChoice
    note: str = Field("", max_length=2000)


class CountOut(Schema):
    id: int
    helpful_count: int


# --- public ---------------------------------------------------------------------------------


@router.get("/fields", response=list[TopicOut], url_name="qa_fields", summary="Fields")
def list_fields(request):
    return selectors.topics()


@router.get(
    "/questions",
    response=list[QuestionBrief],
    url_name="qa_question_list",
    summary="Published questions and answers (search without diacritics)",
)
@paginate(LimitOffsetPagination)
def list_questions(request, filters: Query[PublicFilters]):
    return selectors.question_search(
        filters.q or "", topic=filters.field or None, agency_id=filters.agency_id
    )


@router.get(
    "/suggestions",
    response=list[QuestionBrief],
    url_name="qa_suggestions",
    summary="Published answers similar to a question being typed",
)
def suggestions(request, q: str = Query("", max_length=500)):
    return selectors.question_suggestions(q)


@router.get(
    "/questions/{int:question_id}",
    response={200: QuestionOut, 404: ErrorOut},
    url_name="qa_question_detail",
    summary="One published question, or one of my own",
)
def get_question(request, question_id: int):
    return selectors.get_public_question(question_id, user=request.user)


# --- citizens -------------------------------------------------------------------------------


def _agency_from_body(agency_id: int | None):
    if agency_id is None:
        return None
    from tinhso.units.models import Agency

    agency = Agency.objects.filter(pk=agency_id, is_active=True).select_related("unit").first()
    if agency is None:
        raise errors.AgencyUnknown()
    return agency


def _field_from_body(code: str | None):
    if not code:
        return None
    topic = Topic.objects.filter(code=code, is_active=True).first()
    if topic is None:
        raise errors.TopicUnknown()
    return topic


@router.post(
    "/questions",
    response={201: MyQuestionOut, 400: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    auth=django_auth,
    url_name="qa_question_create",
    summary="Ask a question (send an Idempotency-Key)",
)
def create_question(request, data: QuestionIn):
    user = request.auth
    if user.is_official:
        raise errors.AskerRequired()
    ratelimit.check(request, "qa.ask", user=user)

    def create():
        question = services.question_create(
            acting_user=user,
            asker=user,
            title=data.title,
            body=data.body,
            agency=_agency_from_body(data.agency_id),
            field=_field_from_body(data.field),
            channel=Question.Channel.API,
        )
        question = selectors.get_public_question(question.pk, user=user)
        return 201, MyQuestionOut.from_orm(question).model_dump(mode="json")

    status, body = run_idempotent(
        request, scope="qa.question_create", payload=data.model_dump(mode="json"), create=create
    )
    return Status(status, body)


@router.get("/mine", response=list[MyQuestionOut], auth=django_auth, url_name="qa_mine")
@paginate(LimitOffsetPagination)
def my_questions(request):
    return selectors.my_questions(request.auth)


@router.post(
    "/questions/{int:question_id}/withdraw",
    response={200: MyQuestionOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=django_auth,
    url_name="qa_question_withdraw",
)
def withdraw_question(request, question_id: int):
    question = selectors.get_public_question(question_id, user=request.auth)
    services.question_withdraw(acting_user=request.auth, question=question)
    return selectors.get_public_question(question_id, user=request.auth)


@router.post(
    "/questions/{int:question_id}/flag",
    response={201: dict, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=django_auth,
    url_name="qa_question_flag",
    summary="Report abusive content (once per person)",
)
def flag_question(request, question_id: int, data: FlagIn):
    question = selectors.get_public_question(question_id)
    services.question_flag(
        acting_user=request.auth, question=question, reason=data.reason.value, note=data.note
    )
    return Status(201, {"id": question_id, "flagged": True})


@router.post(
    "/questions/{int:question_id}/helpful",
    response={200: CountOut, 404: ErrorOut, 409: ErrorOut},
    auth=django_auth,
    url_name="qa_question_helpful",
    summary="Mark the answer helpful (once per person)",
)
def vote_helpful(request, question_id: int):
    question = selectors.get_public_question(question_id)
    return services.question_vote_helpful(acting_user=request.auth, question=question)


# --- officers -------------------------------------------------------------------------------


@router.get(
    "/queue",
    response=list[OfficerQuestionOut],
    auth=django_auth,
    url_name="qa_queue",
    summary="Questions in my scope, the nearest deadline first",
)
@paginate(LimitOffsetPagination)
def queue(request, filters: Query[QueueFilters]):
    return selectors.questions_for_officer(
        request.auth,
        status=filters.status.value if filters.status else None,
        open_only=filters.open,
        text=filters.q or "",
    )


@router.get(
    "/queue/{int:question_id}",
    response={200: OfficerQuestionDetail, 404: ErrorOut},
    auth=django_auth,
    url_name="qa_queue_detail",
)
def queue_detail(request, question_id: int):
    return selectors.get_question_for_officer(request.auth, question_id)


_ACTION_RESPONSES = {200: OfficerQuestionOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
_ACTION_RESPONSES_422 = {**_ACTION_RESPONSES, 422: ErrorOut}


def _act(request, question_id: int, run) -> Question:
    user = request.auth
    question = selectors.get_question_for_officer(user, question_id)
    with transaction.atomic():
        run(user, question)
    # Read back without scope: a forwarded question may now lie outside the officer's scope,
    # but they just acted on it and see the outcome.
    return selectors.question_after_action(question_id)


@router.post(
    "/queue/{int:question_id}/route", response=_ACTION_RESPONSES_422, auth=django_auth,
    url_name="qa_route", summary="Route a question to the agency that answers it",
)  # fmt: skip
def route(request, question_id: int, data: AgencyIn):
    return _act(
        request,
        question_id,
        lambda user, q: services.question_route(
            acting_user=user, question=q, agency=_agency_from_body(data.agency_id), note=data.note
        ),
    )


@router.post(
    "/queue/{int:question_id}/forward", response=_ACTION_RESPONSES_422, auth=django_auth,
    url_name="qa_forward", summary="Forward a question to another agency, with the reason",
)  # fmt: skip
def forward(request, question_id: int, data: ForwardIn):
    return _act(
        request,
        question_id,
        lambda user, q: services.question_forward(
            acting_user=user,
            question=q,
            agency=_agency_from_body(data.agency_id),
            reason=data.reason,
        ),
    )


@router.post(
    "/queue/{int:question_id}/draft", response=_ACTION_RESPONSES_422, auth=django_auth,
    url_name="qa_draft", summary="Write or rewrite the draft answer",
)  # fmt: skip
def draft(request, question_id: int, data: AnswerIn):
    return _act(
        request,
        question_id,
        lambda user, q: services.answer_save_draft(
            acting_user=user, question=q, answer=data.answer
        ),
    )


@router.post(
    "/queue/{int:question_id}/submit", response=_ACTION_RESPONSES_422, auth=django_auth,
    url_name="qa_submit", summary="Send the draft answer for review",
)  # fmt: skip
def submit(request, question_id: int, data: AnswerOptionalIn):
    return _act(
        request,
        question_id,
        lambda user, q: services.answer_submit_for_review(
            acting_user=user, question=q, answer=data.answer
        ),
    )


@router.post(
    "/queue/{int:question_id}/return", response=_ACTION_RESPONSES_422, auth=django_auth,
    url_name="qa_return", summary="Return the draft to the drafter",
)  # fmt: skip
def return_draft(request, question_id: int, data: NoteIn):
    return _act(
        request,
        question_id,
        lambda user, q: services.answer_return(acting_user=user, question=q, note=data.note),
    )


@router.post(
    "/queue/{int:question_id}/approve", response=_ACTION_RESPONSES, auth=django_auth,
    url_name="qa_approve", summary="Approve the answer and send it without publishing",
)  # fmt: skip
def approve(request, question_id: int):
    return _act(
        request,
        question_id,
        lambda user, q: services.answer_approve(acting_user=user, question=q),
    )


@router.post(
    "/queue/{int:question_id}/publish", response=_ACTION_RESPONSES, auth=django_auth,
    url_name="qa_publish", summary="Publish the official answer",
)  # fmt: skip
def publish(request, question_id: int):
    return _act(
        request,
        question_id,
        lambda user, q: services.answer_publish(acting_user=user, question=q),
    )


@router.post(
    "/queue/{int:question_id}/reject", response=_ACTION_RESPONSES_422, auth=django_auth,
    url_name="qa_reject", summary="Reject a question, with the reason",
)  # fmt: skip
def reject(request, question_id: int, data: ReasonIn):
    return _act(
        request,
        question_id,
        lambda user, q: services.question_reject(acting_user=user, question=q, reason=data.reason),
    )


@router.post(
    "/queue/{int:question_id}/close", response=_ACTION_RESPONSES, auth=django_auth,
    url_name="qa_close", summary="Close an answered question without publishing it",
)  # fmt: skip
def close(request, question_id: int):
    return _act(
        request,
        question_id,
        lambda user, q: services.question_close(acting_user=user, question=q),
    )


@router.post(
    "/queue/{int:question_id}/moderate", response=_ACTION_RESPONSES_422, auth=django_auth,
    url_name="qa_moderate", summary="Hide, restore or remove a question",
)  # fmt: skip
def moderate(request, question_id: int, data: ModerateIn):
    if not request.auth.is_authenticated:
        raise Forbidden()
    return _act(
        request,
        question_id,
        lambda user, q: services.question_moderate(
            acting_user=user, question=q, action=data.action.value, note=data.note
        ),
    )
