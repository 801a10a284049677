"""The portal in a real browser: a 360 px phone first, then a desktop.

Every page opened is checked with axe-core (the page fixtures enforce it).
"""

import pytest

from tinhso.portal.tests.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FONT_SIZE = "() => getComputedStyle(document.documentElement).fontSize"
PAGE_WIDTH = "() => document.scrollingElement.scrollWidth"


def nav_texts(page) -> list[str]:
    return [text.strip() for text in page.locator(".site-nav a").all_inner_texts()]


def cookie(page, name):
    return next((c["value"] for c in page.context.cookies() if c["name"] == name), None)


def test_home_on_a_phone_is_vietnamese_and_fits(phone_page, settings):
    response = phone_page.goto("/")

    assert response.status == 200
    assert phone_page.get_attribute("html", "lang") == "vi"
    assert phone_page.locator("h1").inner_text() == settings.TINHSO_SITE_NAME
    assert nav_texts(phone_page)[:2] == ["Trang chủ", "Đơn vị hành chính"]
    assert phone_page.evaluate(PAGE_WIDTH) <= 360
    # Our stylesheet and htmx really load (the live server serves them through the finders).
    assert phone_page.evaluate(FONT_SIZE) == "18px"
    assert phone_page.evaluate("() => window.htmx && htmx.version").startswith("2.")
    assert_accessible(phone_page)


def test_largest_text_still_fits_a_phone(phone_page, live_server):
    largest = {"name": "tinhso_font", "value": "xxl", "url": live_server.url}
    phone_page.context.add_cookies([largest])

    phone_page.goto("/")

    assert phone_page.evaluate(FONT_SIZE) == "24px"
    assert phone_page.evaluate(PAGE_WIDTH) <= 360
    assert phone_page.get_attribute('[data-a11y-font="up"]', "aria-disabled") == "true"
    assert_accessible(phone_page)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(phone_page):
    phone_page.goto("/")
    assert_accessible(phone_page)

    phone_page.keyboard.press("Tab")
    focused = phone_page.evaluate("() => document.activeElement.className")
    assert focused == "skip-link"
    assert phone_page.locator(".skip-link").is_visible()

    phone_page.keyboard.press("Enter")
    assert phone_page.evaluate("() => document.activeElement.id") == "main"


def test_larger_text_survives_reload_and_navigation(phone_page):
    phone_page.goto("/")
    before = float(phone_page.evaluate(FONT_SIZE).removesuffix("px"))

    phone_page.click('[data-a11y-font="up"]')

    after = float(phone_page.evaluate(FONT_SIZE).removesuffix("px"))
    assert after > before
    body_size = phone_page.evaluate("() => getComputedStyle(document.body).fontSize")
    assert body_size == f"{after:g}px"
    assert phone_page.get_attribute('[data-a11y-font="reset"]', "aria-pressed") == "false"
    assert cookie(phone_page, "tinhso_font") == "lg"
    assert '"font":"lg"' in phone_page.evaluate("() => localStorage.getItem('tinhso.display')")
    assert_accessible(phone_page)

    phone_page.reload()
    assert phone_page.evaluate(FONT_SIZE) == f"{after:g}px"
    assert "font-lg" in phone_page.get_attribute("html", "class")  # rendered by the server

    with phone_page.expect_navigation():
        phone_page.click(".site-nav a[href='/don-vi/']")
    assert phone_page.evaluate(FONT_SIZE) == f"{after:g}px"
    assert_accessible(phone_page)

    phone_page.click('[data-a11y-font="reset"]')
    assert phone_page.evaluate(FONT_SIZE) == f"{before:g}px"
    assert cookie(phone_page, "tinhso_font") == "md"


def test_high_contrast_toggles_and_persists(phone_page):
    phone_page.goto("/")
    toggle = phone_page.locator("[data-a11y-contrast]")
    assert toggle.get_attribute("aria-pressed") == "false"

    toggle.click()

    assert toggle.get_attribute("aria-pressed") == "true"
    assert "contrast-high" in phone_page.get_attribute("html", "class")
    assert phone_page.evaluate("() => getComputedStyle(document.body).backgroundColor") == (
        "rgb(0, 0, 0)"
    )
    assert_accessible(phone_page)  # the high-contrast colours pass too

    phone_page.reload()
    assert "contrast-high" in phone_page.get_attribute("html", "class")
    assert toggle.get_attribute("aria-pressed") == "true"

    toggle.click()
    assert "contrast-high" not in (phone_page.get_attribute("html", "class") or "")
    assert cookie(phone_page, "tinhso_contrast") == "normal"


def test_preferences_come_back_from_local_storage_when_cookies_are_cleared(phone_page):
    phone_page.goto("/")
    assert_accessible(phone_page)
    phone_page.click("[data-a11y-contrast]")
    phone_page.context.clear_cookies()

    phone_page.reload()

    assert "contrast-high" in phone_page.get_attribute("html", "class")
    assert cookie(phone_page, "tinhso_contrast") == "high"


def test_switching_to_english_changes_language_and_navigation(phone_page):
    phone_page.goto("/")
    assert nav_texts(phone_page)[0] == "Trang chủ"
    assert_accessible(phone_page)

    with phone_page.expect_navigation():
        phone_page.click('button[name="language"][value="en"]')

    assert phone_page.url.endswith("/")
    assert phone_page.get_attribute("html", "lang") == "en"
    assert nav_texts(phone_page)[:2] == ["Home", "Administrative units"]
    assert phone_page.locator('button[name="language"][value="en"]').count() == 0
    assert_accessible(phone_page)

    with phone_page.expect_navigation():
        phone_page.click('button[name="language"][value="vi"]')
    assert phone_page.get_attribute("html", "lang") == "vi"
    assert nav_texts(phone_page)[0] == "Trang chủ"


def test_not_found_page_is_friendly_and_accessible(phone_page):
    response = phone_page.goto("/trang-khong-ton-tai/")

    assert response.status == 404
    assert phone_page.locator("h1").is_visible()
    assert phone_page.locator("main a[href='/']").is_visible()
    assert phone_page.evaluate(PAGE_WIDTH) <= 360
    assert_accessible(phone_page)


def test_unit_browser_renders_in_the_layout(phone_page):
    response = phone_page.goto("/don-vi/")

    assert response.ok
    assert phone_page.locator(".site-header").is_visible()
    assert phone_page.evaluate(PAGE_WIDTH) <= 360
    assert_accessible(phone_page)


def test_home_on_a_desktop_and_htmx_sends_the_csrf_token(desktop_page):
    desktop_page.goto("/")
    assert_accessible(desktop_page)
    tiles = desktop_page.locator(".tile")
    assert tiles.count() == 6
    # Tiles sit side by side on a wide screen.
    first, second = tiles.nth(0).bounding_box(), tiles.nth(1).bounding_box()
    assert first["y"] == second["y"]

    # A POST through htmx passes Django's CSRF check thanks to hx-headers on <body>.
    with desktop_page.expect_response("**/hien-thi/") as answer:
        desktop_page.evaluate(
            """() => htmx.ajax("POST", "/hien-thi/",
                               {source: "body", values: {contrast: "high"}, swap: "none"})"""
        )
    assert answer.value.status == 204
    assert cookie(desktop_page, "tinhso_contrast") == "high"


def test_server_error_page_is_accessible_on_a_phone(phone_page):
    # The live server has no URL that fails on purpose: serve what the 500 handler renders.
    from django.test import RequestFactory

    from tinhso.portal.views import server_error

    body = server_error(RequestFactory().get("/")).content.decode()
    phone_page.route(
        "**/loi-he-thong/",
        lambda route: route.fulfill(status=500, body=body, content_type="text/html"),
    )

    phone_page.goto("/loi-he-thong/")

    assert phone_page.evaluate(FONT_SIZE) == "18px"  # the stylesheet loads without a context
    assert phone_page.evaluate(PAGE_WIDTH) <= 360
    assert_accessible(phone_page)
