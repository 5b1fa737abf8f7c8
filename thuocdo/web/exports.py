"""Exports of a unit's view: `/u/<code>/xuat/excel/` (.xlsx) and `/u/<code>/xuat/bao-cao-tuan.pdf`.

Access goes through the permission module like the pages: the unit must be readable, and a
ranking lists only the units the user may read (ranks stay those among all peers). A bad `period`,
`week`, `framework` or `level` is an InvalidParameter: 400 with the message, like the pages.
"""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from thuocdo.accounts.permissions import Actor, readable_units
from thuocdo.alerts.queries import current_alerts
from thuocdo.errors import InvalidParameter
from thuocdo.evaluation.frameworks import Framework
from thuocdo.evaluation.periods import Period, PeriodKind, parse_period, shown
from thuocdo.evaluation.queries import ranking
from thuocdo.evaluation.store import UnknownFramework, current_framework
from thuocdo.metrics import codes
from thuocdo.metrics.bulk import pending_values, stored_values
from thuocdo.metrics.queries import metric_totals
from thuocdo.units.choices import Level
from thuocdo.units.models import Unit
from thuocdo.web import documents
from thuocdo.web.access import LoginRequired, login_redirect, readable_unit_or_deny
from thuocdo.web.picker import FRAMEWORKS, bounded, default_period

DEFAULT_FRAMEWORK = "qd766"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The dossier counts and rate written beside the scores, after the group points (issue 11 §5).
FIGURE_HEADERS = ["Hồ sơ tiếp nhận", "Hồ sơ đã giải quyết", "Giải quyết đúng hạn (gồm trước hạn)",
                  "Giải quyết quá hạn", "Tỷ lệ giải quyết đúng hạn (%)", "Đang giải quyết quá hạn (cuối kỳ)"]
FIGURE_METRICS = (codes.RECEIVED, codes.RESOLVED, codes.RESOLVED_EARLY, codes.RESOLVED_ON_TIME, codes.RESOLVED_LATE)


def ranking_xlsx(request, code: str):
    """The ranking of the view `/u/<code>/` as Excel: `?framework=qd766&period=2026-08[&level=agency]`."""
    try:
        unit = readable_unit_or_deny(request, code)
    except LoginRequired:
        return login_redirect(request)
    asked = request.GET.get("period")
    period = bounded(parse_period(asked), "period") if asked else default_period(timezone.localdate())
    framework = _framework(request.GET.get("framework") or DEFAULT_FRAMEWORK)
    level, parent = ranking_scope(unit, request.GET.get("level", ""))
    rows = _readable_rows(request, ranking(framework, level, parent, period))
    if unit.level in (Level.COMMUNE, Level.AGENCY):
        # A commune's (agency's) page exports its own line, ranked among its province's peers.
        rows = [row for row in rows if row.unit.code == unit.code]
    content = documents.ranking_workbook(documents.ranking_title(level, parent), framework, period, level, rows)
    return _attachment(with_figures(content, rows, period), XLSX,
                       f"xep-hang-{unit.code}-{framework.code}-{period.code}.xlsx")


def with_figures(content: bytes, rows, period: Period) -> bytes:
    """The ranking workbook with each unit's dossier counts and on-time rate for the period, beside its scores.

    Received, resolved, resolved in time (early or on time), resolved late and the on-time rate (in time /
    resolved, as the pages show it, one decimal; empty with nothing resolved) over the period; pending past
    their due time at the period's end (now, for a period reaching today). Two grouped reads for all rows.
    """
    book = load_workbook(BytesIO(content))
    sheet = book.active
    units = [row.unit for row in rows]
    counts = stored_values([u.code for u in units], period.start, period.end, FIGURE_METRICS)
    pending = pending_values(units, period.end) if units else {}
    first = sheet.max_column + 1
    for offset, header in enumerate(FIGURE_HEADERS):
        cell = sheet.cell(row=3, column=first + offset, value=header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(first + offset)].width = 14
    for line in range(4, sheet.max_row + 1):
        code = sheet.cell(row=line, column=2).value  # column B: the unit's code
        got = counts.get(code, {})
        received, resolved, late = (int(got.get(m, 0) or 0) for m in (codes.RECEIVED, codes.RESOLVED,
                                                                          codes.RESOLVED_LATE))
        in_time = int(got.get(codes.RESOLVED_EARLY, 0) or 0) + int(got.get(codes.RESOLVED_ON_TIME, 0) or 0)
        rate = round(100 * in_time / resolved, 1) if resolved else None
        overdue = int(pending.get(code, {}).get(codes.PENDING_OVERDUE, 0) or 0)
        for offset, value in enumerate((received, resolved, in_time, late, rate, overdue)):
            cell = sheet.cell(row=line, column=first + offset, value=value)
            cell.number_format = "0.0" if offset == 4 else "#,##0"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def weekly_report_pdf(request, code: str):
    """The weekly report of a unit as PDF: `?week=2026-W33` (default: the last full week)."""
    try:
        unit = readable_unit_or_deny(request, code)
    except LoginRequired:
        return login_redirect(request)
    today = timezone.localdate()
    text = request.GET.get("week") or _last_week(today)
    week = parse_period(text, param="week")
    if week.kind is not PeriodKind.WEEK:
        raise InvalidParameter("week", f"Cần một tuần ISO, ví dụ 2026-W33, không phải {shown(text)}")
    framework = _framework(request.GET.get("framework") or DEFAULT_FRAMEWORK)
    report = build_weekly_report(request, unit, week, framework, today)
    return _attachment(documents.weekly_report_pdf(report), "application/pdf",
                       f"bao-cao-tuan-{unit.code}-{week.code}.pdf")


def build_weekly_report(request, unit: Unit, week: Period, framework, issued_on) -> documents.WeeklyReport:
    """Gather the week's figures, the ranking of the unit's sub-units and the week's alerts."""
    this_week = metric_totals(unit, week.start, week.end)
    previous = week.previous()
    last_week = metric_totals(unit, previous.start, previous.end)
    level, parent = ranking_scope(unit, "")
    all_rows = ranking(framework, level, parent, week)
    rows = _readable_rows(request, all_rows)
    return documents.WeeklyReport(
        unit=unit, week=week, issued_on=issued_on, framework=framework,
        figures=documents.figure_lines(this_week, last_week), online_share=documents.online_share(this_week),
        ranking_title=documents.ranking_title(level, parent), ranking=rows, ranked_count=len(all_rows),
        alerts=_week_alerts(unit, week),
    )


def ranking_scope(unit: Unit, level: str) -> tuple[str, Unit | None]:
    """(level, parent) of the ranking a unit's page shows.

    The nation ranks its provinces; a province its communes (or, with `level=agency`, its
    agencies); a commune or agency is shown among its province's peers.
    """
    if unit.level == Level.NATIONAL:
        if level not in ("", Level.PROVINCE):
            raise InvalidParameter("level", f"Trang toàn quốc xếp hạng các tỉnh (province), không phải {shown(level)}")
        return Level.PROVINCE, None
    if unit.level == Level.PROVINCE:
        if level not in ("", Level.COMMUNE, Level.AGENCY):
            raise InvalidParameter("level", "Trang tỉnh xếp hạng xã (commune) hoặc sở, ngành (agency), "
                                            f"không phải {shown(level)}")
        return (level or Level.COMMUNE), unit
    if level not in ("", unit.level):
        raise InvalidParameter("level", f"Trang này xếp hạng các đơn vị cấp {unit.level}, không phải {shown(level)}")
    return unit.level, unit.parent


def _framework(code: str) -> Framework:
    """The current version of a framework, or an InvalidParameter naming `framework`."""
    if code not in dict(FRAMEWORKS):
        known = ", ".join(known for known, _label in FRAMEWORKS)
        raise InvalidParameter("framework", f"Không có bộ chỉ số {shown(code)}; có: {known}")
    try:
        return current_framework(code)[1]
    except UnknownFramework as exc:
        raise InvalidParameter("framework", str(exc)) from exc


def _readable_rows(request, rows):
    actor = Actor.for_user(request.user)
    codes = {row.unit.code for row in rows}
    readable = set(readable_units(actor).filter(code__in=codes).values_list("code", flat=True))
    return [row for row in rows if row.unit.code in readable]


def _week_alerts(unit: Unit, week: Period) -> list:
    """The alerts of the unit and the units below it as of the week's last day.

    The alert windows end on the given day: "this week" is then exactly the reported week.
    """
    return current_alerts(unit, today=week.end)


def _last_week(today) -> str:
    year, week, _ = (today - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", filename)
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["Cache-Control"] = "private, no-store"
    return response
