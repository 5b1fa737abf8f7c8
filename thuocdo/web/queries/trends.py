"""Trends: daily and weekly series of the dossier figures, drawn as small inline SVG lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from thuocdo.metrics import codes
from thuocdo.metrics.series import daily_values, days
from thuocdo.web.queries.figures import FIGURE_METRICS, Figures

SPARK_WIDTH, SPARK_HEIGHT = 200, 32


@dataclass(frozen=True)
class Trend:
    """One indicator over time: labelled points and the SVG path that draws them."""

    name: str
    unit: str  # "%" or "hồ sơ"
    labels: list[str]
    values: list[float | None]
    path: str
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT
    low: float | None = None  # the scale the line is drawn on: bottom and top of the box
    high: float | None = None

    @classmethod
    def drawn(cls, name: str, unit: str, labels: list[str], values: list[float | None], lo: float | None = None,
              hi: float | None = None, width: int = SPARK_WIDTH, height: int = SPARK_HEIGHT) -> Trend:
        """The trend with its line drawn on the scale lo–hi (the values' own lowest or highest where None)."""
        low, high = spark_scale(values, lo, hi)
        return cls(name, unit, labels, values, spark_path(values, lo, hi, width, height), width, height, low, high)

    @property
    def last(self) -> float | None:
        return next((v for v in reversed(self.values) if v is not None), None)

    @property
    def points(self) -> list[tuple[str, float | None]]:
        return list(zip(self.labels, self.values, strict=True))


def spark_scale(values: list[float | None], lo: float | None = None,
                hi: float | None = None) -> tuple[float | None, float | None]:
    """(bottom, top) of a sparkline's scale: lo and hi, or the lowest and highest known value."""
    known = [v for v in values if v is not None]
    if not known:
        return None, None
    return (min(known) if lo is None else lo), (max(known) if hi is None else hi)


def spark_path(values: list[float | None], lo: float | None = None, hi: float | None = None,
               width: int = SPARK_WIDTH, height: int = SPARK_HEIGHT) -> str:
    """An SVG path through the known values, left to right.

    A None (a week without resolved dossiers has no on-time rate) keeps its place on the x axis and
    the line runs straight across it: a rate line with gaps otherwise falls apart into dots.
    """
    lo, hi = spark_scale(values, lo, hi)
    if lo is None:
        return ""
    span = (hi - lo) or 1
    step = width / max(len(values) - 1, 1)
    out = []
    for n, value in enumerate(values):
        if value is None:
            continue
        x = round(n * step, 1)
        y = round(height - 2 - (min(max(value, lo), hi) - lo) / span * (height - 4), 1)
        out.append(f"{'L' if out else 'M'}{x:g} {y:g}")
    if len(out) == 1:
        out.append("h0")  # a single point: drawn as a dot by the round line cap
    return "".join(out)


def weekly_figures(series: dict[date, dict[str, float]], weeks: list[tuple[date, date]]) -> list[Figures]:
    """Sum daily rows into the given (first, last) day ranges."""
    out = []
    for first, last in weeks:
        total: dict[str, float] = {}
        for day in days(first, last):
            for metric, value in series.get(day, {}).items():
                total[metric] = total.get(metric, 0) + value
        out.append(Figures.of(total, (last - first).days + 1))
    return out


def week_ranges(today: date, count: int) -> list[tuple[date, date]]:
    """The last `count` ISO weeks as (Monday, Sunday), oldest first; the current week ends today."""
    monday = today - timedelta(days=today.weekday())
    ranges = [(monday - timedelta(weeks=n), monday - timedelta(weeks=n) + timedelta(days=6))
              for n in range(count - 1, -1, -1)]
    return [(first, min(last, today)) for first, last in ranges]


def on_time_sparks(unit_codes: list[str], today: date, weeks: int = 8) -> dict[str, Trend]:
    """The on-time rate of each unit over the last `weeks` weeks (one read of day rows)."""
    ranges = week_ranges(today, weeks)
    rows = daily_values(unit_codes, ranges[0][0], today,
                        (codes.RESOLVED, codes.RESOLVED_EARLY, codes.RESOLVED_ON_TIME))
    labels = [f"{first:%d/%m}" for first, _last in ranges]
    series = {code: [f.on_time_rate for f in weekly_figures(rows.get(code, {}), ranges)] for code in unit_codes}
    # One scale for every line, from a round 10 below the lowest rate to 100: differences between
    # provinces (88 % against 95 %) stay visible, which a 0–100 scale flattens.
    known = [v for values in series.values() for v in values if v is not None]
    low = max(0, (int(min(known)) // 10) * 10 - 10) if known else 0
    return {code: Trend.drawn(_("Tỷ lệ đúng hạn"), "%", labels, values, low, 100, 64, 18)
            for code, values in series.items()}


def unit_trends(unit_code: str, today: date, day_count: int = 30, week_count: int = 12) -> dict[str, list[Trend]]:
    """Daily (last `day_count` days) and weekly (last `week_count` weeks) trends of one unit's figures."""
    ranges = week_ranges(today, week_count)
    first_day = min(ranges[0][0], today - timedelta(days=day_count - 1))
    series = daily_values([unit_code], first_day, today, FIGURE_METRICS).get(unit_code, {})
    daily_days = days(today - timedelta(days=day_count - 1), today)
    daily = [Figures.of(series.get(day, {})) for day in daily_days]
    weekly = weekly_figures(series, ranges)
    return {
        "daily": _three(daily, [f"{d:%d/%m}" for d in daily_days]),
        "weekly": _three(weekly, [f"{first:%d/%m}" for first, _last in ranges]),
    }


def _three(figures: list[Figures], labels: list[str]) -> list[Trend]:
    received = [float(f.received) for f in figures]
    on_time = [f.on_time_rate for f in figures]
    online = [f.online_share for f in figures]
    return [
        Trend.drawn(_("Hồ sơ tiếp nhận"), "hồ sơ", labels, received, 0),
        Trend.drawn(_("Tỷ lệ giải quyết đúng hạn"), "%", labels, on_time, 0, 100),
        Trend.drawn(_("Tỷ lệ tiếp nhận trực tuyến"), "%", labels, online, 0, 100),
    ]
