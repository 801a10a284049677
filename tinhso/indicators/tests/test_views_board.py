"""The board pages, their exports and the boards API, over real HTTP requests of the test
client: what a visitor sees, what the files hold when read back, who sees internal figures,
refusals with Vietnamese messages, and a query count that does not grow with the units."""

import csv
import io
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tinhso.indicators import boards
from tinhso.indicators.tests.test_boards import definition, make_board_data
from tinhso.units.tests.factories import CommuneFactory

pytestmark = pytest.mark.django_db

PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"


@pytest.fixture
def board_data(tree, catalogue):
    return make_board_data(tree, catalogue)


def board_url(unit_code, **query):
    url = reverse("indicators:board", args=["thu-nghiem", unit_code])
    query.setdefault("period", "202610")
    return url + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def export_url(unit_code, key, fmt, period="202610"):
    url = reverse("indicators:board_export", args=["thu-nghiem", unit_code, key, fmt])
    return f"{url}?period={period}"


def block_id(kind, index=0):
    return str(
        boards.Board.objects.get(code="thu-nghiem")
        .items.filter(kind=kind)
        .order_by("position")[index]
        .pk
    )


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- pages --------------------------------------------------------------------------------------


def test_the_province_board_shows_tiles_charts_and_links_down_and_up(client, board_data):
    response = client.get(board_url("91"))
    assert response.status_code == 200
    page = text_of(response)
    assert "Tỉnh Thử Nghiệm" in page and "Tháng 10/2026" in page
    assert "Tỷ lệ hồ sơ trực tuyến" in page
    assert "50%" in page and "Mục tiêu 80%" in page and "đạt 62,5%" in page
    assert "tăng 10 điểm phần trăm so với kỳ trước" in page
    assert "Chưa có số liệu" in page  # the element nobody entered
    assert "Tỷ lệ đúng hạn" not in page  # internal, and the visitor is anonymous
    # Charts: SVG with a role, a title, and the same data as a table.
    assert page.count('role="img"') == 3  # series, pillars, bars (the map is a tile grid)
    assert "<title id=" in page and "Xem số liệu dạng bảng" in page
    # Down to each commune, up to the country, across to the other province.
    for code in ("91001", "91002", "91003"):
        assert board_url(code).replace("&", "&amp;") in response.content.decode()
    assert reverse("indicators:board", args=["thu-nghiem", "ca-nuoc"]) in page
    assert 'name="unit"' in page and "Tỉnh Bên Cạnh" in page
    # A strict CSP is coming: no inline script, no handler attributes.
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+\s*=", html)


def test_a_commune_board_has_a_breadcrumb_to_its_province(client, board_data):
    page = text_of(client.get(board_url("91001")))
    assert "Xã An" in page
    province = reverse("indicators:board", args=["thu-nghiem", "91"])
    assert f'href="{province}?period=202610&amp;view=reported">Tỉnh Thử Nghiệm</a>' in page
    assert "Xếp hạng" not in page  # no units below a commune


def test_the_country_board_and_the_default_page(client, board_data, settings):
    page = text_of(client.get(board_url("ca-nuoc")))
    assert "Cả nước" in page and "Tỉnh Thử Nghiệm" in page and "Tỉnh Bên Cạnh" in page
    # /ioc/ shows the default board of the installed province (none here: the country).
    settings.TINHSO_PROVINCE_CODENAME = "khong-co"
    home = client.get(reverse("indicators:home") + "?period=202610")
    assert home.status_code == 200
    assert "Bảng thử nghiệm" in text_of(home) and "Cả nước" in text_of(home)


def test_the_sibling_switcher_jumps_to_the_unit_keeping_the_period(client, board_data):
    url = reverse("indicators:board_home", args=["thu-nghiem"])
    response = client.get(url + "?unit=91002&period=2026Q4&view=current")
    assert response.status_code == 302
    assert response["Location"] == board_url("91002", period="2026Q4", view="current")
    page = text_of(client.get(response["Location"]))
    assert "Xã Bình" in page and "Quý 4/2026" in page
    assert "Số liệu đã được quy về các đơn vị hành chính hiện nay." in page


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/ioc/thu-nghiem/99999/", 404, "Không có đơn vị hành chính nào mang mã này."),
        ("/ioc/khong-co/91/", 404, "Không có bảng điều hành nào mang mã này"),
        ("/ioc/thu-nghiem/91/?period=2026Q5", 400, "Kỳ báo cáo được viết dạng 202611"),
        ("/ioc/thu-nghiem/91/?view=hom-nay", 400, "Cách tính là"),
        ("/ioc/thu-nghiem/91/xuat/99999.csv", 404, "Không có bảng điều hành"),
        ("/ioc/thu-nghiem/91/xuat/chi-so.doc", 404, "Không có bảng điều hành"),
        ("/ioc/thu-nghiem/?unit=00000", 404, "Không có đơn vị hành chính"),
    ],
)
def test_bad_requests_answer_a_clear_vietnamese_page(client, board_data, url, status, message):
    response = client.get(url)
    assert response.status_code == status
    assert message in text_of(response)


# --- scope --------------------------------------------------------------------------------------


def test_internal_indicators_and_boards_in_scope_only(client, board_data):
    boards.board_import(acting_user=None, data=definition(code="noi-bo", is_public=False))
    assert client.get("/ioc/noi-bo/91/").status_code == 404
    client.force_login(board_data.commune_officer)
    assert "Tỷ lệ đúng hạn" in text_of(client.get(board_url("91001")))
    assert "Tỷ lệ đúng hạn" not in text_of(client.get(board_url("91002")))
    assert client.get("/ioc/noi-bo/91/").status_code == 404
    assert client.get("/ioc/noi-bo/91001/").status_code == 200
    client.force_login(board_data.province_leader)
    assert "Tỷ lệ đúng hạn" in text_of(client.get(board_url("91")))
    rows = list(
        csv.reader(
            io.StringIO(client.get(export_url("91", "chi-so", "csv")).content.decode("utf-8-sig"))
        )
    )
    assert "Tỷ lệ đúng hạn" in [row[0] for row in rows]
    client.logout()
    rows = list(
        csv.reader(
            io.StringIO(client.get(export_url("91", "chi-so", "csv")).content.decode("utf-8-sig"))
        )
    )
    assert "Tỷ lệ đúng hạn" not in [row[0] for row in rows]


# --- speed --------------------------------------------------------------------------------------


def test_the_page_makes_the_same_queries_for_3_or_30_units(
    client, board_data, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(board_url("91"))  # warm the session and the content types
    with CaptureQueriesContext(connection) as few:
        assert client.get(board_url("91")).status_code == 200
    for n in range(27):
        CommuneFactory(parent=board_data.province, name=f"Xã Mới {n:02d}", code=f"919{n:02d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(board_url("91"))
    assert "Xã Mới 26" in text_of(response)


# --- exports ------------------------------------------------------------------------------------


def test_csv_exports_read_back(client, board_data):
    response = client.get(export_url("91", "chi-so", "csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "thu-nghiem-91-202610-chi-so.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Chỉ tiêu", "Đơn vị tính", "Giá trị"]
    online = next(row for row in rows if row[0] == "Tỷ lệ hồ sơ trực tuyến")
    assert [float(v) for v in online[2:7]] == [50, 40, 10, 80, 62.5]
    empty = next(row for row in rows if row[0] == "Chưa ai nhập")
    assert empty[2] == ""

    ranking = client.get(export_url("91", block_id("ranking"), "csv"))
    rows = list(csv.reader(io.StringIO(ranking.content.decode("utf-8-sig"))))
    assert rows == [
        ["Hạng", "Đơn vị", "Giá trị"],
        ["1", "Xã Bình", "60.0"],
        ["1", "Xã Cẩm", "60.0"],
        ["3", "Xã An", "30.0"],
    ]


def test_excel_exports_read_back(client, board_data):
    response = client.get(export_url("91", block_id("series"), "xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][0] == "Diễn biến trực tuyến – Tỉnh Thử Nghiệm – Tháng 10/2026"
    assert values[1] == ("Tháng", "Giá trị")
    assert values[-2:] == [("202609", 40), ("202610", 50)]
    assert len(values) == 2 + 12


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext)")
def test_pdf_exports_hold_the_figures(client, board_data, tmp_path):
    response = client.get(export_url("91", block_id("ranking"), "pdf"))
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "xep-hang.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Xếp hạng: Tỷ lệ hồ sơ trực tuyến" in text
    assert re.search(r"1\s+Xã Bình\s+60%", text) and re.search(r"3\s+Xã An\s+30%", text)

    whole = client.get(
        reverse("indicators:board_pdf", args=["thu-nghiem", "91"]) + "?period=202610"
    )
    path.write_bytes(whole.content)
    text = subprocess.run(
        [PDFTOTEXT, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "Bảng thử nghiệm",
        "Chỉ tiêu chính",
        "Mục tiêu 80%",
        "Diễn biến trực tuyến",
        "Chưa có số liệu",
    ):
        assert expected in text


# --- API ----------------------------------------------------------------------------------------


def test_the_boards_api(client, board_data):
    listed = client.get("/api/v1/indicators/boards").json()
    assert [b["code"] for b in listed] == ["thu-nghiem"]
    body = client.get("/api/v1/indicators/boards/thu-nghiem?unit=91&period=202610").json()
    assert body["unit"] == {"code": "91", "name": "Tỉnh Thử Nghiệm"}
    assert body["period"] == "202610" and body["view"] == "reported"
    tiles = {tile["code"]: tile for tile in body["tiles"]}
    assert "ty_le_dung_han" not in tiles
    assert tiles["ty_le_truc_tuyen"]["value"] == 50
    assert tiles["ty_le_truc_tuyen"]["target_reached"] == 62.5
    assert tiles["ty_le_truc_tuyen"]["sparkline"][-2:] == [40, 50]
    assert tiles["chua_nhap"]["value"] is None
    ranking = next(b for b in body["blocks"] if b["kind"] == "ranking")
    assert [(d["rank"], d["unit"]) for d in ranking["data"]] == [
        (1, "91002"),
        (1, "91003"),
        (3, "91001"),
    ]
    assert [c["code"] for c in body["children"]] == ["91001", "91002", "91003"]
    country = client.get("/api/v1/indicators/boards/thu-nghiem?period=202610").json()
    assert country["unit"] is None and len(country["children"]) == 2


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("khong-co?unit=91", 404, "board_not_found"),
        ("thu-nghiem?unit=99999", 404, "board_unit_not_found"),
        ("thu-nghiem?unit=91&period=2026-10", 422, "period_invalid"),
        ("thu-nghiem?unit=91&view=nay", 422, "validation_error"),
    ],
)
def test_the_boards_api_refuses_bad_input(client, board_data, query, status, code):
    response = client.get(f"/api/v1/indicators/boards/{query}")
    assert response.status_code == status
    assert response.json()["code"] == code


# --- admin --------------------------------------------------------------------------------------


def test_boards_are_edited_in_the_admin_with_their_items(client, board_data):
    from tinhso.accounts.tests.factories import OfficialFactory
    from tinhso.indicators.admin import BoardItemForm

    client.force_login(OfficialFactory(is_superuser=True, is_staff=True))
    page = client.get(f"/quan-tri/indicators/board/{board_data.board.pk}/change/")
    assert page.status_code == 200
    assert 'name="items-0-code"' in page.content.decode()
    assert 'value="ty_le_truc_tuyen"' in page.content.decode()
    good = BoardItemForm(data={"position": 3, "kind": "bars", "code": "hs_gq", "options": "{}"})
    assert good.is_valid(), good.errors
    bad = BoardItemForm(data={"position": 3, "kind": "bars", "code": "khong_co", "options": "{}"})
    assert not bad.is_valid()
    assert "Không có chỉ tiêu hoặc phần tử dữ liệu nào mang mã này." in bad.errors["code"]
    no_framework = BoardItemForm(data={"position": 4, "kind": "dti", "options": "{}"})
    assert not no_framework.is_valid() and "framework" in no_framework.errors


def test_with_outlines_the_map_is_an_svg_choropleth_linking_down(client, board_data):
    features = [
        {
            "type": "Feature",
            "properties": {"code": code},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[lon, 19.0], [lon + 0.1, 19.0], [lon + 0.1, 19.1], [lon, 19.1], [lon, 19.0]]
                ],
            },
        }
        for code, lon in (("91001", 105.0), ("91002", 105.1), ("91003", 105.2))
    ]
    boards.geometry_import(
        acting_user=None, data={"type": "FeatureCollection", "features": features}
    )
    html = client.get(board_url("91")).content.decode()
    svg = re.search(r'<svg class="chart__svg ioc-map__svg".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in svg and "<title id=" in svg
    assert svg.count("<path") == 3
    link = "/ioc/thu-nghiem/91001/?period=202610&amp;view=reported"
    assert f'<a href="{link}"><path class="map-shape map--k1" fill="#fde725"' in svg
    assert "<title>Xã An: 30% (Nhóm 1)</title>" in svg
    assert 'class="map-grid"' not in html
    assert "Nhóm 2: " in text_of(client.get(board_url("91")))  # the legend, as text
