"""An official of a commune finds their way through the unit browser on a phone.

Signed in through the real login form, they search without diacritics, open their commune,
expand the province's tree in place (htmx, no page load) and see their own agencies only.
Every page opened is checked with axe-core (the page fixtures enforce it).
"""

import re

import pytest
from playwright.sync_api import expect

from tinhso.accounts.permissions import Perm
from tinhso.portal.tests.browser import assert_accessible
from tinhso.units.tests.factories import AgencyFactory, UnitFactory, official_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mat-khau-thu-nghiem"  # official_with's password


@pytest.fixture
def province_world():
    province = UnitFactory(name="Tỉnh Hành Trình Thử")
    mine = UnitFactory(commune=True, parent=province, name="Xã Anh Sơn Thử")
    other = UnitFactory(commune=True, parent=province, name="Xã Bình Minh Thử")
    villages = [
        UnitFactory(village=True, parent=mine, name="Thôn Đồng Tâm Thử"),
        UnitFactory(village=True, parent=mine, name="Thôn Hạ Lũng Thử"),
    ]
    UnitFactory(village=True, parent=other, name="Thôn Bến Thủy Thử")
    my_agency = AgencyFactory(unit=mine, name="UBND Xã Anh Sơn Thử")
    other_agency = AgencyFactory(unit=other, name="UBND Xã Bình Minh Thử")
    official = official_with(my_agency, Perm.UNITS_VIEW, username="canbo.anhson")
    return {
        "province": province,
        "mine": mine,
        "other": other,
        "villages": villages,
        "my_agency": my_agency,
        "other_agency": other_agency,
        "official": official,
    }


def sign_in(page, username, password):
    page.goto("/tai-khoan/dang-nhap/")
    assert_accessible(page)
    page.get_by_label("Tên đăng nhập hoặc số căn cước công dân (CCCD)").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Đăng nhập", exact=True).click()


def agencies_section(page):
    return page.locator("section[aria-labelledby='agencies-title']")


def test_a_commune_official_browses_their_units_on_a_phone(phone_page, province_world, live_server):
    page = phone_page
    world = province_world

    # Signs in through the form and lands on the home page, signed in.
    sign_in(page, "canbo.anhson", PASSWORD)
    assert page.url == live_server.url + "/"
    nav = page.locator(".site-nav")
    expect(nav.get_by_role("link", name="Tài khoản của tôi")).to_be_visible()
    expect(nav.get_by_role("button", name="Đăng xuất")).to_be_visible()
    assert_accessible(page)

    # Opens the unit browser from the menu and searches without diacritics.
    with page.expect_navigation():
        nav.get_by_role("link", name="Đơn vị hành chính").click()
    assert page.url.endswith("/don-vi/")
    assert_accessible(page)
    page.get_by_label("Tìm đơn vị hành chính").fill("anh son thu")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Kết quả tìm kiếm cho “anh son thu”")).to_be_visible()
    results = page.locator("table tbody tr")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Tỉnh Hành Trình Thử")  # "part of"
    assert_accessible(page)

    # Opens the commune: its villages, and its own agencies.
    with page.expect_navigation():
        page.get_by_role("link", name="Xã Anh Sơn Thử", exact=True).click()
    assert page.url.endswith(f"/don-vi/{world['mine'].code}/")
    expect(page.locator("h1")).to_have_text("Xã Anh Sơn Thử")
    sub_units = page.locator("section[aria-labelledby='sub-units']")
    for village in world["villages"]:
        expect(sub_units.get_by_role("link", name=village.name)).to_be_visible()
    agencies = agencies_section(page)
    expect(agencies.get_by_role("link", name="UBND Xã Anh Sơn Thử")).to_be_visible()
    expect(agencies).not_to_contain_text("UBND Xã Bình Minh Thử")
    assert_accessible(page)

    # The commune page lists its villages directly; the tree expands from the province page.
    with page.expect_navigation():
        page.locator("dl.facts").get_by_role("link", name="Tỉnh Hành Trình Thử").click()
    province_url = page.url
    assert province_url.endswith(f"/don-vi/{world['province'].code}/")
    assert_accessible(page)
    page.evaluate("() => { window.__samePage = true; }")  # lost on a full page load
    commune_item = page.locator(".tree__item").filter(
        has=page.get_by_role("link", name="Xã Anh Sơn Thử", exact=True)
    )
    toggle = commune_item.locator("summary.tree__toggle")
    expect(toggle).to_contain_text("2 đơn vị trực thuộc")
    with page.expect_response(re.compile(rf"/don-vi/{world['mine'].code}/don-vi-con/$")):
        toggle.click()
    slot = commune_item.locator(".tree__slot")
    for village in world["villages"]:
        expect(slot.get_by_role("link", name=village.name)).to_be_visible()
    expect(slot).not_to_contain_text("Thôn Bến Thủy Thử")
    assert page.url == province_url
    assert page.evaluate("() => window.__samePage === true")
    assert_accessible(page)

    # The other commune's page does not show the other commune's agencies.
    page.goto(f"/don-vi/{world['other'].code}/")
    expect(page.locator("h1")).to_have_text("Xã Bình Minh Thử")
    agencies = agencies_section(page)
    expect(agencies).to_contain_text(
        "Không có cơ quan nào của đơn vị này thuộc phạm vi quản lý của bạn."
    )
    expect(agencies).not_to_contain_text("UBND Xã Bình Minh Thử")
    assert_accessible(page)

    # Nor its agency's own page.
    response = page.goto(f"/don-vi/co-quan/{world['other_agency'].pk}/")
    assert response.status == 404
    expect(page.get_by_text("UBND Xã Bình Minh Thử")).to_have_count(0)
    assert_accessible(page)
