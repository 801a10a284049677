"""The allowed moves of a dossier (quy trình giải quyết hồ sơ), as one table.

Read a row as: from <state>, <action> leads to <state>. Every service asks ``DOSSIER_FLOW``
for the next state; a move not in the table is ``Conflict("transition_not_allowed")`` (409)
with the actions allowed from the current state.

The journey: a draft is submitted online (``submitted``: waiting for receipt), or an officer
enters an in-person dossier (straight to ``received``). The desk receives it (code, form 01),
refuses it (form 03) or asks for a supplement before receipt (form 02, no clock yet). Once
received it is forwarded to a processing agency (``processing``); it may be transferred between
officers and agencies (form 06), paused for a supplement (form 02, the clock stops), put in
``awaiting_payment`` of its fee, stopped (form 05), and late dossiers get an apology with a
new date (form 04). The leader approves the signed result (``result_ready``), which the desk
returns (``returned``). An applicant may withdraw before the result.
"""

from tinhso.dossiers.models import Status as S
from tinhso.kernel.state import Transitions


class Action:
    SUBMIT = "submit"
    RECEIVE = "receive"
    REFUSE = "refuse"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLEMENT = "supplement"
    FORWARD = "forward"
    TRANSFER = "transfer"
    APOLOGISE = "apologise"
    REQUEST_PAYMENT = "request_payment"
    PAY = "pay"
    STOP = "stop"
    APPROVE = "approve"
    RETURN_RESULT = "return_result"
    WITHDRAW = "withdraw"


A = Action

TABLE: list[tuple[str, str, str]] = [
    # Filing.
    (S.DRAFT, A.SUBMIT, S.SUBMITTED),
    (S.DRAFT, A.WITHDRAW, S.WITHDRAWN),
    # At the desk, before receipt (no clock yet).
    (S.SUBMITTED, A.RECEIVE, S.RECEIVED),
    (S.SUBMITTED, A.REFUSE, S.REFUSED),
    (S.SUBMITTED, A.REQUEST_SUPPLEMENT, S.SUPPLEMENT_REQUESTED),
    (S.SUBMITTED, A.WITHDRAW, S.WITHDRAWN),
    (S.SUPPLEMENT_REQUESTED, A.SUPPLEMENT, S.SUBMITTED),
    (S.SUPPLEMENT_REQUESTED, A.REFUSE, S.REFUSED),
    (S.SUPPLEMENT_REQUESTED, A.WITHDRAW, S.WITHDRAWN),
    # Received: the clock runs.
    (S.RECEIVED, A.FORWARD, S.PROCESSING),
    (S.RECEIVED, A.REQUEST_SUPPLEMENT, S.PAUSED),
    (S.RECEIVED, A.REQUEST_PAYMENT, S.AWAITING_PAYMENT),
    (S.RECEIVED, A.APPROVE, S.RESULT_READY),  # same-day procedures settled at the desk
    (S.RECEIVED, A.APOLOGISE, S.RECEIVED),
    (S.RECEIVED, A.STOP, S.STOPPED),
    (S.RECEIVED, A.WITHDRAW, S.WITHDRAWN),
    # Processing across agencies.
    (S.PROCESSING, A.TRANSFER, S.PROCESSING),
    (S.PROCESSING, A.REQUEST_SUPPLEMENT, S.PAUSED),
    (S.PROCESSING, A.REQUEST_PAYMENT, S.AWAITING_PAYMENT),
    (S.PROCESSING, A.APOLOGISE, S.PROCESSING),
    (S.PROCESSING, A.APPROVE, S.RESULT_READY),
    (S.PROCESSING, A.STOP, S.STOPPED),
    (S.PROCESSING, A.WITHDRAW, S.WITHDRAWN),
    (S.PAUSED, A.SUPPLEMENT, S.PROCESSING),
    (S.PAUSED, A.STOP, S.STOPPED),
    (S.PAUSED, A.WITHDRAW, S.WITHDRAWN),
    # The fee (financial obligation).
    (S.AWAITING_PAYMENT, A.PAY, S.FEE_PAID),
    (S.AWAITING_PAYMENT, A.APOLOGISE, S.AWAITING_PAYMENT),
    (S.AWAITING_PAYMENT, A.STOP, S.STOPPED),
    (S.FEE_PAID, A.TRANSFER, S.PROCESSING),
    (S.FEE_PAID, A.APPROVE, S.RESULT_READY),
    (S.FEE_PAID, A.APOLOGISE, S.FEE_PAID),
    # The result.
    (S.RESULT_READY, A.RETURN_RESULT, S.RETURNED),
]

DOSSIER_FLOW = Transitions(TABLE)

# States in which the legal clock runs (the dossier counts as "in processing").
CLOCK_RUNNING = frozenset({S.RECEIVED, S.PROCESSING, S.AWAITING_PAYMENT, S.FEE_PAID})
# States in which a dossier is with an officer (work queues); paused ones wait for the applicant.
IN_HAND = frozenset({S.SUBMITTED, *CLOCK_RUNNING, S.RESULT_READY})
# States no action leaves.
FINAL = frozenset({S.REFUSED, S.STOPPED, S.RETURNED, S.WITHDRAWN})
# States counted as "resolved" (đã giải quyết) by the indicators: the result is ready.
RESOLVED = frozenset({S.RESULT_READY, S.RETURNED})
# Before receipt: no code, no clock.
BEFORE_RECEIPT = frozenset({S.DRAFT, S.SUBMITTED, S.SUPPLEMENT_REQUESTED})


def allowed_actions(status: str) -> list[str]:
    """The actions allowed from ``status`` (the buttons a page may show)."""
    return DOSSIER_FLOW.allowed(status)
