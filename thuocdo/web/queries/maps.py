"""The commune map: one dot per commune placed by its coordinates, coloured by a band of a chosen figure.

Equirectangular projection (x = longitude × cos(mid latitude), y = −latitude) scaled so the longer side
is `SIZE` units, integer coordinates: at the national scale a unit is about 1.5 km. No map tiles; the
dots of 3,321 communes draw the country's shape, the Hoàng Sa and Trường Sa special zones included.
Each dot is an SVG `<a>` to the commune's page with a `<title>` (name and score) shown on hover.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import get_format
from django.utils.translation import gettext as _

from thuocdo.units.models import Unit
from thuocdo.web.numbers import fmt
from thuocdo.web.queries.figures import Figures

SIZE = 1000
PAD = 12
# Band classes k1 (worst) … k5 (best); k0 is "no data". Thresholds are the lower bounds of k5, k4, k3, k2.
PERCENT_BANDS = {"ontime": (95, 90, 80, 65), "online": (80, 60, 40, 20)}
OVERDUE_BANDS = (0, 5, 20, 50)  # upper bounds of k5 … k2: none, 1–5, 6–20, 21–50, more
GRADE_CLASSES = {"Xuất sắc": "k5", "Tốt": "k4", "Khá": "k3", "Trung bình": "k2", "Yếu": "k1"}


@dataclass(frozen=True)
class Dot:
    code: str
    x: int
    y: int
    title: str


@dataclass(frozen=True)
class CommuneMap:
    """A drawn map: its size, dots grouped by colour class, and the legend of those classes."""

    width: int
    height: int
    groups: dict[str, list[Dot]]
    legend: list[tuple[str, str]]
    count: int
    dot: float  # stroke width of a dot, in map units


def projected(units: list[Unit]) -> tuple[dict[str, tuple[int, int]], int, int]:
    """Integer map coordinates of the units that have coordinates, and the map's width and height."""
    placed = [u for u in units if u.lat is not None and u.lon is not None]
    if not placed:
        return {}, SIZE, SIZE // 2
    lats = [u.lat for u in placed]
    lons = [u.lon for u in placed]
    # Once, not per unit: inside the loop these made the national map O(n²) (≈ 0.4 s of its 0.6 s).
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    k = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * k, 0.01)
    span_y = max(north - south, 0.01)
    scale = (SIZE - 2 * PAD) / max(span_x, span_y)
    coords = {u.code: (PAD + round((u.lon - west) * k * scale), PAD + round((north - u.lat) * scale)) for u in placed}
    return coords, round(span_x * scale) + 2 * PAD, round(span_y * scale) + 2 * PAD


def band(color: str, figures: Figures | None, overdue: int | None, score) -> str:
    """The colour class of one commune for the chosen figure."""
    if color == "grade":
        return GRADE_CLASSES.get(score.grade, "k0") if score is not None and score.grade else "k0"
    if color == "overdue":
        if overdue is None:
            return "k0"
        return next((f"k{5 - n}" for n, top in enumerate(OVERDUE_BANDS) if overdue <= top), "k1")
    value = None if figures is None else (figures.on_time_rate if color == "ontime" else figures.online_share)
    if value is None:
        return "k0"
    return next((f"k{5 - n}" for n, low in enumerate(PERCENT_BANDS[color]) if value >= low), "k1")


def legend(color: str) -> list[tuple[str, str]]:
    """(class, label) for each colour of the chosen figure, best first."""
    if color == "grade":
        labels = [(cls, name) for name, cls in GRADE_CLASSES.items()]
        return [*labels, ("k0", _("chưa xếp loại"))]
    if color == "overdue":
        labels = ["0", "1–5", "6–20", "21–50", _("trên 50")]
        return [*zip(("k5", "k4", "k3", "k2", "k1"), labels, strict=True), ("k0", _("chưa có dữ liệu"))]
    low = PERCENT_BANDS[color]
    labels = [f"≥ {low[0]}%", f"{low[1]}–{low[0]}%", f"{low[2]}–{low[1]}%", f"{low[3]}–{low[2]}%", f"< {low[3]}%"]
    return [*zip(("k5", "k4", "k3", "k2", "k1"), labels, strict=True), ("k0", _("chưa có dữ liệu"))]


@dataclass(frozen=True)
class Words:
    """The title's phrases and decimal mark in the active language, looked up once per map, not per dot."""

    points: str
    on_time: str
    overdue: str
    decimal: str

    @classmethod
    def active(cls) -> Words:
        return cls(_("%(points)s điểm"), _("đúng hạn %(rate)s%%"), _("%(count)s quá hạn"),
                   get_format("DECIMAL_SEPARATOR"))


def title(unit: Unit, province: str, figures: Figures | None, overdue: int | None, score,
          words: Words | None = None) -> str:
    """Hover text: name (province), score, on-time rate, overdue dossiers."""
    words = words or Words.active()
    parts = [f"{unit.name}, {province}" if province else unit.name]
    if score is not None and score.total is not None:
        points = words.points % {"points": _num(score.total, 2, words.decimal)}
        parts.append(f"{points} ({score.grade})" if score.grade else points)
    if figures is not None and figures.on_time_rate is not None:
        parts.append(words.on_time % {"rate": _num(figures.on_time_rate, 1, words.decimal)})
    if overdue:
        parts.append(words.overdue % {"count": overdue})
    return " · ".join(parts)


Frame = tuple[dict[str, tuple[int, int]], int, int]  # what `projected` returns: coordinates, width, height


def draw(units: list[Unit], provinces: dict[str, str], color: str, figures: dict[str, Figures],
         overdue: dict[str, int], scores: dict, frame: Frame | None = None) -> CommuneMap:
    """The map of these units, each dot coloured by `color` and titled with its name and score.

    `frame`: the projection of a larger map these units are part of (one province's layer of the
    national map, `national_frame`); by default the map is framed on these units.
    """
    coords, width, height = frame or projected(units)
    words = Words.active()
    groups: dict[str, list[Dot]] = {cls: [] for cls, _label in legend(color)}
    for unit in units:
        if unit.code not in coords:
            continue
        fig, late, score = figures.get(unit.code), overdue.get(unit.code), scores.get(unit.code)
        x, y = coords[unit.code]
        groups[band(color, fig, late, score)].append(
            Dot(unit.code, x, y, title(unit, provinces.get(unit.province_code, ""), fig, late, score, words)))
    dot = 7.0 if frame is not None or len(units) > 500 else 22.0
    return CommuneMap(width, height, groups, legend(color), sum(len(g) for g in groups.values()), dot)


def _num(value: float | Decimal, places: int, decimal: str | None = None) -> str:
    """`fmt` (rounded half up, grouped), without its cost below 1,000 where no grouping applies.

    Django's number_format costs ≈ 35 µs a call: 6,000 numbers on the national map took 0.2 s.
    """
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if decimal is None or abs(rounded) >= 1000:
        return fmt(value, places)
    return f"{rounded:.{places}f}".replace(".", decimal)
