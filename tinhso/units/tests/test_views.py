"""The pages: the unit browser (public) and the agency pages (officials in scope)."""

import itertools
import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    # The pages speak the reader's language; these tests read them in English, the msgids,
    # so they keep passing as the Vietnamese catalogue grows.
    return Client(headers={"Accept-Language": "en"})


def text(response):
    """The page as a reader meets it: tags out, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def breadcrumb(response):
    html = response.content.decode()
    nav = re.search(r'<nav class="breadcrumb".*?</nav>', html, flags=re.S).group(0)
    return [
        " ".join(re.sub(r"<[^>]+>", " ", item).split())
        for item in re.findall(r"<li>(.*?)</li>", nav, flags=re.S)
    ]


def test_browser_starts_at_the_installed_province(client, nghe_an, settings):
    settings.TINHSO_PROVINCE_CODENAME = "nghe_an"
    response = client.get(reverse("units:browser"))
    assert response.status_code == 200
    page = text(response)
    assert "Tỉnh Nghệ An" in page
    assert "Xã Anh Sơn" in page
    assert 'href="/don-vi/17329/"' in response.content.decode()
    assert "?all=1" in response.content.decode()


def test_browser_lists_every_province_without_an_installed_one(client, tree, settings):
    settings.TINHSO_PROVINCE_CODENAME = ""
    page = text(client.get(reverse("units:browser")))
    assert "Tỉnh Thử Nghiệm" in page and "Tỉnh Bên Cạnh" in page
    # The province with communes offers to open them in place, and works without JavaScript.
    html = client.get(reverse("units:browser")).content.decode()
    assert 'hx-get="/don-vi/91/don-vi-con/"' in html
    assert 'href="/don-vi/91/#sub-units"' in html


def test_browser_all_shows_every_province(client, nghe_an, tree, settings):
    settings.TINHSO_PROVINCE_CODENAME = "nghe_an"
    page = text(client.get(reverse("units:browser"), {"all": "1"}))
    assert "Tỉnh Nghệ An" in page and "Tỉnh Thử Nghiệm" in page


def test_empty_database_explains_how_to_load(client, db, settings):
    settings.TINHSO_PROVINCE_CODENAME = ""
    assert "tinhso units load" in text(client.get(reverse("units:browser")))


def test_search_without_diacritics_finds_the_province(client, nghe_an):
    response = client.get(reverse("units:browser"), {"q": "nghe an"})
    page = text(response)
    assert "Tỉnh Nghệ An" in page
    assert 'href="/don-vi/40/"' in response.content.decode()
    page = text(client.get(reverse("units:browser"), {"q": "xa anh son"}))
    assert "Xã Anh Sơn" in page
    assert "Tỉnh Nghệ An" in page  # shown as the commune's province
    assert (
        'value="xa anh son"'
        in client.get(reverse("units:browser"), {"q": "xa anh son"}).content.decode()
    )


def test_search_with_no_result(client, nghe_an):
    response = client.get(reverse("units:browser"), {"q": "khong co dau"})
    assert response.status_code == 200
    assert "Xã Anh Sơn" not in text(response)


def test_unit_page_shows_breadcrumb_children_and_facts(client, tree):
    response = client.get(reverse("units:unit_detail", args=[tree.village.code]))
    assert response.status_code == 200
    assert breadcrumb(response) == [
        "Đơn vị hành chính",
        "Tỉnh Thử Nghiệm",
        "Xã Anh Sơn Thử",
        "Thôn Đồng Tâm",
    ]
    html = response.content.decode()
    assert '<span aria-current="page">Thôn Đồng Tâm</span>' in html
    assert re.search(r"<h1[^>]*>Thôn Đồng Tâm</h1>", html)

    response = client.get(reverse("units:unit_detail", args=[tree.commune_a.code]))
    page = text(response)
    assert "Thôn Đồng Tâm" in page
    assert "91001" in page
    main = re.search(r"<main\b.*?</main>", response.content.decode(), flags=re.S).group(0)
    levels = [int(level) for level in re.findall(r"<h(\d)", main)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_unit_page_agencies_need_sign_in_and_scope(client, tree):
    url = reverse("units:unit_detail", args=[tree.commune_a.code])
    response = client.get(url)
    assert "UBND Xã Anh Sơn Thử" not in text(response)
    section = re.search(
        r'<section aria-labelledby="agencies-title">.*?</section>',
        response.content.decode(),
        flags=re.S,
    ).group(0)
    assert f'href="{reverse("accounts:login")}?next=' in section
    assert "Đăng nhập" in section

    client.force_login(tree.commune_viewer)
    page = text(client.get(url))
    assert "UBND Xã Anh Sơn Thử" in page
    assert "000.01.91.T91" in page
    page = text(client.get(reverse("units:unit_detail", args=[tree.commune_b.code])))
    assert "UBND Phường Bến Thủy" not in page


def test_children_partial_for_htmx_and_redirect_without(client, tree):
    url = reverse("units:unit_children", args=[tree.province.code])
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "Xã Anh Sơn Thử" in html and "Phường Bến Thủy Thử" in html
    assert 'hx-get="/don-vi/91001/don-vi-con/"' in html

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/don-vi/91/#sub-units"


def test_unknown_unit_is_404(client, tree):
    assert client.get(reverse("units:unit_detail", args=["00000"])).status_code == 404
    assert client.get(reverse("units:unit_children", args=["00000"])).status_code == 404


def test_retired_unit_page_names_its_successor(client, tree):
    import datetime as dt

    from tinhso.units import services
    from tinhso.units.tests.factories import CommuneFactory

    services.unit_retire(acting_user=None, unit=tree.village, valid_until=dt.date(2026, 1, 1))
    merged = CommuneFactory(parent=tree.province, code="91009", name="Xã Hợp Nhất")
    services.unit_retire(
        acting_user=None, unit=tree.commune_a, valid_until=dt.date(2026, 6, 30), successors=[merged]
    )
    page = text(client.get(reverse("units:unit_detail", args=["91001"])))
    assert "Xã Anh Sơn Thử" in page
    assert "có hiệu lực đến ngày" in page
    assert "Xã Hợp Nhất" in page
    assert "Thôn Đồng Tâm" in page  # the sub-units it had stay visible on its page


def test_agency_pages_need_sign_in(client, tree):
    response = client.get(reverse("units:agency_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    response = client.get(reverse("units:agency_detail", args=[tree.agency_a.pk]))
    assert response.status_code == 302


def test_agency_list_in_scope(client, tree):
    client.force_login(tree.commune_viewer)
    response = client.get(reverse("units:agency_list"))
    page = text(response)
    assert "UBND Xã Anh Sơn Thử" in page
    assert "UBND Phường Bến Thủy" not in page
    assert "UBND Tỉnh Thử Nghiệm" not in page
    assert '<th scope="col">' in response.content.decode()

    client.force_login(tree.province_admin)
    page = text(client.get(reverse("units:agency_list")))
    assert "UBND Phường Bến Thủy" in page and "UBND Tỉnh Thử Nghiệm" in page
    assert "UBND Bên Cạnh" not in page
    page = text(client.get(reverse("units:agency_list"), {"q": "ben thuy"}))
    assert "UBND Phường Bến Thủy" in page and "UBND Xã Anh Sơn Thử" not in page


def test_agency_detail_in_scope_only(client, tree):
    client.force_login(tree.commune_viewer)
    response = client.get(reverse("units:agency_detail", args=[tree.agency_a.pk]))
    assert response.status_code == 200
    page = text(response)
    assert "UBND Xã Anh Sơn Thử" in page and "000.01.91.T91" in page
    assert breadcrumb(response) == ["Đơn vị hành chính", "Tỉnh Thử Nghiệm", "Xã Anh Sơn Thử"]
    response = client.get(reverse("units:agency_detail", args=[tree.agency_b.pk]))
    assert response.status_code == 404


def test_pages_have_labelled_search(client, tree):
    html = client.get(reverse("units:browser")).content.decode()
    assert '<label for="unit-search">' in html and 'id="unit-search"' in html


def test_agencies_under_a_unit(client, tree):
    client.force_login(tree.province_admin)
    html = client.get(reverse("units:unit_detail", args=[tree.province.code])).content.decode()
    link = f"{reverse('units:agency_list')}?unit=91"
    assert f'href="{link}"' in html
    page = text(client.get(link))
    assert "UBND Xã Anh Sơn Thử" in page and "UBND Tỉnh Thử Nghiệm" in page
    page = text(client.get(reverse("units:agency_list"), {"unit": "91002"}))
    assert "UBND Phường Bến Thủy" in page and "UBND Xã Anh Sơn Thử" not in page
