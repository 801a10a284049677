"""Indicator numbers on a known data set."""

import datetime as dt

import pytest
from django.utils import timezone

from tinhso.qa.indicators import INDICATORS
from tinhso.qa.models import Question
from tinhso.qa.tests.factories import QuestionFactory

TZ = dt.timezone(dt.timedelta(hours=7))


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, tzinfo=TZ)


@pytest.fixture
def data(qa):
    """In October 2026 (commune A unless said):

    1. asked Mon 5, answered Wed 7 (2 working days), on time
    2. asked Mon 5, answered Mon 19 (10 working days), on time
    3. asked Thu 1, answered Fri 30 (21 working days), late
    4. asked Tue 6, still open
    5. commune B: asked Tue 6, answered Thu 8 (2 working days), on time
    6. commune A: asked in September, answered Fri 2 October (2 working days), on time
    """

    def make(agency, asked, answered=None, deadline_ok=True):
        question = QuestionFactory(agency=agency, in_state="published" if answered else None)
        deadline = (answered + dt.timedelta(days=1)) if answered and deadline_ok else asked
        Question.objects.filter(pk=question.pk).update(
            created_at=asked,
            answered_at=answered,
            published_at=answered,
            deadline=deadline,
            answered_on_time=None if answered is None else deadline_ok,
            working_days_to_answer=None,
        )
        return question

    make(qa.agency_a, at(5), at(7))
    make(qa.agency_a, at(5), at(19))
    make(qa.agency_a, at(1), at(30), deadline_ok=False)
    make(qa.agency_a, at(6))
    make(qa.agency_b, at(6), at(8))
    make(qa.agency_a, dt.datetime(2026, 9, 30, 9, tzinfo=TZ), at(2))
    # The working days, as the service fixes them when the answer is given.
    from tinhso.kernel.calendar import calendar_from_db, working_days_between

    calendar = calendar_from_db()
    for question in Question.objects.exclude(answered_at=None):
        question.working_days_to_answer = working_days_between(
            question.created_at, question.answered_at, calendar=calendar
        )
        question.save(update_fields=["working_days_to_answer"])
    return qa


def values(unit, start=dt.date(2026, 10, 1), end=dt.date(2026, 11, 1)):
    return {i.code: i.compute(unit, start, end) for i in INDICATORS}


def test_commune_a(data):
    assert values(data.commune_a) == {
        "qa.received": 4,
        "qa.answered": 4,
        "qa.answered_on_time": 3,
        "qa.on_time_rate": 75.0,
        "qa.avg_days_to_answer": round((2 + 10 + 21 + 2) / 4, 1),
    }


def test_province_rolls_up_the_subtree(data):
    result = values(data.province)
    assert result["qa.received"] == 5
    assert result["qa.answered"] == 5
    assert result["qa.answered_on_time"] == 4
    assert result["qa.on_time_rate"] == 80.0
    assert result["qa.avg_days_to_answer"] == round((2 + 10 + 21 + 2 + 2) / 5, 1)


def test_empty_period(data):
    result = values(data.commune_b, dt.date(2025, 1, 1), dt.date(2025, 2, 1))
    assert result == {
        "qa.received": 0,
        "qa.answered": 0,
        "qa.answered_on_time": 0,
        "qa.on_time_rate": None,
        "qa.avg_days_to_answer": None,
    }


def test_every_indicator_is_described():
    import tinhso.qa.indicators as module

    for indicator in INDICATORS:
        assert indicator.code in module.__doc__
        assert indicator.unit in {"question", "percent", "working_day"}
    assert timezone.now()


def _subtree_sum(counts, unit, month="202610"):
    from tinhso.units.models import Unit

    ids = set(Unit.objects.subtree(unit, include_self=True).values_list("pk", flat=True))
    total: dict[str, float] = {}
    for (unit_id, period, code), value in counts.items():
        if unit_id in ids and period == month:
            total[code] = total.get(code, 0) + value
    return total


def test_monthly_counts_summed_over_the_tree_give_the_same_figures(data):
    from tinhso.qa.indicators import monthly_counts

    counts = monthly_counts(None, dt.date(2026, 9, 1), dt.date(2026, 11, 1))
    for unit in (data.commune_a, data.commune_b, data.province):
        own = _subtree_sum(counts, unit)
        expected = values(unit)
        assert own["qa.received"] == expected["qa.received"]
        assert own["qa.answered"] == expected["qa.answered"]
        assert own["qa.answered_on_time"] == expected["qa.answered_on_time"]
        rate = round(own["qa.answered_on_time"] * 100 / own["qa.answered"], 1)
        assert rate == expected["qa.on_time_rate"]
        days = round(own["qa.answering_days"] / own["qa.answered"], 1)
        assert days == expected["qa.avg_days_to_answer"]
    # The question asked in September counts there, its answer in October.
    assert _subtree_sum(counts, data.commune_a, "202609") == {"qa.received": 1}
    # Only the units that own questions have counts (the province owns none here).
    assert data.province.pk not in {unit_id for unit_id, _m, _c in counts}
    assert monthly_counts({data.commune_b.pk}, dt.date(2026, 10, 1), dt.date(2026, 11, 1)) == {
        (data.commune_b.pk, "202610", "qa.received"): 1,
        (data.commune_b.pk, "202610", "qa.answered"): 1,
        (data.commune_b.pk, "202610", "qa.answered_on_time"): 1,
        (data.commune_b.pk, "202610", "qa.answering_days"): 2,
    }


def test_a_month_ends_at_local_midnight(data):
    from tinhso.qa.indicators import monthly_counts

    late_evening = QuestionFactory(agency=data.agency_b)
    just_after = QuestionFactory(agency=data.agency_b)
    # 23:30 on 31 October in Vietnam is still October (16:30 UTC); 00:10 on 1 November is not.
    Question.objects.filter(pk=late_evening.pk).update(
        created_at=at(31, 23) + dt.timedelta(minutes=30)
    )
    Question.objects.filter(pk=just_after.pk).update(
        created_at=dt.datetime(2026, 11, 1, 0, 10, tzinfo=TZ)
    )
    counts = monthly_counts({data.commune_b.pk}, dt.date(2026, 10, 1), dt.date(2026, 12, 1))
    assert counts[(data.commune_b.pk, "202610", "qa.received")] == 2
    assert counts[(data.commune_b.pk, "202611", "qa.received")] == 1
