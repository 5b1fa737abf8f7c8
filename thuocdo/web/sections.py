"""The live regions of each page: one builder per fragment, shared by the page and the fragment's own URL.

A page renders every region of its kind (national, province, commune) by including the same template
the fragment URL renders, so a region re-fetched after a stream event replaces itself with identical
markup. Each region declares what it shows (`SHOWS`: figures, scores): its `hx-trigger` listens to those
events only, and its cached render is keyed by those data versions only (`render_key`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from thuocdo.alerts.queries import alert_order, current_alerts
from thuocdo.evaluation.coverage import Coverage, coverage_of, shared_ranks
from thuocdo.evaluation.explain import explain
from thuocdo.evaluation.score_rows import stored_scores
from thuocdo.metrics import codes
from thuocdo.metrics.series import daily_median, daily_values, days
from thuocdo.procedures.names import procedure_names
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import Level
from thuocdo.units.models import Unit
from thuocdo.web.cache import FIGURES, SCORES, RenderKey, cached, is_current, peek, render_key, render_once
from thuocdo.web.picker import COLORS, Choice
from thuocdo.web.queries import boards, figures, maps, trends
from thuocdo.web.queries.dossiers import pending_now
from thuocdo.web.queries.maps import legend
from thuocdo.web.svg import render_layer, render_map, render_stack

NATION = "VN"
# Who a region's HTML is the same for. Fragments are rendered without the request (no user, no CSRF
# token, no messages) and link only to units any reader of the unit may open: every user the permission
# module lets read the unit gets the same bytes. A region that came to depend on the viewer would need
# its own audience here (e.g. role and scope) — test_fragment_cache checks the templates for it.
AUDIENCE = "readers"
ALERTS_SHOWN = 30
# The nation's parts (map layers, alerts) missing for more provinces than this are read for all of them at
# once: per province, 34 small reads cost ≈ 3.5× one national read.
BATCH_FROM = 3
OVERDUE_SHOWN = 20
LOAD_DAYS = 30


def kind_of(unit: Unit) -> str:
    if unit.level == Level.NATIONAL:
        return "national"
    return "province" if unit.level == Level.PROVINCE else "commune"


def build_tiles(unit: Unit, choice: Choice) -> dict:
    return {"tiles": figures.tiles(unit, choice.period, choice.compare, choice.key)}


def build_provinces(unit: Unit, choice: Choice) -> dict:
    rows, at = boards.provinces(choice)
    return {"rows": rows, "graded": sum(1 for r in rows if r.grade), "at": at}


def build_ranking(unit: Unit, choice: Choice) -> dict:
    board = boards.province(choice, unit)
    return {"communes": board.communes, "agencies": board.agencies, "at": board.at}


def build_worst(unit: Unit, choice: Choice) -> dict:
    board = boards.province(choice, unit)
    return {"worst_on_time": board.worst_on_time, "most_overdue": board.most_overdue,
            "heaviest_load": board.heaviest_load, "at": board.at, "days": choice.period.days}


def build_map(unit: Unit, choice: Choice) -> dict:
    today = timezone.localdate()
    if unit.level == Level.NATIONAL:
        # One layer per province, each kept under its province's versions: a change redraws one layer.
        national = _national_map()
        missing = [p for p in national.provinces if not is_current(layer_key(p, choice))]
        batch = None
        if len(missing) > BATCH_FROM:  # after a restart or a new day: one set of reads, not one per province
            batch = boards.layer_communes(choice, [c for p in missing for c in national.communes[p.code]])
        layers = [map_layer(province, choice, batch) for province in national.provinces]
        label = _("Bản đồ %(n)s xã, phường, đặc khu") % {"n": national.frame.count}
        return {"svg": render_stack(national.frame, label, layers), "legend": legend(choice.color),
                "dots": national.frame.count, "at": timezone.now(), "colors": maps_colors(choice), "layered": True}

    def compute():
        communes = sorted((u for u in units_by_code().values()
                           if u.level == Level.COMMUNE and u.province_code == unit.code), key=lambda u: u.code)
        board = boards.province(choice, unit)
        rows = {r.unit.code: r for r in board.communes}
        figs = {code: r.figures for code, r in rows.items()}
        late = {code: r.overdue for code, r in rows.items()}
        drawn = maps.draw(communes, {}, choice.color, figs, late, board.marks)
        label = _("Bản đồ %(n)s xã, phường của %(p)s") % {"n": drawn.count, "p": unit.name}
        return render_map(drawn, label), drawn.legend, drawn.count, timezone.now()

    # Scores and figures of every commune drawn: a notice about any of them names this unit too.
    svg, legend_, count, at = cached("map", unit.code, (*choice.key, choice.color, today), compute,
                                     kinds=(FIGURES, SCORES))
    return {"svg": svg, "legend": legend_, "dots": count, "at": at, "colors": maps_colors(choice)}


@dataclass(frozen=True)
class NationalMap:
    """What the national map's layers share: the provinces in order, their communes, names, the frame."""

    provinces: list[Unit]
    communes: dict[str, list[Unit]]  # province code → its communes by code
    names: dict[str, str]  # province code → short name, for the dots' titles
    coords: maps.Frame
    frame: maps.CommuneMap  # the national frame with no dot (its count: the communes placed)


_national: dict[int, NationalMap] = {}


def _national_map() -> NationalMap:
    """Worked out once per registry read (`units_by_code` keeps one for a few minutes)."""
    registry = units_by_code()
    found = _national.get(id(registry))
    if found is None:
        units = sorted(registry.values(), key=lambda u: u.code)
        communes = [u for u in units if u.level == Level.COMMUNE]
        coords = maps.projected(communes)
        by_province: dict[str, list[Unit]] = {}
        for commune in communes:
            by_province.setdefault(commune.province_code, []).append(commune)
        provinces = [u for u in units if u.level == Level.PROVINCE and u.code in by_province]
        names = {u.code: u.name.removeprefix("Tỉnh ").removeprefix("Thành phố ") for u in provinces}
        _code_map, width, height = coords
        frame = maps.CommuneMap(width, height, {}, [], sum(1 for u in communes if u.code in coords[0]), 7.0)
        found = NationalMap(provinces, by_province, names, coords, frame)
        _national.clear()  # the registry of a few minutes ago is gone: keep one
        _national[id(registry)] = found
    return found


def national_provinces() -> list[Unit]:
    """The provinces in the national map's order (each one layer)."""
    return _national_map().provinces


def province_codes(unit_codes: frozenset[str]) -> frozenset[str]:
    """The provinces among these codes (a notice names a commune, its province and VN)."""
    return frozenset(code for code in unit_codes if code in _national_map().communes)


def layer_key(province: Unit, choice: Choice) -> RenderKey:
    return render_key("map-layer", province.code, (*choice.key, choice.color), AUDIENCE,
                      [(FIGURES, province.code), (SCORES, province.code)])


def map_layer(province: Unit, choice: Choice, batch: tuple | None = None) -> str:
    """One province's layer of the national map, rendered once per change of the province for every viewer.

    `batch`: the figures of many provinces' communes read at once (`boards.layer_communes`), this one's among
    them: drawing all 34 layers after a restart reads the store 3 times, not 3 × 34 (≈ 4 s → 1 s with a
    national quarter loaded, `benchmarks/pages.py` cold).
    """

    def draw() -> str:
        national = _national_map()
        communes = national.communes.get(province.code, [])
        figs, late, marks = batch or boards.layer_communes(choice, communes)
        drawn = maps.draw(communes, national.names, choice.color, figs, late, marks, national.coords)
        return render_layer(drawn, province.code)

    return render_once(layer_key(province, choice), draw).html


def maps_colors(choice: Choice) -> list[tuple[str, str, bool, str]]:
    """(code, label, chosen, GET string) of each way to colour the map."""
    params = {"framework": choice.framework.code, "period": choice.period.code}
    if choice.compare:
        params["compare"] = choice.compare.code
    return [(code, label, code == choice.color, urlencode({**params, "color": code})) for code, label in COLORS]


def build_alerts(unit: Unit, choice: Choice) -> dict:
    if unit.level == Level.NATIONAL:
        shown, count, at = national_alerts()
    else:
        shown, count, at = unit_alerts(unit)
    return {"alerts": shown, "alert_count": count, "at": at, "scope": unit}


def unit_alerts(unit: Unit) -> tuple[list, int, datetime]:
    """The first ALERTS_SHOWN alerts within the unit, how many there are, when found (cached per change)."""

    def compute():
        found = current_alerts(unit)
        # Only what is shown is kept: thousands of alerts (each with its Unit) would cost every hit.
        return found[:ALERTS_SHOWN], len(found), timezone.now()

    return cached("alerts", unit.code, (timezone.localdate(),), compute)


def national_alerts() -> tuple[list, int, datetime]:
    """The country's alerts as the merge of its provinces' (every commune and agency is in one).

    Each province's list is kept under its own versions, so a change in one commune recomputes its
    province's alerts (≈ 10 ms), not the country's (≈ 0.4 s, several times a second at 16:00). The first
    ALERTS_SHOWN of the country are among the first ALERTS_SHOWN of their provinces.
    """
    provinces = _national_map().provinces
    today = timezone.localdate()
    kept = {p.code: peek("alerts", p.code, (today,)) for p in provinces}
    missing = {code for code, value in kept.items() if value is None}
    batch: dict[str, list] | None = None
    if len(missing) > BATCH_FROM:  # after a restart or a new day: the country's alerts read once, then split
        batch = {}
        for alert in current_alerts(units_by_code()[NATION]):
            batch.setdefault(alert.unit.province_code, []).append(alert)
    shown, count, oldest = [], 0, None
    for province in provinces:
        if kept[province.code] is not None:
            found, n, at = kept[province.code]  # read once above, not again
        elif batch is not None:
            mine = batch.get(province.code, [])
            found, n, at = cached("alerts", province.code, (today,),
                                  lambda mine=mine: (mine[:ALERTS_SHOWN], len(mine), timezone.now()))
        else:
            found, n, at = unit_alerts(province)
        shown += found
        count += n
        oldest = at if oldest is None else min(oldest, at)
    shown.sort(key=alert_order)
    return shown[:ALERTS_SHOWN], count, oldest or timezone.now()


def build_score(unit: Unit, choice: Choice) -> dict:
    explanation, at = cached("explain", unit.code, (*choice.key, timezone.localdate()),
                             lambda: (explain(choice.framework, unit, choice.period), timezone.now()))
    rank, peers = boards.commune_rank(choice, unit)
    coverage, shared = score_coverage(unit, choice)
    return {"explanation": explanation, "rank": rank, "peers": peers, "at": at, "record_metrics": codes.DOSSIER_CODES,
            "coverage": coverage, "shared": shared, "late_lists": late_lists(explanation)}


# The late and overdue dossiers of an indicator that counts dossiers, as the parts its numbers leave out:
# resolved = early + on time + late, pending = within deadline + overdue (domain.md §2, form II.06a).
_PARTS = ((codes.RESOLVED_LATE, codes.RESOLVED, (codes.RESOLVED_EARLY, codes.RESOLVED_ON_TIME)),
          (codes.PENDING_OVERDUE, codes.PENDING, (codes.PENDING_WITHIN,)))


def late_lists(explanation: dict) -> dict[str, list[tuple[str, int]]]:
    """{indicator code: [(late or overdue metric, count)]} for indicators whose numbers come from dossiers."""
    found = {}
    for group in explanation["groups"]:
        for indicator in group["indicators"]:
            values = {m["code"]: m["value"] for m in indicator["metrics"]}
            parts = []
            for code, whole, known in _PARTS:
                if code not in values and all(values.get(m) is not None for m in (whole, *known)):
                    parts.append((code, int(values[whole] - sum(values[m] for m in known))))
            if parts:
                found[indicator["code"]] = parts
    return found


def score_coverage(unit: Unit, choice: Choice) -> tuple[Coverage, int]:
    """The unit's coverage (its score row), and how many units of the same coverage share its rank."""
    group = [unit]
    if unit.level in (Level.COMMUNE, Level.AGENCY) and unit.parent is not None and unit.parent.level == Level.PROVINCE:
        group = [u for u in units_by_code().values() if u.level == unit.level and u.province_code == unit.parent.code]
    scores = stored_scores(choice.framework, group, choice.period)
    covers = {code: coverage_of(choice.framework, score) for code, score in scores.items()}
    shared = shared_ranks({code: cover.key for code, cover in covers.items()},
                          {code: score.rank for code, score in scores.items()})
    return covers[unit.code], shared[unit.code]


def build_trends(unit: Unit, choice: Choice) -> dict:
    today = timezone.localdate()
    series, at = cached("trends", unit.code, (today,), lambda: (trends.unit_trends(unit.code, today), timezone.now()))
    return {"pairs": list(zip(series["daily"], series["weekly"], strict=True)), "at": at}


def build_overdue(unit: Unit, choice: Choice) -> dict:
    rows = pending_now(unit, codes.PENDING_OVERDUE)
    overdue = list(rows.values("dossier_code", "procedure_code", "accepted_at", "extended_due_at",
                               "supplements")[:OVERDUE_SHOWN])
    names = procedure_names({row["procedure_code"] for row in overdue})
    for row in overdue:
        row["procedure_name"] = names.get(row["procedure_code"], "")
    return {"overdue": overdue, "overdue_count": rows.count(), "at": timezone.now(), "today": timezone.localdate()}


def build_load(unit: Unit, choice: Choice) -> dict:
    today = timezone.localdate()

    def compute():
        first, last = today - timedelta(days=LOAD_DAYS), today - timedelta(days=1)
        series = daily_values([unit.code], first, today, [codes.RECEIVED]).get(unit.code, {})
        history = [(day, int(series.get(day, {}).get(codes.RECEIVED, 0))) for day in days(first, last)]
        usual = daily_median(series, codes.RECEIVED, first, last)
        now = int(series.get(today, {}).get(codes.RECEIVED, 0))
        top = max([c for _day, c in history] + [now, 1])
        # Bars 5 wide every 6 units, 28 high at most; coordinates as text (templates would localise floats).
        bars = [_bar(6 * n, count, top, f"{day:%d/%m}") for n, (day, count) in enumerate(history)]
        return {"received_today": now, "median": usual, "ratio": now / usual if usual else None, "bars": bars,
                "today_bar": _bar(6 * len(history), now, top, _("Hôm nay")),
                "median_y": f"{30 - 28 * usual / top:.1f}", "at": timezone.now()}

    return cached("load", unit.code, (today,), compute)


def _bar(x: int, count: int, top: int, label: str) -> dict:
    height = 28 * count / top
    return {"x": x, "y": f"{30 - height:.1f}", "h": f"{height:.1f}", "label": label, "count": count}


BUILDERS: dict[str, Callable[[Unit, Choice], dict]] = {
    "tiles": build_tiles, "provinces": build_provinces, "ranking": build_ranking, "worst": build_worst,
    "map": build_map, "alerts": build_alerts, "score": build_score, "trends": build_trends,
    "overdue": build_overdue, "load": build_load,
}
# In the order a stream pushes them after a change: the tiles and the map (the commune's own dot) first,
# the boards that cost most last.
REGIONS = {
    "national": ("tiles", "map", "alerts", "provinces"),
    "province": ("tiles", "map", "alerts", "ranking", "worst"),
    "commune": ("tiles", "score", "load", "overdue", "trends", "alerts"),
}
# What each region shows, so which notices re-draw it: the worst lists, tiles and series show figures
# only; rankings, maps and the score show scores beside figures (the score's explanation is read from
# the figures, its rank from the score rows).
SHOWS = {
    "tiles": (FIGURES,), "alerts": (FIGURES,), "load": (FIGURES,), "overdue": (FIGURES,), "trends": (FIGURES,),
    "worst": (FIGURES,), "score": (FIGURES, SCORES), "ranking": (FIGURES, SCORES),
    "provinces": (FIGURES, SCORES), "map": (FIGURES, SCORES),
}


def depends(unit: Unit, name: str) -> list[tuple[str, str]]:
    """The (kind, unit) data versions a region is drawn from.

    A unit's notices name it, its province and VN, so a province's or the nation's regions follow their
    own code. A commune's score also shows its rank in the province, which moves with any commune's
    score there: it follows the province's SCORES too (`thuocdo.web.live` sends those to its page).
    """
    pairs = [(kind, unit.code) for kind in SHOWS[name]]
    if name == "score" and unit.level in (Level.COMMUNE, Level.AGENCY) and unit.province_code:
        pairs.append((SCORES, unit.province_code))
    return pairs


def trigger(name: str) -> str:
    """The region's `hx-trigger`: the stream events of what it shows (`sse:figures`, `sse:scores`)."""
    return ", ".join(f"sse:{kind}" for kind in SHOWS[name])


def region_key(unit: Unit, name: str, choice: Choice) -> RenderKey:
    """Where the region's HTML is kept: unit, region, choice and colour, language, audience, data versions."""
    return render_key(name, unit.code, (*choice.key, choice.color), AUDIENCE, depends(unit, name))


def fragment_url(unit: Unit, name: str, choice: Choice) -> str:
    return f"{reverse('web:fragment', args=[unit.code, name])}?{choice.query()}"


def region(unit: Unit, name: str, choice: Choice) -> dict:
    """The context of one region: its builder's figures, its own URL, its trigger, and the choice."""
    context = BUILDERS[name](unit, choice)
    context.update({"unit": unit, "choice": choice, "self_url": fragment_url(unit, name, choice), "region": name,
                    "trigger": trigger(name)})
    return context
