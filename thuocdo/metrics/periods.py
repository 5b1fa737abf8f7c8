"""Splitting a date range into whole months and loose days, so a sum reads few rows."""

from __future__ import annotations

from datetime import date, timedelta


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def split_range(start: date, end: date) -> tuple[list[date], list[tuple[date, date]]]:
    """Return (first days of the whole months inside [start, end], loose day ranges at the edges)."""
    if end < start:
        return [], []
    months: list[date] = []
    loose: list[tuple[date, date]] = []
    cursor = start
    while cursor <= end:
        month_end = _next_month(cursor) - timedelta(days=1)
        if cursor.day == 1 and month_end <= end:
            months.append(cursor)
        else:
            loose.append((cursor, min(month_end, end)))
        cursor = month_end + timedelta(days=1)
    return months, loose
