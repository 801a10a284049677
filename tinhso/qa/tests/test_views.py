"""The qa pages, in Vietnamese: public list and search, detail with the official answer, ask
form with live suggestions, my questions, flag and vote, the officer queue and answer page."""

import pytest
from django.urls import reverse

from tinhso.qa.models import Question
from tinhso.qa.tests.factories import QuestionFactory, TopicFactory
from tinhso.qa.workflow import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(qa):
    topic = TopicFactory(code="dich-vu-cong", name="Dịch vụ công trực tuyến")
    return QuestionFactory(
        agency=qa.agency_a,
        field=topic,
        title="Làm thế nào để nộp hồ sơ trên Cổng dịch vụ công trực tuyến?",
        answer="Ông/bà đăng nhập bằng tài khoản VNeID và chọn thủ tục cần nộp.",
        published=True,
    )


def text(response) -> str:
    return response.content.decode()


def test_list_and_search_without_diacritics(client, answered):
    QuestionFactory(agency=answered.agency, title="Cấp sổ đỏ lần đầu", published=True)
    page = text(client.get(reverse("qa:list")))
    assert "Hỏi đáp trực tuyến" in page and "Câu trả lời mới nhất" in page
    assert "Tìm câu hỏi và câu trả lời" in page
    page = text(client.get(reverse("qa:list"), {"q": "dich vu cong truc tuyen"}))
    assert answered.title in page and "Cấp sổ đỏ" not in page
    assert "1 câu trả lời cho “dich vu cong truc tuyen”" in page
    page = text(client.get(reverse("qa:list"), {"q": "khong co gi ca"}))
    assert "Không có câu trả lời nào khớp với từ khóa" in page


def test_field_filter(client, answered):
    QuestionFactory(agency=answered.agency, title="Cấp sổ đỏ lần đầu", published=True)
    page = text(client.get(reverse("qa:list"), {"field": "dich-vu-cong"}))
    assert answered.title in page and "Cấp sổ đỏ" not in page


def test_detail_shows_the_official_answer(client, answered):
    page = text(client.get(reverse("qa:detail", args=[answered.pk])))
    assert "Trả lời chính thức" in page
    assert "UBND xã An" in page
    assert "Trả lời ngày" in page and "Công khai ngày" in page
    assert "đăng nhập bằng tài khoản VNeID" in page


def test_html_in_a_question_is_shown_as_text(client, qa):
    question = QuestionFactory(
        agency=qa.agency_a, body="<script>alert(1)</script> xin hỏi thủ tục", published=True
    )
    page = text(client.get(reverse("qa:detail", args=[question.pk])))
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_unpublished_question_is_404_except_for_the_asker(client, qa):
    question = QuestionFactory(agency=qa.agency_a, asker=qa.citizen)
    assert client.get(reverse("qa:detail", args=[question.pk])).status_code == 404
    client.force_login(qa.citizen)
    page = text(client.get(reverse("qa:detail", args=[question.pk])))
    assert "Câu hỏi của bạn đang được xử lý" in page
    assert "Rút câu hỏi" in page


def test_ask_needs_sign_in(client, qa):
    response = client.get(reverse("qa:ask"))
    assert response.status_code == 302 and "dang-nhap" in response["Location"]


def test_ask_form_and_submit(client, qa, answered):
    client.force_login(qa.citizen)
    page = text(client.get(reverse("qa:ask")))
    assert "Đặt câu hỏi" in page and "Tôi không biết cơ quan nào" in page
    assert 'hx-get="/hoi-dap/goi-y/"' in page
    response = client.post(
        reverse("qa:ask"),
        {
            "title": "Hỏi về khai sinh",
            "body": "Con tôi sinh ở tỉnh khác thì đăng ký khai sinh ở đâu?",
            "field": "dich-vu-cong",
            "agency": "",
        },
    )
    question = Question.objects.get(title="Hỏi về khai sinh")
    assert response.status_code == 302
    assert question.asker == qa.citizen and question.status == Status.SUBMITTED
    page = text(client.get(response["Location"]))
    assert "Câu hỏi của bạn đã được gửi" in page
    page = text(client.get(reverse("qa:mine")))
    assert "Hỏi về khai sinh" in page and "Chờ chuyển xử lý" in page


def test_ask_form_errors_in_vietnamese(client, qa):
    client.force_login(qa.citizen)
    page = text(client.post(reverse("qa:ask"), {"title": "", "body": ""}))
    assert "Nội dung chi tiết" in page and "form-errors" in page


def test_officials_are_sent_to_the_queue(client, qa):
    client.force_login(qa.drafter)
    response = client.get(reverse("qa:ask"))
    assert response.status_code == 403 and "Câu hỏi cần xử lý" in text(response)


def test_suggestions_fragment(client, answered):
    page = text(client.get(reverse("qa:suggest"), {"title": "nop ho so cong dich vu"}))
    assert "Câu trả lời cho các câu hỏi tương tự" in page and answered.title in page
    assert text(client.get(reverse("qa:suggest"), {"title": "ab"})).strip() == ""


def test_vote_and_flag_pages(client, qa, answered):
    client.force_login(qa.other_citizen)
    response = client.post(reverse("qa:vote", args=[answered.pk]), follow=True)
    assert "Cảm ơn bạn đã đánh giá." in text(response)
    response = client.post(reverse("qa:vote", args=[answered.pk]), follow=True)
    assert "Bạn đã đánh giá câu trả lời này là hữu ích rồi." in text(response)
    response = client.post(reverse("qa:flag", args=[answered.pk]), {"reason": "spam"}, follow=True)
    assert "Người kiểm duyệt sẽ xem xét" in text(response)


def test_officer_queue_and_answer_page(client, qa):
    question = QuestionFactory(agency=qa.agency_a, title="Hỏi về đất đai xã An")
    QuestionFactory(agency=qa.agency_b, title="Hỏi của xã Bình")
    client.force_login(qa.drafter)
    page = text(client.get(reverse("qa:queue")))
    assert "Câu hỏi cần xử lý" in page and "Hỏi về đất đai xã An" in page
    assert "Hỏi của xã Bình" not in page
    url = reverse("qa:handle", args=[question.pk])
    page = text(client.get(url))
    assert "Dự thảo câu trả lời" in page and "Trình duyệt" in page
    client.post(url, {"action": "submit", "answer": "Trả lời theo Luật Đất đai 2024."})
    question.refresh_from_db()
    assert question.status == Status.IN_REVIEW
    client.force_login(qa.leader)
    response = client.post(url, {"action": "publish"}, follow=True)
    assert "Câu trả lời đã được công khai." in text(response)
    question.refresh_from_db()
    assert question.status == Status.PUBLISHED
    # A forbidden action reads as a Vietnamese message, not an error page.
    response = client.post(url, {"action": "return", "reason": "Sửa lại"}, follow=True)
    assert "Không được thực hiện thao tác này ở trạng thái hiện tại." in text(response)


def test_queue_is_not_for_citizens(client, qa):
    client.force_login(qa.citizen)
    assert client.get(reverse("qa:queue")).status_code == 404
