"""The allowed-transitions table."""

import pytest
from django.db import models

from tinhso.kernel.errors import Conflict
from tinhso.kernel.state import Transitions


class Status(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    RECEIVED = "received", "Received"
    SUPPLEMENT = "supplement_requested", "Supplement requested"
    DONE = "done", "Done"


FLOW = Transitions(
    [
        (Status.SUBMITTED, "receive", Status.RECEIVED),
        (Status.SUBMITTED, "refuse", Status.DONE),
        (Status.RECEIVED, "request_supplement", Status.SUPPLEMENT),
        (Status.SUPPLEMENT, "supplement", Status.RECEIVED),
        (Status.RECEIVED, "finish", Status.DONE),
    ]
)


def test_target():
    assert FLOW.target(Status.SUBMITTED, "receive") == "received"
    assert FLOW.target("supplement_requested", "supplement") == Status.RECEIVED


def test_allowed_in_table_order():
    assert FLOW.allowed("submitted") == ["receive", "refuse"]
    assert FLOW.allowed(Status.DONE) == []
    assert FLOW.can("received", "finish")
    assert not FLOW.can("done", "finish")


def test_a_transition_not_allowed_is_a_conflict():
    with pytest.raises(Conflict) as caught:
        FLOW.target(Status.RECEIVED, "refuse")
    error = caught.value
    assert (error.status, error.code) == (409, "transition_not_allowed")
    assert error.details == {
        "state": "received",
        "action": "refuse",
        "allowed": ["request_supplement", "finish"],
    }
    assert error.as_dict()["code"] == "transition_not_allowed"


def test_an_unknown_state_allows_nothing():
    with pytest.raises(Conflict) as caught:
        FLOW.target("archived", "receive")
    assert caught.value.details["allowed"] == []


def test_states_and_actions():
    assert FLOW.states == {"submitted", "received", "supplement_requested", "done"}
    assert "request_supplement" in FLOW.actions


def test_an_ambiguous_table_is_refused():
    with pytest.raises(ValueError):
        Transitions([("a", "go", "b"), ("a", "go", "c")])
    # Repeating the same row is harmless.
    assert Transitions([("a", "go", "b"), ("a", "go", "b")]).allowed("a") == ["go"]
