"""The indicators on a known data set (March 2026, one commune)."""

import datetime as dt
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest

from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.dossiers import indicators, services
from tinhso.dossiers.standin_gateway import StandinGateway
from tinhso.dossiers.tests.factories import (
    DossierFactory,
    ProcedureFactory,
    answers_for,
    desk_setup,
)

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args):
    return dt.datetime(*args, tzinfo=VN)


@pytest.fixture
def march(setup, clock):
    online = ProcedureFactory()
    counter = ProcedureFactory(online_mode="none")

    # d1: online, fully online procedure, fee paid online, early, returned electronically, 5★.
    clock.set(at(2026, 3, 9, 9, 0))
    d1 = DossierFactory(setup=setup, procedure=online, processing=True)
    services.dossier_request_payment(acting_user=setup.handler, dossier=d1)
    _payment, redirect = services.dossier_payment_start(
        acting_user=d1.applicant, dossier=d1, return_url="http://x/", client_ip="127.0.0.1"
    )
    gateway = StandinGateway(clock=lambda: at(2026, 3, 10, 10, 0))
    params = dict(parse_qsl(urlsplit(redirect).query))
    clock.set(at(2026, 3, 10, 10, 0))
    assert services.dossier_payment_confirm(
        params=gateway.complete(gateway.parse(params), approve=True)
    ).changed
    clock.set(at(2026, 3, 11, 9, 0))
    services.dossier_approve(acting_user=setup.leader, dossier=d1, result_title="Giấy khai sinh")
    services.dossier_return_result(acting_user=setup.desk_officer, dossier=d1)
    services.dossier_rate(acting_user=d1.applicant, dossier=d1, rating=5)

    # d2: in person, not digitised, cash, late, returned on paper, 3★.
    clock.set(at(2026, 3, 9, 10, 0))
    citizen = CitizenFactory(email="d2@example.vn")
    d2 = services.dossier_enter_in_person(
        acting_user=setup.desk_officer, procedure=counter, form_data=answers_for(citizen),
        applicant=citizen, result_delivery="paper",
    )  # fmt: skip
    services.dossier_forward(acting_user=setup.desk_officer, dossier=d2, to_agency=setup.committee)
    services.dossier_request_payment(acting_user=setup.handler, dossier=d2)
    services.dossier_pay_at_desk(acting_user=setup.desk_officer, dossier=d2)
    clock.set(at(2026, 3, 13, 9, 0))
    services.dossier_approve(acting_user=setup.leader, dossier=d2, result_title="Bản sao")
    services.dossier_return_result(acting_user=setup.desk_officer, dossier=d2)
    services.dossier_rate(acting_user=citizen, dossier=d2, rating=3)

    # d3: online, received 10/3, never resolved (due 13/3): overdue at the end of March.
    clock.set(at(2026, 3, 10, 9, 0))
    DossierFactory(setup=setup, procedure=online, processing=True)
    # d4: submitted, not received; d5: received in April. Neither counts in March.
    DossierFactory(setup=setup, procedure=online, submitted=True)
    clock.set(at(2026, 4, 1, 9, 0))
    DossierFactory(setup=setup, procedure=online, received=True)
    return setup


def test_indicator_numbers(march):
    values = indicators.compute_all(march.commune, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert values == {
        "dossiers.received": 3,
        "dossiers.received_online": 2,
        "dossiers.received_in_person": 1,
        "dossiers.fully_online_share": 66.67,
        "dossiers.resolved": 2,
        "dossiers.on_time_rate": 50.0,
        "dossiers.late": 1,
        "dossiers.overdue_open": 1,
        "dossiers.e_result_share": 50.0,
        "dossiers.online_payment_share": 50.0,
        "dossiers.digitised_share": 66.67,
        "dossiers.satisfaction": 4.0,
    }
    # The province above counts the same; another commune counts nothing.
    province = indicators.compute_all(
        march.commune.parent, dt.date(2026, 3, 1), dt.date(2026, 3, 31)
    )
    assert province == values
    other = desk_setup()
    empty = indicators.compute_all(other.commune, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert empty["dossiers.received"] == 0 and empty["dossiers.on_time_rate"] is None


def test_registry_format():
    codes = [indicator.code for indicator in indicators.INDICATORS]
    assert len(codes) == len(set(codes))
    for indicator in indicators.INDICATORS:
        assert indicator.code.startswith("dossiers.") and str(indicator.name)
        assert callable(indicator.compute)


def test_monthly_counts_are_the_units_own_and_give_the_same_shares(march):
    counts = indicators.monthly_counts(None, dt.date(2026, 3, 1), dt.date(2026, 5, 1))
    unit = march.commune.pk
    march_counts = {
        code: v for (u, month, code), v in counts.items() if (u, month) == (unit, "202603")
    }
    assert march_counts == {
        "dossiers.received": 3,
        "dossiers.received_online": 2,
        "dossiers.received_in_person": 1,
        "dossiers.received_fully_online": 2,
        "dossiers.digitised": 2,
        "dossiers.resolved": 2,
        "dossiers.resolved_on_time": 1,
        "dossiers.late": 1,
        "dossiers.returned": 2,
        "dossiers.returned_electronically": 1,
        "dossiers.fees_paid": 2,
        "dossiers.fees_paid_online": 1,
        "dossiers.rated": 2,
        "dossiers.rating_points": 8,
        "dossiers.overdue_open": 1,
    }
    # The subtree figures above are ratios of these counts.
    values = indicators.compute_all(march.commune, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    c = march_counts
    assert (
        values["dossiers.on_time_rate"]
        == 100 * c["dossiers.resolved_on_time"] / c["dossiers.resolved"]
    )
    assert values["dossiers.satisfaction"] == c["dossiers.rating_points"] / c["dossiers.rated"]
    assert values["dossiers.fully_online_share"] == round(
        100 * c["dossiers.received_fully_online"] / c["dossiers.received"], 2
    )
    # April: d5 received; d3 still overdue. Only the commune owns rows; the province none.
    assert counts[(unit, "202604", "dossiers.received")] == 1
    assert counts[(unit, "202604", "dossiers.overdue_open")] == 1  # d3, still open
    assert {u for u, _month, _code in counts} == {unit}
    # One unit and one month (the refresh after a change) is a single query: same counts.
    one = indicators.monthly_counts({unit}, dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    assert one == {(unit, "202603", code): v for code, v in march_counts.items()}
    # Narrowed to other units: nothing.
    assert (
        indicators.monthly_counts(
            {march.commune.parent_id}, dt.date(2026, 3, 1), dt.date(2026, 4, 1)
        )
        == {}
    )


def test_watch_finds_the_unit_and_the_days_a_change_touches(march):
    from tinhso.dossiers.models import Dossier, Payment

    dossier = Dossier.objects.filter(rating=5).get()
    touched = indicators.WATCH["dossiers.dossier"]([str(dossier.pk)])
    days = {day for _unit, day in touched}
    assert {unit for unit, _day in touched} == {march.commune.pk}
    assert {dt.date(2026, 3, 9), dt.date(2026, 3, 11)} <= days
    payment = Payment.objects.filter(dossier=dossier).get()
    assert indicators.WATCH["dossiers.payment"]([str(payment.pk)]) == {
        (march.commune.pk, dt.date(2026, 3, 10))
    }
