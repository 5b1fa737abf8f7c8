"""The dossier figures of the tiles: received, online share, resolved on time, pending overdue now."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from django.utils import timezone

from thuocdo.evaluation.periods import Period
from thuocdo.metrics import codes
from thuocdo.metrics.bulk import pending_values, stored_values
from thuocdo.metrics.queries import pending_counts, stored_totals
from thuocdo.units.models import Unit
from thuocdo.web.cache import cached

FIGURE_METRICS = (codes.RECEIVED, codes.RECEIVED_ONLINE, codes.RESOLVED, codes.RESOLVED_EARLY,
                  codes.RESOLVED_ON_TIME)


@dataclass(frozen=True)
class Figures:
    """A unit's dossier counts over some days."""

    received: int = 0
    online: int = 0
    resolved: int = 0
    in_time: int = 0  # resolved early or on time
    days: int = 1

    @classmethod
    def of(cls, values: dict[str, float], days: int = 1) -> Figures:
        got = {m: int(values.get(m, 0) or 0) for m in FIGURE_METRICS}
        return cls(got[codes.RECEIVED], got[codes.RECEIVED_ONLINE], got[codes.RESOLVED],
                   got[codes.RESOLVED_EARLY] + got[codes.RESOLVED_ON_TIME], days)

    @property
    def online_share(self) -> float | None:
        """Percent of received dossiers received online; None with nothing received."""
        return 100 * self.online / self.received if self.received else None

    @property
    def on_time_rate(self) -> float | None:
        """Percent of resolved dossiers resolved early or on time; None with nothing resolved."""
        return 100 * self.in_time / self.resolved if self.resolved else None

    @property
    def per_day(self) -> float | None:
        """Dossiers received per day elapsed in the period (today included); None before it starts."""
        return self.received / self.days if self.days > 0 else None


@dataclass(frozen=True)
class Tiles:
    """What the tiles show for one unit: today, the chosen period, and the dossiers pending now."""

    unit_code: str
    period: Period
    today: Figures
    chosen: Figures
    compare: Figures | None
    compare_period: Period | None
    pending: int
    overdue: int
    at: datetime


def unit_figures(unit: Unit, start: date, end: date) -> Figures:
    """A unit's figures over [start, end] from its stored rows (a province's and the nation's are roll-ups)."""
    return Figures.of(stored_totals(unit, start, end, list(FIGURE_METRICS)), elapsed_days(start, end))


def elapsed_days(start: date, end: date, today: date | None = None) -> int:
    """Days of [start, end] elapsed by today, today included: a month read on its 2nd has 2, not 31."""
    last = min(end, today or timezone.localdate())
    return max((last - start).days + 1, 0)


def many_figures(unit_codes: list[str], start: date, end: date) -> dict[str, Figures]:
    """Figures of many units at once (one grouped read); a unit with no rows has all zeros."""
    values = stored_values(unit_codes, start, end, FIGURE_METRICS)
    days = elapsed_days(start, end)
    return {code: Figures.of(values.get(code, {}), days) for code in unit_codes}


def overdue_now(units: list[Unit]) -> dict[str, int]:
    """Dossiers pending past their due time right now, per commune or agency (one grouped count)."""
    values = pending_values(units, timezone.localdate())
    return {u.code: int(values.get(u.code, {}).get(codes.PENDING_OVERDUE, 0)) for u in units}


def tiles(unit: Unit, period: Period, compare: Period | None, choice_key: tuple) -> Tiles:
    """The tiles of a unit (cached until the unit's figures change, at most a minute).

    The pending counts move with the clock as well (a dossier passing its due time): at most a minute
    old. The nation's reads every open dossier of the country (≈ 80 ms on the demo data).
    """
    today = timezone.localdate()

    def compute() -> Tiles:
        return Tiles(
            unit.code, period, unit_figures(unit, today, today), unit_figures(unit, period.start, period.end),
            unit_figures(unit, compare.start, compare.end) if compare else None, compare, 0, 0, timezone.localtime(),
        )

    shown = cached("tiles", unit.code, (*choice_key, today), compute)
    pending = cached("pending", unit.code, (), lambda: pending_counts(unit))
    return replace(shown, pending=pending[codes.PENDING], overdue=pending[codes.PENDING_OVERDUE])
