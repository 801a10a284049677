"""The allowed transitions of a field report, as one table.

::

    reported ──accept──▶ accepted ──start──▶ in_progress ──resolve──▶ handled ──close──▶ closed
        │                   │  ▲                 │  ▲                    │                │
        │                   │  └─────resume──────┤  │                 reopen ◀────────────┘
        │                 hold / ask_reporter ───┘  │                    ▼
        │                   ▼                       │                 reopened ─▶ (as accepted)
        └─reject_*──▶ rejected_not_competent | rejected_duplicate | rejected_spam ─reopen─▶

``on_hold`` and ``waiting_for_reporter`` stop the clock (a ``ReportPause`` row). A rejected or
closed report can be reopened for review; nothing is deleted.
"""

from tinhso.kernel.state import Transitions

REPORTED = "reported"
ACCEPTED = "accepted"
IN_PROGRESS = "in_progress"
ON_HOLD = "on_hold"
WAITING = "waiting_for_reporter"
HANDLED = "handled"
REJECTED_NOT_COMPETENT = "rejected_not_competent"
REJECTED_DUPLICATE = "rejected_duplicate"
REJECTED_SPAM = "rejected_spam"
REOPENED = "reopened"
CLOSED = "closed"

# Actions.
ACCEPT = "accept"
START = "start"
HOLD = "hold"
ASK_REPORTER = "ask_reporter"
RESUME = "resume"
REPORTER_REPLIED = "reporter_replied"
RESOLVE = "resolve"
REJECT_NOT_COMPETENT = "reject_not_competent"
REJECT_DUPLICATE = "reject_duplicate"
REJECT_SPAM = "reject_spam"
REOPEN = "reopen"
CLOSE = "close"

_REJECTIONS = [
    (REJECT_NOT_COMPETENT, REJECTED_NOT_COMPETENT),
    (REJECT_DUPLICATE, REJECTED_DUPLICATE),
    (REJECT_SPAM, REJECTED_SPAM),
]


def _working(source: str) -> list[tuple[str, str, str]]:
    rows = [
        (source, HOLD, ON_HOLD),
        (source, ASK_REPORTER, WAITING),
        (source, RESOLVE, HANDLED),
    ]
    return rows + [(source, action, target) for action, target in _REJECTIONS]


REPORT_FLOW = Transitions(
    [
        (REPORTED, ACCEPT, ACCEPTED),
        *[(REPORTED, action, target) for action, target in _REJECTIONS],
        (ACCEPTED, START, IN_PROGRESS),
        *_working(ACCEPTED),
        *_working(IN_PROGRESS),
        (REOPENED, START, IN_PROGRESS),
        *_working(REOPENED),
        (ON_HOLD, RESUME, IN_PROGRESS),
        (ON_HOLD, RESOLVE, HANDLED),
        (WAITING, REPORTER_REPLIED, IN_PROGRESS),
        (WAITING, RESUME, IN_PROGRESS),
        (WAITING, RESOLVE, HANDLED),
        (WAITING, REJECT_SPAM, REJECTED_SPAM),
        (HANDLED, CLOSE, CLOSED),
        (HANDLED, REOPEN, REOPENED),
        (CLOSED, REOPEN, REOPENED),
        (REJECTED_NOT_COMPETENT, REOPEN, REOPENED),
        (REJECTED_DUPLICATE, REOPEN, REOPENED),
        (REJECTED_SPAM, REOPEN, REOPENED),
    ]
)

PAUSED_STATES = frozenset({ON_HOLD, WAITING})
REJECTED_STATES = frozenset({REJECTED_NOT_COMPETENT, REJECTED_DUPLICATE, REJECTED_SPAM})
DONE_STATES = frozenset({HANDLED, CLOSED}) | REJECTED_STATES
OPEN_STATES = frozenset({REPORTED, ACCEPTED, IN_PROGRESS, ON_HOLD, WAITING, REOPENED})
# Handled (answered) is what counts as "đã xử lý" for the indicators and the public list.
ANSWERED_STATES = frozenset({HANDLED, CLOSED})


def open311_status(status: str) -> str:
    """The Open311 status of a report: ``open`` while someone still has to act."""
    return "open" if status in OPEN_STATES else "closed"
