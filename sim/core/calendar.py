"""Time: day 0 is the start date; months, financial years and working days.

Only this module turns simulated days (floats since the start date) into dates. Councils report
by financial year, 1 April to 31 March.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass

DAYS_PER_YEAR = 365.25
#: A month as a twelfth of a year (months of waiting, policies' ramp-up).
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
#: "Within 12 months" of an earlier event as a year of days: re-entries to care within 12 months
#: of going home, and the 12-month follow-up of children kept at home.
WITHIN_12_MONTHS_DAYS = DAYS_PER_YEAR
#: "Within 12 months" as 365 whole days: re-referrals within 12 months of the previous referral,
#: and the last referral of a case open at the start (sometime in the 12 months before). Kept
#: apart from ``WITHIN_12_MONTHS_DAYS`` (a quarter of a day longer) because the two have always
#: differed here, and one value for both would change the model's outputs.
WITHIN_12_MONTHS_WHOLE_DAYS = 365
#: Working days to calendar days: five working days a week (bank holidays ignored).
CALENDAR_DAYS_PER_WORKING_DAY = 7 / 5


def working_to_calendar_days(working_days: float) -> float:
    """Calendar days spanned by a number of working days."""
    return working_days * CALENDAR_DAYS_PER_WORKING_DAY


def financial_year_label(date: dt.date) -> str:
    """'2025-26' for any date from 1 April 2025 to 31 March 2026."""
    start = date.year if date.month >= 4 else date.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


@dataclass(frozen=True, slots=True)
class Calendar:
    """Month boundaries of a run, from its start date for a number of months.

    ``month_starts[m]`` is the day (since the start date) that month ``m`` begins; the run's
    months are the calendar months from the start date's month.
    """

    start: dt.date
    months: int
    month_starts: tuple[float, ...]

    @classmethod
    def from_start(cls, start: dt.date, months: int) -> Calendar:
        """Calendar of ``months`` calendar months from the month containing ``start``."""
        first = dt.date(start.year, start.month, 1)
        starts = []
        y, m = first.year, first.month
        for _ in range(months + 1):
            starts.append(float((dt.date(y, m, 1) - start).days))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        starts[0] = 0.0
        return cls(start=start, months=months, month_starts=tuple(starts))

    @property
    def end_day(self) -> float:
        """Day the run ends (start of the month after the last)."""
        return self.month_starts[-1]

    def month_of(self, day: float) -> int:
        """Index of the run month containing ``day`` (clipped to the run)."""
        return min(max(bisect_right(self.month_starts, day) - 1, 0), self.months - 1)

    def month_date(self, m: int) -> dt.date:
        """First day of run month ``m``."""
        y = self.start.year + (self.start.month - 1 + m) // 12
        return dt.date(y, (self.start.month - 1 + m) % 12 + 1, 1)

    def calendar_month(self, m: int) -> int:
        """Calendar month number (1-12) of run month ``m``."""
        return self.month_date(m).month

    def financial_year(self, m: int) -> str:
        """Financial year label of run month ``m``."""
        return financial_year_label(self.month_date(m))

    def date_of(self, day: float) -> dt.date:
        """Calendar date of a simulated day."""
        return self.start + dt.timedelta(days=int(day))
