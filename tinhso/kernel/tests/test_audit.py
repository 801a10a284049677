"""The audit log: written in the caller's transaction, append-only, personal data masked."""

import datetime as dt
import decimal
import uuid

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from tinhso.kernel.audit import audit_record, diff, mask_value
from tinhso.kernel.middleware import RequestContextMiddleware
from tinhso.kernel.models import AuditEvent, CalendarDay


class Boom(Exception):
    pass


@pytest.mark.django_db
class TestAuditRecord:
    def test_a_row_is_written_in_the_transaction_and_rolls_back_with_it(self, official):
        with pytest.raises(Boom), transaction.atomic():
            audit_record(actor=official, action="thing.do", object_type="x.thing", object_id=1)
            assert AuditEvent.objects.filter(action="thing.do").exists()
            raise Boom
        assert not AuditEvent.objects.filter(action="thing.do").exists()

    def test_names_the_object_and_the_actor(self, official):
        day = CalendarDay.objects.create(date=dt.date(2026, 3, 2), kind="day_off", name="A")
        with transaction.atomic():
            event = audit_record(actor=official, action="calendar_day.set", obj=day, summary="s")
        event.refresh_from_db()
        assert (event.object_type, event.object_id) == ("kernel.calendarday", str(day.pk))
        assert (event.actor, event.actor_label) == (official, "can_bo_mot_cua")
        assert event.ip_address is None
        assert event.request_id == ""

    def test_the_system_acts_without_a_user(self):
        with transaction.atomic():
            event = audit_record(actor=None, action="task.run", object_type="x.job")
        assert (event.actor, event.actor_label) == (None, "system")

    def test_takes_address_and_request_id_from_the_request(self, official):
        def view(request):
            with transaction.atomic():
                audit_record(actor=official, action="thing.do", object_type="x.thing")
            return HttpResponse()

        request = RequestFactory().get("/", HTTP_X_REQUEST_ID="req-123", REMOTE_ADDR="10.1.2.3")
        response = RequestContextMiddleware(view)(request)
        event = AuditEvent.objects.get()
        assert (event.ip_address, event.request_id) == ("10.1.2.3", "req-123")
        assert response["X-Request-ID"] == "req-123"

    def test_personal_data_given_directly_is_masked(self, official):
        with transaction.atomic():
            event = audit_record(
                actor=official,
                action="citizen.update",
                object_type="accounts.user",
                object_id=7,
                changes={"cccd": ["001099012345", "001099054321"], "full_name": ["A", "B"]},
            )
        event.refresh_from_db()
        assert event.changes == {
            "cccd": ["001******345", "001******321"],
            "full_name": ["A", "B"],
        }

    def test_needs_an_object(self):
        with pytest.raises(ValueError), transaction.atomic():
            audit_record(actor=None, action="thing.do")


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_refuses():
    with pytest.raises(RuntimeError):
        audit_record(actor=None, action="thing.do", object_type="x.thing")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
class TestAppendOnly:
    @pytest.fixture
    def event(self):
        with transaction.atomic():
            return audit_record(actor=None, action="thing.do", object_type="x.thing", object_id=1)

    def test_the_model_refuses_to_update_or_delete(self, event):
        event.summary = "changed"
        with pytest.raises(ValueError):
            event.save()
        with pytest.raises(ValueError):
            event.delete()

    def test_queryset_update_fails_in_the_database(self, event):
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(summary="changed")
        event.refresh_from_db()
        assert event.summary == ""

    def test_queryset_delete_fails_in_the_database(self, event):
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    @pytest.mark.parametrize(
        "sql",
        [
            "UPDATE kernel_auditevent SET summary = 'changed' WHERE id = %s",
            "DELETE FROM kernel_auditevent WHERE id = %s",
        ],
    )
    def test_raw_sql_fails(self, event, sql):
        with (
            pytest.raises(DatabaseError) as caught,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
        assert "append-only" in str(caught.value)
        event.refresh_from_db()
        assert event.summary == ""

    def test_inserting_still_works(self, event):
        with transaction.atomic():
            audit_record(actor=None, action="thing.do", object_type="x.thing", object_id=2)
        assert AuditEvent.objects.count() == 2


class TestDiff:
    def test_changed_fields(self):
        assert diff({"a": 1, "b": "x"}, {"a": 2, "b": "x", "d": True}) == {
            "a": [1, 2],
            "d": [None, True],
        }

    def test_values_are_json_safe(self):
        key = uuid.UUID("12345678-1234-5678-1234-567812345678")
        changes = diff(
            {"when": dt.date(2025, 1, 24), "fee": decimal.Decimal("1.50"), "ref": None},
            {"when": dt.date(2025, 2, 5), "fee": decimal.Decimal("2"), "ref": key},
        )
        assert changes == {
            "when": ["2025-01-24", "2025-02-05"],
            "fee": ["1.50", "2"],
            "ref": [None, "12345678-1234-5678-1234-567812345678"],
        }

    def test_personal_data_is_masked(self):
        changes = diff(
            {"cccd": "", "phone": "0912345678", "address": "12 Lê Lợi", "date_of_birth": None},
            {
                "cccd": "001099012345",
                "phone": "0987654321",
                "address": "3 Trần Phú",
                "date_of_birth": dt.date(1999, 5, 1),
            },
        )
        assert changes == {
            "cccd": ["", "001******345"],
            "phone": ["091****678", "098****321"],
            "address": ["***", "***"],
            "date_of_birth": [None, "***"],
        }

    def test_masking_twice_changes_nothing(self):
        for field, value in [("cccd", "001099012345"), ("phone", "0912345678"), ("address", "x")]:
            once = mask_value(field, value)
            assert mask_value(field, once) == once


@pytest.mark.django_db(transaction=True)
def test_flush_may_empty_the_audit_log_and_nothing_else_may():
    # The test runner flushes after every transactional test; that must keep working.
    with transaction.atomic():
        event = audit_record(actor=None, action="thing.do", object_type="x.thing")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()

    with transaction.atomic():
        event = audit_record(actor=None, action="thing.do", object_type="x.thing")
    with pytest.raises(DatabaseError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()
