"""Imports: dataValueSets JSON, DHIS2 CSV, the Excel template; all or nothing, per-row report."""

import io

import pytest
from openpyxl import load_workbook

from tinhso.indicators import errors, imports
from tinhso.indicators.models import DataValue
from tinhso.indicators.tests.conftest import TODAY

pytestmark = pytest.mark.django_db

HEADER = "dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,lastupdated,comment,followup\n"  # noqa: E501


def run(rows, **kwargs):
    kwargs.setdefault("today", TODAY)
    return imports.values_import(acting_user=kwargs.pop("user", None), rows=rows, **kwargs)


def test_a_good_csv_is_imported_and_rolled_up(tree, catalogue):
    text = HEADER + (
        "hs,202610,91001,truc_tuyen,,30,,,,\n"
        "hs,202610,91001,truc_tiep,,70,,,,\n"
        "hs_gq,202610,91002,,,12,,,ghi chú,\n"
        "hs_dh,202610,91002,,,12,,,,\n"
    )
    dry = run(imports.rows_from_csv(text), dry_run=True)
    assert dry["imported"] == 4 and not DataValue.objects.exists()
    report = run(imports.rows_from_csv(text))
    assert (report["imported"], report["updated"]) == (4, 0)
    assert run(imports.rows_from_csv(text))["ignored"] == 4
    from tinhso.indicators import selectors

    table = selectors.values_table(
        codes=["ty_le_truc_tuyen", "hs_gq"],
        units=[tree.province],
        asked=[selectors.periods.parse("202610")],
    )
    assert table[(tree.province.pk, "202610")] == {"ty_le_truc_tuyen": 30, "hs_gq": 12}


def test_a_bad_file_imports_nothing_and_reports_every_line(tree, catalogue):
    text = HEADER + (
        "hs,202610,91001,truc_tuyen,,30,,,,\n"  # 2: fine
        "khong_co,202610,91001,,,1,,,,\n"  # 3: unknown element
        "hs_gq,202613,91001,,,1,,,,\n"  # 4: wrong period
        "hs_gq,202610,99999,,,1,,,,\n"  # 5: unknown unit
        "hs_gq,202609,91001,,,mười,,,,\n"  # 6: not a number
        "hs,202610,91001,khong_kenh,,1,,,,\n"  # 7: unknown disaggregation
        "hs_gq,202608,91002,,,5,,,,\n"  # 8: rule broken with line 9
        "hs_dh,202608,91002,,,9,,,,\n"  # 9
        "hs,202610,91001,truc_tuyen,,31,,,,\n"  # 10: duplicate of line 2
    )
    with pytest.raises(errors.ImportInvalid) as caught:
        run(imports.rows_from_csv(text))
    problems = {(p["line"], p["code"]) for p in caught.value.details}
    assert problems == {
        (3, "data_element_unknown"),
        (4, "period_invalid"),
        (5, "org_unit_unknown"),
        (6, "value_invalid"),
        (7, "combo_unknown"),
        (8, "validation_rule_violated"),
        (9, "validation_rule_violated"),
        (10, "import_duplicate_row"),
    }
    assert caught.value.status == 422
    assert not DataValue.objects.exists()


def test_json_with_names_as_ids_and_scope(tree, catalogue):
    document = {
        "dataSet": "TTHC",
        "period": "202610",
        "orgUnit": "Xã An",
        "dataValues": [
            {"dataElement": "Hồ sơ giải quyết", "value": "8"},
            {"dataElement": "Hồ sơ đúng hạn", "value": 7},
            {"dataElement": "Hồ sơ giải quyết", "orgUnit": "Xã Bình", "value": 3},
        ],
    }
    rows, data_set = imports.rows_from_json(document)
    with pytest.raises(errors.ImportInvalid) as caught:
        run(rows, data_set_code=data_set, id_scheme="name", user=tree.commune_officer)
    assert [(p["line"], p["code"]) for p in caught.value.details] == [
        (3, "indicators_unit_out_of_scope")
    ]
    report = run(rows[:2], data_set_code=data_set, id_scheme="name", user=tree.commune_officer)
    assert report["imported"] == 2
    assert DataValue.objects.get(element__code="hs_gq").stored_by == tree.commune_officer


def test_the_excel_template_round_trip(tree, catalogue):
    content = imports.excel_template(
        data_set=catalogue.data_set, unit=tree.commune_a, period="202610"
    )
    book = load_workbook(io.BytesIO(content))
    sheet = book[imports.TEMPLATE_SHEET]
    assert sheet["B3"].value == "91001" and sheet["B4"].value == "202610"
    lines = {
        (sheet.cell(row=r, column=1).value, sheet.cell(row=r, column=3).value): r
        for r in range(imports.TEMPLATE_FIRST_ROW, sheet.max_row + 1)
    }
    assert set(lines) == {
        ("hs", "truc_tuyen"),
        ("hs", "truc_tiep"),
        ("hs_gq", None),
        ("hs_dh", None),
    }
    sheet.cell(row=lines[("hs", "truc_tuyen")], column=5, value=40)
    sheet.cell(row=lines[("hs_gq", None)], column=5, value="abc")
    buffer = io.BytesIO()
    book.save(buffer)
    rows, data_set = imports.parse_upload(content=buffer.getvalue())
    with pytest.raises(errors.ImportInvalid) as caught:
        run(rows, data_set_code=data_set)
    assert [(p["line"], p["code"]) for p in caught.value.details] == [
        (lines[("hs_gq", None)], "value_invalid")
    ]
    sheet.cell(row=lines[("hs_gq", None)], column=5, value=12)
    buffer = io.BytesIO()
    book.save(buffer)
    rows, data_set = imports.parse_upload(content=buffer.getvalue())
    assert run(rows, data_set_code=data_set)["imported"] == 2


def test_unreadable_files_are_refused(tree, catalogue):
    with pytest.raises(errors.ImportFormatInvalid):
        imports.parse_upload(content=b"PK\x03\x04not really a zip")
    with pytest.raises(errors.ImportFormatInvalid):
        imports.parse_upload(content=b'{"dataValues": 3}')
    with pytest.raises(errors.ImportFormatInvalid):
        imports.parse_upload(content=b"\xff\xfe\x00bad")
