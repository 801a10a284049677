"""A stand-in of the VNPay payment gateway (protocol v2.1.0), for demos and tests.

It speaks the protocol of :mod:`tinhso.dossiers.payments`: it checks the signed payment request,
shows the amount with "Thanh toán" / "Hủy" buttons on a page clearly marked as a test gateway
(no money moves), then calls the merchant's IPN URL server-to-server and redirects the browser
to the return URL, both with signed parameters, as the real gateway does.

Two ways to run it:
- Django views (``standin_urls.py``), mounted by the project at ``/cong-thanh-toan-thu/`` only
  when no real gateway is configured; the IPN URL is ``TINHSO_PAYMENT_IPN_URL`` or this
  site's ``/api/v1/dossiers/payments/ipn``. The IPN is called over HTTP before the redirect,
  so the server must answer two requests at once (runserver, gunicorn -w 2, live_server do).
- A plain WSGI app, :meth:`StandinGateway.wsgi_app`, which tests serve on a loopback port in a
  thread (:func:`serve_in_thread`).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import secrets
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from urllib.parse import parse_qsl, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tinhso.dossiers import payments
from tinhso.kernel.errors import InvalidInput

logger = logging.getLogger(__name__)

PROCESS_PATH = "paymentv2/xu-ly"  # relative to the pay page: the form posts to "xu-ly"
IPN_PATH = "/api/v1/dossiers/payments/ipn"


class PaymentRequestInvalid(InvalidInput):
    code = "payment_request_invalid"


@dataclass(frozen=True)
class PaymentRequest:
    """A verified payment request (the merchant's signed redirect)."""

    reference: str
    amount: int
    description: str
    return_url: str
    expires_at: dt.datetime | None
    query: str  # the signed query string, carried through the confirmation form


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


class StandinGateway:
    def __init__(
        self,
        *,
        tmn_code: str = payments.DEMO_TMN_CODE,
        hash_secret: str = payments.DEMO_HASH_SECRET,
        ipn_url: str | None = None,
        bank_code: str = "NCB",
        clock: Callable[[], dt.datetime] = payments._now,
    ) -> None:
        self.tmn_code = tmn_code
        self.hash_secret = hash_secret
        self.ipn_url = ipn_url
        self.bank_code = bank_code
        self.clock = clock

    # --- the protocol ------------------------------------------------------------------

    def parse(self, params: Mapping[str, str]) -> PaymentRequest:
        """Check a payment request as the gateway does; refuses forged, foreign or expired ones."""
        params = {key: str(value) for key, value in params.items()}
        try:
            payments.check_signature(params, self.hash_secret)
            amount = payments.parse_amount(params.get("vnp_Amount", ""))
        except InvalidInput as error:
            raise PaymentRequestInvalid(
                message=_("The payment request is not valid (wrong signature or amount).")
            ) from error
        if (
            params.get("vnp_Version") != payments.VERSION
            or params.get("vnp_Command") != "pay"
            or params.get("vnp_TmnCode") != self.tmn_code
            or params.get("vnp_CurrCode", "VND") != "VND"
            or not params.get("vnp_TxnRef")
            or amount <= 0
        ):
            raise PaymentRequestInvalid(message=_("The payment request is not valid."))
        return_url = params.get("vnp_ReturnUrl", "")
        if urlsplit(return_url).scheme not in ("http", "https"):
            raise PaymentRequestInvalid(message=_("The payment request is not valid."))
        expires_at = payments.parse_time(params.get("vnp_ExpireDate", ""))
        if expires_at is not None and expires_at < self.clock():
            raise PaymentRequestInvalid(message=_("The payment request has expired."))
        return PaymentRequest(
            reference=params["vnp_TxnRef"],
            amount=amount,
            description=params.get("vnp_OrderInfo", ""),
            return_url=return_url,
            expires_at=expires_at,
            query=urlencode(params),
        )

    def complete(self, request: PaymentRequest, *, approve: bool) -> dict[str, str]:
        """The signed answer: paid (00) or cancelled by the customer (24)."""
        now = self.clock()
        number = f"{secrets.randbelow(10**8):08d}"
        params = {
            "vnp_TmnCode": self.tmn_code,
            "vnp_TxnRef": request.reference,
            "vnp_Amount": str(request.amount * 100),
            "vnp_OrderInfo": request.description,
            "vnp_BankCode": self.bank_code,
            "vnp_PayDate": payments.format_time(now),
            "vnp_ResponseCode": payments.SUCCESS_CODE if approve else payments.CANCELLED_CODE,
            "vnp_TransactionStatus": payments.SUCCESS_CODE if approve else "02",
            "vnp_TransactionNo": number if approve else "0",
        }
        if approve:
            params["vnp_BankTranNo"] = f"VNP{number}"
            params["vnp_CardType"] = "ATM"
        params["vnp_SecureHash"] = payments.secure_hash(params, self.hash_secret)
        return params

    def notify(self, params: Mapping[str, str], ipn_url: str | None = None) -> dict | None:
        """Call the merchant's IPN URL (GET, as VNPay does); its JSON answer, or None."""
        url = ipn_url or self.ipn_url
        if not url:
            return None
        separator = "&" if "?" in url else "?"
        try:
            with urllib.request.urlopen(  # noqa: S310 (http(s) URL from our own settings)
                f"{url}{separator}{urlencode(params)}", timeout=10
            ) as response:
                return json.loads(response.read().decode() or "null")
        except (urllib.error.URLError, OSError, ValueError) as error:
            logger.warning("stand-in gateway: IPN call to %s failed: %s", url, error)
            return None

    @staticmethod
    def return_redirect(request: PaymentRequest, params: Mapping[str, str]) -> str:
        separator = "&" if "?" in request.return_url else "?"
        return f"{request.return_url}{separator}{urlencode(params)}"

    def process(self, form: Mapping[str, str], *, ipn_url: str | None = None) -> str:
        """Handle the confirmation form (``q`` = the signed request, ``action`` = pay|cancel):
        notify the IPN, return where to redirect the browser."""
        request = self.parse(dict(parse_qsl(form.get("q", ""), keep_blank_values=True)))
        answer = self.complete(request, approve=form.get("action") == "pay")
        self.notify(answer, ipn_url)
        return self.return_redirect(request, answer)

    # --- pages -------------------------------------------------------------------------

    def texts(self) -> dict[str, str]:
        return {
            "title": _("Test payment gateway — no real money is transferred"),
            "lead": _(
                "This page stands in for a bank's payment gateway so that the service can be "
                "tried from start to end. Nothing is charged to any account."
            ),
            "amount_label": _("Amount"),
            "reference_label": _("Payment reference"),
            "content_label": _("Content"),
            "pay": _("Pay now"),
            "cancel": _("Cancel the payment"),
            "error_title": _("The payment cannot be made"),
        }

    def wsgi_app(self, prefix: str = "/") -> Callable:
        """A plain WSGI app: GET ``<prefix>paymentv2/vpcpay.html`` (the page), POST
        ``<prefix>paymentv2/xu-ly`` (the buttons)."""
        pay_path = prefix + payments.STANDIN_PAY_PATH
        process_path = prefix + PROCESS_PATH

        def app(environ, start_response):
            path = environ.get("PATH_INFO", "")
            method = environ.get("REQUEST_METHOD", "GET")
            try:
                if path == pay_path and method == "GET":
                    query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
                    body = self.plain_page(self.parse(query))
                    status = "200 OK"
                elif path == process_path and method == "POST":
                    length = int(environ.get("CONTENT_LENGTH") or 0)
                    form = dict(parse_qsl(environ["wsgi.input"].read(length).decode()))
                    start_response("302 Found", [("Location", self.process(form))])
                    return [b""]
                else:
                    start_response("404 Not Found", [("Content-Type", "text/plain")])
                    return [b"not found"]
            except InvalidInput as error:
                body, status = self.plain_page(None, error=str(error.message)), "400 Bad Request"
            start_response(status, [("Content-Type", "text/html; charset=utf-8")])
            return [body.encode()]

        return app

    def plain_page(self, request: PaymentRequest | None, *, error: str = "") -> str:
        t = {key: html.escape(value) for key, value in self.texts().items()}
        if request is None:
            content = f"<h2>{t['error_title']}</h2><p role='alert'>{html.escape(error)}</p>"
        else:
            content = (
                f"<dl><dt>{t['amount_label']}</dt><dd>{money(request.amount)}</dd>"
                f"<dt>{t['reference_label']}</dt><dd>{html.escape(request.reference)}</dd>"
                f"<dt>{t['content_label']}</dt><dd>{html.escape(request.description)}</dd></dl>"
                f'<form method="post" action="xu-ly">'
                f'<input type="hidden" name="q" value="{html.escape(request.query)}">'
                f'<button type="submit" name="action" value="pay">{t["pay"]}</button> '
                f'<button type="submit" name="action" value="cancel">{t["cancel"]}</button>'
                f"</form>"
            )
        return (
            f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
            f"<title>{t['title']}</title></head><body><h1>{t['title']}</h1>"
            f"<p>{t['lead']}</p>{content}</body></html>"
        )


# --- Django views (standin_urls.py) ------------------------------------------------------

PAGE = """{% extends "base.html" %}
{% block title %}{{ texts.title }}{% endblock %}
{% block content %}
<div class="page-head"><h1 class="page-head__title">{{ texts.title }}</h1></div>
<p class="notice notice--warning" role="note">{{ texts.lead }}</p>
{% if error %}
<div class="message message--error" role="alert">
<h2>{{ texts.error_title }}</h2><p>{{ error }}</p>
</div>
{% else %}
<div class="card">
<dl class="facts">
<div class="facts__item"><dt>{{ texts.amount_label }}</dt>
<dd><strong>{{ amount }}</strong></dd></div>
<div class="facts__item"><dt>{{ texts.reference_label }}</dt><dd>{{ payment.reference }}</dd></div>
<div class="facts__item facts__item--wide"><dt>{{ texts.content_label }}</dt>
<dd>{{ payment.description }}</dd></div>
</dl>
<form method="post" action="xu-ly" class="actions">{% csrf_token %}
<input type="hidden" name="q" value="{{ payment.query }}">
<button class="button button--block" type="submit" name="action" value="pay">
{{ texts.pay }}</button>
<button class="button button--secondary button--block" type="submit" name="action" value="cancel">
{{ texts.cancel }}</button>
</form>
</div>
{% endif %}
{% endblock %}"""


def _django_gateway(request: HttpRequest) -> StandinGateway:
    ipn = str(getattr(settings, "TINHSO_PAYMENT_IPN_URL", "") or "")
    return StandinGateway(ipn_url=ipn or request.build_absolute_uri(IPN_PATH))


def _page(request: HttpRequest, gateway: StandinGateway, **context) -> str:
    template = engines["django"].from_string(PAGE)
    return template.render({"texts": gateway.texts(), **context}, request)


@require_GET
def pay_page(request: HttpRequest) -> HttpResponse:
    gateway = _django_gateway(request)
    try:
        payment = gateway.parse(request.GET.dict())
    except InvalidInput as error:
        return HttpResponse(_page(request, gateway, error=error.message), status=400)
    return HttpResponse(_page(request, gateway, payment=payment, amount=money(payment.amount)))


@require_POST
def process(request: HttpRequest) -> HttpResponse:
    gateway = _django_gateway(request)
    try:
        target = gateway.process(request.POST.dict())
    except InvalidInput as error:
        return HttpResponse(_page(request, gateway, error=error.message), status=400)
    return HttpResponseRedirect(target)


# --- serving the WSGI app in tests -------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def serve_in_thread(app: Callable, host: str = "127.0.0.1", port: int = 0):
    """Serve ``app`` on a loopback port in a daemon thread: (server, base URL).
    Stop it with ``server.shutdown(); server.server_close()``."""
    server = make_server(
        host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_port}"
