"""Portal pages through Django's test client: home, layout, preferences, error pages."""

import re

import pytest
from django.template import loader
from django.test import RequestFactory
from django.urls import reverse

from tinhso.portal import preferences, views

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|<[^>]+\sstyle\s*=", re.IGNORECASE)


def assert_csp_ready(html: str) -> None:
    """No inline code or styles: the coming Content-Security-Policy forbids them."""
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not INLINE_HANDLER.search(html), INLINE_HANDLER.search(html).group(0)
    assert not INLINE_STYLE.search(html), INLINE_STYLE.search(html).group(0)


def test_home_renders_vietnamese_layout(client, settings):
    response = client.get(reverse("portal:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi"' in html
    assert settings.TINHSO_SITE_NAME in html
    assert 'href="#main"' in html
    assert 'id="main"' in html
    assert_csp_ready(html)


def test_home_loads_assets_as_external_deferred_scripts(client):
    html = client.get(reverse("portal:home")).content.decode()

    assert re.search(r'<script src="/static/vendor/htmx\.min\.js" defer>', html)
    assert re.search(r'<script src="/static/tinhso/js/a11y\.js" defer>', html)
    assert '<link rel="stylesheet" href="/static/tinhso/css/site.css">' in html
    assert "cdn" not in html.lower()


def test_body_sends_csrf_token_with_htmx_requests(client):
    response = client.get(reverse("portal:home"))
    token = response.context["csrf_token"]

    assert f'hx-headers=\'{{"X-CSRFToken": "{token}"}}\'' in response.content.decode()


def test_home_links_every_service_now_that_each_module_has_its_page(client):
    response = client.get(reverse("portal:home"))
    tiles = {item["tile"].key: item["url"] for item in response.context["tiles"]}

    assert tiles == {
        "dossiers": reverse("dossiers:catalogue"),
        "feedback": reverse("feedback:new"),
        "qa": reverse("qa:list"),
        "lookup": reverse("dossiers:lookup"),
        "news": reverse("outreach:news_list"),
        "units": reverse("units:browser"),
    }
    html = response.content.decode()
    assert "tile--soon" not in html
    assert "Sắp triển khai" not in html
    for title in ["Dịch vụ công trực tuyến", "Phản ánh hiện trường", "Hỏi đáp trực tuyến"]:
        assert title in html


def test_home_search_looks_for_a_public_service(client):
    html = client.get(reverse("portal:home")).content.decode()

    assert f'action="{reverse("dossiers:catalogue")}"' in html
    assert 'name="q"' in html
    assert 'for="home-search"' in html
    assert "Tìm thủ tục hành chính" in html


def test_workspace_shows_an_official_only_the_work_their_roles_open(client):
    from tinhso.units.tests.factories import AgencyFactory, official_with

    desk_officer = official_with(AgencyFactory(), "dossiers.view", "dossiers.receive")
    client.force_login(desk_officer)

    html = client.get(reverse("portal:workspace")).content.decode()

    assert "Công việc của tôi" in html
    assert f'href="{reverse("dossiers:work_queue")}"' in html
    assert f'href="{reverse("outreach:campaigns")}"' not in html


def test_workspace_asks_a_visitor_to_sign_in(client):
    response = client.get(reverse("portal:workspace"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_visitor_sees_a_login_link(client):
    html = client.get(reverse("portal:home")).content.decode()

    assert f'href="{reverse("accounts:login")}?next=/"' in html
    assert reverse("accounts:logout") not in html


def test_signed_in_user_logs_out_with_a_post_form(client, django_user_model):
    user = django_user_model.objects.create_user(username="citizen", password="x" * 12)
    client.force_login(user)

    html = client.get(reverse("portal:home")).content.decode()

    logout_form = re.search(
        r'<form method="post" action="{}"[^>]*>(.*?)</form>'.format(
            re.escape(reverse("accounts:logout"))
        ),
        html,
        re.DOTALL,
    )
    assert logout_form
    assert 'name="csrfmiddlewaretoken"' in logout_form.group(1)
    assert reverse("accounts:login") + "?" not in html


def test_messages_are_rendered_in_a_live_region():
    request = RequestFactory().get("/")
    html = loader.render_to_string(
        "includes/messages.html", {"messages": ["Đã lưu hồ sơ"]}, request=request
    )

    assert 'role="status"' in html
    assert 'aria-live="polite"' in html
    assert "Đã lưu hồ sơ" in html


def test_language_switch_offers_the_other_language(client, settings):
    html = client.get(reverse("portal:home")).content.decode()

    assert f'action="{reverse("set_language")}"' in html
    assert 'name="language" value="en" lang="en"' in html
    assert 'name="language" value="vi"' not in html

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("portal:home")).content.decode()
    assert '<html lang="en"' in html
    assert 'name="language" value="vi" lang="vi"' in html
    assert "Tiếng Việt" in html


def test_footer_links_to_the_source(client, settings):
    html = client.get(reverse("portal:home")).content.decode()
    assert f'<a href="{reverse("portal:source")}">Mã nguồn mở, AGPL-3.0</a>' in html

    settings.TINHSO_SOURCE_URL = "https://example.org/tinhso.git"
    html = client.get(reverse("portal:home")).content.decode()
    assert '<a href="https://example.org/tinhso.git">' in html


def test_source_page(client):
    response = client.get(reverse("portal:source"))

    assert response.status_code == 200
    assert "AGPL-3.0-or-later" in response.content.decode()


def test_unknown_page_gets_the_friendly_404(client):
    response = client.get("/khong-co-trang-nay/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Rất tiếc, không tìm thấy trang này" in html
    assert f'href="{reverse("portal:home")}"' in html
    assert 'class="skip-link"' in html
    assert_csp_ready(html)


def test_server_error_page_needs_no_database_or_context_processors(
    django_assert_num_queries, settings
):
    request = RequestFactory().get("/")

    with django_assert_num_queries(0):
        response = views.server_error(request)

    assert response.status_code == 500
    html = response.content.decode()
    assert settings.TINHSO_SITE_NAME in html
    assert "Rất tiếc, hệ thống đang gặp sự cố" in html
    assert 'href="/"' in html
    assert_csp_ready(html)


def test_server_error_page_survives_a_broken_template(monkeypatch):
    def broken(name):
        raise RuntimeError("template engine is broken")

    monkeypatch.setattr(views.loader, "get_template", broken)

    response = views.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Trang chủ" in response.content.decode()


# Display preferences without JavaScript (a11y.js does the same in the page).


def post_preferences(client, data, **extra):
    return client.post(reverse("portal:display_preferences"), data, **extra)


def test_larger_text_is_stored_in_a_cookie_and_redirects_back(client):
    response = post_preferences(client, {"font": "up", "next": "/don-vi/?q=vinh"})

    assert response.status_code == 302
    assert response["Location"] == "/don-vi/?q=vinh"
    cookie = response.cookies[preferences.FONT_COOKIE]
    assert cookie.value == "lg"
    assert cookie["max-age"] == preferences.COOKIE_MAX_AGE
    assert cookie["samesite"] == "Lax"
    assert not cookie["httponly"]


def test_text_size_stops_at_the_largest_and_smallest(client):
    client.cookies[preferences.FONT_COOKIE] = "xxl"
    assert post_preferences(client, {"font": "up"}).cookies[preferences.FONT_COOKIE].value == "xxl"

    client.cookies[preferences.FONT_COOKIE] = "sm"
    response = post_preferences(client, {"font": "down"})
    assert response.cookies[preferences.FONT_COOKIE].value == "sm"

    response = post_preferences(client, {"font": "reset"})
    assert response.cookies[preferences.FONT_COOKIE].value == "md"


def test_contrast_toggles(client):
    response = post_preferences(client, {"contrast": "toggle"})
    assert response.cookies[preferences.CONTRAST_COOKIE].value == "high"

    client.cookies[preferences.CONTRAST_COOKIE] = "high"
    response = post_preferences(client, {"contrast": "toggle"})
    assert response.cookies[preferences.CONTRAST_COOKIE].value == "normal"


def test_preferences_never_redirect_off_site(client):
    response = post_preferences(client, {"font": "up", "next": "https://evil.example/"})

    assert response["Location"] == reverse("portal:home")


def test_preferences_answer_htmx_with_no_content(client):
    response = post_preferences(client, {"contrast": "high"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response.cookies[preferences.CONTRAST_COOKIE].value == "high"


def test_preferences_need_post_and_csrf(client):
    assert client.get(reverse("portal:display_preferences")).status_code == 405

    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("portal:display_preferences"), {"font": "up"}).status_code == 403


def test_page_renders_the_stored_preferences_on_html(client):
    client.cookies[preferences.FONT_COOKIE] = "xl"
    client.cookies[preferences.CONTRAST_COOKIE] = "high"

    html = client.get(reverse("portal:home")).content.decode()

    assert '<html lang="vi" class="font-xl contrast-high">' in html
    assert re.search(r'data-a11y-contrast aria-pressed="true"', html)
    assert re.search(r'data-a11y-font="reset" aria-pressed="false"', html)


def test_page_at_largest_size_marks_a_plus_disabled(client):
    client.cookies[preferences.FONT_COOKIE] = "xxl"

    html = client.get(reverse("portal:home")).content.decode()

    assert re.search(r'data-a11y-font="up" aria-disabled="true"', html)
    assert not re.search(r'data-a11y-font="down" aria-disabled', html)
