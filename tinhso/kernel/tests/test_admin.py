"""The kernel's admin pages: overrides edited through the services, the audit log read-only."""

import datetime as dt

import pytest
from django.urls import reverse

from tinhso.kernel.models import AuditEvent, CalendarDay
from tinhso.kernel.tests.factories import CalendarDayFactory, NotificationFactory


@pytest.fixture
def admin_client_(client, django_user_model, settings):
    # The admin's templates ask for static files; tests have no collected manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    admin = django_user_model.objects.create_superuser(
        username="quan_tri", email="qt@example.vn", password="x" * 12
    )
    client.force_login(admin)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["calendarday", "auditevent", "notification", "storedfile"])
def test_changelists_load(admin_client_, model):
    CalendarDayFactory()
    NotificationFactory()
    response = admin_client_.get(reverse(f"admin:kernel_{model}_changelist"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_audit_log_cannot_be_added_to_changed_or_deleted(admin_client_):
    assert admin_client_.get(reverse("admin:kernel_auditevent_add")).status_code == 403


@pytest.mark.django_db
def test_adding_an_override_goes_through_the_service(admin_client_):
    response = admin_client_.post(
        reverse("admin:kernel_calendarday_add"),
        {"date": "2026-02-23", "kind": "day_off", "name": "Nghỉ bù", "legal_basis": ""},
    )
    assert response.status_code == 302
    assert CalendarDay.objects.get().date == dt.date(2026, 2, 23)
    event = AuditEvent.objects.get(action="calendar_day.set")
    assert event.actor_label == "quan_tri"


@pytest.mark.django_db
def test_moving_an_override_to_another_date(admin_client_):
    day = CalendarDayFactory(date=dt.date(2026, 2, 23), name="A")
    response = admin_client_.post(
        reverse("admin:kernel_calendarday_change", args=[day.pk]),
        {"date": "2026-02-24", "kind": "day_off", "name": "A", "legal_basis": ""},
    )
    assert response.status_code == 302
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [dt.date(2026, 2, 24)]
    assert AuditEvent.objects.filter(action="calendar_day.remove").count() == 1


@pytest.mark.django_db
def test_deleting_an_override_goes_through_the_service(admin_client_):
    day = CalendarDayFactory(date=dt.date(2026, 2, 23))
    response = admin_client_.post(
        reverse("admin:kernel_calendarday_delete", args=[day.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    assert AuditEvent.objects.filter(action="calendar_day.remove").exists()
