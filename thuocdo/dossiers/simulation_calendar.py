"""Time for the simulator: whole seconds of Vietnam local time and a working-time axis.

Times are ints (seconds since 2025-01-01 00:00 +07:00), so that a buffered dossier is a few
bytes. The working axis counts only office hours (08:00–17:00, Monday–Friday, not on public
holidays): legal processing times ("10 ngày làm việc") are additions on that axis.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from datetime import date, datetime, timedelta, timezone

import holidays

ICT = timezone(timedelta(hours=7))
EPOCH = datetime(2025, 1, 1, tzinfo=ICT)
EPOCH_DATE = EPOCH.date()
DAY = 86400
OFFICE_OPENS = 8 * 3600
WORK_DAY = 9 * 3600  # 08:00–17:00


def day_number(d: date) -> int:
    """Days since the epoch date."""
    return (d - EPOCH_DATE).days


def to_seconds(moment: datetime) -> int:
    """An aware datetime as epoch seconds (naive ones are taken as Vietnam local time)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ICT)
    return int((moment - EPOCH).total_seconds())


class WorkCalendar:
    """Vietnam's working days between two dates, with conversions to and from the working axis."""

    def __init__(self, first: date, last: date):
        years = range(first.year, last.year + 1)
        self.holidays = holidays.country_holidays("VN", years=years)
        self.first = day_number(first)
        self.workdays: list[int] = []  # day numbers of working days, ascending
        d = first
        while d <= last:
            if d.weekday() < 5 and d not in self.holidays:
                self.workdays.append(day_number(d))
            d += timedelta(days=1)
        self._day_text: dict[int, str] = {}

    def is_holiday(self, d: date) -> bool:
        return d in self.holidays

    def from_work(self, w: int) -> int:
        """The local time (epoch seconds) of working-axis second `w`."""
        k, s = divmod(w, WORK_DAY)
        return self.workdays[k] * DAY + OFFICE_OPENS + s

    def to_work(self, t: int) -> int:
        """The working-axis second at or before local time `t` (the last office second before it)."""
        day, s = divmod(t, DAY)
        k = bisect_left(self.workdays, day)
        if k < len(self.workdays) and self.workdays[k] == day:
            if s < OFFICE_OPENS:
                return k * WORK_DAY - 1
            if s >= OFFICE_OPENS + WORK_DAY:
                return (k + 1) * WORK_DAY - 1
            return k * WORK_DAY + s - OFFICE_OPENS
        return k * WORK_DAY - 1

    def iso(self, t: int) -> str:
        """Epoch seconds as ISO-8601 with the +07:00 offset ("2026-08-03T09:14:27+07:00")."""
        day, s = divmod(t, DAY)
        text = self._day_text.get(day)
        if text is None:
            text = self._day_text[day] = (EPOCH_DATE + timedelta(days=day)).isoformat()
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        return f"{text}T{h:02d}:{m:02d}:{s:02d}+07:00"


def between(rng: random.Random, low: int, high: int) -> int:
    """A whole number of seconds in [low, high]; one random() call, about 3× cheaper than randint."""
    return low + int(rng.random() * (high - low + 1))
