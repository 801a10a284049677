"""Online payment of fees: a gateway interface and a client of the VNPay protocol (v2.1.0).

The protocol (VNPay "Cổng thanh toán" API 2.1.0, also what the stand-in speaks):
- Payment request: the citizen's browser is redirected to ``<gateway>?vnp_...&vnp_SecureHash=``
  with vnp_Version=2.1.0, vnp_Command=pay, vnp_TmnCode (merchant), vnp_Amount (đồng × 100),
  vnp_CurrCode=VND, vnp_TxnRef (our reference), vnp_OrderInfo (no diacritics), vnp_OrderType,
  vnp_Locale, vnp_ReturnUrl, vnp_IpAddr, vnp_CreateDate and vnp_ExpireDate (yyyyMMddHHmmss,
  GMT+7).
- Signature: HMAC-SHA512 (hex), keyed with the merchant's hash secret, over the vnp_* parameters
  (without vnp_SecureHash / vnp_SecureHashType) sorted by name and joined as
  ``name=quote_plus(value)&...``.
- Result: the gateway calls the merchant's IPN URL server-to-server and redirects the browser to
  vnp_ReturnUrl, both with signed parameters: vnp_TxnRef, vnp_Amount, vnp_ResponseCode and
  vnp_TransactionStatus ("00" = paid; "24" = cancelled by the customer), vnp_TransactionNo,
  vnp_BankCode, vnp_BankTranNo, vnp_CardType, vnp_PayDate, vnp_OrderInfo, vnp_TmnCode. The IPN
  is answered with ``{"RspCode": "00", "Message": "Confirm Success"}`` (or 01 order not found,
  02 already confirmed, 04 invalid amount, 97 invalid signature).

Replays: :meth:`VnpayGateway.verify` is a pure function of the parameters, so a replayed
callback yields the same ``transaction_no`` and ``reference``; the caller (the core's
``dossier_payment_confirm``) ignores what is no longer pending.

Configuration (settings or environment): ``TINHSO_PAYMENT_URL``, ``TINHSO_PAYMENT_TMN_CODE``,
``TINHSO_PAYMENT_HASH_SECRET``. When they are unset, :func:`get_gateway` returns a client of the
built-in stand-in at ``/cong-thanh-toan-thu/`` with a fixed, public demo secret: no money moves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tinhso.kernel.errors import InvalidInput

VERSION = "2.1.0"
GMT7 = ZoneInfo("Asia/Ho_Chi_Minh")
DATE_FORMAT = "%Y%m%d%H%M%S"
HASH_FIELDS = frozenset({"vnp_SecureHash", "vnp_SecureHashType"})

STANDIN_PREFIX = "/cong-thanh-toan-thu/"
STANDIN_PAY_PATH = "paymentv2/vpcpay.html"
# The stand-in's merchant code and secret: fixed and public on purpose (no money ever moves).
DEMO_TMN_CODE = "TINHSO01"
DEMO_HASH_SECRET = "TINHSO-CONG-THANH-TOAN-THU-KHONG-DUNG-THAT"

SUCCESS_CODE = "00"
CANCELLED_CODE = "24"


class PaymentSignatureInvalid(InvalidInput):
    code = "payment_signature_invalid"
    default_message = _("The payment gateway's answer is not authentic.")


@dataclass(frozen=True)
class PaymentResult:
    reference: str
    amount: int  # đồng
    success: bool
    transaction_no: str
    bank_code: str
    paid_at: dt.datetime | None
    raw: dict = field(default_factory=dict)

    @property
    def response_code(self) -> str:
        return self.raw.get("vnp_ResponseCode", "")


class PaymentGateway(Protocol):
    def start(
        self, *, reference: str, amount: int, description: str, return_url: str, client_ip: str
    ) -> str: ...

    def verify(self, params: Mapping[str, str]) -> PaymentResult: ...


def hash_data(params: Mapping[str, str]) -> str:
    """The signed text: the vnp_* parameters but the hash, sorted, ``name=quote_plus(value)``."""
    items = sorted(
        (key, str(value))
        for key, value in params.items()
        if key.startswith("vnp_") and key not in HASH_FIELDS
    )
    return "&".join(f"{key}={quote_plus(value)}" for key, value in items)


def secure_hash(params: Mapping[str, str], secret: str) -> str:
    return hmac.new(secret.encode(), hash_data(params).encode(), hashlib.sha512).hexdigest()


def signed_query(params: Mapping[str, str], secret: str) -> str:
    """``params`` as a query string with vnp_SecureHash appended."""
    return f"{hash_data(params)}&vnp_SecureHash={secure_hash(params, secret)}"


def check_signature(params: Mapping[str, str], secret: str) -> None:
    given = str(params.get("vnp_SecureHash", "")).lower()
    if not given or not hmac.compare_digest(given, secure_hash(params, secret)):
        raise PaymentSignatureInvalid()


def ascii_text(text: str, limit: int = 255) -> str:
    """What vnp_OrderInfo accepts: Vietnamese without diacritics, no special characters."""
    text = str(text).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    plain = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    plain = "".join(c if c.isascii() and (c.isalnum() or c in " .,-_:/") else " " for c in plain)
    return " ".join(plain.split())[:limit]


def format_time(moment: dt.datetime) -> str:
    return moment.astimezone(GMT7).strftime(DATE_FORMAT)


def parse_time(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, DATE_FORMAT).replace(tzinfo=GMT7)
    except (TypeError, ValueError):
        return None


def parse_amount(text: str) -> int:
    """vnp_Amount (đồng × 100) → đồng; anything else is not a genuine answer."""
    if not str(text).isdigit() or int(text) % 100:
        raise PaymentSignatureInvalid()
    return int(text) // 100


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class VnpayGateway:
    """A client of a VNPay v2.1.0 gateway (the real one, its sandbox, or our stand-in)."""

    def __init__(
        self,
        *,
        url: str,
        tmn_code: str,
        hash_secret: str,
        locale: str = "vn",
        order_type: str = "other",
        expire_minutes: int = 15,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        self.url = url
        self.tmn_code = tmn_code
        self.hash_secret = hash_secret
        self.locale = locale
        self.order_type = order_type
        self.expire_minutes = expire_minutes
        self.clock = clock

    def request_params(
        self, *, reference: str, amount: int, description: str, return_url: str, client_ip: str
    ) -> dict[str, str]:
        if int(amount) <= 0:
            raise InvalidInput("payment_amount_invalid", _("The amount to pay must be positive."))
        now = self.clock()
        return {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(int(amount) * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": reference,
            "vnp_OrderInfo": ascii_text(description) or reference,
            "vnp_OrderType": self.order_type,
            "vnp_Locale": self.locale,
            "vnp_ReturnUrl": return_url,
            "vnp_IpAddr": client_ip or "127.0.0.1",
            "vnp_CreateDate": format_time(now),
            "vnp_ExpireDate": format_time(now + dt.timedelta(minutes=self.expire_minutes)),
        }

    def start(
        self, *, reference: str, amount: int, description: str, return_url: str, client_ip: str
    ) -> str:
        """The gateway URL to redirect the citizen's browser to."""
        params = self.request_params(
            reference=reference,
            amount=amount,
            description=description,
            return_url=return_url,
            client_ip=client_ip,
        )
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}{signed_query(params, self.hash_secret)}"

    def verify(self, params: Mapping[str, str]) -> PaymentResult:
        """Check a return or IPN callback; raises ``payment_signature_invalid`` when forged,
        tampered with (amount, reference...) or meant for another merchant."""
        params = {key: str(value) for key, value in params.items()}
        check_signature(params, self.hash_secret)
        if params.get("vnp_TmnCode") != self.tmn_code:
            raise PaymentSignatureInvalid()
        amount = parse_amount(params.get("vnp_Amount", ""))
        reference = params.get("vnp_TxnRef", "")
        if not reference:
            raise PaymentSignatureInvalid()
        success = params.get("vnp_ResponseCode") == SUCCESS_CODE and (
            params.get("vnp_TransactionStatus", SUCCESS_CODE) == SUCCESS_CODE
        )
        return PaymentResult(
            reference=reference,
            amount=amount,
            success=success,
            transaction_no=params.get("vnp_TransactionNo", ""),
            bank_code=params.get("vnp_BankCode", ""),
            paid_at=parse_time(params.get("vnp_PayDate", "")) if success else None,
            raw={  # what was signed: the vnp_* parameters but the hash
                key: value
                for key, value in params.items()
                if key.startswith("vnp_") and key not in HASH_FIELDS
            },
        )


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, "") or "")


def real_gateway_configured() -> bool:
    return bool(_setting("TINHSO_PAYMENT_URL"))


def standin_url() -> str:
    base = _setting("TINHSO_PUBLIC_URL").rstrip("/")
    return f"{base}{STANDIN_PREFIX}{STANDIN_PAY_PATH}"


def get_gateway() -> PaymentGateway:
    """The configured gateway; without configuration, the built-in stand-in."""
    if real_gateway_configured():
        return VnpayGateway(
            url=_setting("TINHSO_PAYMENT_URL"),
            tmn_code=_setting("TINHSO_PAYMENT_TMN_CODE"),
            hash_secret=_setting("TINHSO_PAYMENT_HASH_SECRET"),
        )
    return VnpayGateway(url=standin_url(), tmn_code=DEMO_TMN_CODE, hash_secret=DEMO_HASH_SECRET)
