"""The IOC board in a real browser (Playwright + Debian's Chromium, axe on every page): the
province board on a 360 px phone and on a desktop, real unit names and tiles, a drill-down to
a commune and back up, the period selector, and the site's text-size and contrast controls."""

import re

import pytest
from playwright.sync_api import expect

from tinhso.indicators.tests.test_boards import make_board_data
from tinhso.portal.tests.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROVINCE_BOARD = "/ioc/thu-nghiem/91/?period=202610"


@pytest.fixture
def board_data(tree, catalogue):
    return make_board_data(tree, catalogue)


def fits_the_screen(page, width: int) -> None:
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width


def test_the_province_board_on_a_phone_drills_down_to_a_commune_and_back(phone_page, board_data):
    page = phone_page
    page.goto(PROVINCE_BOARD)
    assert_accessible(page)
    expect(page.locator("h1")).to_contain_text("Tỉnh Thử Nghiệm")
    expect(page.locator("h1")).to_contain_text("Tháng 10/2026")
    online = page.locator(".kpi", has_text="Tỷ lệ hồ sơ trực tuyến")
    expect(online.locator(".kpi__value")).to_have_text("50%")
    expect(online).to_contain_text("Mục tiêu 80%")
    expect(online).to_contain_text("tăng 10 điểm phần trăm so với kỳ trước")
    expect(page.locator(".kpi", has_text="Chưa ai nhập")).to_contain_text("Chưa có số liệu")
    expect(page.locator(".map-cell", has_text="Xã Bình")).to_contain_text("Nhóm 2")
    fits_the_screen(page, 360)

    # The chart's figures as a table, opened by the visitor.
    series = page.locator("section", has_text="Diễn biến trực tuyến")
    series.get_by_text("Xem số liệu dạng bảng").click()
    expect(series.locator("table")).to_contain_text("Tháng 10/2026")

    # Down to a commune from the ranking table.
    page.locator(".ioc-block--ranking").first.get_by_role("link", name="Xã An").click()
    page.wait_for_url(re.compile(r"/ioc/thu-nghiem/91001/\?period=202610"))
    assert_accessible(page)
    expect(page.locator("h1")).to_contain_text("Xã An")
    expect(page.locator(".kpi", has_text="Tỷ lệ hồ sơ trực tuyến")).to_contain_text("30%")
    fits_the_screen(page, 360)

    # Back up through the breadcrumb.
    page.get_by_role("navigation", name="Đường dẫn điều hướng").get_by_role(
        "link", name="Tỉnh Thử Nghiệm"
    ).click()
    page.wait_for_url(re.compile(r"/ioc/thu-nghiem/91/"))
    assert_accessible(page)
    expect(page.locator("h1")).to_contain_text("Tỉnh Thử Nghiệm")


def test_the_province_board_on_a_desktop_with_selectors_and_display_controls(
    desktop_page, board_data
):
    page = desktop_page
    page.goto(PROVINCE_BOARD)
    assert_accessible(page)
    expect(page.locator(".kpi")).to_have_count(4)  # the internal tile is left out
    expect(page.locator("svg[role=img] > title").first).to_contain_text("Diễn biến trực tuyến")

    # Another period: September, as reported.
    page.get_by_label("Thời gian").select_option("202609")
    page.get_by_role("button", name="Xem", exact=True).click()
    page.wait_for_url(re.compile(r"period=202609"))
    assert_accessible(page)
    expect(page.locator("h1")).to_contain_text("Tháng 09/2026")
    online = page.locator(".kpi", has_text="Tỷ lệ hồ sơ trực tuyến")
    expect(online.locator(".kpi__value")).to_have_text("40%")

    # Across to a sibling commune from the commune board's switcher.
    page.locator(".map-cell", has_text="Xã Cẩm").get_by_role("link").click()
    page.wait_for_url(re.compile(r"/ioc/thu-nghiem/91003/"))
    assert_accessible(page)
    page.get_by_label("Đơn vị khác cùng cấp", exact=True).select_option(label="Xã Bình")
    page.get_by_role("button", name="Chuyển").click()
    page.wait_for_url(re.compile(r"/ioc/thu-nghiem/91002/\?period=202609"))
    assert_accessible(page)
    expect(page.locator("h1")).to_contain_text("Xã Bình")

    # The site's text-size and contrast controls work on the board.
    size = page.evaluate("() => getComputedStyle(document.querySelector('.kpi__value')).fontSize")
    page.get_by_role("button", name="Tăng cỡ chữ").click()
    expect(page.locator("html")).to_have_class(re.compile("font-lg"))
    bigger = page.evaluate("() => getComputedStyle(document.querySelector('.kpi__value')).fontSize")
    assert float(bigger.rstrip("px")) > float(size.rstrip("px"))
    page.get_by_role("button", name="Độ tương phản cao").click()
    expect(page.locator("html")).to_have_class(re.compile("contrast-high"))
    assert_accessible(page)
