"""Evaluation periods (kỳ đánh giá) and the period strings of the command line and the API.

Accepted strings (`parse_period`; surrounding spaces and the case of W/Q/BC are ignored):

    2026-08-14              a day
    2026-W33                an ISO week (Monday to Sunday)
    2026-08                 a calendar month
    2026-Q3                 a calendar quarter
    2026                    a calendar year
    last-7-days             the N days ending today, today included (last-N-days, 1 ≤ N ≤ 3660)
    2026-08-01..2026-08-20  a custom range, both ends included
    bc:2026-08              Decree 09/2019 reporting month (kỳ báo cáo): 15/07/2026–14/08/2026
    bc:2026-Q3              Decree 09 reporting quarter: 15/06/2026–14/09/2026
    bc:2026                 Decree 09 reporting year: 15/12/2025–14/12/2026

"bc" stands for "báo cáo". Dates are local days in Asia/Ho_Chi_Minh; "today" defaults to the local
date there. The year a period names and every date it gives lie in 2000–2100 (`metrics.periods`): a
period outside is refused like a malformed one, before any date arithmetic could overflow.

Pages and the API also refuse a period longer than three years (`bounded`, MAX_DAYS).

A refused period is a PeriodError, the shared InvalidParameter naming the parameter the caller sent
(`period` unless told otherwise: `parse_period("…", param="week")`), so the API answers 400 with it
and pages show it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from thuocdo.errors import InvalidParameter
from thuocdo.metrics.periods import FIRST_YEAR, LAST_YEAR, dmy, out_of_window

LOCAL_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_ROLLING_DAYS = 3660  # ten years of days; longer windows are surely typos
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_FORMS = (
    "2026-08-14 (ngày), 2026-W33 (tuần ISO), 2026-08 (tháng), 2026-Q3 (quý), 2026 (năm), "
    "last-7-days (N ngày gần nhất), 2026-08-01..2026-08-20 (khoảng ngày), "
    "bc:2026-08, bc:2026-Q3, bc:2026 (kỳ báo cáo theo Nghị định 09/2019)"
)


SHOWN_CHARS = 40  # a value echoed in a message is cut here: a 5,000-character query stays out of the page
MAX_DAYS = 3 * 366  # the longest period a page or the API reads: ten-year windows would read every row there is


class PeriodError(InvalidParameter):
    """A period string that is not an accepted form, names a day that does not exist or lies outside 2000–2100."""

    def __init__(self, message: str, param: str = "period"):
        super().__init__(param, message)


class PeriodKind(StrEnum):
    """What kind of period a Period is."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    ROLLING = "rolling"
    CUSTOM = "custom"
    REPORT_MONTH = "report_month"
    REPORT_QUARTER = "report_quarter"
    REPORT_YEAR = "report_year"


@dataclass(frozen=True)
class Period:
    """A span of local days, `start` to `end` inclusive, with its Vietnamese label."""

    kind: PeriodKind
    start: date
    end: date
    label: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(f"Kỳ không hợp lệ: ngày kết thúc {_dmy(self.end)} trước ngày bắt đầu {_dmy(self.start)}")

    @property
    def days(self) -> int:
        """Return the number of days, both ends included."""
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        """Return True if the day lies within the period."""
        return self.start <= day <= self.end

    @property
    def code(self) -> str:
        """Return a period string that parse_period turns back into the same days."""
        if self.kind is PeriodKind.DAY:
            return self.start.isoformat()
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind is PeriodKind.YEAR:
            return str(self.start.year)
        if self.kind is PeriodKind.REPORT_MONTH:
            return f"bc:{self.end:%Y-%m}"
        if self.kind is PeriodKind.REPORT_QUARTER:
            return f"bc:{self.end.year}-Q{self.end.month // 3}"
        if self.kind is PeriodKind.REPORT_YEAR:
            return f"bc:{self.end.year}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def previous(self) -> Period:
        """Return the period just before this one, of the same kind.

        Calendar and reporting periods step back one unit (so a month before March has 28 or 29
        days); a week, a rolling window or a custom range steps back by its own number of days
        (the window before a rolling one is labelled with its dates).
        """
        before = self.start - timedelta(days=1)
        if self.kind is PeriodKind.DAY:
            return Period.for_day(before)
        if self.kind is PeriodKind.MONTH:
            return Period.for_month(before.year, before.month)
        if self.kind is PeriodKind.QUARTER:
            return Period.for_quarter(before.year, (before.month - 1) // 3 + 1)
        if self.kind is PeriodKind.YEAR:
            return Period.for_year(before.year)
        if self.kind is PeriodKind.REPORT_MONTH:
            return Period.report_month(before.year, before.month)
        if self.kind is PeriodKind.REPORT_QUARTER:
            return Period.report_quarter(before.year, (before.month - 1) // 3 + 1)
        if self.kind is PeriodKind.REPORT_YEAR:
            return Period.report_year(before.year)
        start = self.start - timedelta(days=self.days)
        if self.kind is PeriodKind.WEEK:
            year, week, _ = start.isocalendar()
            return Period.for_week(year, week)
        return Period(self.kind, start, before, f"{_dmy(start)}–{_dmy(before)}")

    @classmethod
    def for_day(cls, day: date) -> Period:
        """Return the one-day period of `day`."""
        return cls(PeriodKind.DAY, day, day, _dmy(day))

    @classmethod
    def for_week(cls, year: int, week: int) -> Period:
        """Return ISO week `week` of ISO year `year` (Monday to Sunday)."""
        try:
            start = date.fromisocalendar(year, week, 1)
        except ValueError:
            raise PeriodError(f"Năm {year} không có tuần {week} (tuần theo ISO 8601)") from None
        return cls(PeriodKind.WEEK, start, start + timedelta(days=6), f"Tuần {week}/{year}")

    @classmethod
    def for_month(cls, year: int, month: int) -> Period:
        """Return calendar month `month` of `year`."""
        start = _first_day(year, month)
        return cls(PeriodKind.MONTH, start, _month_end(start), f"Tháng {month}/{year}")

    @classmethod
    def for_quarter(cls, year: int, quarter: int) -> Period:
        """Return calendar quarter `quarter` (1–4) of `year`."""
        start = _first_day(year, 3 * _check_quarter(quarter) - 2)
        end = _month_end(_first_day(year, 3 * quarter))
        return cls(PeriodKind.QUARTER, start, end, f"Quý {_ROMAN[quarter]}/{year}")

    @classmethod
    def for_year(cls, year: int) -> Period:
        """Return calendar year `year`."""
        return cls(PeriodKind.YEAR, _first_day(year, 1), date(year, 12, 31), f"Năm {year}")

    @classmethod
    def rolling(cls, days: int, today: date) -> Period:
        """Return the `days` days ending on `today`, today included."""
        if not 1 <= days <= MAX_ROLLING_DAYS:
            raise PeriodError(f"Số ngày phải từ 1 đến {MAX_ROLLING_DAYS}, không phải {days}")
        return cls(PeriodKind.ROLLING, today - timedelta(days=days - 1), today, f"{days} ngày gần nhất")

    @classmethod
    def custom(cls, start: date, end: date) -> Period:
        """Return the range `start`..`end`, both ends included."""
        return cls(PeriodKind.CUSTOM, start, end, f"{_dmy(start)}–{_dmy(end)}")

    @classmethod
    def report_month(cls, year: int, month: int) -> Period:
        """Return the Decree 09 reporting month: the 15th of the month before to the 14th of `month`."""
        end = _first_day(year, month).replace(day=14)
        start = (end.replace(day=1) - timedelta(days=1)).replace(day=15)
        return cls(PeriodKind.REPORT_MONTH, start, end, f"Kỳ báo cáo tháng {month}/{year}")

    @classmethod
    def report_quarter(cls, year: int, quarter: int) -> Period:
        """Return the Decree 09 reporting quarter: the 15th of the month before it to the 14th of its last month."""
        first = _first_day(year, 3 * _check_quarter(quarter) - 2)
        start = (first - timedelta(days=1)).replace(day=15)
        end = date(year, 3 * quarter, 14)
        return cls(PeriodKind.REPORT_QUARTER, start, end, f"Kỳ báo cáo quý {_ROMAN[quarter]}/{year}")

    @classmethod
    def report_year(cls, year: int) -> Period:
        """Return the Decree 09 reporting year: 15 December of the year before to 14 December."""
        _first_day(year, 1)
        return cls(PeriodKind.REPORT_YEAR, date(year - 1, 12, 15), date(year, 12, 14), f"Kỳ báo cáo năm {year}")


def today_local() -> date:
    """Return today's date in Asia/Ho_Chi_Minh."""
    return datetime.now(LOCAL_TIMEZONE).date()


_Y = r"(?P<year>[1-9]\d{3})"
_Q = r"-Q(?P<quarter>\d)"
# (pattern, builder); tried in order, each must match the whole string.
_PATTERNS = (
    (rf"{_Y}-\d{{2}}-\d{{2}}", lambda m, today: Period.for_day(_date(m[0]))),
    (rf"{_Y}-W(?P<week>\d{{2}})", lambda m, today: Period.for_week(int(m["year"]), int(m["week"]))),
    (rf"{_Y}-(?P<month>\d{{2}})", lambda m, today: Period.for_month(int(m["year"]), int(m["month"]))),
    (rf"{_Y}{_Q}", lambda m, today: Period.for_quarter(int(m["year"]), int(m["quarter"]))),
    (_Y, lambda m, today: Period.for_year(int(m["year"]))),
    (r"last-(?P<days>\d{1,5})-days", lambda m, today: Period.rolling(int(m["days"]), today or today_local())),
    (r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", lambda m, today: Period.custom(_date(m[1]), _date(m[2]))),
    (rf"bc:{_Y}-(?P<month>\d{{2}})", lambda m, today: Period.report_month(int(m["year"]), int(m["month"]))),
    (rf"bc:{_Y}{_Q}", lambda m, today: Period.report_quarter(int(m["year"]), int(m["quarter"]))),
    (rf"bc:{_Y}", lambda m, today: Period.report_year(int(m["year"]))),
)
_COMPILED = tuple((re.compile(pattern, re.IGNORECASE), build) for pattern, build in _PATTERNS)


def parse_period(text: str, today: date | None = None, *, param: str = "period") -> Period:
    """Turn a period string into a Period; PeriodError (naming `param`, listing the accepted forms) if it is not one."""
    cleaned = text.strip()
    for pattern, build in _COMPILED:
        match = pattern.fullmatch(cleaned)
        if match:
            try:
                _check_year(match.groupdict().get("year"))
                return build(match, today)
            except PeriodError as error:
                raise PeriodError(f"Kỳ không hợp lệ {shown(cleaned)}: {error.message}", param) from None
    raise PeriodError(f"Kỳ không hợp lệ: {shown(text)}. Các dạng được chấp nhận: {_FORMS}", param)


def parse_range(start: str, end: str, *, start_param: str = "from", end_param: str = "to") -> Period:
    """Turn two dates given apart (`?from=2026-08-01&to=2026-08-20`) into a custom Period, naming the wrong one."""
    first, last = _date(start.strip(), start_param), _date(end.strip(), end_param)
    if last < first:
        raise PeriodError(f"Phải không sớm hơn {start_param} ({dmy(first)}), không phải {dmy(last)}", end_param)
    return Period.custom(first, last)


def bounded(period: Period, param: str = "period") -> Period:
    """Return the period unless it is longer than MAX_DAYS (a PeriodError naming `param` then).

    parse_period accepts any period within 2000–2100; pages and the API read at most three years of it.
    """
    if period.days > MAX_DAYS:
        raise PeriodError(f"Kỳ dài quá 3 năm: {period.label}", param)
    return period


def shown(text: str) -> str:
    """A value the caller sent, quoted for a message and cut to SHOWN_CHARS characters."""
    return repr(text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…")


def whole_months(period: Period) -> list[date] | None:
    """Return the first days of the months the period covers if it is exactly whole calendar months, else None."""
    if period.start.day != 1 or _month_end(period.end) != period.end:
        return None
    start, end = period.start, period.end
    count = (end.year - start.year) * 12 + end.month - start.month + 1
    return [date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1) for i in range(count)]


def _date(text: str, param: str = "period") -> date:
    """Parse YYYY-MM-DD within the supported window, naming the impossible or far date in the error."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise PeriodError(f"Ngày không tồn tại: {text}", param) from None
        raise PeriodError(f"Ngày không hợp lệ: {shown(text)} (cần dạng 2026-08-14)", param) from None
    reason = out_of_window(day)
    if reason:
        raise PeriodError(reason, param)
    return day


def _check_year(year: str | None) -> None:
    """Refuse a named year outside the supported window (before building dates from it)."""
    if year is not None and not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise PeriodError(f"Năm phải từ {FIRST_YEAR} đến {LAST_YEAR}, không phải {year}")


def _first_day(year: int, month: int) -> date:
    """Return the first day of a month, refusing months and years out of range."""
    if not 1 <= month <= 12:
        raise PeriodError(f"Tháng phải từ 1 đến 12, không phải {month}")
    if not 1000 <= year <= 9999:
        raise PeriodError(f"Năm phải từ 1000 đến 9999, không phải {year}")
    return date(year, month, 1)


def _month_end(day: date) -> date:
    """Return the last day of the month of `day`."""
    if day.month == 12:  # also keeps 9999-12 from overflowing date
        return day.replace(day=31)
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _check_quarter(quarter: int) -> int:
    """Return the quarter if it is 1–4, else raise PeriodError."""
    if not 1 <= quarter <= 4:
        raise PeriodError(f"Quý phải từ 1 đến 4, không phải {quarter}")
    return quarter


def _dmy(day: date) -> str:
    """Format a date the Vietnamese way: 14/08/2026."""
    return dmy(day)
