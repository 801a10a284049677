"""The allowed transitions of outreach content, as one table.

::

    draft ──submit──▶ review ──approve──▶ approved ──release──▶ released
      ▲                  │                   │                     │
      └────return────────┘                   └──withdraw──▶ withdrawn ◀──withdraw──┘

Only ``approved`` and ``released`` content may be aired, sent or published
(``RELEASABLE_STATES``); the text is frozen from approval on: a change needs a new draft.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.kernel.state import Transitions

DRAFT = "draft"
REVIEW = "review"
APPROVED = "approved"
RELEASED = "released"
WITHDRAWN = "withdrawn"

SUBMIT = "submit"
RETURN = "return"
APPROVE = "approve"
RELEASE = "release"
WITHDRAW = "withdraw"


class ContentStatus(models.TextChoices):
    DRAFT = DRAFT, _("Draft")
    REVIEW = REVIEW, _("In review")
    APPROVED = APPROVED, _("Approved")
    RELEASED = RELEASED, _("Released")
    WITHDRAWN = WITHDRAWN, _("Withdrawn")


CONTENT_FLOW = Transitions(
    [
        (DRAFT, SUBMIT, REVIEW),
        (REVIEW, RETURN, DRAFT),
        (REVIEW, APPROVE, APPROVED),
        (APPROVED, RELEASE, RELEASED),
        (APPROVED, WITHDRAW, WITHDRAWN),
        (RELEASED, WITHDRAW, WITHDRAWN),
    ]
)

EDITABLE_STATES = frozenset({DRAFT})
RELEASABLE_STATES = frozenset({APPROVED, RELEASED})
