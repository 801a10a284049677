"""Flags (once each; 3 hide the item pending moderation), moderators, helpful votes."""

import pytest

from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.kernel.errors import Conflict, Forbidden
from tinhso.qa import errors, selectors, services
from tinhso.qa.models import Flag
from tinhso.qa.tests.factories import QuestionFactory
from tinhso.qa.workflow import Moderation


@pytest.fixture
def published(qa):
    return QuestionFactory(agency=qa.agency_a, title="Thủ tục cấp đổi căn cước", published=True)


def flag(question, user, reason="spam"):
    return services.question_flag(acting_user=user, question=question, reason=reason)


def test_one_flag_per_person(published):
    person = CitizenFactory()
    flag(published, person)
    with pytest.raises(errors.AlreadyFlagged):
        flag(published, person, reason="offensive")
    assert Flag.objects.filter(question=published).count() == 1


def test_flag_reason_must_be_known(published):
    with pytest.raises(errors.FlagReasonInvalid):
        flag(published, CitizenFactory(), reason="boring")


def test_three_flags_hide_pending_moderation_and_a_moderator_restores(qa, published):
    flag(published, CitizenFactory(), "spam")
    flag(published, CitizenFactory(), "offensive")
    published.refresh_from_db()
    assert published.moderation == Moderation.VISIBLE and published.flag_count == 2
    flag(published, CitizenFactory(), "off_topic")
    published.refresh_from_db()
    assert published.moderation == Moderation.HIDDEN
    assert list(selectors.question_search("can cuoc")) == []
    # Nobody can flag a hidden item; the moderator restores it and the flags are settled.
    with pytest.raises(errors.QuestionNotFound):
        flag(published, CitizenFactory())
    restored = services.question_moderate(acting_user=qa.desk, question=published, action="restore")
    assert restored.moderation == Moderation.VISIBLE and restored.flag_count == 0
    assert list(selectors.question_search("can cuoc")) == [published]


def test_moderator_removes_and_removed_stays_out(qa, published):
    services.question_moderate(acting_user=qa.desk, question=published, action="remove")
    published.refresh_from_db()
    assert published.moderation == Moderation.REMOVED
    assert not selectors.published_questions().filter(pk=published.pk).exists()
    with pytest.raises(Conflict) as caught:
        services.question_moderate(acting_user=qa.desk, question=published, action="restore")
    assert caught.value.code == "transition_not_allowed"


def test_only_moderators_in_scope_moderate(qa, published):
    with pytest.raises(Forbidden):
        services.question_moderate(acting_user=qa.drafter, question=published, action="hide")
    with pytest.raises(Forbidden):
        services.question_moderate(acting_user=qa.b_leader, question=published, action="hide")


def test_helpful_vote_once_per_person(published):
    person = CitizenFactory()
    question = services.question_vote_helpful(acting_user=person, question=published)
    assert question.helpful_count == 1
    with pytest.raises(errors.AlreadyVoted):
        services.question_vote_helpful(acting_user=person, question=published)
    question = services.question_vote_helpful(acting_user=CitizenFactory(), question=published)
    assert question.helpful_count == 2


def test_no_vote_on_an_unpublished_answer(qa):
    question = QuestionFactory(agency=qa.agency_a, in_state="answered")
    with pytest.raises(errors.NotPublished):
        services.question_vote_helpful(acting_user=CitizenFactory(), question=question)
