"""``tinhso units import FILE.csv``: extra levels, all rows checked before any is loaded."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from tinhso.kernel.errors import Forbidden, InvalidInput
from tinhso.kernel.models import AuditEvent
from tinhso.units import selectors, services
from tinhso.units.models import Unit, path_segment

pytestmark = pytest.mark.django_db

GOOD = """code,name,type,parent_code,valid_from,valid_until
1732901,Thôn Bãi Ổi,thôn,17329,,
1732902,Thôn Đồng Tâm,thon,17329,2025-07-01,
1732902-1,Xóm Trại,xóm,1732902,,
412,Huyện Anh Sơn,huyện,40,01/01/1963,30/06/2025
17330,Thị trấn Anh Sơn,thị trấn,412,,2025-06-30
"""


def run(text, user=None):
    return services.units_import_csv(acting_user=user, file=io.StringIO(text))


def test_happy_path(nghe_an):
    before = Unit.objects.count()
    report = run(GOOD)
    assert (report.created, report.updated, report.unchanged) == (5, 0, 0)
    assert Unit.objects.count() == before + 5

    commune = Unit.objects.get(code="17329")
    village = Unit.objects.get(code="1732902")
    hamlet = Unit.objects.get(code="1732902-1")
    assert village.type == Unit.Type.THON
    assert (village.parent, village.level, village.valid_from) == (commune, 3, dt.date(2025, 7, 1))
    assert village.path == commune.path + path_segment(village.pk)
    assert (hamlet.parent, hamlet.level, hamlet.type) == (village, 4, Unit.Type.THON)
    assert hamlet.path == village.path + path_segment(hamlet.pk)
    assert hamlet.search_name == "xom trai"

    district = Unit.objects.get(code="412")
    assert district.type == Unit.Type.HUYEN
    assert (district.valid_from, district.valid_until) == (
        dt.date(1963, 1, 1),
        dt.date(2025, 6, 30),
    )
    township = Unit.objects.get(code="17330")
    assert township.parent == district
    assert township.type == Unit.Type.THI_TRAN
    assert not township.in_force
    nghe_an = Unit.objects.get(code="40")
    assert set(selectors.units_under(commune)) == {
        commune,
        village,
        hamlet,
        Unit.objects.get(code="1732901"),
    }
    assert township in selectors.units_under(nghe_an)
    assert AuditEvent.objects.filter(action="units.import_csv").count() == 1


def test_importing_again_refreshes_instead_of_duplicating(nghe_an):
    run(GOOD)
    count = Unit.objects.count()
    report = run(GOOD)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    report = run(GOOD.replace("Thôn Bãi Ổi", "Thôn Bãi Ổi Mới"))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 4)
    assert Unit.objects.count() == count
    assert Unit.objects.get(code="1732901").search_name == "thon bai oi moi"


def test_bad_rows_are_all_reported_and_nothing_is_loaded(nghe_an):
    text = """code,name,type,parent_code,valid_from,valid_until
1732901,Thôn Bãi Ổi,thôn,17329,,
1732902,Thôn Hai,thôn,99999,,
1732901,Thôn Trùng,thôn,17329,,
1732903,Thôn Ba,county,17329,,
1732904,Thôn Bốn,thôn,17329,2025-13-01,
1732905,,thôn,17329,,
1732906,Thôn Sáu,thôn,1732907,,
1732907,Thôn Bảy,thôn,17329,,
17330,Xã Trùng Mã,xã,40,,
1732908,Thôn Tám,thôn,17329,2025-07-01,2025-01-01
"""
    before = Unit.objects.count()
    with pytest.raises(InvalidInput) as exc:
        run(text)
    assert exc.value.code == "units_import_invalid"
    problems = {(p["line"], p["reason"]) for p in exc.value.details}
    assert problems == {
        (3, "unknown_parent"),
        (4, "duplicate_code"),
        (5, "unknown_type"),
        (6, "bad_date"),
        (7, "empty_name"),
        (8, "unknown_parent"),
        (11, "bad_date"),
    }
    hint = next(p for p in exc.value.details if p["line"] == 8)
    assert "dòng 9" in hint["message"]
    assert [p["line"] for p in exc.value.details] == sorted(p["line"] for p in exc.value.details)
    assert Unit.objects.count() == before
    assert not AuditEvent.objects.filter(action="units.import_csv").exists()


def test_a_code_in_force_elsewhere_is_a_duplicate(nghe_an):
    with pytest.raises(InvalidInput) as exc:
        run("code,name,type,parent_code\n17329,Xã Anh Sơn,xã,\n")
    assert [(p["line"], p["reason"]) for p in exc.value.details] == [(2, "duplicate_code")]


def test_a_child_of_a_bad_row_says_so(nghe_an):
    text = "code,name,type,parent_code\n1732901,Thôn,county,17329\n173290101,Xóm,xóm,1732901\n"
    with pytest.raises(InvalidInput) as exc:
        run(text)
    second = exc.value.details[1]
    assert (second["line"], second["reason"]) == (3, "unknown_parent")
    assert "dòng 2" in second["message"]


def test_missing_columns():
    with pytest.raises(InvalidInput) as exc:
        run("code,name\n1,A\n")
    assert exc.value.details[0]["line"] == 1
    assert exc.value.details[0]["reason"] == "bad_header"


def test_no_unit_in_force_under_a_retired_parent(nghe_an):
    text = GOOD + "1733001,Thôn Mới,thôn,17330,,\n"
    with pytest.raises(InvalidInput) as exc:
        run(text)
    assert [(p["line"], p["reason"]) for p in exc.value.details] == [(7, "parent_retired")]


def test_scope_of_an_official(tree):
    text = (
        "code,name,type,parent_code\n"
        "9100102,Thôn Mới,thôn,91001\n"
        "9100201,Tổ 1,tổ dân phố,91002\n"
        "99,Tỉnh Mới,tỉnh,\n"
    )
    with pytest.raises(InvalidInput) as exc:
        run(text, user=tree.commune_admin)
    assert [(p["line"], p["reason"]) for p in exc.value.details] == [
        (3, "parent_out_of_scope"),
        (4, "parent_out_of_scope"),
    ]
    report = run(text.rsplit("\n", 3)[0] + "\n", user=tree.commune_admin)
    assert report.created == 1
    with pytest.raises(Forbidden):
        run(text, user=tree.commune_viewer)


def test_byte_order_mark_and_bytes(nghe_an):
    data = ("\ufeff" + GOOD).encode("utf-8")
    report = services.units_import_csv(acting_user=None, file=io.BytesIO(data))
    assert report.created == 5


def test_command_happy_path(nghe_an, tmp_path):
    path = tmp_path / "thon.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = io.StringIO()
    call_command("units", "import", str(path), stdout=out)
    assert "5 rows: 5 created, 0 updated, 0 unchanged." in out.getvalue()


def test_command_reports_every_bad_row_and_exits_non_zero(nghe_an, tmp_path):
    path = tmp_path / "sai.csv"
    path.write_text(
        "code,name,type,parent_code\n1732901,,thôn,17329\n1732902,Thôn,thôn,00000\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("units", "import", str(path), stdout=io.StringIO(), stderr=err)
    assert exc.value.returncode != 0
    assert "line 2 [1732901]: empty_name" in err.getvalue()
    assert "line 3 [1732902]: unknown_parent" in err.getvalue()
    assert not Unit.objects.filter(code__startswith="173290").exists()


def test_command_missing_file(tmp_path):
    with pytest.raises(CommandError):
        call_command("units", "import", str(tmp_path / "none.csv"))
