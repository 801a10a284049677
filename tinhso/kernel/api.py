"""HTTP API of the kernel room (django-ninja router, mounted under /api/v1/kernel).

Public reads of the working calendar: a deadline calculator and the administrators' overrides.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from tinhso.kernel.calendar import add_working_days, calendar_from_db
from tinhso.kernel.errors import InvalidInput
from tinhso.kernel.models import CalendarDay

router = Router(tags=["kernel"])

# The national calendar (holidays.VN) knows these years; outside them only weekends would count.
MIN_YEAR, MAX_YEAR = 2000, 2099
MAX_DAYS = 3650


class WorkingDaysOut(Schema):
    start: dt.datetime
    days: int
    cutoff: dt.time | None
    effective_start: dt.date
    deadline: dt.datetime


class CalendarOverrideOut(Schema):
    date: dt.date
    kind: str
    name: str
    legal_basis: str


def _out_of_range(field: str) -> InvalidInput:
    return InvalidInput(
        "validation_error",
        _("The data sent is not valid."),
        details=[
            {
                "field": field,
                "code": "out_of_range",
                "message": _("Use a year from %(min)d to %(max)d.")
                % {"min": MIN_YEAR, "max": MAX_YEAR},
            }
        ],
    )


@router.get(
    "/calendar/working-days",
    response=WorkingDaysOut,
    auth=None,
    summary="Deadline after a number of working days",
)
def working_days(
    request,
    start: dt.datetime,
    days: int = Query(..., ge=0, le=MAX_DAYS),
    cutoff: dt.time | None = None,
):
    """The deadline (end of office hours) ``days`` working days after ``start``; a start on a
    non-working day or after ``cutoff`` (e.g. ``15:00``) counts from the next working day. A
    ``start`` without an offset is local time (Asia/Ho_Chi_Minh)."""
    if not MIN_YEAR <= start.year <= MAX_YEAR:
        raise _out_of_range("start")
    if cutoff is not None and cutoff.tzinfo is not None:
        # Office hours are local time; "15:00+07:00" also could not be written back as JSON.
        raise InvalidInput(
            "validation_error",
            _("The data sent is not valid."),
            details=[
                {
                    "field": "cutoff",
                    "code": "time_zone",
                    "message": _("Give the cut-off as a local time without a time zone."),
                }
            ],
        )
    calendar = calendar_from_db()
    deadline = add_working_days(start, days, calendar=calendar, cutoff=cutoff)
    if deadline.year > MAX_YEAR:
        raise _out_of_range("days")
    return {
        "start": calendar.local(start),
        "days": days,
        "cutoff": cutoff,
        "effective_start": calendar.effective_start(start, cutoff=cutoff),
        "deadline": deadline,
    }


@router.get(
    "/calendar/overrides",
    response=list[CalendarOverrideOut],
    auth=None,
    summary="Extra days off and working days entered by administrators",
)
def calendar_overrides(request, year: int | None = Query(None, ge=MIN_YEAR, le=MAX_YEAR)):
    """The overrides of one year (this year when ``year`` is left out)."""
    year = year or timezone.localdate().year
    return list(CalendarDay.objects.filter(date__year=year).order_by("date"))
