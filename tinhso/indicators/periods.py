"""Periods as DHIS2-style identifiers (kỳ báo cáo): ``202611`` (a month), ``2026Q4`` (a
quarter), ``2026`` (a year).

Pure functions, no database: ``parse`` validates an identifier and answers a ``Period`` with
its first and last day, its place in the year (``index``) and how many such periods a year
has (``per_year``), which is what target pro-rating needs (``index / per_year``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from tinhso.indicators import errors

MONTH, QUARTER, YEAR = "month", "quarter", "year"
PERIOD_TYPES = (MONTH, QUARTER, YEAR)
PER_YEAR = {MONTH: 12, QUARTER: 4, YEAR: 1}

_MONTH_RE = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")
_QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")
_YEAR_RE = re.compile(r"^(\d{4})$")


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date  # the last day, inclusive
    type: str
    id: str
    year: int
    index: int  # 1-based place in the year

    @property
    def per_year(self) -> int:
        return PER_YEAR[self.type]

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end

    def sub_periods(self) -> list[Period]:
        """Every period of every type that lies inside this one, this one included."""
        found = [self]
        if self.type == YEAR:
            found += [quarter(self.year, q) for q in range(1, 5)]
        if self.type in (YEAR, QUARTER):
            found += [
                month(self.year, m) for m in range(1, 13) if self.contains(month(self.year, m))
            ]
        return found

    def previous(self) -> Period:
        if self.type == MONTH:
            return month(self.year - 1, 12) if self.index == 1 else month(self.year, self.index - 1)
        if self.type == QUARTER:
            return (
                quarter(self.year - 1, 4) if self.index == 1 else quarter(self.year, self.index - 1)
            )
        return year(self.year - 1)

    def of_type(self, period_type: str) -> Period:
        """The period of ``period_type`` that holds this one's first day."""
        return containing(self.start, period_type)

    def __str__(self) -> str:
        return self.id


def _check_year(value: int) -> int:
    if not 1900 <= value <= 2200:
        raise errors.PeriodInvalid()
    return value


def month(y: int, m: int) -> Period:
    last = calendar.monthrange(y, m)[1]
    return Period(dt.date(y, m, 1), dt.date(y, m, last), MONTH, f"{y}{m:02d}", y, m)


def quarter(y: int, q: int) -> Period:
    first = 3 * (q - 1) + 1
    last = calendar.monthrange(y, first + 2)[1]
    return Period(dt.date(y, first, 1), dt.date(y, first + 2, last), QUARTER, f"{y}Q{q}", y, q)


def year(y: int) -> Period:
    return Period(dt.date(y, 1, 1), dt.date(y, 12, 31), YEAR, str(y), y, 1)


def parse(text: str) -> Period:
    """The period ``text`` names; ``PeriodInvalid`` (422) for anything else."""
    value = (text or "").strip() if isinstance(text, str) else ""
    if match := _MONTH_RE.match(value):
        return month(_check_year(int(match[1])), int(match[2]))
    if match := _QUARTER_RE.match(value):
        return quarter(_check_year(int(match[1])), int(match[2]))
    if match := _YEAR_RE.match(value):
        return year(_check_year(int(match[1])))
    raise errors.PeriodInvalid()


def containing(day: dt.date, period_type: str) -> Period:
    if period_type == MONTH:
        return month(day.year, day.month)
    if period_type == QUARTER:
        return quarter(day.year, (day.month - 1) // 3 + 1)
    if period_type == YEAR:
        return year(day.year)
    raise errors.PeriodTypeInvalid()


def last_months(end: Period, count: int) -> list[Period]:
    """``count`` months ending with the month that holds ``end``'s last day, oldest first."""
    current = containing(end.end, MONTH)
    found = [current]
    while len(found) < count:
        current = current.previous()
        found.append(current)
    return found[::-1]
