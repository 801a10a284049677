"""The one-stop desk's forms render to A4 PDFs with intact Vietnamese text and the QR code."""

import datetime as dt
import shutil
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
import segno

from tinhso.dossiers import pdf

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CODE = "000.00.24.H12-261123-0007"
URL = f"https://dichvucong.example.vn/tra-cuu/{CODE}"

CONTEXT = {
    "dossier_code": CODE,
    "procedure_name": "Thủ tục đăng ký khai sinh",
    "procedure_code": "1.001193",
    "applicant_name": "Nguyễn Thị Hường",
    "applicant_address": "Thôn Đồng Lạc, xã Yên Thế",
    "applicant_phone": "0912345678",
    "agency_name": "Bộ phận một cửa xã Yên Thế",
    "parent_agency_name": "Ủy ban nhân dân xã Yên Thế",
    "unit_name": "Yên Thế",
    # 02:05 UTC is 09:05 in Hà Nội: the forms show local time.
    "received_at": dt.datetime(2026, 11, 23, 2, 5, tzinfo=dt.UTC),
    "due_at": dt.datetime(2026, 11, 24, 16, 30, tzinfo=HCM),
    "issued_at": dt.date(2026, 11, 23),
    "officer_name": "Trần Văn Đức",
    "lookup_url": URL,
    "papers": [
        {"name": "Tờ khai đăng ký khai sinh theo mẫu", "copies": 1},
        {"name": "Giấy chứng sinh", "copies": 1},
    ],
    "processing_days": 1,
    "result_place": "Bộ phận một cửa xã Yên Thế",
    "reasons": ["Giấy chứng sinh không rõ ngày sinh của trẻ"],
    "supplement_items": ["Bổ sung Giấy chứng sinh bản chính"],
    "contact_phone": "0203 3812 345",
    "new_due_at": dt.datetime(2026, 11, 27, 10, 0, tzinfo=HCM),
    "signer_name": "Phạm Quốc Khánh",
    "signer_title": "Chủ tịch",
    "steps": [
        {
            "agency": "Bộ phận một cửa xã Yên Thế",
            "officer": "Trần Văn Đức",
            "received_at": dt.datetime(2026, 11, 23, 9, 5, tzinfo=HCM),
            "due_at": dt.datetime(2026, 11, 23, 9, 5, tzinfo=HCM),
            "done_at": dt.datetime(2026, 11, 23, 9, 10, tzinfo=HCM),
            "classification": "on_time",
            "note": "",
        },
        {
            "agency": "Ủy ban nhân dân xã Yên Thế",
            "officer": "Lê Thị Hà",
            "received_at": dt.datetime(2026, 11, 23, 9, 10, tzinfo=HCM),
            "due_at": dt.datetime(2026, 11, 24, 16, 30, tzinfo=HCM),
            "done_at": dt.datetime(2026, 11, 24, 11, 0, tzinfo=HCM),
            "classification": "early",
            "note": "Đã trình ký",
        },
    ],
    "period": "Tháng 11/2026",
    "rows": [
        {
            "dossier_code": CODE,
            "procedure_name": "Thủ tục đăng ký khai sinh",
            "applicant_name": "Nguyễn Thị Hường",
            "received_at": dt.datetime(2026, 11, 23, 9, 5, tzinfo=HCM),
            "due_at": dt.datetime(2026, 11, 24, 16, 30, tzinfo=HCM),
            "transferred_to": "UBND xã",
        }
    ],
    "result_title": "Giấy xác nhận tình trạng hôn nhân",
    "result_number": "125/UBND-HT",
    "result_body": (
        "Bà Nguyễn Thị Hường hiện chưa đăng ký kết hôn với ai.\n\nGiấy có giá trị 06 tháng."
    ),
}

EXPECTED = {
    "01": [
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Mẫu số 01",
        "Giấy chứng sinh",
        "09 giờ 05 phút, ngày 23 tháng 11 năm 2026",
        "16 giờ 30 phút, ngày 24 tháng 11 năm 2026",
        "Thời gian giải quyết hồ sơ theo quy định là: 1 ngày làm việc",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
    ],
    "02": [
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "Mẫu số 02",
        "Bổ sung Giấy chứng sinh bản chính",
        "0203 3812 345",
    ],
    "03": [
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "Mẫu số 03",
        "Giấy chứng sinh không rõ ngày sinh của trẻ",
    ],
    "04": [
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "Mẫu số 04",
        "xin lỗi ông/bà",
        "10 giờ 00 phút, ngày 27 tháng 11 năm 2026",
        "Phạm Quốc Khánh",
    ],
    "05": ["THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Mẫu số 05", "dừng giải quyết hồ sơ"],
    "06": [
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        "Mẫu số 06",
        "Trước hạn",
        "Đúng hạn",
        "Lê Thị Hà",
        "Đã trình ký",
    ],
    "07": ["SỔ THEO DÕI HỒ SƠ", "Mẫu số 07", "Tháng 11/2026", "Thủ tục đăng ký khai sinh"],
    "result": [
        "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
        "125/UBND-HT",
        "hiện chưa đăng ký kết hôn",
        "Giấy có giá trị 06 tháng",
        "Đã ký số",
    ],
}

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def pdf_text(data: bytes, tmp_path, *, layout: bool = False) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(data)
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, check=True, text=True).stdout


def flat(text: str) -> str:
    return " ".join(text.split())


@needs_pdftotext
@pytest.mark.parametrize("form", pdf.FORMS)
def test_every_form_renders_with_vietnamese_text_intact(form, tmp_path):
    data = pdf.render_form(form, CONTEXT)

    assert data.startswith(b"%PDF-")
    text = flat(pdf_text(data, tmp_path))
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "BỘ PHẬN MỘT CỬA XÃ YÊN THẾ" in text
    assert "Yên Thế, ngày 23 tháng 11 năm 2026" in text
    for expected in EXPECTED[form]:
        assert expected in text, expected
    if form != "07":
        assert CODE in text
        assert "Nguyễn Thị Hường" in text


@needs_pdftotext
def test_pages_are_a4_portrait_and_the_register_is_landscape(tmp_path):
    def page_size(data):
        path = tmp_path / "f.pdf"
        path.write_bytes(data)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
        line = next(x for x in info.stdout.splitlines() if x.startswith("Page size"))
        width, height = (round(float(n)) for n in line.split()[2:5:2])
        return width, height

    assert page_size(pdf.render_form("01", CONTEXT)) == (595, 842)
    assert page_size(pdf.render_form("07", CONTEXT)) == (842, 595)


def test_the_receipt_and_the_result_carry_the_qr_code_of_the_lookup_url():
    expected_svg = segno.make(URL, error="m").svg_inline(scale=3, border=2)
    assert pdf.qr_svg(URL) == expected_svg
    assert expected_svg.startswith("<svg")
    for form in ("01", "result"):
        html = pdf.render_form_html(form, CONTEXT)
        assert expected_svg in html
        assert URL in html
    without_url = pdf.render_form_html("01", {**CONTEXT, "lookup_url": ""})
    assert "<svg" not in without_url


def test_the_qr_code_encodes_exactly_the_url():
    qr = segno.make(URL, error="m")
    # The symbol's own metadata: byte mode, the whole URL, error correction M.
    assert qr.mode == "byte"
    assert qr.error == "M"
    assert qr.designator.endswith("-M")


@needs_pdftotext
def test_the_bundled_font_is_embedded_when_present(tmp_path):
    if pdf.font_dir() is None:
        pytest.skip("Noto Serif is not built (run scripts/build_assets.py); DejaVu is used")
    path = tmp_path / "f.pdf"
    path.write_bytes(pdf.render_form("01", CONTEXT))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    assert "Tinhso-Serif-Vi" in fonts.stdout  # the Vietnamese glyphs come from Noto Serif


def test_an_unknown_form_is_refused():
    with pytest.raises(ValueError, match="unknown form"):
        pdf.render_form("99", CONTEXT)


def test_without_pango_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails like a missing Pango
    with pytest.raises(pdf.PdfUnavailable, match="Pango"):
        pdf.render_form("01", CONTEXT)


def test_importing_the_module_does_not_load_weasyprint():
    code = "import sys, tinhso.dossiers.pdf; assert 'weasyprint' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
