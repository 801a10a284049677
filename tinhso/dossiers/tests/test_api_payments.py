"""Fees: the obligation, online payment through the gateway protocol, and the IPN callback —
a genuine one pays, a replayed one changes nothing, a forged one is rejected."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from tinhso.dossiers import payments, services
from tinhso.dossiers.models import Dossier, Payment
from tinhso.dossiers.standin_gateway import StandinGateway
from tinhso.dossiers.tests.api_helpers import post, url
from tinhso.dossiers.tests.factories import DossierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def awaiting(setup):
    dossier = DossierFactory(setup=setup, processing=True)
    return services.dossier_request_payment(acting_user=setup.handler, dossier=dossier)


def start(client, dossier, key="tt-1"):
    client.force_login(dossier.applicant)
    response = post(
        client,
        url("dossiers_payment_start", dossier.pk),
        {"return_url": "http://testserver/ket-qua-thanh-toan/"},
        key=key,
    )
    assert response.status_code == 201, response.json()
    return response.json()


def gateway_answer(redirect_url, *, approve=True):
    gateway = StandinGateway()
    params = dict(parse_qsl(urlsplit(redirect_url).query))
    return gateway.complete(gateway.parse(params), approve=approve)


def test_fee_obligation_defaults_to_the_schedule(awaiting):
    assert awaiting.status == "awaiting_payment"
    assert awaiting.fee_amount == 15000
    assert awaiting.fee_items[0]["name"] == "Lệ phí"


def test_online_payment_through_the_ipn(client, awaiting):
    started = start(client, awaiting)
    assert started["amount"] == 15000
    assert started["redirect_url"].startswith(payments.standin_url())
    params = gateway_answer(started["redirect_url"])
    answer = client.get(url("dossiers_payment_ipn"), params).json()
    assert answer == {"RspCode": "00", "Message": "Confirm Success"}
    dossier = Dossier.objects.get(pk=awaiting.pk)
    assert dossier.status == "fee_paid" and dossier.paid_online is True
    payment = Payment.objects.get(reference=started["reference"])
    assert payment.state == "paid" and payment.transaction_no == params["vnp_TransactionNo"]
    assert payment.raw["vnp_BankCode"] == "NCB"

    # Replayed: acknowledged, nothing changes.
    replay = client.get(url("dossiers_payment_ipn"), params).json()
    assert replay["RspCode"] == "02"
    assert Dossier.objects.get(pk=awaiting.pk).events.filter(action="pay").count() == 1


def test_forged_and_tampered_callbacks_change_nothing(client, awaiting):
    started = start(client, awaiting)
    params = gateway_answer(started["redirect_url"])
    tampered = {**params, "vnp_Amount": "100"}
    assert client.get(url("dossiers_payment_ipn"), tampered).json()["RspCode"] == "97"
    forged = {**params, "vnp_SecureHash": "0" * 128}
    assert client.get(url("dossiers_payment_ipn"), forged).json()["RspCode"] == "97"
    assert client.get(url("dossiers_payment_ipn"), {}).json()["RspCode"] == "97"
    assert Dossier.objects.get(pk=awaiting.pk).status == "awaiting_payment"
    assert Payment.objects.get(reference=started["reference"]).state == "pending"


def test_a_cancelled_payment_leaves_the_fee_due(client, awaiting):
    started = start(client, awaiting)
    params = gateway_answer(started["redirect_url"], approve=False)
    assert client.get(url("dossiers_payment_ipn"), params).json()["RspCode"] == "00"
    assert Payment.objects.get(reference=started["reference"]).state == "failed"
    assert Dossier.objects.get(pk=awaiting.pk).status == "awaiting_payment"
    # The citizen may try again with a new reference.
    again = start(client, awaiting, key="tt-2")
    assert again["reference"] != started["reference"]


def test_paying_is_refused_when_nothing_is_due(client, setup):
    dossier = DossierFactory(setup=setup, processing=True)
    client.force_login(dossier.applicant)
    response = post(
        client, url("dossiers_payment_start", dossier.pk), {"return_url": "http://testserver/"}
    )
    assert response.status_code == 409 and response.json()["code"] == "payment_not_due"


def test_cash_at_the_desk(setup, awaiting):
    payment = services.dossier_pay_at_desk(
        acting_user=setup.desk_officer, dossier=awaiting, receipt_no="BL 0012"
    )
    assert payment.method == "cash" and payment.state == "paid"
    awaiting.refresh_from_db()
    assert awaiting.status == "fee_paid" and awaiting.paid_online is False
