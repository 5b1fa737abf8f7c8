"""What a page shows: framework, period, comparison period and map colouring, from its GET parameters.

`?framework=qd766|cqdp2c&period=2026-08|2026-Q3|2026-W33|last-7-days|2026-08-01..2026-08-20`
`&compare=<period>&color=ontime|online|overdue|grade`; `?from=&to=` (two dates) is a custom range.
An unknown framework or colour is reported on the page and replaced by the default. A malformed or
out-of-range period (`period`, `compare`, `from`, `to`; outside 2000–2100, or longer than 3 years) is
an InvalidParameter naming it: the page answers 400 with the message (`web.middleware`), never a
server error and never figures for a period nobody asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thuocdo.evaluation.frameworks import Framework
from thuocdo.evaluation.models import FrameworkVersion
from thuocdo.evaluation.periods import SHOWN_CHARS, Period, bounded, parse_period, parse_range
from thuocdo.evaluation.store import UnknownFramework, current_framework

FRAMEWORKS = (("qd766", _("QĐ 766 — phục vụ người dân, doanh nghiệp")),
              ("cqdp2c", _("Vận hành chính quyền hai cấp")))
DEFAULT_FRAMEWORK = "qd766"
# The current month is the default period once this many days of it have elapsed (before: last month,
# the last complete one): on the 3rd, a month's figures are two days of thirty.
DAYS_BEFORE_CURRENT = 7
COLORS = (("ontime", _("tỷ lệ đúng hạn")), ("online", _("tỷ lệ trực tuyến")),
          ("overdue", _("hồ sơ quá hạn")), ("grade", _("xếp loại")))


@dataclass
class Choice:
    """The framework, period and colouring a page was asked for (defaults filled in)."""

    framework_row: FrameworkVersion
    framework: Framework
    period: Period
    compare: Period | None
    color: str
    today: date
    errors: list[str] = field(default_factory=list)
    is_default: bool = False  # no period was asked for: the last complete one (`default_period`)

    @property
    def data_until(self) -> date | None:
        """The last day with data when the period is still running (today), else None."""
        return self.today if self.period.start <= self.today < self.period.end else None

    @property
    def key(self) -> tuple:
        """What cached figures depend on: framework version and periods."""
        return (self.framework.code, self.framework.version, self.period.code,
                self.compare.code if self.compare else "")

    def query(self, **extra) -> str:
        """The GET string that asks for this same choice (plus `extra`)."""
        params = {"framework": self.framework.code, "period": self.period.code}
        if self.compare:
            params["compare"] = self.compare.code
        if self.color != "ontime":
            params["color"] = self.color
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return urlencode(params)

    def period_options(self) -> list[tuple[str, str]]:
        """Quick choices for the period menu (the current period first if it is none of them)."""
        options = quick_periods(self.today)
        if self.period.code not in {code for code, _label in options}:
            options.insert(0, (self.period.code, self.period.label))
        return options


def quick_periods(today: date) -> list[tuple[str, str]]:
    """This and last week, month and quarter, and the last 7 and 30 days, as (code, label)."""
    week = parse_period(f"{today.isocalendar()[0]}-W{today.isocalendar()[1]:02d}")
    month = parse_period(f"{today:%Y-%m}")
    quarter = parse_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}")
    picks = [
        (week, _("Tuần này")), (week.previous(), _("Tuần trước")),
        (month, _("Tháng này")), (month.previous(), _("Tháng trước")),
        (quarter, _("Quý này")), (quarter.previous(), _("Quý trước")),
    ]
    options = [(p.code, f"{label} ({p.label})") for p, label in picks]
    options += [("last-7-days", str(_("7 ngày gần nhất"))), ("last-30-days", str(_("30 ngày gần nhất")))]
    return options


def choose(params, *, default_compare: bool = False, fixed_framework: str | None = None) -> Choice:
    """Read the choice from GET parameters (a QueryDict or dict)."""
    errors: list[str] = []
    today = timezone.localdate()
    code = fixed_framework or params.get("framework") or DEFAULT_FRAMEWORK
    if code not in dict(FRAMEWORKS):
        errors.append(str(_("Không có bộ chỉ số “%(code)s”; đang dùng QĐ 766.") % {"code": code[:SHOWN_CHARS]}))
        code = DEFAULT_FRAMEWORK
    try:
        row, framework = current_framework(code, today)
    except UnknownFramework:
        row, framework = current_framework(DEFAULT_FRAMEWORK, today)
    if params.get("from") and params.get("to"):
        period = bounded(parse_range(params["from"], params["to"]), "to")
    elif params.get("period"):
        period = bounded(parse_period(params["period"], today), "period")
    else:
        period = default_period(today)
    compare = None
    if params.get("compare"):
        compare = bounded(parse_period(params["compare"], today, param="compare"), "compare")
    elif default_compare:
        compare = period.previous()
    color = params.get("color") or "ontime"
    if color not in dict(COLORS):
        color = "ontime"
    return Choice(row, framework, period, compare, color, today, errors,
                  is_default=not (params.get("period") or (params.get("from") and params.get("to"))))


def default_period(today: date) -> Period:
    """The last complete period: last month until this month has DAYS_BEFORE_CURRENT days elapsed.

    Elapsed days are the days before today (today is still running): on 3/12 November, on 8/12 December.
    """
    month = Period.for_month(today.year, today.month)
    return month if today.day - 1 >= DAYS_BEFORE_CURRENT else month.previous()


def weeks_back(today: date, count: int) -> list[Period]:
    """The last `count` ISO weeks, oldest first, the current (partial) week last."""
    monday = today - timedelta(days=today.weekday())
    return [parse_period("{}-W{:02d}".format(*(monday - timedelta(weeks=n)).isocalendar()[:2]))
            for n in range(count - 1, -1, -1)]
