"""Domain events: published by every audit row, told after commit, once, never on rollback."""

import logging

import pytest
from django.db import transaction

from tinhso.kernel import events
from tinhso.kernel.audit import audit_record

pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    pass


@pytest.fixture
def received():
    batches: list[list[events.Event]] = []

    def handler(batch):
        batches.append(batch)

    events.discard_pending()
    events.subscribe(handler)
    yield batches
    events.unsubscribe(handler)


def record(action="thing.do", object_id=1):
    return audit_record(actor=None, action=action, object_type="x.thing", object_id=object_id)


def keys(batches):
    return [[(e.action, e.label, e.pk) for e in batch] for batch in batches]


def test_an_audited_change_is_told_after_commit_not_before(received):
    with transaction.atomic():
        row = record()
        assert received == []  # still inside the transaction
    assert keys(received) == [[("thing.do", "x.thing", "1")]]
    assert received[0][0].audit_id == row.pk


def test_one_delivery_per_transaction_and_duplicates_told_once(received):
    with transaction.atomic():
        record("thing.do", 1)
        record("thing.do", 1)
        record("thing.undo", 1)
        record("thing.do", 2)
    assert keys(received) == [
        [("thing.do", "x.thing", "1"), ("thing.undo", "x.thing", "1"), ("thing.do", "x.thing", "2")]
    ]


def test_a_rolled_back_transaction_tells_nothing(received):
    with pytest.raises(Boom), transaction.atomic():
        record()
        raise Boom
    assert received == []
    # ... and its events do not leak into the next transaction.
    with transaction.atomic():
        record("other.do", 7)
    assert keys(received) == [[("other.do", "x.thing", "7")]]


def test_a_rolled_back_savepoint_drops_only_its_own_events(received):
    with transaction.atomic():
        record("outer.before", 1)
        with pytest.raises(Boom), transaction.atomic():
            record("inner.gone", 2)
            raise Boom
        record("outer.after", 3)
    assert keys(received) == [[("outer.before", "x.thing", "1"), ("outer.after", "x.thing", "3")]]


def test_the_delivery_survives_a_rolled_back_savepoint_that_published_first(received):
    with transaction.atomic():
        with pytest.raises(Boom), transaction.atomic():
            record("inner.gone", 2)
            raise Boom
        record("outer.kept", 3)
    assert keys(received) == [[("outer.kept", "x.thing", "3")]]


def test_a_failing_subscriber_is_logged_and_breaks_neither_the_write_nor_the_others(
    received, caplog
):
    def broken(batch):
        raise RuntimeError("subscriber bug")

    events.subscribe(broken)
    try:
        with caplog.at_level(logging.ERROR, logger="tinhso.kernel.events"), transaction.atomic():
            row = record()
    finally:
        events.unsubscribe(broken)
    from tinhso.kernel.models import AuditEvent

    assert AuditEvent.objects.filter(pk=row.pk).exists()
    assert keys(received) == [[("thing.do", "x.thing", "1")]]
    assert "subscriber bug" in caplog.text


def test_subscribe_twice_is_called_once(received):
    events.subscribe(received.append)
    events.subscribe(received.append)
    try:
        with transaction.atomic():
            record()
    finally:
        events.unsubscribe(received.append)
    assert len(received) == 2  # the fixture's handler and this one, once each


def test_a_subscriber_with_labels_gets_only_those_and_costs_nothing_otherwise(received):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    picky: list[list[events.Event]] = []
    events.unsubscribe(received.append)
    others = [(handler, events._labels.get(handler)) for handler in events.subscribers()]
    for handler, _labels in others:  # only the picky subscriber listens in this test
        events.unsubscribe(handler)
    try:
        events.subscribe(picky.append, labels={"x.wanted"})
        with transaction.atomic():
            audit_record(actor=None, action="a", object_type="x.wanted", object_id=1)
            audit_record(actor=None, action="b", object_type="x.other", object_id=2)
        assert [[(e.label, e.pk) for e in batch] for batch in picky] == [[("x.wanted", "1")]]
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            audit_record(actor=None, action="c", object_type="x.other", object_id=3)
        # The audit row and the savepoint handling only: no look-up for a delivery nobody wants.
        assert not any("kernel_auditevent" in q["sql"] and "SELECT" in q["sql"] for q in queries)
        assert len(picky) == 1
    finally:
        events.unsubscribe(picky.append)
        for handler, labels in others:
            events.subscribe(handler, labels=labels)
