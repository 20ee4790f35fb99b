"""Reporting periods: calendar months, financial-year quarters and financial years (April to March).

Pure functions: no database, no Flask. A council reports by financial year, so "Q1 2026–27" is April to
June 2026 and "Q4 2026–27" is January to March 2027. Partnership meetings, coverage, dashboards and
the quarterly report all use these periods, so they agree with each other.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["Period", "PeriodKind", "financial_year", "month", "quarter", "recent_quarters"]

# The years a period may be in: wide enough for any record the portal keeps, narrow enough that a period's
# neighbours are real dates.
FIRST_YEAR, LAST_YEAR = 2000, 2100
_KEY = re.compile(r"(?P<year>[0-9]{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>[0-9]{2}))?", re.ASCII)

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class PeriodKind(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    FINANCIAL_YEAR = "year"

    @property
    def label(self) -> str:
        return {"month": "Month", "quarter": "Quarter", "year": "Financial year"}[self.value]


@dataclass(frozen=True, order=True)
class Period:
    """The London dates `start` to `end` inclusive."""

    start: date
    end: date
    kind: PeriodKind

    @property
    def key(self) -> str:
        """A stable text form for URLs and CSV: 2026-11, 2026-Q3 (financial quarter), 2026 (FY 2026–27)."""
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        fy = self.start.year if self.start.month >= 4 else self.start.year - 1
        if self.kind is PeriodKind.QUARTER:
            return f"{fy}-Q{(self.start.month - 4) % 12 // 3 + 1}"
        return str(fy)

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{_MONTHS[self.start.month - 1]} {self.start.year}"
        fy = self.start.year if self.start.month >= 4 else self.start.year - 1
        year_label = f"{fy}–{str(fy + 1)[-2:]}"
        if self.kind is PeriodKind.QUARTER:
            return f"Q{(self.start.month - 4) % 12 // 3 + 1} {year_label}"
        return year_label

    @property
    def long_label(self) -> str:
        """ "October to December 2026", for headings a reader should not have to decode."""
        if self.kind is PeriodKind.MONTH:
            return self.label
        first, last = _MONTHS[self.start.month - 1], _MONTHS[self.end.month - 1]
        if self.start.year == self.end.year:
            return f"{first} to {last} {self.end.year}"
        return f"{first} {self.start.year} to {last} {self.end.year}"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> Period:
        return of(self.kind, self.start - timedelta(days=1))

    def next(self) -> Period:
        return of(self.kind, self.end + timedelta(days=1))

    def year_before(self) -> Period:
        """The same period a year earlier: Q3 2025–26 for Q3 2026–27 (29 February falls back to the 28th)."""
        start = self.start
        if (start.month, start.day) == (2, 29):
            return of(self.kind, date(start.year - 1, 2, 28))
        return of(self.kind, start.replace(year=start.year - 1))

    @classmethod
    def parse(cls, key: str) -> Period:
        """The inverse of `key`, for years FIRST_YEAR to LAST_YEAR; ValueError for anything else (a year
        like 0000 or 9999 would have no previous or next period, and int() takes "١٢" and "2_026")."""
        match = _KEY.fullmatch(key or "")
        if match is None or not FIRST_YEAR <= int(match["year"]) <= LAST_YEAR:
            raise ValueError(f"not a period: {key!r}")
        year = int(match["year"])
        if match["quarter"]:
            month0 = (3 + (int(match["quarter"]) - 1) * 3) % 12 + 1
            return quarter(date(year if month0 >= 4 else year + 1, month0, 1))
        if match["month"]:
            number = int(match["month"])
            if not 1 <= number <= 12:
                raise ValueError(f"not a period: {key!r}")
            return month(date(year, number, 1))
        return financial_year(date(year, 4, 1))


def _month_end(year: int, mon: int) -> date:
    first_of_next = date(year + mon // 12, mon % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def month(day: date) -> Period:
    return Period(date(day.year, day.month, 1), _month_end(day.year, day.month), PeriodKind.MONTH)


def quarter(day: date) -> Period:
    """The financial-year quarter holding `day`: April–June, July–September, October–December, January–March."""
    first_month = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    return Period(start, _month_end(day.year, first_month + 2), PeriodKind.QUARTER)


def financial_year(day: date) -> Period:
    fy = day.year if day.month >= 4 else day.year - 1
    return Period(date(fy, 4, 1), date(fy + 1, 3, 31), PeriodKind.FINANCIAL_YEAR)


def of(kind: PeriodKind, day: date) -> Period:
    return {PeriodKind.MONTH: month, PeriodKind.QUARTER: quarter, PeriodKind.FINANCIAL_YEAR: financial_year}[kind](day)


def recent_quarters(today: date, count: int = 4) -> list[Period]:
    """The `count` quarters ending with the one holding `today`, oldest first."""
    periods = [quarter(today)]
    while len(periods) < count:
        periods.insert(0, periods[0].previous())
    return periods
