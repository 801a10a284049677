"""Q&A in a real browser on a phone: a citizen searches without diacritics and opens the
answer; a citizen asks a question and sees a similar answer suggested while typing.

Every page opened is checked with axe-core (the page fixtures enforce it).
"""

import pytest
from playwright.sync_api import expect

from tinhso.accounts.tests.factories import PASSWORD
from tinhso.portal.tests.browser import assert_accessible
from tinhso.qa.models import Question
from tinhso.qa.tests.factories import QuestionFactory, TopicFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Làm thế nào để nộp hồ sơ trên Cổng dịch vụ công trực tuyến?"


@pytest.fixture
def answered(qa):
    topic = TopicFactory(code="dich-vu-cong", name="Dịch vụ công trực tuyến")
    QuestionFactory(
        agency=qa.agency_b, title="Đăng ký kết hôn với người nước ngoài", published=True
    )
    return QuestionFactory(
        agency=qa.agency_a,
        field=topic,
        title=TITLE,
        answer="Ông/bà đăng nhập bằng tài khoản VNeID, chọn thủ tục và bấm Nộp hồ sơ.",
        published=True,
    )


def test_a_citizen_searches_without_diacritics_and_opens_the_answer(phone_page, answered):
    page = phone_page
    page.goto("/hoi-dap/")
    expect(page.locator("h1")).to_have_text("Hỏi đáp trực tuyến")
    assert_accessible(page)
    page.get_by_label("Tìm câu hỏi và câu trả lời").fill("dich vu cong truc tuyen")
    with page.expect_navigation():
        page.get_by_role("button", name="Tìm kiếm").click()
    results = page.locator(".qa-list .qa-item")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(TITLE)
    assert_accessible(page)
    with page.expect_navigation():
        results.first.get_by_role("link", name=TITLE).click()
    expect(page.locator("h1")).to_have_text(TITLE)
    answer = page.locator(".qa-answer")
    expect(answer).to_contain_text("Trả lời chính thức")
    expect(answer).to_contain_text("UBND xã An")
    expect(answer).to_contain_text("đăng nhập bằng tài khoản VNeID")
    assert_accessible(page)


def test_a_citizen_asks_and_sees_a_suggestion_while_typing(phone_page, answered, qa):
    page = phone_page
    page.goto("/tai-khoan/dang-nhap/?next=/hoi-dap/dat-cau-hoi/")
    assert_accessible(page)
    page.get_by_label("Tên đăng nhập hoặc số căn cước công dân (CCCD)").fill(qa.citizen.cccd)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.locator("h1")).to_have_text("Đặt câu hỏi")
    assert_accessible(page)

    title = page.get_by_label("Câu hỏi của bạn (một dòng)")
    title.press_sequentially("Cách nộp hồ sơ dịch vụ công", delay=20)
    suggestions = page.locator("#qa-suggestions")
    expect(suggestions).to_contain_text("Câu trả lời cho các câu hỏi tương tự")
    expect(suggestions.get_by_role("link", name=TITLE)).to_be_visible()
    expect(suggestions).not_to_contain_text("kết hôn")
    assert_accessible(page)

    page.get_by_label("Nội dung chi tiết").fill(
        "Tôi ở xa trụ sở, muốn nộp hồ sơ qua mạng thì cần chuẩn bị những gì?"
    )
    page.get_by_label("Lĩnh vực").select_option(label="Dịch vụ công trực tuyến")
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi câu hỏi").click()
    expect(page.locator(".messages")).to_contain_text("Câu hỏi của bạn đã được gửi")
    expect(page.locator("h1")).to_have_text("Cách nộp hồ sơ dịch vụ công")
    assert_accessible(page)
    assert Question.objects.filter(asker=qa.citizen, title="Cách nộp hồ sơ dịch vụ công").exists()
