"""Awareness surveys: answers on the portal or entered by a team; scores by unit and audience."""

import pytest

from tinhso.kernel.errors import Conflict
from tinhso.outreach import errors, selectors, services

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {"text": "Bạn đã nghe về Ngày Chuyển đổi số 10/10?", "kind": "yes_no"},
    {"text": "Bạn tự tin nộp hồ sơ trực tuyến đến đâu?", "kind": "scale"},
    {
        "text": "Cần làm gì khi có người gọi xin mã OTP?",
        "kind": "choice",
        "choices": ["Đọc mã cho họ", "Không cung cấp, báo công an"],
        "correct": "Không cung cấp, báo công an",
    },
    {"text": "Góp ý khác", "kind": "text"},
]


@pytest.fixture
def survey(world):
    survey = services.survey_create(
        acting_user=world.officer, unit=world.province, title="Khảo sát sau chiến dịch",
        phase="after", questions=QUESTIONS,
    )  # fmt: skip
    return services.survey_open(acting_user=world.officer, survey=survey)


def _answers(survey, yes, scale, choice, text=""):
    q = list(survey.questions.order_by("order"))
    return {q[0].pk: yes, q[1].pk: scale, q[2].pk: choice, q[3].pk: text}


def test_scores_and_results_by_unit_and_audience(world, survey):
    right, wrong = "Không cung cấp, báo công an", "Đọc mã cho họ"
    first, _ = services.survey_answer(
        acting_user=None, survey=survey, unit=world.village_a1, audience="elderly",
        answers=_answers(survey, "yes", 5, right, "Cần thêm lớp buổi tối"),
    )  # fmt: skip
    assert first.score == 100.0
    services.survey_answer(
        acting_user=world.officer_a, survey=survey, unit=world.commune_a, audience="youth",
        channel="team", answers=_answers(survey, "no", 3, wrong),
    )  # fmt: skip  # 0, 50, 0 → 16.67
    services.survey_answer(
        acting_user=None, survey=survey, unit=world.commune_b, audience="elderly",
        answers=_answers(survey, "yes", 1, right),
    )  # fmt: skip  # 100, 0, 100 → 66.67
    results = selectors.survey_results(survey)
    assert results["responses"] == 3 and results["score"] == 61.1
    by_audience = {
        row["audience"]: (row["responses"], row["score"]) for row in results["by_audience"]
    }
    assert by_audience == {"elderly": (2, 83.3), "youth": (1, 16.7)}
    by_unit = {row["unit_name"]: row["responses"] for row in results["by_unit"]}
    assert by_unit == {"Xóm 1": 1, "Xã Anh Sơn Thử": 1, "Phường Bến Thủy Thử": 1}
    yes_no = results["questions"][0]["counts"]
    assert yes_no == {"yes": 2, "no": 1}


def test_bad_answers_are_refused(world, survey):
    with pytest.raises(errors.SurveyAnswerInvalid):
        services.survey_answer(
            acting_user=None, survey=survey, unit=world.commune_a,
            answers=_answers(survey, "yes", 7, "Không cung cấp, báo công an"),
        )  # fmt: skip
    with pytest.raises(errors.SurveyAnswerInvalid):
        services.survey_answer(acting_user=None, survey=survey, unit=world.commune_a, answers={})


def test_only_an_open_survey_takes_answers_and_a_uuid_counts_once(world, survey):
    answers = _answers(survey, "yes", 4, "Đọc mã cho họ")
    first, created = services.survey_answer(
        acting_user=None, survey=survey, unit=world.commune_a, answers=answers,
        client_uuid="7d4a3c52-0ad4-4c38-9b59-5d3f7e2d8a11",
    )  # fmt: skip
    again, created_again = services.survey_answer(
        acting_user=None, survey=survey, unit=world.commune_a, answers=answers,
        client_uuid="7d4a3c52-0ad4-4c38-9b59-5d3f7e2d8a11",
    )  # fmt: skip
    assert created and not created_again and first.pk == again.pk
    services.survey_close(acting_user=world.officer, survey=survey)
    with pytest.raises(errors.SurveyNotOpen):
        services.survey_answer(
            acting_user=None, survey=survey, unit=world.commune_a, answers=answers
        )
    with pytest.raises(Conflict):
        services.survey_close(acting_user=world.officer, survey=survey)


def test_a_team_entry_needs_the_permission(world, survey):
    with pytest.raises(errors.UnitOutOfScope):
        services.survey_answer(
            acting_user=world.officer_b, survey=survey, unit=world.commune_a, channel="team",
            answers=_answers(survey, "yes", 4, "Đọc mã cho họ"),
        )  # fmt: skip
