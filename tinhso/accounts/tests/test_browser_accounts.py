"""Signing in and out in a real browser: my account, signing out, and the lockout page.

Every page opened is checked with axe-core (the page fixtures enforce it).
"""

import pytest
from playwright.sync_api import expect

from tinhso.accounts.tests.factories import PASSWORD, CitizenFactory
from tinhso.portal.tests.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOGIN = "/tai-khoan/dang-nhap/"


def submit_login(page, username, password):
    page.get_by_label("Tên đăng nhập hoặc số căn cước công dân (CCCD)").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    with page.expect_navigation():
        return page.locator("main").get_by_role("button", name="Đăng nhập", exact=True).click()


def test_a_citizen_signs_in_with_their_cccd_sees_their_account_and_signs_out(
    desktop_page, live_server
):
    page = desktop_page
    citizen = CitizenFactory(full_name="Nguyễn Thị Hoa Thử")
    cccd = citizen.cccd

    page.goto(LOGIN)
    assert_accessible(page)
    submit_login(page, cccd, PASSWORD)
    assert page.url == live_server.url + "/"
    assert_accessible(page)

    header = page.locator(".site-header")
    with page.expect_navigation():
        header.get_by_role("link", name="Tài khoản của tôi").click()
    assert page.url == live_server.url + "/tai-khoan/"
    expect(page.locator("h1")).to_have_text("Tài khoản của tôi")
    data = page.locator("dl.account-data")
    expect(data).to_contain_text("Nguyễn Thị Hoa Thử")
    # Their own data in clear: show_personal_data() lets a person see their own CCCD, phone
    # and address (only other viewers get them masked).
    cccd_value = data.locator("dt:has-text('Số căn cước công dân (CCCD)') + dd")
    expect(cccd_value).to_have_text(cccd)
    username_value = data.locator("dt:has-text('Tên đăng nhập') + dd")
    expect(username_value).to_have_text(cccd)
    assert_accessible(page)

    with page.expect_navigation():
        header.get_by_role("button", name="Đăng xuất").click()
    assert page.url == live_server.url + "/"
    expect(header.get_by_role("link", name="Đăng nhập")).to_be_visible()
    expect(header.get_by_role("link", name="Tài khoản của tôi")).to_have_count(0)
    assert not any(c["name"] == "sessionid" for c in page.context.cookies())
    assert_accessible(page)

    # Signed out for real: my account asks for a sign-in again.
    page.goto("/tai-khoan/")
    assert page.url.startswith(live_server.url + LOGIN + "?next=")
    assert_accessible(page)


def test_five_wrong_passwords_pause_signing_in_even_with_the_right_one(phone_page):
    page = phone_page
    citizen = CitizenFactory()

    page.goto(LOGIN)
    assert_accessible(page)
    for attempt in range(4):
        submit_login(page, citizen.cccd, f"sai-mat-khau-{attempt}")
        expect(page.get_by_role("alert")).to_contain_text("Vui lòng điền vào")
        expect(page.get_by_label("Mật khẩu")).to_have_value("")
    assert_accessible(page)

    submit_login(page, citizen.cccd, "sai-mat-khau-4")
    expect(page.locator("h1")).to_have_text("Tạm dừng đăng nhập")
    assert_accessible(page)

    # The right password, too late: the Vietnamese lockout page, answered with 429.
    page.goto(LOGIN)
    assert_accessible(page)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        submit_login(page, citizen.cccd, PASSWORD)
    response = answer.value
    assert response.status == 429
    assert response.headers["retry-after"] == str(15 * 60)
    expect(page.locator("h1")).to_have_text("Tạm dừng đăng nhập")
    expect(page.get_by_role("alert")).to_contain_text(
        "Bạn đã đăng nhập sai quá nhiều lần. Để bảo đảm an toàn, việc đăng nhập vào "
        "tài khoản này từ thiết bị này tạm dừng trong 15 phút. Vui lòng thử lại sau."
    )
    expect(page.get_by_role("link", name="Tài khoản của tôi")).to_have_count(0)
    assert_accessible(page)
