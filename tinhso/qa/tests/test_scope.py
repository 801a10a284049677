"""The officer queue is the subtree of the officer's agency's unit, applied in the query."""

import pytest

from tinhso.qa import errors, selectors
from tinhso.qa.tests.factories import QuestionFactory


@pytest.fixture
def questions(qa):
    return {
        "a": QuestionFactory(agency=qa.agency_a),
        "b": QuestionFactory(agency=qa.agency_b),
        "desk": QuestionFactory(agency=None),
    }


def test_commune_officer_sees_only_their_commune(qa, questions):
    assert set(selectors.questions_for_officer(qa.drafter)) == {questions["a"]}
    assert set(selectors.questions_for_officer(qa.b_leader)) == {questions["b"]}


def test_province_desk_sees_the_whole_province(qa, questions):
    assert set(selectors.questions_for_officer(qa.desk)) == set(questions.values())


def test_citizens_see_no_queue(qa, questions):
    assert not selectors.questions_for_officer(qa.citizen).exists()


def test_fetch_outside_scope_is_not_found(qa, questions):
    with pytest.raises(errors.QuestionNotFound):
        selectors.get_question_for_officer(qa.drafter, questions["b"].pk)
    assert selectors.get_question_for_officer(qa.desk, questions["b"].pk) == questions["b"]


def test_unpublished_questions_are_private_to_the_asker(qa, questions):
    question = questions["a"]
    assert selectors.get_public_question(question.pk, user=question.asker) == question
    with pytest.raises(errors.QuestionNotFound):
        selectors.get_public_question(question.pk, user=qa.other_citizen)
    with pytest.raises(errors.QuestionNotFound):
        selectors.get_public_question(question.pk)
