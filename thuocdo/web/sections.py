"""The live regions of each page: one builder per fragment, shared by the page and the fragment's own URL.

A page renders every region of its kind (national, province, commune) by including the same template
the fragment URL renders, so a region re-fetched after a stream event replaces itself with identical
markup. Each region declares what it shows (`SHOWS`: figures, scores): its `hx-trigger` listens to those
events only, and its cached render is keyed by those data versions only (`render_key`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from thuocdo.alerts.queries import current_alerts
from thuocdo.evaluation.explain import explain
from thuocdo.metrics import codes
from thuocdo.metrics.series import daily_median, daily_values, days
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import Level
from thuocdo.units.models import Unit
from thuocdo.web.cache import FIGURES, SCORES, RenderKey, cached, render_key
from thuocdo.web.picker import COLORS, Choice
from thuocdo.web.queries import boards, figures, maps, trends
from thuocdo.web.queries.dossiers import pending_now
from thuocdo.web.svg import render_map

NATION = "VN"
# Who a region's HTML is the same for. Fragments are rendered without the request (no user, no CSRF
# token, no messages) and link only to units any reader of the unit may open: every user the permission
# module lets read the unit gets the same bytes. A region that came to depend on the viewer would need
# its own audience here (e.g. role and scope) — test_fragment_cache checks the templates for it.
AUDIENCE = "readers"
ALERTS_SHOWN = 30
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

        def compute():
            registry = units_by_code().values()
            communes = sorted((u for u in registry if u.level == Level.COMMUNE), key=lambda u: u.code)
            names = {u.code: u.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
                     for u in registry if u.level == Level.PROVINCE}
            figs, late, scores = boards.national_communes(choice)
            drawn = maps.draw(communes, names, choice.color, figs, late, scores)
            label = _("Bản đồ %(n)s xã, phường, đặc khu") % {"n": drawn.count}
            return render_map(drawn, label), drawn.legend, drawn.count, timezone.now()

    else:

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
    svg, legend, count, at = cached("map", unit.code, (*choice.key, choice.color, today), compute,
                                    kinds=(FIGURES, SCORES))
    return {"svg": svg, "legend": legend, "dots": count, "at": at, "colors": maps_colors(choice)}


def maps_colors(choice: Choice) -> list[tuple[str, str, bool, str]]:
    """(code, label, chosen, GET string) of each way to colour the map."""
    params = {"framework": choice.framework.code, "period": choice.period.code}
    if choice.compare:
        params["compare"] = choice.compare.code
    return [(code, label, code == choice.color, urlencode({**params, "color": code})) for code, label in COLORS]


def build_alerts(unit: Unit, choice: Choice) -> dict:
    def compute():
        found = current_alerts(unit)
        # Only what is shown is kept: thousands of alerts (each with its Unit) would cost every hit.
        return found[:ALERTS_SHOWN], len(found), timezone.now()

    shown, count, at = cached("alerts", unit.code, (timezone.localdate(),), compute)
    return {"alerts": shown, "alert_count": count, "at": at, "scope": unit}


def build_score(unit: Unit, choice: Choice) -> dict:
    explanation, at = cached("explain", unit.code, (*choice.key, timezone.localdate()),
                             lambda: (explain(choice.framework, unit, choice.period), timezone.now()))
    rank, peers = boards.commune_rank(choice, unit)
    return {"explanation": explanation, "rank": rank, "peers": peers, "at": at, "record_metrics": codes.DOSSIER_CODES}


def build_trends(unit: Unit, choice: Choice) -> dict:
    today = timezone.localdate()
    series, at = cached("trends", unit.code, (today,), lambda: (trends.unit_trends(unit.code, today), timezone.now()))
    return {"pairs": list(zip(series["daily"], series["weekly"], strict=True)), "at": at}


def build_overdue(unit: Unit, choice: Choice) -> dict:
    rows = pending_now(unit, codes.PENDING_OVERDUE)
    return {"overdue": list(rows.values("dossier_code", "procedure_code", "accepted_at", "extended_due_at",
                                        "supplements")[:OVERDUE_SHOWN]),
            "overdue_count": rows.count(), "at": timezone.now(), "today": timezone.localdate()}


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
REGIONS = {
    "national": ("tiles", "alerts", "provinces", "map"),
    "province": ("tiles", "alerts", "ranking", "worst", "map"),
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
