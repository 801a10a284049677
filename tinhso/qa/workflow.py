"""The allowed transitions of a question and of its moderation, as tables.

Handling (``Question.status``), as the table below says::

    submitted  --route-->  assigned  --start_draft-->  drafting  --submit_for_review-->  in_review
    in_review  --return-->  drafting          (the reviewer sends the draft back)
    in_review  --approve-->  answered  --publish-->  published
    in_review  --publish-->  published        (approve and publish at once)
    assigned | forwarded | drafting  --forward-->  forwarded  (another agency holds it)
    forwarded  --start_draft-->  drafting
    submitted | assigned | forwarded | drafting  --reject-->  rejected
    submitted | assigned | forwarded  --withdraw-->  closed  (by the asker)
    answered  --close-->  closed

A question asked to a named agency starts in ``assigned``; one asked to "don't know which"
starts in ``submitted`` and waits for the desk (``route``). ``approve`` gives the asker an
answer without publishing it (``answered_at``); ``publish`` makes it public (``published_at``).

Moderation (``Question.moderation``) is a separate axis, so restoring an item returns it to
the handling state it had: visible ──hide──▶ hidden ──restore──▶ visible; remove from either
▶ removed (kept, never shown).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.kernel.state import Transitions


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting to be routed")
    ASSIGNED = "assigned", _("Assigned to an agency")
    FORWARDED = "forwarded", _("Forwarded to another agency")
    DRAFTING = "drafting", _("Answer being drafted")
    IN_REVIEW = "in_review", _("Answer in review")
    ANSWERED = "answered", _("Answered")
    PUBLISHED = "published", _("Answer published")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed (question)")


class Action(models.TextChoices):
    SUBMIT = "submit", _("Ask")
    ROUTE = "route", _("Route")
    FORWARD = "forward", _("Forward")
    START_DRAFT = "start_draft", _("Start an answer")
    SAVE_DRAFT = "save_draft", _("Save the draft")
    SUBMIT_FOR_REVIEW = "submit_for_review", _("Send for review")
    RETURN = "return", _("Return to the drafter")
    APPROVE = "approve", _("Approve without publishing")
    PUBLISH = "publish", _("Publish")
    REJECT = "reject", _("Reject")
    WITHDRAW = "withdraw", _("Withdraw")
    CLOSE = "close", _("Close without publishing")


class Moderation(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    HIDDEN = "hidden", _("Hidden pending moderation")
    REMOVED = "removed", _("Removed by a moderator")


class ModerationAction(models.TextChoices):
    HIDE = "hide", _("Hide")
    RESTORE = "restore", _("Restore")
    REMOVE = "remove", _("Remove")


S, A = Status, Action
# The states in which an agency holds the question and may forward it.
_HELD = (S.ASSIGNED, S.FORWARDED, S.DRAFTING)

QUESTION_FLOW = Transitions(
    [
        (S.SUBMITTED, A.ROUTE, S.ASSIGNED),
        *[(state, A.FORWARD, S.FORWARDED) for state in _HELD],
        (S.ASSIGNED, A.START_DRAFT, S.DRAFTING),
        (S.FORWARDED, A.START_DRAFT, S.DRAFTING),
        (S.DRAFTING, A.SAVE_DRAFT, S.DRAFTING),
        (S.DRAFTING, A.SUBMIT_FOR_REVIEW, S.IN_REVIEW),
        (S.IN_REVIEW, A.RETURN, S.DRAFTING),
        (S.IN_REVIEW, A.APPROVE, S.ANSWERED),
        (S.IN_REVIEW, A.PUBLISH, S.PUBLISHED),
        (S.ANSWERED, A.PUBLISH, S.PUBLISHED),
        (S.ANSWERED, A.CLOSE, S.CLOSED),
        *[(state, A.REJECT, S.REJECTED) for state in (S.SUBMITTED, *_HELD)],
        *[(state, A.WITHDRAW, S.CLOSED) for state in (S.SUBMITTED, S.ASSIGNED, S.FORWARDED)],
    ]
)

MODERATION_FLOW = Transitions(
    [
        (Moderation.VISIBLE, ModerationAction.HIDE, Moderation.HIDDEN),
        (Moderation.HIDDEN, ModerationAction.RESTORE, Moderation.VISIBLE),
        (Moderation.HIDDEN, ModerationAction.REMOVE, Moderation.REMOVED),
        (Moderation.VISIBLE, ModerationAction.REMOVE, Moderation.REMOVED),
    ]
)

# Waiting for an agency: the clock runs and reminders go out.
OPEN_STATES = frozenset({S.SUBMITTED, S.ASSIGNED, S.FORWARDED, S.DRAFTING, S.IN_REVIEW})
# The asker has an answer (public or not).
ANSWERED_STATES = frozenset({S.ANSWERED, S.PUBLISHED})
