"""Every read of the qa room that leaves it: the public Q&A, search, suggestions, the asker's
own questions and the officers' queue (scope applied in the query, never after it)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tinhso.accounts.scope import filter_for_user, get_for_user
from tinhso.kernel.errors import NotFound
from tinhso.qa import errors
from tinhso.qa.models import Question, Topic
from tinhso.qa.permissions import QaPerm
from tinhso.qa.search import rank_search
from tinhso.qa.workflow import Moderation, Status

SUGGESTION_LIMIT = 5


def _with_refs(qs: QuerySet) -> QuerySet:
    return qs.select_related("agency", "answered_by_agency", "topic", "unit")


def published_questions() -> QuerySet[Question]:
    """Questions with a published answer that moderation has not hidden, newest first."""
    return _with_refs(
        Question.objects.filter(status=Status.PUBLISHED, moderation=Moderation.VISIBLE)
    ).order_by("-published_at", "-pk")


def question_search(
    text: str = "",
    *,
    topic: Topic | str | None = None,
    agency_id: int | None = None,
) -> QuerySet[Question]:
    """Published questions matching every word of ``text`` (diacritics ignored), best
    first: a match in the title before one in the question before one in the answer.

    The count stops at ``search.COUNT_CAP`` (the results' ``capped`` then says there are
    more); past that many matches, the best of the most recent ones come first (``search``)."""
    qs = published_questions()
    if topic:
        qs = qs.filter(topic__code=topic) if isinstance(topic, str) else qs.filter(topic=topic)
    if agency_id:
        qs = qs.filter(answered_by_agency_id=agency_id)
    return rank_search(qs, text, bounded=True)


def question_suggestions(text: str, *, limit: int = SUGGESTION_LIMIT) -> list[Question]:
    """Published answers similar to what someone is typing: any word may match, the last
    one may be unfinished; the best ``limit``."""
    if len(text.strip()) < 3:
        return []
    return list(rank_search(published_questions(), text, any_word=True, prefix_last=True)[:limit])


def get_public_question(pk: int, *, user=None) -> Question:
    """A published, visible question, or any question of ``user``'s own (the asker sees it
    in every state, even hidden)."""
    condition = Q(status=Status.PUBLISHED, moderation=Moderation.VISIBLE)
    if user is not None and user.is_authenticated:
        condition |= Q(asker=user)
    question = _with_refs(Question.objects.filter(condition)).filter(pk=pk).first()
    if question is None:
        raise errors.QuestionNotFound()
    return question


def my_questions(user) -> QuerySet[Question]:
    if user is None or not user.is_authenticated:
        return Question.objects.none()
    return _with_refs(Question.objects.filter(asker=user)).order_by("-created_at", "-pk")


def questions_for_officer(
    user,
    *,
    status: str | None = None,
    open_only: bool = False,
    text: str = "",
    moderation: str | None = None,
) -> QuerySet[Question]:
    """The officer's queue: questions whose unit lies in their scope (``qa.view``), the
    oldest deadline first."""
    qs = filter_for_user(
        _with_refs(Question.objects.all()), user, unit_field="unit", permission=QaPerm.VIEW
    )
    if status:
        qs = qs.filter(status=status)
    if open_only:
        from tinhso.qa.workflow import OPEN_STATES

        qs = qs.filter(status__in=OPEN_STATES)
    if moderation:
        qs = qs.filter(moderation=moderation)
    qs = qs.order_by("deadline", "pk")
    if text:
        qs = rank_search(qs, text)
    return qs


def get_question_for_officer(user, pk: int) -> Question:
    try:
        return get_for_user(
            _with_refs(Question.objects.all()),
            user,
            unit_field="unit",
            permission=QaPerm.VIEW,
            pk=pk,
        )
    except NotFound as exc:
        raise errors.QuestionNotFound() from exc


def question_after_action(pk: int) -> Question:
    """The question an officer has just acted on (they were in scope when they acted)."""
    return _with_refs(Question.objects.all()).get(pk=pk)


def topics() -> QuerySet[Topic]:
    return Topic.objects.filter(is_active=True)
