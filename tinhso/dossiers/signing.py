"""Digital signatures on the documents the desk issues (PAdES, with pyHanko).

Which certificate signs
-----------------------
- Production: the agency's certificate, as a PKCS#12 file named by the setting (or environment
  variable) ``TINHSO_SIGNING_PKCS12`` with its passphrase in ``TINHSO_SIGNING_PASSPHRASE``.
  Its chain's self-signed certificates are the trust roots :func:`verify_pdf` uses; add
  more with ``TINHSO_SIGNING_TRUST_ROOTS`` (a PEM file).
- Otherwise (laptop, demo, tests): a local certification authority and a signing certificate
  are generated once into ``<VAR_DIR>/signing/`` (``ca.pem``, ``signer.pem``, ``signer.key``,
  mode 0600). They prove integrity and origin *within this installation* only; a citizen's PDF
  reader will say the issuer is not trusted. Delete the directory to start over.

The signature is PAdES B-B (ETSI.CAdES.detached, SHA-256), invisible, in a signature field
named after the signer ("KySo-nguyen-van-a"); the signer's name, the reason and the place are
recorded in the signature dictionary.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fcntl
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from django.conf import settings

from tinhso.kernel.text import fold

CA_NAME = "tinhso local signing CA"
SIGNER_NAME = "tinhso document signing (local)"


@dataclass(frozen=True)
class SignatureReport:
    """What :func:`verify_pdf` found. ``ok`` = signed, intact, valid, trusted and nothing was
    changed after the last signature."""

    signed: bool
    intact: bool = False  # the signed bytes are unchanged (digest matches)
    valid: bool = False  # intact and the cryptographic signature checks out
    trusted: bool = False  # the signer's certificate chains to our trust roots
    covers_whole_document: bool = False  # nothing was appended after signing
    signer: str = ""  # the name given when signing (or the certificate's subject)
    certificate_subject: str = ""
    field_name: str = ""
    signed_at: dt.datetime | None = None
    reason: str = ""
    location: str = ""
    error: str = ""
    signatures: int = 0
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.signed
            and self.intact
            and self.valid
            and self.trusted
            and (self.covers_whole_document)
        )


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, "") or "")


def signing_dir() -> Path:
    return Path(getattr(settings, "VAR_DIR", Path(settings.BASE_DIR).parent / "var")) / "signing"


def _generate_local_ca(directory: Path) -> None:
    """A local CA and a signing certificate it issued (RSA 3072, SHA-256), written once."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)

    def name(common_name: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tinhso"),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]
        )

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(name(CA_NAME))
        .issuer_name(name(CA_NAME))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365 * 20))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(SIGNER_NAME))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365 * 10))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_bytes = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key_path = directory / "signer.key"
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_bytes)
    (directory / "signer.pem").write_bytes(cert.public_bytes(pem))
    # ca.pem last: its presence means the set is complete.
    (directory / "ca.pem").write_bytes(ca_cert.public_bytes(pem))


def ensure_local_ca(directory: Path | None = None) -> Path:
    """Create the local CA and signing certificate unless they exist (safe under concurrency)."""
    directory = directory or signing_dir()
    if (directory / "ca.pem").exists():
        return directory
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (directory / "ca.pem").exists():
            _generate_local_ca(directory)
    return directory


@lru_cache(maxsize=4)
def _load(pkcs12: str, passphrase: str, trust_file: str, directory: str):
    """(pyHanko signer, trust roots) for the configured certificate."""
    from pyhanko.keys import load_cert_from_pemder, load_certs_from_pemder
    from pyhanko.sign.signers import SimpleSigner

    if pkcs12:
        signer = SimpleSigner.load_pkcs12(pkcs12, passphrase=passphrase.encode() or None)
        if signer is None:
            raise RuntimeError(f"TINHSO_SIGNING_PKCS12: cannot read {pkcs12} with that passphrase")
        chain = [signer.signing_cert, *signer.cert_registry]
        roots = [c for c in chain if c.self_signed]
    else:
        path = ensure_local_ca(Path(directory))
        ca = load_cert_from_pemder(str(path / "ca.pem"))
        signer = SimpleSigner.load(
            str(path / "signer.key"),
            str(path / "signer.pem"),
            ca_chain_files=(str(path / "ca.pem"),),
        )
        if signer is None:
            raise RuntimeError(f"cannot load the signing key from {path}")
        roots = [ca]
    if trust_file:
        roots.extend(load_certs_from_pemder([trust_file]))
    return signer, roots


def _configured():
    return _load(
        _setting("TINHSO_SIGNING_PKCS12"),
        _setting("TINHSO_SIGNING_PASSPHRASE"),
        _setting("TINHSO_SIGNING_TRUST_ROOTS"),
        str(signing_dir()),
    )


def field_name_for(signer_name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(signer_name or "")).strip("-")
    return f"KySo-{slug or 'tinhso'}"


def _outside_event_loop(work):
    """Run ``work()`` where pyHanko may start its own event loop.

    pyHanko's synchronous API calls ``asyncio.run``, which refuses to run in a thread whose
    event loop is already running (an ASGI worker, or a process driving Playwright). There the
    work moves to a short-lived thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def sign_pdf(pdf: bytes, *, signer_name: str, reason: str, location: str) -> bytes:
    """Sign ``pdf`` (PAdES B-B) with the installation's certificate; returns the signed PDF
    (an incremental update, so earlier signatures stay valid)."""
    return _outside_event_loop(
        lambda: _sign(pdf, signer_name=signer_name, reason=reason, location=location)
    )


def _sign(pdf: bytes, *, signer_name: str, reason: str, location: str) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer, _roots = _configured()
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    base = field_name_for(signer_name)
    existing = {name for name, *_ in fields.enumerate_sig_fields(writer)}
    name, counter = base, 1
    while name in existing:
        counter += 1
        name = f"{base}-{counter}"
    meta = signers.PdfSignatureMetadata(
        field_name=name,
        name=signer_name or None,
        reason=str(reason) or None,
        location=str(location) or None,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    output = signers.sign_pdf(
        writer, meta, signer=signer, new_field_spec=fields.SigFieldSpec(sig_field_name=name)
    )
    return output.getvalue()


def verify_pdf(pdf: bytes) -> SignatureReport:
    """Validate the last signature of ``pdf`` against our trust roots (no network)."""
    return _outside_event_loop(lambda: _verify(pdf))


def _verify(pdf: bytes) -> SignatureReport:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    _signer, roots = _configured()
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:  # a broken file is "not intact", not a crash
        return SignatureReport(signed=False, error=f"unreadable PDF: {error}")
    if not signatures:
        return SignatureReport(signed=False, error="no signature")
    embedded = signatures[-1]
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    try:
        status = validate_pdf_signature(embedded, context)
    except Exception as error:  # e.g. the signed bytes were mangled
        return SignatureReport(
            signed=True,
            field_name=embedded.field_name,
            signatures=len(signatures),
            error=str(error),
        )
    sig_object = embedded.sig_object
    subject = status.signing_cert.subject.human_friendly if status.signing_cert else ""

    def text(key: str) -> str:
        value = sig_object.get(key)
        return str(value) if value is not None else ""

    return SignatureReport(
        signed=True,
        intact=bool(status.intact),
        valid=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        covers_whole_document=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=text("/Name") or subject,
        certificate_subject=subject,
        field_name=embedded.field_name,
        signed_at=status.signer_reported_dt,
        reason=text("/Reason"),
        location=text("/Location"),
        signatures=len(signatures),
        details=[status.summary()],
    )
