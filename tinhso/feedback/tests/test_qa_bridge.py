"""A field report becomes a question (through ``tinhso.qa.services``) and back."""

import pytest

from tinhso.feedback import services
from tinhso.feedback.models import Report
from tinhso.feedback.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


def test_a_report_becomes_a_question(world):
    report = ReportFactory(
        category=world.roads,
        commune_code=world.commune_a.code,
        reporter=world.reporter,
        description="Thủ tục xin phép đào đường để lắp ống nước như thế nào?",
    )
    question = services.report_to_question(acting_user=world.handler_a, report=report)
    assert question.asker == world.reporter
    assert question.agency == world.agency_a
    assert question.source_ref == f"feedback:{report.code}"
    assert question.channel == "feedback"
    report.refresh_from_db()
    assert report.status == "rejected_not_competent"
    assert report.updates.filter(is_public=True, message__contains="câu hỏi").exists()
    with pytest.raises(Exception) as caught:
        services.report_to_question(acting_user=world.handler_a, report=report)
    assert caught.value.code == "transition_not_allowed"


def test_a_question_becomes_a_report(world):
    from tinhso.qa import services as qa_services

    question = qa_services.question_create(
        acting_user=world.reporter,
        asker=world.reporter,
        title="Đèn đường trước nhà tôi hỏng",
        body="Ba cột đèn ở đường Lê Duẩn không sáng, tôi hỏi ai sửa?",
        agency=world.agency_a,
    )
    report = qa_services.question_to_report(
        acting_user=None, question=question, category=world.lights,
        commune_code=world.commune_a.code,
    )  # fmt: skip
    assert isinstance(report, Report)
    assert (report.channel, report.source_ref) == ("api", f"qa:{question.pk}")
    assert report.reporter == world.reporter and report.agency == world.power
