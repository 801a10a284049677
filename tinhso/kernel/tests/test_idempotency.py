"""Idempotent creates: a retry with the same key answers the first result, never a second row."""

import threading
from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory

from tinhso.kernel.errors import DomainError
from tinhso.kernel.idempotency import run_idempotent
from tinhso.kernel.models import CalendarDay, IdempotencyRecord


def make_request(key: str | None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    request = RequestFactory().post("/api/v1/x", headers=headers)
    request.user = AnonymousUser()
    return request


def create_day(day: date):
    def create():
        row = CalendarDay.objects.create(date=day, kind="day_off", name="Nghỉ bù")
        return 201, {"id": row.pk, "date": row.date.isoformat()}

    return create


@pytest.mark.django_db
def test_same_key_same_payload_returns_first_result_and_creates_once():
    payload = {"date": "2026-12-31"}
    first = run_idempotent(
        make_request("k-1"), scope="t", payload=payload, create=create_day(date(2026, 12, 31))
    )
    again = run_idempotent(
        make_request("k-1"), scope="t", payload=payload, create=create_day(date(2026, 12, 31))
    )
    assert first == again
    assert first[0] == 201
    assert CalendarDay.objects.count() == 1


@pytest.mark.django_db
def test_same_key_different_payload_is_refused():
    run_idempotent(
        make_request("k-2"), scope="t", payload={"a": 1}, create=create_day(date(2026, 12, 30))
    )
    with pytest.raises(DomainError) as excinfo:
        run_idempotent(
            make_request("k-2"), scope="t", payload={"a": 2}, create=create_day(date(2026, 12, 29))
        )
    assert excinfo.value.code == "idempotency_key_reused"
    assert excinfo.value.status == 422
    assert CalendarDay.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "code"), [(None, "idempotency_key_required"), ("có dấu", "idempotency_key_invalid")]
)
def test_missing_or_malformed_key_is_refused_before_anything_is_written(key, code):
    with pytest.raises(DomainError) as excinfo:
        run_idempotent(
            make_request(key), scope="t", payload={}, create=create_day(date(2026, 1, 5))
        )
    assert excinfo.value.code == code
    assert CalendarDay.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
def test_failed_create_leaves_no_record_so_a_retry_can_succeed():
    def failing():
        CalendarDay.objects.create(date=date(2026, 6, 1), kind="day_off", name="x")
        raise DomainError("boom", "failed")

    with pytest.raises(DomainError):
        run_idempotent(make_request("k-3"), scope="t", payload={}, create=failing)
    assert CalendarDay.objects.count() == 0
    status, _ = run_idempotent(
        make_request("k-3"), scope="t", payload={}, create=create_day(date(2026, 6, 1))
    )
    assert status == 201
    assert CalendarDay.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_one_row():
    """Two clients race with one key; the loser is answered from the winner's record."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("in-memory SQLite is one connection; the race needs a server database")
    results, errors = [], []
    barrier = threading.Barrier(4)

    def worker():
        try:
            barrier.wait()
            results.append(
                run_idempotent(
                    make_request("race"),
                    scope="t",
                    payload={"d": 1},
                    create=create_day(date(2026, 3, 3)),
                )
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len({str(r) for r in results}) == 1
    assert CalendarDay.objects.count() == 1
