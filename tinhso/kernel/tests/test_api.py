"""The kernel's public calendar API and its error envelope."""

import datetime as dt

import pytest

from tinhso.kernel.tests.factories import CalendarDayFactory

URL = "/api/v1/kernel/calendar/working-days"


@pytest.mark.django_db
class TestWorkingDays:
    def test_deadline_after_tet(self, client):
        response = client.get(URL, {"start": "2025-01-24T10:00:00+07:00", "days": 3})
        assert response.status_code == 200
        assert response.json() == {
            "start": "2025-01-24T10:00:00+07:00",
            "days": 3,
            "cutoff": None,
            "effective_start": "2025-01-24",
            "deadline": "2025-02-05T17:00:00+07:00",
        }

    def test_cutoff_and_local_time(self, client):
        # 16:00 local, without an offset, is after a 15:00 cut-off.
        response = client.get(URL, {"start": "2025-01-24T16:00", "days": 3, "cutoff": "15:00"})
        assert response.status_code == 200
        body = response.json()
        assert body["effective_start"] == "2025-02-03"
        assert body["deadline"] == "2025-02-06T17:00:00+07:00"

    def test_cutoff_with_a_time_zone_is_a_422_not_a_500(self, client):
        # Found by the API fuzz: the aware time could not be written back as JSON (500).
        response = client.get(
            URL, {"start": "2025-01-24T16:00", "days": 3, "cutoff": "15:00:00+07:00"}
        )
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "validation_error"
        assert body["details"] == [
            {
                "field": "cutoff",
                "code": "time_zone",
                "message": "Nhập giờ chốt theo giờ địa phương, không kèm múi giờ.",
            }
        ]

    def test_a_start_in_utc(self, client):
        response = client.get(URL, {"start": "2025-01-24T03:00:00Z", "days": 0})
        assert response.json()["start"] == "2025-01-24T10:00:00+07:00"

    def test_administrator_overrides_count(self, client):
        CalendarDayFactory(date=dt.date(2026, 2, 23))
        response = client.get(URL, {"start": "2026-02-13T09:00", "days": 1})
        assert response.json()["deadline"] == "2026-02-24T17:00:00+07:00"

    @pytest.mark.parametrize(
        "params",
        [
            {"start": "2025-01-24T10:00", "days": -1},
            {"start": "2025-01-24T10:00", "days": "three"},
            {"start": "2025-01-24T10:00", "days": 100000},
            {"start": "24/01/2025", "days": 3},
            {"start": "2025-02-30T10:00", "days": 3},
            {"start": "2025-01-24T10:00", "days": 3, "cutoff": "25:00"},
            {"days": 3},
            {"start": "1800-01-01T10:00", "days": 3},
        ],
    )
    def test_bad_input_gets_the_error_envelope(self, client, params):
        response = client.get(URL, params)
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "validation_error"
        assert body["message"]
        assert body["details"]


@pytest.mark.django_db
class TestOverrides:
    def test_lists_one_year(self, client):
        CalendarDayFactory(date=dt.date(2026, 2, 23), name="Nghỉ bù", legal_basis="QĐ 1")
        CalendarDayFactory(date=dt.date(2026, 2, 28), working=True, name="Làm bù")
        CalendarDayFactory(date=dt.date(2027, 1, 4))
        response = client.get("/api/v1/kernel/calendar/overrides", {"year": 2026})
        assert response.status_code == 200
        assert response.json() == [
            {"date": "2026-02-23", "kind": "day_off", "name": "Nghỉ bù", "legal_basis": "QĐ 1"},
            {"date": "2026-02-28", "kind": "working_day", "name": "Làm bù", "legal_basis": ""},
        ]

    def test_a_bad_year(self, client):
        response = client.get("/api/v1/kernel/calendar/overrides", {"year": "abc"})
        assert response.status_code == 422
        assert response.json()["code"] == "validation_error"
