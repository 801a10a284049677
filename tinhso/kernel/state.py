"""Allowed transitions as a table, not as ``if`` chains.

A module declares its table once::

    DOSSIER_FLOW = Transitions([
        ("submitted", "receive", "received"),
        ("received", "request_supplement", "supplement_requested"),
        ...
    ])

and every service asks it for the next state: ``DOSSIER_FLOW.target(dossier.status,
"receive")`` returns the new state or raises ``Conflict("transition_not_allowed")`` listing the
actions that are allowed from the current state.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from tinhso.kernel.errors import Conflict


def _plain(value: Any) -> str:
    # TextChoices members and plain strings both become the stored string.
    return str(getattr(value, "value", value))


class Transitions:
    def __init__(self, table: Iterable[tuple[Any, Any, Any]]) -> None:
        self._table: dict[str, dict[str, str]] = {}
        for source, action, target in table:
            source, action, target = _plain(source), _plain(action), _plain(target)
            actions = self._table.setdefault(source, {})
            if actions.get(action, target) != target:
                raise ValueError(
                    f"Action {action!r} from {source!r} leads to both "
                    f"{actions[action]!r} and {target!r}."
                )
            actions[action] = target

    def allowed(self, state: Any) -> list[str]:
        """The actions allowed from ``state``, in the order the table lists them."""
        return list(self._table.get(_plain(state), {}))

    def can(self, state: Any, action: Any) -> bool:
        return _plain(action) in self._table.get(_plain(state), {})

    def target(self, state: Any, action: Any) -> str:
        """The state ``action`` leads to from ``state``, or ``Conflict``."""
        state, action = _plain(state), _plain(action)
        try:
            return self._table[state][action]
        except KeyError:
            raise Conflict(
                "transition_not_allowed",
                _("This action is not allowed in the current state."),
                details={"state": state, "action": action, "allowed": self.allowed(state)},
            ) from None

    @property
    def states(self) -> frozenset[str]:
        return frozenset(self._table) | {
            target for actions in self._table.values() for target in actions.values()
        }

    @property
    def actions(self) -> frozenset[str]:
        return frozenset(action for actions in self._table.values() for action in actions)
