"""The qa demo: 30+ published Q&A across fields, pending items in each state; idempotent."""

import pytest

from tinhso.portal.demo import load_demo
from tinhso.qa import selectors
from tinhso.qa.demo import load_demo as load_qa_demo
from tinhso.qa.models import Question
from tinhso.qa.workflow import Moderation

pytestmark = pytest.mark.django_db


def test_demo_questions_and_answers_once():
    report = load_demo(province="nghe_an")
    published = selectors.published_questions()
    assert published.count() >= 30
    assert published.values("topic").distinct().count() >= 8
    assert published.values("answered_by_agency").distinct().count() >= 5
    states = set(Question.objects.values_list("status", flat=True))
    assert {"submitted", "assigned", "forwarded", "drafting", "in_review", "answered"} <= states
    assert {"rejected", "published"} <= states
    assert Question.objects.filter(moderation=Moderation.HIDDEN).count() == 1
    found = list(selectors.question_search("dich vu cong truc tuyen"))
    assert found and "dịch vụ công trực tuyến" in found[0].title.lower()
    count = Question.objects.count()
    load_qa_demo(province=report.province)
    assert Question.objects.count() == count
