"""Online payment: the VNPay v2.1.0 client driven over real HTTP through the stand-in gateway."""

import datetime as dt
import hashlib
import hmac
import html
import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.urls import include, path

from tinhso.dossiers import payments
from tinhso.dossiers.standin_gateway import StandinGateway, serve_in_thread
from tinhso.urls import urlpatterns as project_urlpatterns

# Django pages of the stand-in, mounted as the project will (used via settings.ROOT_URLCONF).
urlpatterns = [
    path("cong-thanh-toan-thu/", include("tinhso.dossiers.standin_urls")),
    *project_urlpatterns,
]

SECRET = "BI-MAT-CUA-CONG-THU"
TMN = "TSO00001"
NOTICE = "Cổng thanh toán thử nghiệm — không có tiền thật được chuyển"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


http = urllib.request.build_opener(NoRedirect)


def get(url):
    try:
        with http.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def post(url, data):
    body = urllib.parse.urlencode(data).encode()
    try:
        with http.open(urllib.request.Request(url, data=body, method="POST"), timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True))


@pytest.fixture(scope="module")
def merchant():
    """The merchant's side: records IPN calls and answers like the core's endpoint."""
    calls = []

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/ipn":
            calls.append(dict(urllib.parse.parse_qsl(environ["QUERY_STRING"])))
            body = json.dumps({"RspCode": "00", "Message": "Confirm Success"}).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"return page"]

    server, base = serve_in_thread(app)
    yield base, calls
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def standin(merchant):
    base, _calls = merchant
    gateway = StandinGateway(tmn_code=TMN, hash_secret=SECRET, ipn_url=f"{base}/ipn")
    server, url = serve_in_thread(gateway.wsgi_app())
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def client_gateway(standin):
    return payments.VnpayGateway(
        url=f"{standin}/paymentv2/vpcpay.html", tmn_code=TMN, hash_secret=SECRET
    )


def pay_through_standin(client_gateway, merchant, *, action="pay", amount=150_000, ref=None):
    base, calls = merchant
    ref = ref or f"HS{len(calls):04d}{action}"
    url = client_gateway.start(
        reference=ref,
        amount=amount,
        description="Thanh toán phí hồ sơ 000.00.24.H12-261123-0001",
        return_url=f"{base}/return?ho_so=1",
        client_ip="203.0.113.9",
    )
    status, _headers, page = get(url)
    assert status == 200, page
    form_q = re.search(r'name="q" value="([^"]*)"', page).group(1)
    status, headers, _ = post(
        url.rsplit("/", 1)[0] + "/xu-ly", {"q": html.unescape(form_q), "action": action}
    )
    assert status == 302
    return page, headers["Location"], calls[-1]


def test_the_payment_request_is_signed_as_vnpay_2_1_0_says():
    moment = dt.datetime(2026, 11, 23, 8, 30, 5, tzinfo=dt.UTC)  # 15:30:05 in Hà Nội
    gateway = payments.VnpayGateway(
        url="https://sandbox.example.vn/paymentv2/vpcpay.html",
        tmn_code=TMN,
        hash_secret=SECRET,
        clock=lambda: moment,
    )
    url = gateway.start(
        reference="HS-1",
        amount=100_000,
        description="Lệ phí đăng ký hộ kinh doanh: Đỗ Thị Ánh",
        return_url="https://tinhso.example.vn/dich-vu-cong/thanh-toan/ket-qua",
        client_ip="203.0.113.9",
    )
    params = query_of(url)
    assert url.startswith("https://sandbox.example.vn/paymentv2/vpcpay.html?")
    assert params["vnp_Version"] == "2.1.0" and params["vnp_Command"] == "pay"
    assert params["vnp_Amount"] == "10000000"  # đồng × 100
    assert params["vnp_CurrCode"] == "VND" and params["vnp_TmnCode"] == TMN
    assert params["vnp_CreateDate"] == "20261123153005"  # GMT+7
    assert params["vnp_ExpireDate"] == "20261123154505"
    assert params["vnp_OrderInfo"] == "Le phi dang ky ho kinh doanh: Do Thi Anh"
    # An independent computation of the signature, as in VNPay's sample code.
    signed = {k: v for k, v in params.items() if k != "vnp_SecureHash"}
    data = "&".join(f"{k}={urllib.parse.quote_plus(v)}" for k, v in sorted(signed.items()))
    expected = hmac.new(SECRET.encode(), data.encode(), hashlib.sha512).hexdigest()
    assert params["vnp_SecureHash"] == expected
    assert url.endswith(f"&vnp_SecureHash={expected}")


def test_a_payment_through_the_standin_over_http(client_gateway, merchant):
    page, location, ipn_params = pay_through_standin(client_gateway, merchant, ref="HS-PAY-1")

    assert NOTICE in page
    assert "150.000 đ" in page and "HS-PAY-1" in page
    assert ">Thanh toán</button>" in page and ">Hủy</button>" in page
    base, _ = merchant
    assert location.startswith(f"{base}/return?ho_so=1&")
    returned = query_of(location)

    result = client_gateway.verify(returned)
    assert result.success
    assert result.reference == "HS-PAY-1"
    assert result.amount == 150_000
    assert re.fullmatch(r"\d{8}", result.transaction_no)
    assert result.bank_code == "NCB"
    assert result.paid_at is not None and result.paid_at.utcoffset() == dt.timedelta(hours=7)
    assert result.response_code == "00"
    assert "vnp_SecureHash" not in result.raw
    # The server-to-server IPN carried the same signed answer.
    assert ipn_params == {k: v for k, v in returned.items() if k != "ho_so"}
    assert client_gateway.verify(ipn_params) == result


def test_a_cancelled_payment_is_reported_as_not_paid(client_gateway, merchant):
    _page, location, _ipn = pay_through_standin(client_gateway, merchant, action="cancel")
    result = client_gateway.verify(query_of(location))
    assert not result.success
    assert result.response_code == "24"
    assert result.paid_at is None


def test_forged_and_tampered_callbacks_are_rejected(client_gateway, merchant):
    _page, location, _ipn = pay_through_standin(client_gateway, merchant, ref="HS-FORGE")
    genuine = query_of(location)

    def refused(params):
        with pytest.raises(payments.PaymentSignatureInvalid) as caught:
            client_gateway.verify(params)
        assert caught.value.code == "payment_signature_invalid"
        assert caught.value.status == 422

    refused({**genuine, "vnp_SecureHash": "0" * 128})  # a made-up signature
    refused({k: v for k, v in genuine.items() if k != "vnp_SecureHash"})  # none at all
    refused({**genuine, "vnp_Amount": "100"})  # the amount lowered after signing
    refused({**genuine, "vnp_TxnRef": "HS-OTHER"})  # another dossier's payment
    refused({**genuine, "vnp_TransactionNo": "99999999"})  # another transaction
    forged = {k: v for k, v in genuine.items() if k != "vnp_SecureHash"}
    forged["vnp_SecureHash"] = payments.secure_hash(forged, "a guessed secret")
    refused(forged)
    foreign = {**forged, "vnp_TmnCode": "OTHER001"}
    foreign["vnp_SecureHash"] = payments.secure_hash(foreign, SECRET)  # right key, other shop
    refused(foreign)


def test_a_replayed_callback_reports_the_same_transaction(client_gateway, merchant):
    _page, location, _ipn = pay_through_standin(client_gateway, merchant, ref="HS-REPLAY")
    params = query_of(location)
    first = client_gateway.verify(params)
    again = client_gateway.verify(dict(params))
    assert again == first
    assert (again.reference, again.transaction_no) == (first.reference, first.transaction_no)
    # A second, separate payment gets a different transaction number.
    _page, other_location, _ipn = pay_through_standin(client_gateway, merchant, ref="HS-2ND")
    assert client_gateway.verify(query_of(other_location)).transaction_no != first.transaction_no


def test_the_standin_refuses_a_request_it_cannot_trust(client_gateway, merchant, standin):
    base, _ = merchant
    url = client_gateway.start(
        reference="HS-BAD",
        amount=50_000,
        description="x",
        return_url=f"{base}/return",
        client_ip="127.0.0.1",
    )
    tampered = url.replace("vnp_Amount=5000000", "vnp_Amount=100")
    status, _h, page = get(tampered)
    assert status == 400
    assert "Yêu cầu thanh toán không hợp lệ" in page
    expired_gateway = payments.VnpayGateway(
        url=f"{standin}/paymentv2/vpcpay.html",
        tmn_code=TMN,
        hash_secret=SECRET,
        clock=lambda: dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    old = expired_gateway.start(
        reference="HS-OLD", amount=1000, description="x", return_url=f"{base}/r", client_ip="1"
    )
    status, _h, page = get(old)
    assert status == 400
    assert "Yêu cầu thanh toán đã hết hạn" in page


def test_the_gateway_is_the_standin_unless_a_real_one_is_configured(settings):
    for name in ("TINHSO_PAYMENT_URL", "TINHSO_PAYMENT_TMN_CODE", "TINHSO_PAYMENT_HASH_SECRET"):
        setattr(settings, name, "")
    settings.TINHSO_PUBLIC_URL = ""
    gateway = payments.get_gateway()
    assert gateway.url == "/cong-thanh-toan-thu/paymentv2/vpcpay.html"
    assert (gateway.tmn_code, gateway.hash_secret) == (
        payments.DEMO_TMN_CODE,
        payments.DEMO_HASH_SECRET,
    )
    settings.TINHSO_PAYMENT_URL = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
    settings.TINHSO_PAYMENT_TMN_CODE = "ABCD1234"
    settings.TINHSO_PAYMENT_HASH_SECRET = "s3cret"
    gateway = payments.get_gateway()
    assert gateway.url.startswith("https://sandbox.vnpayment.vn/")
    assert (gateway.tmn_code, gateway.hash_secret) == ("ABCD1234", "s3cret")


@pytest.mark.django_db
def test_the_django_standin_pages(client, settings, merchant):
    settings.ROOT_URLCONF = __name__
    base, calls = merchant
    settings.TINHSO_PAYMENT_IPN_URL = f"{base}/ipn"
    gateway = payments.VnpayGateway(
        url="/cong-thanh-toan-thu/paymentv2/vpcpay.html",
        tmn_code=payments.DEMO_TMN_CODE,
        hash_secret=payments.DEMO_HASH_SECRET,
    )
    url = gateway.start(
        reference="HS-DJ-1",
        amount=2_000,
        description="Phí chứng thực",
        return_url=f"{base}/return",
        client_ip="127.0.0.1",
    )

    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert NOTICE in text
    assert "2.000 đ" in text and "HS-DJ-1" in text
    assert "Thanh toán" in text and "Hủy" in text
    assert 'class="site-header' in text  # it extends base.html

    q = re.search(r'name="q" value="([^"]*)"', text).group(1)
    done = client.post(
        "/cong-thanh-toan-thu/paymentv2/xu-ly", {"q": html.unescape(q), "action": "pay"}
    )
    assert done.status_code == 302
    assert done["Location"].startswith(f"{base}/return?")
    result = gateway.verify(query_of(done["Location"]))
    assert result.success and result.reference == "HS-DJ-1" and result.amount == 2_000
    assert calls[-1]["vnp_TxnRef"] == "HS-DJ-1"

    bad = client.get(url.replace("vnp_Amount=200000", "vnp_Amount=100"))
    assert bad.status_code == 400
    assert "Yêu cầu thanh toán không hợp lệ" in bad.content.decode()
