"""Alerts computed live from the metric store, for every commune and agency within a unit.

Windows are local days: "this week" is the last 7 days ending today, "the previous week" the 7 days
before; the load median is over the 30 days before today, a day without dossiers counting 0.
A handful of grouped reads per call, whatever the number of units.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from thuocdo.alerts.choices import AlertKind
from thuocdo.alerts.models import AlertRule
from thuocdo.metrics import codes
from thuocdo.metrics.bulk import pending_values
from thuocdo.metrics.models import Grain, MetricValue
from thuocdo.metrics.series import daily_median, daily_values
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import Level
from thuocdo.units.models import Unit

WATCHED_LEVELS = (Level.COMMUNE, Level.AGENCY)
MEDIAN_DAYS = 30
_ORDER = {AlertKind.LOAD_SPIKE: 0, AlertKind.PENDING_OVERDUE: 1, AlertKind.ONTIME_DROP: 2}


@dataclass(frozen=True)
class Alert:
    """One rule crossed by one unit: the figure, what it is compared with, and a sentence saying so."""

    kind: str
    unit: Unit
    value: float
    reference: float | None
    threshold: float
    message: str

    @property
    def label(self) -> str:
        return AlertKind(self.kind).label

    @property
    def where(self) -> str:
        """The unit with its province: "Phường Phú Thọ" alone reads as the province of that name (it is in
        Hồ Chí Minh City)."""
        province = units_by_code().get(self.unit.province_code or "")
        if province is None or province.code == self.unit.code:
            return self.unit.name
        return f"{self.unit.name}, {province.name}"


def watched_units(scope: Unit) -> list[Unit]:
    """The communes and agencies within `scope` (itself, if it is one), by code."""
    if scope.level in WATCHED_LEVELS:
        return [scope]
    everyone = units_by_code().values()
    if scope.level == Level.PROVINCE:
        return sorted((u for u in everyone if u.level in WATCHED_LEVELS and u.province_code == scope.code),
                      key=lambda u: u.code)
    return sorted((u for u in everyone if u.level in WATCHED_LEVELS), key=lambda u: u.code)


def current_alerts(scope: Unit, today: date | None = None) -> list[Alert]:
    """Every active rule crossed now by a unit within `scope`: spikes first, then overdue, then drops."""
    today = today or timezone.localdate()
    rules = list(AlertRule.objects.filter(active=True))
    if not rules:
        return []
    units = watched_units(scope)
    found: list[Alert] = []
    for rule in rules:
        check = {AlertKind.ONTIME_DROP: ontime_drops, AlertKind.PENDING_OVERDUE: overdue_piles,
                 AlertKind.LOAD_SPIKE: load_spikes}[AlertKind(rule.kind)]
        found += check(rule, units, today)
    found.sort(key=alert_order)
    return found


def alert_order(alert: Alert) -> tuple:
    """Spikes first, then overdue, then drops; within a kind the largest figure first, then by unit code."""
    return _ORDER[AlertKind(alert.kind)], -alert.value, alert.unit.code


def ontime_drops(rule: AlertRule, units: list[Unit], today: date) -> list[Alert]:
    """Units whose on-time rate over the last 7 days is at least `threshold` points below the 7 days before."""
    start, middle = today - timedelta(days=13), today - timedelta(days=6)
    in_time = [codes.RESOLVED_EARLY, codes.RESOLVED_ON_TIME]
    this_week, last_week = Q(start__gte=middle), Q(start__lt=middle)
    rows = (
        MetricValue.objects.filter(unit_code__in=[u.code for u in units], grain=Grain.DAY, procedure_code="",
                                   start__gte=start, start__lte=today, metric__in=[codes.RESOLVED, *in_time])
        .values("unit_code")
        .annotate(
            resolved_now=Sum("value", filter=this_week & Q(metric=codes.RESOLVED)),
            in_time_now=Sum("value", filter=this_week & Q(metric__in=in_time)),
            resolved_before=Sum("value", filter=last_week & Q(metric=codes.RESOLVED)),
            in_time_before=Sum("value", filter=last_week & Q(metric__in=in_time)),
        )
    )
    by_code = {u.code: u for u in units}
    floor = max(rule.min_volume, 1)
    out = []
    for row in rows:
        now, before = row["resolved_now"] or 0, row["resolved_before"] or 0
        if now < floor or before < floor:
            continue
        rate_now = 100 * (row["in_time_now"] or 0) / now
        rate_before = 100 * (row["in_time_before"] or 0) / before
        drop = rate_before - rate_now
        if drop >= rule.threshold - 1e-9:
            message = (f"Tỷ lệ đúng hạn 7 ngày qua {_pct(rate_now)}, giảm {_num(drop, 1)} điểm so với "
                       f"7 ngày trước ({_pct(rate_before)}).")
            out.append(Alert(rule.kind, by_code[row["unit_code"]], drop, rate_before, rule.threshold, message))
    return out


def overdue_piles(rule: AlertRule, units: list[Unit], today: date) -> list[Alert]:
    """Units with more than `threshold` dossiers pending past their due time now."""
    values = pending_values(units, today)
    out = []
    for unit in units:
        overdue = values.get(unit.code, {}).get(codes.PENDING_OVERDUE, 0)
        if overdue > rule.threshold:
            message = f"{_int(overdue)} hồ sơ đang quá hạn (ngưỡng {_num(rule.threshold, 0)})."
            out.append(Alert(rule.kind, unit, overdue, None, rule.threshold, message))
    return out


def load_spikes(rule: AlertRule, units: list[Unit], today: date) -> list[Alert]:
    """Units that received today more than `threshold` times their median day of the previous 30 days."""
    floor = max(rule.min_volume, 1)
    today_counts = dict(
        MetricValue.objects.filter(unit_code__in=[u.code for u in units], grain=Grain.DAY, start=today,
                                   procedure_code="", metric=codes.RECEIVED, value__gte=floor)
        .values_list("unit_code", "value")
    )
    if not today_counts:
        return []
    first, last = today - timedelta(days=MEDIAN_DAYS), today - timedelta(days=1)
    history = daily_values(list(today_counts), first, last, [codes.RECEIVED])
    by_code = {u.code: u for u in units}
    out = []
    for code, received in sorted(today_counts.items()):
        usual = daily_median(history.get(code, {}), codes.RECEIVED, first, last)
        if received > rule.threshold * usual:
            if usual:
                message = (f"Hôm nay tiếp nhận {_int(received)} hồ sơ, gấp {_num(received / usual, 1)} lần "
                           f"trung vị 30 ngày ({_num(usual, 1 if usual % 1 else 0)} hồ sơ/ngày).")
            else:
                message = f"Hôm nay tiếp nhận {_int(received)} hồ sơ; trung vị 30 ngày là 0 hồ sơ/ngày."
            out.append(Alert(rule.kind, by_code[code], received, usual, rule.threshold, message))
    return out


def _num(value: float, places: int) -> str:
    """Vietnamese writing whatever the page's language (the messages are Vietnamese): 1.234,5; half up."""
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _dot, fraction = f"{exact:,.{places}f}".partition(".")
    return whole.replace(",", ".") + (f",{fraction}" if fraction else "")


def _int(value: float) -> str:
    return _num(int(value), 0)


def _pct(value: float) -> str:
    return f"{_num(value, 1)}%"
