"""The demo procedure catalogue (data/procedures.json) follows the format the importer reads."""

import json
import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "procedures.json"
PROCEDURES = json.loads(DATA.read_text(encoding="utf-8"))

AGENCY_KINDS = {
    "ubnd_tinh",
    "so",
    "ubnd_huyen",
    "ubnd_xa",
    "mot_cua",
    "cong_an",
    "trung_tam",
    "khac",
}
FIELD_TYPES = {
    "text",
    "textarea",
    "number",
    "date",
    "select",
    "checkbox",
    "cccd",
    "phone",
    "email",
    "tax_code",
}
PREFILL_KEYS = {
    "full_name",
    "cccd",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address",
    "tax_code",
}
ITEM_KEYS = {
    "code",
    "name",
    "field_code",
    "field_name",
    "levels",
    "agency_kinds",
    "legal_basis",
    "papers",
    "fees",
    "processing_days",
    "online_mode",
    "cutoff",
    "result_type",
    "result_name",
    "steps",
    "form",
}
FIELD_KEYS = {
    "name",
    "label",
    "type",
    "required",
    "prefill",
    "options",
    "min",
    "max",
    "help",
    "pattern",
    "min_length",
    "max_length",
}
NATIONAL_CODE = re.compile(r"^[12]\.\d{6}$")
FIELD_CODE = re.compile(r"^[A-Z]\d{2}-[A-Z]{2}\d{2}$")  # MX1X2-LV, loosely
SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


def ids(item):
    return item["code"]


def test_catalogue_is_big_enough_and_codes_are_unique():
    codes = [p["code"] for p in PROCEDURES]
    assert len(PROCEDURES) >= 20
    assert len(codes) == len(set(codes))


def test_every_online_mode_and_level_is_represented():
    assert {p["online_mode"] for p in PROCEDURES} == {"full", "partial", "none"}
    assert {level for p in PROCEDURES for level in p["levels"]} == {"tinh", "xa"}


def test_the_topics_the_brief_names_are_covered():
    names = " | ".join(p["name"].lower() for p in PROCEDURES)
    for topic in (
        "khai sinh",
        "khai tử",
        "kết hôn",
        "tình trạng hôn nhân",
        "bản sao",
        "chữ ký",
        "thường trú",
        "tạm trú",
        "hộ kinh doanh",
        "thay đổi nội dung đăng ký hộ kinh doanh",
        "thông tin, dữ liệu đất đai",
        "chuyển nhượng",
        "giấy phép xây dựng",
        "trợ cấp xã hội",
        "lý lịch tư pháp",
        "giấy phép lái xe",
        "an toàn thực phẩm",
        "lao động",
        "lễ hội",
    ):
        assert topic in names, topic


@pytest.mark.parametrize("item", PROCEDURES, ids=ids)
def test_item_structure(item):
    assert set(item) == ITEM_KEYS
    assert NATIONAL_CODE.match(item["code"])
    assert item["name"].strip() and item["result_name"].strip() and item["field_name"].strip()
    assert FIELD_CODE.match(item["field_code"])
    assert item["levels"] and set(item["levels"]) <= {"tinh", "xa"}
    assert item["agency_kinds"] and set(item["agency_kinds"]) <= AGENCY_KINDS
    assert item["legal_basis"] and all(isinstance(x, str) and x for x in item["legal_basis"])
    assert item["online_mode"] in {"full", "partial", "none"}
    assert item["result_type"] in {"electronic", "paper", "both"}
    assert isinstance(item["cutoff"], bool)
    assert isinstance(item["processing_days"], int) and item["processing_days"] >= 0


@pytest.mark.parametrize("item", PROCEDURES, ids=ids)
def test_papers_and_fees(item):
    assert item["papers"]
    assert any(p["required"] for p in item["papers"])
    for paper in item["papers"]:
        assert set(paper) == {"code", "name", "required", "copies"}
        assert SLUG.match(paper["code"]) and paper["name"]
        assert isinstance(paper["required"], bool)
        assert isinstance(paper["copies"], int) and paper["copies"] >= 1
    assert len({p["code"] for p in item["papers"]}) == len(item["papers"])
    assert item["fees"]
    for fee in item["fees"]:
        assert set(fee) <= {"code", "name", "amount", "note"} and {"code", "name", "amount"} <= set(
            fee
        )
        assert SLUG.match(fee["code"]) and fee["name"]
        assert isinstance(fee["amount"], int) and fee["amount"] >= 0


@pytest.mark.parametrize("item", PROCEDURES, ids=ids)
def test_steps_add_up_to_the_processing_time(item):
    steps = item["steps"]
    assert len(steps) >= 2
    assert sum(s["days"] for s in steps) == item["processing_days"]
    assert len({s["code"] for s in steps}) == len(steps)
    for s in steps:
        assert set(s) == {"code", "name", "days", "agency_kind"}
        assert SLUG.match(s["code"]) and s["name"]
        assert isinstance(s["days"], int) and s["days"] >= 0
        assert s["agency_kind"] in AGENCY_KINDS


@pytest.mark.parametrize("item", PROCEDURES, ids=ids)
def test_form_as_data(item):
    form_steps = item["form"]["steps"]
    assert set(item["form"]) == {"steps"} and form_steps
    names = []
    for form_step in form_steps:
        assert set(form_step) == {"title", "fields"} and form_step["title"] and form_step["fields"]
        for field in form_step["fields"]:
            assert set(field) <= FIELD_KEYS, field
            assert SLUG.match(field["name"]) and field["label"]
            assert field["type"] in FIELD_TYPES
            assert isinstance(field["required"], bool)
            if "prefill" in field:
                assert field["prefill"] in PREFILL_KEYS
            if field["type"] == "select":
                assert field["options"]
                assert all(set(o) == {"value", "label"} for o in field["options"])
                assert len({o["value"] for o in field["options"]}) == len(field["options"])
            else:
                assert "options" not in field
            for bound in ("min", "max"):
                if bound in field:
                    assert field["type"] in {"number", "date"}
                    if field["type"] == "date":
                        assert field[bound] == "today" or re.match(
                            r"^\d{4}-\d{2}-\d{2}$", field[bound]
                        )
                    else:
                        assert isinstance(field[bound], int)
            if "pattern" in field:
                re.compile(field["pattern"])
            names.append(field["name"])
    assert len(names) == len(set(names)), "field names are unique within a form"


def test_most_forms_prefill_what_the_state_already_knows():
    prefilled = [
        p
        for p in PROCEDURES
        if any("prefill" in f for s in p["form"]["steps"] for f in s["fields"])
    ]
    assert len(prefilled) == len(PROCEDURES)


def test_real_fee_amounts():
    by_code = {p["code"]: p for p in PROCEDURES}
    copy_fee = by_code["2.000815"]["fees"][0]
    assert copy_fee["amount"] == 2000 and "1.000 đồng/trang" in copy_fee["note"]
    household = by_code["2.000720"]["fees"][0]
    assert household["amount"] == 100000 and "Nghị quyết HĐND tỉnh" in household["note"]
