"""Date ranges of the metric store: the supported window, and splitting a range into whole months and loose days.

Every date a caller may ask about lies in the years 2000–2100 (FIRST_DAY–LAST_DAY): nothing was
recorded before and nothing will be after, and inside it the arithmetic of ranges (the next month, a
week later, the window before) never leaves what `datetime.date` can hold (years 1–9999).
"""

from __future__ import annotations

from datetime import date, timedelta

from thuocdo.errors import InvalidParameter

FIRST_YEAR, LAST_YEAR = 2000, 2100
FIRST_DAY, LAST_DAY = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)


def out_of_window(day: date) -> str | None:
    """Return why `day` is outside the supported window (Vietnamese), or None if it is inside."""
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return f"Ngày phải từ {dmy(FIRST_DAY)} đến {dmy(LAST_DAY)}, không phải {dmy(day)}"


def check_window(start: date, end: date, start_param: str = "from", end_param: str = "to") -> None:
    """Refuse a range with an end outside the window, naming the parameter (`from` first)."""
    for day, param in ((start, start_param), (end, end_param)):
        reason = out_of_window(day)
        if reason:
            raise InvalidParameter(param, reason)


def check_range(start: date, end: date, start_param: str = "from", end_param: str = "to") -> None:
    """Refuse a range with an end outside the window, or ending before it starts, naming the parameter."""
    check_window(start, end, start_param, end_param)
    if end < start:
        raise InvalidParameter(end_param, f"Phải không sớm hơn {start_param} ({dmy(start)}), không phải {dmy(end)}")


def dmy(day: date) -> str:
    """Format a date the Vietnamese way: 14/08/2026 (years below 1000 with four digits: 01/01/0001)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def _month_end(day: date) -> date:
    if day.month == 12:  # December 9999 has no next month to step back from
        return day.replace(day=31)
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def split_range(start: date, end: date) -> tuple[list[date], list[tuple[date, date]]]:
    """Return (first days of the whole months inside [start, end], loose day ranges at the edges)."""
    months: list[date] = []
    loose: list[tuple[date, date]] = []
    cursor = start
    while cursor <= end:
        month_end = _month_end(cursor)
        if cursor.day == 1 and month_end <= end:
            months.append(cursor)
        else:
            loose.append((cursor, min(month_end, end)))
        if month_end >= end:
            break
        cursor = month_end + timedelta(days=1)
    return months, loose
