"""Uploads: size, real type by content, name, and storage under a server-chosen name."""

import hashlib
import io
import struct
import unicodedata
import zipfile
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.kernel.errors import InvalidInput
from tinhso.kernel.files import DOCUMENT_TYPES, IMAGE_TYPES, check_upload, store_upload
from tinhso.kernel.models import AuditEvent, StoredFile


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
WEBP = b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8 " + bytes(22)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(120)


def office_bytes(main_part: str | None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if main_part:
            archive.writestr(main_part, "<document/>")
        else:
            archive.writestr("notes.txt", "just a zip")
    return buffer.getvalue()


DOCX = office_bytes("word/document.xml")
XLSX = office_bytes("xl/workbook.xml")
ZIP = office_bytes(None)


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def refused(file, allowed=DOCUMENT_TYPES, **kwargs) -> str:
    with pytest.raises(InvalidInput) as caught:
        check_upload(file, allowed_types=allowed, **kwargs)
    assert caught.value.status == 422
    assert str(caught.value.message)
    return caught.value.code


class TestAccepted:
    @pytest.mark.parametrize(
        ("name", "data", "file_type", "content_type"),
        [
            ("Giấy tờ.png", png_bytes(), "png", "image/png"),
            ("don-de-nghi.pdf", PDF, "pdf", "application/pdf"),
            ("anh.JPG", JPEG, "jpeg", "image/jpeg"),
            ("anh.jpeg", JPEG, "jpeg", "image/jpeg"),
            (
                "to-khai.docx",
                DOCX,
                "docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            (
                "bang-ke.xlsx",
                XLSX,
                "xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        ],
    )
    def test_documents(self, name, data, file_type, content_type):
        checked = check_upload(upload(name, data), allowed_types=DOCUMENT_TYPES)
        assert (checked.file_type, checked.content_type) == (file_type, content_type)
        assert checked.size == len(data)
        assert checked.sha256 == hashlib.sha256(data).hexdigest()

    def test_webp_image(self):
        checked = check_upload(upload("anh.webp", WEBP), allowed_types=IMAGE_TYPES)
        assert checked.file_type == "webp"

    def test_the_name_is_nfc_normalised(self):
        decomposed = unicodedata.normalize("NFD", "Đơn đề nghị.pdf")
        checked = check_upload(ContentFile(PDF, name=decomposed), allowed_types=DOCUMENT_TYPES)
        assert checked.name == unicodedata.normalize("NFC", "Đơn đề nghị.pdf")

    def test_the_default_limit_comes_from_settings(self, settings):
        settings.TINHSO_UPLOAD_MAX_BYTES = len(PDF)
        check_upload(upload("a.pdf", PDF), allowed_types=DOCUMENT_TYPES)
        settings.TINHSO_UPLOAD_MAX_BYTES = len(PDF) - 1
        assert refused(upload("a.pdf", PDF)) == "file_too_large"


class TestRefused:
    def test_an_executable_renamed_pdf(self):
        assert refused(upload("hoa-don.pdf", ELF, "application/pdf")) == "file_type_not_allowed"

    def test_the_client_content_type_is_ignored(self):
        assert refused(upload("a.pdf", b"just some text", "application/pdf")) == (
            "file_type_not_allowed"
        )

    def test_a_png_named_pdf(self):
        assert refused(upload("scan.pdf", png_bytes(), "application/pdf")) == "file_type_mismatch"

    def test_a_pdf_with_an_unknown_extension(self):
        assert refused(upload("scan.exe", PDF)) == "file_type_mismatch"

    def test_a_type_not_allowed_here(self):
        assert refused(upload("a.pdf", PDF), allowed=IMAGE_TYPES) == "file_type_not_allowed"

    def test_a_plain_zip_named_docx(self):
        assert refused(upload("to-khai.docx", ZIP)) == "file_type_not_allowed"

    def test_an_oversized_file(self):
        assert refused(upload("a.pdf", PDF + bytes(200)), max_bytes=100) == "file_too_large"

    def test_an_oversized_file_whose_size_is_not_declared(self):
        assert refused(io.BytesIO(PDF), max_bytes=10) == "file_too_large"

    def test_an_empty_file(self):
        assert refused(upload("a.pdf", b"")) == "file_empty"

    @pytest.mark.parametrize(
        "name",
        [
            "../../etc/passwd",
            "../a.pdf",
            "thu_muc/a.pdf",
            "C:\\Users\\a.pdf",
            "a\x00.pdf",
            "a\n.pdf",
            "hoa-don\u202efdp.exe.pdf",  # right-to-left override
            ".htaccess",
            ".pdf",
            "khong-co-duoi",
            "a.",
            "   ",
            "",
            "x" * 197 + ".pdf",
        ],
    )
    def test_bad_names(self, name):
        assert refused(ContentFile(PDF, name=name)) == "file_name_invalid"

    def test_a_name_of_exactly_the_limit_is_fine(self):
        check_upload(ContentFile(PDF, name="x" * 196 + ".pdf"), allowed_types=DOCUMENT_TYPES)

    def test_unknown_allowed_types_are_a_programming_error(self):
        with pytest.raises(ValueError):
            check_upload(upload("a.pdf", PDF), allowed_types={"exe"})


@pytest.mark.django_db
class TestStoreUpload:
    def test_stores_under_a_server_chosen_name_and_audits(self, official):
        data = png_bytes()
        stored = store_upload(
            acting_user=official,
            uploaded_file=upload("Ảnh CCCD mặt trước.png", data, "text/plain"),
            purpose="dossier_attachment",
            allowed_types=IMAGE_TYPES,
        )
        stored.refresh_from_db()
        assert stored.original_name == "Ảnh CCCD mặt trước.png"
        assert (stored.content_type, stored.size) == ("image/png", len(data))
        assert stored.sha256 == hashlib.sha256(data).hexdigest()
        assert stored.uploaded_by == official
        assert stored.file.name.startswith(f"files/{stored.created_at:%Y/%m}/")
        assert stored.id.hex in stored.file.name
        assert "Ảnh" not in stored.file.name
        with default_storage.open(stored.file.name, "rb") as handle:
            assert handle.read() == data
        event = AuditEvent.objects.get(action="file.store")
        assert event.object_id == str(stored.pk)

    def test_a_refused_file_leaves_nothing(self, official):
        with pytest.raises(InvalidInput):
            store_upload(
                acting_user=official,
                uploaded_file=upload("a.pdf", ELF),
                purpose="x",
                allowed_types=DOCUMENT_TYPES,
            )
        assert not StoredFile.objects.exists()
        assert not AuditEvent.objects.exists()
