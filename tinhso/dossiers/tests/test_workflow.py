"""The transitions table, exhaustively: every allowed move through the services, a sample of
forbidden ones (409 with the allowed actions), and the table's own shape."""

import pytest

from tinhso.dossiers.models import Dossier, DossierEvent, Status
from tinhso.dossiers.tests.states import dossier_in, perform
from tinhso.dossiers.workflow import DOSSIER_FLOW, FINAL, TABLE, Action
from tinhso.kernel.errors import Conflict

ACTIONS = sorted(value for name, value in vars(Action).items() if not name.startswith("_"))


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "action", "target"), TABLE, ids=lambda v: str(v))
def test_every_allowed_move(setup, source, action, target):
    dossier = dossier_in(source, setup)
    assert dossier.status == source
    perform(action, dossier, setup)
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.status == target
    event = DossierEvent.objects.filter(dossier=dossier).order_by("-at", "-pk").first()
    assert (event.action, event.from_status, event.to_status) == (action, source, target)


def _forbidden_sample():
    sample = []
    for state in Status.values:
        forbidden = [a for a in ACTIONS if not DOSSIER_FLOW.can(state, a)]
        # Three per state, spread over the list, so every action appears somewhere.
        step = max(len(forbidden) // 3, 1)
        sample += [(state, action) for action in forbidden[::step][:3]]
    return sample


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "action"), _forbidden_sample(), ids=lambda v: str(v))
def test_forbidden_moves_are_409_with_the_allowed_actions(setup, state, action):
    dossier = dossier_in(state, setup)
    events = DossierEvent.objects.filter(dossier=dossier).count()
    with pytest.raises(Conflict) as caught:
        perform(action, dossier, setup)
    assert caught.value.code == "transition_not_allowed"
    assert caught.value.details["allowed"] == DOSSIER_FLOW.allowed(state)
    dossier.refresh_from_db()
    assert dossier.status == state
    assert DossierEvent.objects.filter(dossier=dossier).count() == events


def test_every_pair_outside_the_table_is_refused():
    for state in Status.values:
        for action in ACTIONS:
            if DOSSIER_FLOW.can(state, action):
                assert DOSSIER_FLOW.target(state, action) in Status.values
            else:
                with pytest.raises(Conflict):
                    DOSSIER_FLOW.target(state, action)


def test_table_shape():
    assert DOSSIER_FLOW.states == set(Status.values)
    assert DOSSIER_FLOW.actions == set(ACTIONS)
    for state in FINAL:
        assert DOSSIER_FLOW.allowed(state) == []
    # Every state but the final ones can be left, and every state can be reached from a draft.
    reachable, frontier = {Status.DRAFT.value}, [Status.DRAFT.value]
    while frontier:
        state = frontier.pop()
        for action in DOSSIER_FLOW.allowed(state):
            target = DOSSIER_FLOW.target(state, action)
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(Status.values) - {Status.DRAFT.value} | {Status.DRAFT.value}
