"""Signed results: pyHanko signs (PAdES), and poppler's pdfsig, an independent verifier,
agrees with our own verify_pdf on what is intact and what was changed."""

import shutil
import subprocess
from io import BytesIO

import pytest

from tinhso.dossiers import pdf, signing

needs_pdfsig = pytest.mark.skipif(
    shutil.which("pdfsig") is None, reason="pdfsig (poppler-utils) is not installed"
)


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("var")


@pytest.fixture(autouse=True)
def local_ca(settings, var_dir, monkeypatch):
    settings.VAR_DIR = var_dir
    for name in (
        "TINHSO_SIGNING_PKCS12",
        "TINHSO_SIGNING_PASSPHRASE",
        "TINHSO_SIGNING_TRUST_ROOTS",
    ):
        monkeypatch.delenv(name, raising=False)
    return var_dir / "signing"


@pytest.fixture(scope="module")
def document():
    return pdf.render_form(
        "result",
        {
            "dossier_code": "000.00.24.H12-261123-0009",
            "procedure_name": "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân",
            "agency_name": "Ủy ban nhân dân xã Yên Thế",
            "applicant_name": "Nguyễn Thị Hường",
            "result_title": "Giấy xác nhận tình trạng hôn nhân",
            "result_body": "Bà Nguyễn Thị Hường hiện chưa đăng ký kết hôn với ai.",
            "signer_name": "Phạm Quốc Khánh",
        },
    )


@pytest.fixture
def signed(document):
    return signing.sign_pdf(
        document, signer_name="Phạm Quốc Khánh", reason="Kết quả hồ sơ", location="Yên Thế"
    )


def pdfsig(data: bytes, tmp_path) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    return result.stdout + result.stderr


def test_the_local_ca_is_generated_once_with_a_private_key_only_we_can_read(signed, local_ca):
    assert {"ca.pem", "signer.pem", "signer.key"} <= {p.name for p in local_ca.iterdir()}
    assert (local_ca / "signer.key").stat().st_mode & 0o077 == 0
    before = (local_ca / "ca.pem").read_bytes()
    signing.ensure_local_ca(local_ca)
    assert (local_ca / "ca.pem").read_bytes() == before


@needs_pdfsig
def test_a_signed_pdf_is_valid_and_intact_for_pdfsig_and_for_us(signed, tmp_path):
    out = pdfsig(signed, tmp_path)
    assert "Signature Field Name: KySo-pham-quoc-khanh" in out
    assert "Signature Type: ETSI.CAdES.detached" in out  # PAdES
    assert "Signing Hash Algorithm: SHA-256" in out
    assert "Signature Validation: Signature is Valid." in out
    assert "Total document signed" in out
    assert "tinhso document signing (local)" in out

    report = signing.verify_pdf(signed)
    assert report.ok
    assert report.intact and report.valid and report.trusted and report.covers_whole_document
    assert report.signer == "Phạm Quốc Khánh"
    assert report.field_name == "KySo-pham-quoc-khanh"
    assert report.reason == "Kết quả hồ sơ"
    assert report.location == "Yên Thế"
    assert report.signed_at is not None


@needs_pdfsig
def test_a_pdf_changed_after_signing_is_not_intact_for_either(signed, tmp_path):
    marker = b"841.889764"
    assert signed.count(marker) >= 1
    tampered = signed.replace(marker, b"841.889765", 1)  # same length: the byte ranges still fit

    out = pdfsig(tampered, tmp_path)
    assert "Signature Validation: Signature is Valid." not in out
    assert "Digest Mismatch" in out or "Signature is Invalid" in out

    report = signing.verify_pdf(tampered)
    assert report.signed
    assert not report.intact
    assert not report.valid
    assert not report.ok


@needs_pdfsig
def test_content_appended_after_signing_is_seen_by_both(signed, tmp_path):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(signed))
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    page["/Rotate"] = generic.NumberObject(90)  # a visible change, as an incremental update
    writer.update_container(page)
    changed = BytesIO()
    writer.write(changed)
    changed = changed.getvalue()

    out = pdfsig(changed, tmp_path)
    assert "Total document signed" not in out
    report = signing.verify_pdf(changed)
    assert not report.covers_whole_document
    assert not report.ok


def test_an_unsigned_or_broken_pdf_is_reported_plainly(document):
    assert signing.verify_pdf(document).signed is False
    broken = signing.verify_pdf(b"not a pdf")
    assert not broken.signed and not broken.ok and broken.error


def test_signing_twice_keeps_both_signatures(signed):
    again = signing.sign_pdf(signed, signer_name="Phạm Quốc Khánh", reason="Sao y", location="X")
    report = signing.verify_pdf(again)
    assert report.signatures == 2
    assert report.field_name == "KySo-pham-quoc-khanh-2"
    assert report.ok


@needs_pdfsig
def test_a_configured_pkcs12_signs_instead_of_the_local_ca(
    document, settings, tmp_path, local_ca, signed
):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509 import load_pem_x509_certificate

    key = serialization.load_pem_private_key((local_ca / "signer.key").read_bytes(), None)
    cert = load_pem_x509_certificate((local_ca / "signer.pem").read_bytes())
    ca = load_pem_x509_certificate((local_ca / "ca.pem").read_bytes())
    bundle = tmp_path / "agency.p12"
    bundle.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"agency", key, cert, [ca], serialization.BestAvailableEncryption(b"mat-khau")
        )
    )
    settings.TINHSO_SIGNING_PKCS12 = str(bundle)
    settings.TINHSO_SIGNING_PASSPHRASE = "mat-khau"

    result = signing.sign_pdf(document, signer_name="Văn thư", reason="Kết quả", location="X")

    assert "Signature is Valid." in pdfsig(result, tmp_path)
    report = signing.verify_pdf(result)
    assert report.ok and report.field_name == "KySo-van-thu"
