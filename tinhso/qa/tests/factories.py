"""Factories of the qa room.

``TopicFactory()``                     a field (lĩnh vực)
``QuestionFactory(agency=..., asker=...)`` a question through ``question_create`` (assigned to
                                       ``agency``; ``agency=None``: waiting for the desk)
``QuestionFactory(published=True, answer="...")`` drafted, reviewed and published by the system
``QuestionFactory(in_state="in_review")`` walked through the services to that state
"""

import factory
from factory.django import DjangoModelFactory

from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.qa import services
from tinhso.qa.models import Question, Topic
from tinhso.units.tests.factories import AgencyFactory

DEFAULT_ANSWER = "Câu trả lời chính thức của cơ quan cho câu hỏi này, có căn cứ pháp lý."

_PATHS = {
    "submitted": [],
    "assigned": [],
    "forwarded": [],
    "drafting": ["draft"],
    "in_review": ["draft", "review"],
    "answered": ["draft", "review", "approve"],
    "published": ["draft", "review", "publish"],
    "rejected": ["reject"],
    "closed": ["withdraw"],
}


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"linh-vuc-{n}")
    name = factory.Sequence(lambda n: f"Lĩnh vực {n}")


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = Question

    asker = factory.SubFactory(CitizenFactory)
    agency = factory.SubFactory(AgencyFactory)
    field = None
    title = factory.Sequence(lambda n: f"Câu hỏi thử nghiệm số {n}")
    body = "Xin hỏi cơ quan về thủ tục này cần chuẩn bị những giấy tờ gì?"
    channel = "portal"

    class Params:
        published = factory.Trait(in_state="published")

    in_state = None
    answer = DEFAULT_ANSWER

    @classmethod
    def _create(cls, model_class, *args, in_state=None, answer=DEFAULT_ANSWER, **kwargs):
        question = services.question_create(acting_user=None, **kwargs)
        if in_state == "forwarded":
            other = AgencyFactory(unit=question.unit)
            question = services.question_forward(
                acting_user=None, question=question, agency=other, reason="Không thuộc thẩm quyền"
            )
        for step in _PATHS.get(in_state or "", []):
            if step == "draft":
                question = services.answer_save_draft(
                    acting_user=None, question=question, answer=answer
                )
            elif step == "review":
                question = services.answer_submit_for_review(acting_user=None, question=question)
            elif step == "approve":
                question = services.answer_approve(acting_user=None, question=question)
            elif step == "publish":
                question = services.answer_publish(acting_user=None, question=question)
            elif step == "reject":
                question = services.question_reject(
                    acting_user=None, question=question, reason="Nội dung không phải câu hỏi"
                )
            elif step == "withdraw":
                question = services.question_withdraw(acting_user=question.asker, question=question)
        return question
