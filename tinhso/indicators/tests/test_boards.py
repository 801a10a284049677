"""Boards as data and what they show: definitions round-trip through JSON, tiles carry target,
trend and "no data", the whole country adds up its provinces, rankings respect
``higher_is_better``, outlines are imported and projected."""

import json
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command

from tinhso.indicators import boards, loaders, periods, selectors, services
from tinhso.indicators.models import Board, BoardItem, UnitGeometry
from tinhso.indicators.tests.conftest import enter
from tinhso.kernel.models import AuditEvent
from tinhso.units.tests.factories import CommuneFactory

pytestmark = pytest.mark.django_db

# (online, in person, resolved, on time) per commune and month
FIGURES = {
    "a": {"202609": (20, 80, 10, 9), "202610": (30, 70, 10, 9)},
    "b": {"202609": (50, 50, 10, 10), "202610": (60, 40, 10, 10)},
    "c": {"202609": (50, 50, 10, 10), "202610": (60, 40, 10, 10)},
}


def definition(**extra):
    data = {
        "code": "thu-nghiem",
        "name": "Bảng thử nghiệm",
        "description": "Bảng dùng trong kiểm thử",
        "is_public": True,
        "is_default": True,
        "period_type": "month",
        "items": [
            {"kind": "tile", "code": "ty_le_truc_tuyen"},
            {"kind": "tile", "code": "ty_le_dung_han"},
            {"kind": "tile", "code": "ty_le_tre_han"},
            {"kind": "tile", "code": "hs_gq"},
            {"kind": "tile", "code": "chua_nhap"},
            {"kind": "series", "code": "ty_le_truc_tuyen", "title": "Diễn biến trực tuyến"},
            {"kind": "pillars"},
            {"kind": "bars", "code": "ty_le_truc_tuyen"},
            {"kind": "ranking", "code": "ty_le_truc_tuyen"},
            {"kind": "ranking", "code": "ty_le_tre_han"},
            {"kind": "map", "code": "ty_le_truc_tuyen"},
        ],
    }
    data.update(extra)
    return data


@pytest.fixture
def board_data(tree, catalogue):
    return make_board_data(tree, catalogue)


def make_board_data(tree, catalogue):
    """Three communes with two months of dossiers, a national target of 80 % online, a
    lower-is-better late share, an element nobody entered, and the test board."""
    commune_c = CommuneFactory(parent=tree.province, name="Xã Cẩm", code="91003")
    services.data_element_define(acting_user=None, code="chua_nhap", name="Chưa ai nhập")
    services.indicator_define(
        acting_user=None,
        code="ty_le_tre_han",
        name="Tỷ lệ hồ sơ trễ hạn",
        numerator="#{hs_gq} - #{hs_dh}",
        denominator="#{hs_gq}",
        factor=100,
        measure="%",
        higher_is_better=False,
        pillar="government",
    )
    catalogue.rate.pillar = "government"
    catalogue.rate.save(update_fields=["pillar"])
    units = {"a": tree.commune_a, "b": tree.commune_b, "c": commune_c}
    for key, months in FIGURES.items():
        for month, (online, in_person, resolved, on_time) in months.items():
            enter(
                catalogue.data_set,
                units[key],
                month,
                {
                    "hs.truc_tuyen": online,
                    "hs.truc_tiep": in_person,
                    "hs_gq": resolved,
                    "hs_dh": on_time,
                },
            )
    services.target_set(acting_user=None, indicator=catalogue.rate, year=2026, value=80)
    board = boards.board_import(acting_user=None, data=definition())
    return SimpleNamespace(board=board, commune_c=commune_c, **vars(tree))


def show(board, unit, period="202610", user=None, view="reported"):
    scope = boards.Scope(unit=unit, period=periods.parse(period), view=view)
    return boards.board_show(board, scope=scope, user=user)


# --- definitions --------------------------------------------------------------------------------


def test_a_board_definition_round_trips_through_json(board_data):
    exported = boards.board_export(board_data.board)
    assert exported == {**definition(), "position": 0}
    audits = AuditEvent.objects.filter(action="indicators.board_import").count()
    again = boards.board_import(acting_user=None, data=json.loads(json.dumps(exported)))
    assert again.pk == board_data.board.pk
    assert boards.board_export(again) == exported
    # Importing the same definition again changes nothing, so it is not audited again.
    assert AuditEvent.objects.filter(action="indicators.board_import").count() == audits


def test_importing_replaces_the_items_and_keeps_one_default_board(board_data):
    boards.board_import(
        acting_user=None,
        data=definition(code="khac", name="Bảng khác", items=[{"kind": "tile", "code": "hs"}]),
    )
    assert list(Board.objects.filter(is_default=True).values_list("code", flat=True)) == ["khac"]
    boards.board_import(
        acting_user=None, data=definition(items=[{"kind": "tile", "code": "hs_dh"}])
    )
    assert list(board_data.board.items.values_list("kind", "code")) == [("tile", "hs_dh")]
    assert Board.objects.get(code="thu-nghiem").is_default


def test_a_bad_definition_lists_every_problem_and_writes_nothing(board_data):
    bad = definition(
        code="bang moi",
        name=" ",
        period_type="week",
        items=[
            {"kind": "tile", "code": "khong_co"},
            {"kind": "pie", "code": "hs"},
            {"kind": "dti", "framework": "dti_khong_co"},
            {"kind": "bars"},
            {"kind": "pillars", "options": {"codes": ["ty_le_truc_tuyen", "sai_ma"]}},
        ],
    )
    with pytest.raises(boards.BoardInvalid) as caught:
        boards.board_import(acting_user=None, data=bad)
    fields = {problem["field"] for problem in caught.value.details}
    assert fields == {
        "code",
        "name",
        "period_type",
        "items[0].code",
        "items[1].kind",
        "items[2].framework",
        "items[3].code",
        "items[4].options.codes[1]",
    }
    assert caught.value.code == "board_invalid"
    assert "không hợp lệ" in str(caught.value.message)
    assert Board.objects.count() == 1
    assert board_data.board.items.count() == len(definition()["items"])


def test_the_command_exports_and_imports_a_board(board_data, tmp_path):
    path = tmp_path / "bang.json"
    out = StringIO()
    call_command("indicators_board", "export", str(path), "--board", "thu-nghiem", stdout=out)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["name"] == "Bảng thử nghiệm"
    data["code"], data["name"], data["is_default"] = "ban-sao", "Bản sao", False
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("indicators_board", "import", str(path), stdout=out)
    copy = Board.objects.get(code="ban-sao")
    assert boards.board_export(copy)["items"] == definition()["items"]
    path.write_text('{"code": "x", "items": []}', encoding="utf-8")
    with pytest.raises(CommandError, match="items"):
        call_command("indicators_board", "import", str(path), stdout=out)
    with pytest.raises(CommandError, match="not JSON"):
        path.write_text("{", encoding="utf-8")
        call_command("indicators_board", "import", str(path), stdout=out)


def test_the_shipped_board_loads_with_twelve_tiles(db):
    loaders.load_all()
    (board,) = boards.load_shipped_boards()
    assert board.name == "Bảng điều hành chuyển đổi số"
    assert board.is_default and board.is_public
    tiles = list(board.items.filter(kind=BoardItem.Kind.TILE).values_list("code", flat=True))
    assert len(tiles) == 12
    assert {"ty_le_hs_truc_tuyen", "ty_le_dung_han", "ty_le_smartphone", "ty_le_ho_cap_quang"} <= (
        set(tiles)
    )
    assert any("." in code or code.startswith(("dossiers", "feedback")) for code in tiles)
    kinds = set(board.items.values_list("kind", flat=True))
    assert kinds == set(BoardItem.Kind.values)
    assert boards.load_shipped_boards()[0].pk == board.pk  # idempotent


# --- tiles --------------------------------------------------------------------------------------


def test_tiles_carry_value_target_trend_and_no_data(board_data):
    shown = show(board_data.board, board_data.province, user=board_data.province_leader)
    tiles = {tile["code"]: tile for tile in shown.tiles}
    online = tiles["ty_le_truc_tuyen"]
    # October: (30 + 60 + 60) online of 300; September: (20 + 50 + 50) of 300.
    assert online["value"] == 50
    assert online["previous"] == 40
    assert online["change"] == 10
    assert online["target"] == 80
    assert online["target_reached"] == round(100 * 50 / 80, 1)
    assert online["value_text"] == "50%"
    assert online["reached_text"] == "62,5%"
    assert (online["direction"], online["good"]) == ("up", True)
    assert online["sparkline"][-3:] == [None, 40, 50]
    late = tiles["ty_le_tre_han"]  # 1 late of 30 both months: flat
    assert late["value"] == pytest.approx(100 / 30, abs=0.1)
    assert late["direction"] == "flat" and late["good"] is None
    assert tiles["hs_gq"]["value"] == 30
    assert tiles["chua_nhap"]["value"] is None
    assert tiles["chua_nhap"]["value_text"] == ""


def test_a_worse_lower_is_better_indicator_reads_as_worse(board_data, catalogue):
    enter(catalogue.data_set, board_data.commune_a, "202611", {"hs_gq": 10, "hs_dh": 5})
    shown = show(board_data.board, board_data.commune_a, period="202611")
    late = next(tile for tile in shown.tiles if tile["code"] == "ty_le_tre_han")
    assert (late["value"], late["previous"], late["direction"], late["good"]) == (
        50,
        10,
        "up",
        False,
    )


def test_internal_indicators_only_for_an_official_who_may_view_the_unit(board_data):
    def codes(user, unit):
        return {tile["code"] for tile in show(board_data.board, unit, user=user).tiles}

    assert "ty_le_dung_han" not in codes(None, board_data.province)
    assert "ty_le_dung_han" in codes(board_data.province_leader, board_data.province)
    assert "ty_le_dung_han" in codes(board_data.commune_officer, board_data.commune_a)
    # Commune A's officer may not see commune B's internal figures, nor the province's.
    assert "ty_le_dung_han" not in codes(board_data.commune_officer, board_data.commune_b)
    assert "ty_le_dung_han" not in codes(board_data.commune_officer, board_data.province)


def test_an_internal_board_is_hidden_from_the_public(board_data):
    boards.board_import(acting_user=None, data=definition(code="noi-bo", is_public=False))
    with pytest.raises(boards.BoardNotFound):
        boards.board_get("noi-bo", user=None, unit=board_data.province)
    found = boards.board_get("noi-bo", user=board_data.province_leader, unit=board_data.province)
    assert found.code == "noi-bo"
    assert [b.code for b in boards.visible_boards(None, board_data.province)] == ["thu-nghiem"]


# --- the whole country --------------------------------------------------------------------------


def test_the_country_adds_up_its_provinces(board_data, catalogue):
    other_commune = CommuneFactory(parent=board_data.other, name="Xã Bên", code="92001")
    enter(
        catalogue.data_set,
        other_commune,
        "202610",
        {"hs.truc_tuyen": 10, "hs.truc_tiep": 90, "hs_gq": 20, "hs_dh": 20},
    )
    tiles = {
        tile["code"]: tile
        for tile in selectors.board_values(None, "202610", ["ty_le_truc_tuyen", "hs_gq", "hs"])
    }
    # A rate is Σ numerators ÷ Σ denominators over the provinces, not a mean of rates.
    assert tiles["ty_le_truc_tuyen"]["value"] == round(100 * (150 + 10) / (300 + 100), 2)
    assert tiles["hs_gq"]["value"] == 30 + 20
    assert tiles["hs"]["value"] == 400
    assert tiles["ty_le_truc_tuyen"]["target"] == 80  # the national target
    table = selectors.values_table(
        codes=["hs"], units=[None, board_data.province], asked=[periods.parse("2026Q4")]
    )
    assert table[(None, "2026Q4")]["hs"] == 400
    assert table[(board_data.province.pk, "2026Q4")]["hs"] == 300
    shown = show(board_data.board, None)
    assert [child.name for child in shown.children] == ["Tỉnh Bên Cạnh", "Tỉnh Thử Nghiệm"]
    ranking = next(block for block in shown.blocks if block.kind == "ranking")
    assert [row[:2] for row in ranking.rows] == [[1, "Tỉnh Thử Nghiệm"], [2, "Tỉnh Bên Cạnh"]]


def test_internal_indicators_of_the_country_are_for_a_superuser(board_data):
    from tinhso.accounts.tests.factories import OfficialFactory

    admin = OfficialFactory(is_superuser=True, is_staff=True)
    codes = ["ty_le_truc_tuyen", "ty_le_dung_han"]
    assert [t["code"] for t in selectors.board_values(None, "202610", codes)] == codes[:1]
    assert [
        t["code"]
        for t in selectors.board_values(None, "202610", codes, user=board_data.province_leader)
    ] == codes[:1]
    assert [t["code"] for t in selectors.board_values(None, "202610", codes, user=admin)] == codes


# --- charts -------------------------------------------------------------------------------------


def test_rankings_use_competition_ranks_and_respect_higher_is_better(board_data):
    shown = show(board_data.board, board_data.province)
    online, late = [block for block in shown.blocks if block.kind == "ranking"]
    # B and C tie at 60 %, A has 30 %: ranks 1, 1, 3.
    assert [row[:2] for row in online.rows] == [[1, "Xã Bình"], [1, "Xã Cẩm"], [3, "Xã An"]]
    # Late share, lower is better: B and C (0 %) before A (10 %).
    assert [row[:2] for row in late.rows] == [[1, "Xã Bình"], [1, "Xã Cẩm"], [3, "Xã An"]]
    assert late.note == "Càng thấp càng tốt."
    assert late.display[2] == ["3", "Xã An", "10%"]


def test_series_bars_pillars_and_map(board_data):
    shown = show(board_data.board, board_data.province)
    blocks = {block.kind: block for block in shown.blocks}
    series = blocks["series"]
    assert series.title == "Diễn biến trực tuyến"
    assert [row[0] for row in series.rows][-3:] == ["202608", "202609", "202610"]
    assert [row[1] for row in series.rows][-3:] == [None, 40, 50]
    assert series.display[-1] == ["Tháng 10/2026", "50%"]
    assert series.chart["target_y"] is not None and len(series.chart["dots"]) == 2
    bars = blocks["bars"]
    assert [row[0] for row in bars.rows] == ["Xã Bình", "Xã Cẩm", "Xã An"]
    assert bars.chart["bars"][0]["length"] > bars.chart["bars"][2]["length"]
    pillars = blocks["pillars"]
    # Government: the online rate has a target (50 of 80 → 62.5 %), the late share none.
    assert pillars.rows[0][1:] == [1, 62.5]
    assert pillars.rows[1][2] is None and pillars.rows[2][2] is None
    map_block = blocks["map"]
    assert map_block.chart["svg"] is False  # no outlines: the tile grid
    groups = {row[0]: row[2] for row in map_block.rows}
    assert groups["Xã An"] == 1 and groups["Xã Bình"] == groups["Xã Cẩm"] == 2
    assert [entry["label"] for entry in map_block.chart["legend"]] == ["Nhóm 1", "Nhóm 2"]


def test_a_commune_board_has_no_charts_of_units_below(board_data):
    shown = show(board_data.board, board_data.commune_a)
    assert {block.kind for block in shown.blocks} == {"series", "pillars"}
    assert shown.children == []


def test_a_board_reads_a_bounded_number_of_queries(board_data, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        show(board_data.board, board_data.province)
    for n in range(25):
        CommuneFactory(parent=board_data.province, name=f"Xã Mới {n:02d}", code=f"919{n:02d}")
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        shown = show(board_data.board, board_data.province)
    assert len(shown.children) == 28
    # Only the precomputed roll-ups are read, never the raw facts.
    sql = [query["sql"] for query in many.captured_queries]
    assert any('"indicators_aggregate"' in text for text in sql)
    assert not any('"indicators_datavalue"' in text for text in sql)


# --- geometry -----------------------------------------------------------------------------------


def square(code, lon, lat, size=0.1):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {
        "type": "Feature",
        "properties": {"ma": code},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_outlines_are_imported_by_code_and_drawn_as_a_choropleth(board_data, tmp_path):
    collection = {
        "type": "FeatureCollection",
        "features": [
            square("91001", 105.0, 19.0),
            square("91002", 105.1, 19.0),
            {
                "type": "Feature",
                "properties": {"ma": "91003"},
                "geometry": {"type": "MultiPolygon", "coordinates": [[square("x", 105.2, 19.0)[
                    "geometry"]["coordinates"][0]]]},
            },
            square("99999", 100.0, 10.0),
        ],
    }  # fmt: skip
    path = tmp_path / "ranh_gioi.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    out = StringIO()
    call_command("indicators_board_geometry", str(path), "--property", "ma", stdout=out)
    assert "imported=3 unmatched=1" in out.getvalue()
    assert UnitGeometry.objects.count() == 3
    outline = UnitGeometry.objects.get(unit=board_data.commune_a)
    assert (outline.min_lon, outline.max_lat) == (105.0, pytest.approx(19.1))
    map_block = next(
        b for b in show(board_data.board, board_data.province).blocks if b.kind == "map"
    )
    assert map_block.chart["svg"] is True
    paths = {cell["unit"].code: cell["path"] for cell in map_block.chart["cells"]}
    assert all(p.startswith("M") and p.endswith("Z") for p in paths.values())
    # Three squares side by side: the first starts at the left edge, the last ends at the right.
    assert paths["91001"].startswith("M6.0,")
    assert "594.0," in paths["91003"]


def test_a_bad_geojson_file_is_refused_whole(board_data):
    with pytest.raises(boards.GeometryInvalid):
        boards.geometry_import(acting_user=None, data={"type": "Feature"})
    bad = {
        "type": "FeatureCollection",
        "features": [
            square("91001", 105.0, 19.0),
            {"type": "Feature", "properties": {"code": "91002"}, "geometry": {"type": "Point"}},
        ],
    }
    with pytest.raises(boards.GeometryInvalid) as caught:
        boards.geometry_import(acting_user=None, data=bad, code_property="ma")
    assert caught.value.details == [{"field": "features[1]"}]
    assert UnitGeometry.objects.count() == 0


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (1234.5, 1, "1.234,5"),
        (1234567.891, 2, "1.234.567,89"),
        (80.0, 1, "80"),
        (0.25, 2, "0,25"),
        (-1500, 0, "-1.500"),
        (None, 1, ""),
    ],
)
def test_numbers_are_written_the_vietnamese_way(value, decimals, text):
    assert boards.vn_number(value, decimals) == text
