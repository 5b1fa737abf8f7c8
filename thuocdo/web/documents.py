"""Exported documents: the ranking of a view as an Excel workbook, the weekly report as a PDF.

Both are built from the same queries as the pages (`evaluation.queries.ranking`,
`metrics.queries.metric_totals`); the views in `exports.py` check access and pick the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO

from django.template.loader import render_to_string
from django.utils import formats, translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from thuocdo.evaluation.coverage import Coverage, coverage_of
from thuocdo.evaluation.frameworks import Framework
from thuocdo.evaluation.periods import Period
from thuocdo.evaluation.queries import ScoreRow
from thuocdo.metrics import codes
from thuocdo.units.choices import Level
from thuocdo.units.models import Unit

LEVEL_PLURAL = {
    Level.PROVINCE: "tỉnh, thành phố",
    Level.COMMUNE: "xã, phường, đặc khu",
    Level.AGENCY: "sở, ban, ngành",
}
RANKING_HEADERS = ["Hạng", "Mã đơn vị", "Tên đơn vị", "Tổng điểm", "Trên số điểm có số liệu", "Phạm vi số liệu",
                   "Xếp loại", "Thay đổi so với kỳ trước"]
TEXT_COLUMNS = {2, 3, 6, 7}  # code, name, coverage, grade: the other score columns are numbers (0.00)
# The weekly report's figures, in the order of the usual provincial report (Nghị định 09/2019 forms).
REPORT_FIGURES = [
    (codes.RECEIVED, "Hồ sơ tiếp nhận"),
    (codes.RECEIVED_ONLINE, "trong đó: tiếp nhận trực tuyến"),
    (codes.RESOLVED, "Hồ sơ đã giải quyết"),
    (codes.RESOLVED_EARLY, "giải quyết trước hạn"),
    (codes.RESOLVED_ON_TIME, "giải quyết đúng hạn"),
    (codes.RESOLVED_LATE, "giải quyết quá hạn"),
    (codes.PENDING, "Hồ sơ đang giải quyết (cuối tuần)"),
    (codes.PENDING_OVERDUE, "trong đó: đang giải quyết quá hạn"),
]
SUB_FIGURES = {codes.RECEIVED_ONLINE, codes.RESOLVED_EARLY, codes.RESOLVED_ON_TIME, codes.RESOLVED_LATE,
               codes.PENDING_OVERDUE}


def ranking_title(level: str, parent: Unit | None) -> str:
    """"Xếp hạng các xã, phường, đặc khu — Tỉnh Phú Thọ" (the nation when there is no parent)."""
    where = parent.name if parent is not None and parent.level != Level.NATIONAL else "Toàn quốc"
    return f"Xếp hạng các {LEVEL_PLURAL[Level(level)]} — {where}"


def ranking_workbook(title: str, framework: Framework, period: Period, level: str, rows: list[ScoreRow]) -> bytes:
    """The ranking as an .xlsx: a title row, a row naming framework and period, headers, one row per unit."""
    groups = framework.groups_for(level)
    headers = RANKING_HEADERS + [f"{g.name} (tối đa {_plain(g.max_points)})" for g in groups]
    book = Workbook()
    sheet = book.active
    sheet.title = "Xếp hạng"
    sheet.append([title])
    sheet.append([f"Bộ chỉ số: {framework.name}, phiên bản {framework.version} · Kỳ: {period.label} "
                  f"({period.start:%d/%m/%Y}–{period.end:%d/%m/%Y})"])
    sheet.append(headers)
    for row in rows:
        score = row.score
        coverage = coverage_of(framework, score)
        sheet.append([row.rank, row.unit.code, row.unit.name, None if coverage.idle else _number(score.total),
                      None if coverage.idle or score.total is None else _number(coverage.covered),
                      coverage_note(coverage), score.grade, _number(row.change),
                      *(_number(score.points_by_group.get(g.code)) for g in groups)])
    last_column = get_column_letter(len(headers))
    sheet.merge_cells(f"A1:{last_column}1")
    sheet.merge_cells(f"A2:{last_column}2")
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for column, width in zip("ABCDEFGH", (7, 11, 34, 11, 12, 30, 12, 14), strict=True):
        sheet.column_dimensions[column].width = width
    for index in range(len(RANKING_HEADERS) + 1, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 16
    for cells in sheet.iter_rows(min_row=4, min_col=4, max_col=len(headers)):
        for cell in cells:
            if cell.column not in TEXT_COLUMNS:
                cell.number_format = "0.00"
    sheet.freeze_panes = "D4"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class FigureLine:
    """One line of the weekly report's table of figures."""

    label: str
    this_week: str
    previous_week: str
    sub: bool


@dataclass
class WeeklyReport:
    """What the weekly report of one unit says."""

    unit: Unit
    week: Period
    issued_on: date
    framework: Framework
    figures: list[FigureLine]
    online_share: str
    ranking_title: str
    ranking: list[ScoreRow]
    ranked_count: int
    alerts: list = field(default_factory=list)  # thuocdo.alerts.queries.Alert

    @property
    def issuer(self) -> tuple[str, str]:
        """(governing body, issuing body) of the document's top-left block, in capitals."""
        if self.unit.level == Level.NATIONAL:
            return "", "HỆ THỐNG THƯỚC ĐO"
        if self.unit.level == Level.PROVINCE:
            return "", f"UBND {self.unit.name.upper()}"
        province = self.unit.parent
        governing = f"UBND {province.name.upper()}" if province is not None else ""
        if self.unit.level == Level.AGENCY:
            return governing, self.unit.name.upper()
        return (province.name.upper() if province is not None else ""), f"UBND {self.unit.name.upper()}"

    @property
    def number_line(self) -> str:
        """"Số:      /BC-UBND": the number is left blank, the clerk writes it when the document is registered."""
        if self.unit.level in (Level.PROVINCE, Level.COMMUNE):
            return "Số:          /BC-UBND"
        return f"Số:          /BC-{_initials(self.issuer[1])}"

    @property
    def recipients(self) -> list[str]:
        """The "Nơi nhận" list, bottom left: the superior first (để báo cáo), the archive (Lưu: VT) last."""
        if self.unit.level == Level.NATIONAL:
            return ["Thủ tướng Chính phủ (để báo cáo);", "Văn phòng Chính phủ;", "Bộ Nội vụ;",
                    "UBND các tỉnh, thành phố;", "Lưu: VT."]
        if self.unit.level == Level.PROVINCE:
            return ["Văn phòng Chính phủ (để báo cáo);",
                    "Chủ tịch, các Phó Chủ tịch UBND tỉnh;", "UBND các xã, phường, đặc khu;", "Lưu: VT."]
        province = self.unit.parent
        above = f"UBND {_lower_kind(province)}" if province is not None else "UBND cấp trên"
        if self.unit.level == Level.AGENCY:
            return [f"{above} (để báo cáo);", "Lưu: VT."]
        return [f"{above} (để báo cáo);", f"Văn phòng {above};",
                f"Chủ tịch, các Phó Chủ tịch UBND {_kind(self.unit)};", "Lưu: VT."]

    @property
    def signer(self) -> tuple[str, str]:
        """(authority line, position) of the signature block: "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"."""
        if self.unit.level in (Level.PROVINCE, Level.COMMUNE):
            return "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"
        return "", "THỦ TRƯỞNG ĐƠN VỊ"

    @property
    def place_and_date(self) -> str:
        """"Phú Thọ, ngày 17 tháng 8 năm 2026": the unit's place name (Hà Nội for the nation)."""
        place = "Hà Nội" if self.unit.level == Level.NATIONAL else self.unit.short_name
        day = self.issued_on
        return f"{place}, ngày {day.day} tháng {day.month} năm {day.year}"

    @property
    def ranking_lines(self) -> list[tuple[ScoreRow, str, bool]]:
        """Each ranking row with its score as the report writes it ("18,72 / 20 điểm có số liệu · 1/6 nhóm")
        and whether it is the reporting unit's own row (highlighted, marked "(*)")."""
        return [(row, coverage_of(self.framework, row.score).label(), row.unit.code == self.unit.code)
                for row in self.ranking]

    @property
    def own_row_listed(self) -> bool:
        return any(row.unit.code == self.unit.code for row in self.ranking)

    @property
    def title(self) -> str:
        week_number = self.week.start.isocalendar()[1]
        return (f"BÁO CÁO TÌNH HÌNH GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TUẦN "
                f"{week_number}/{self.week.start.isocalendar()[0]}")


def coverage_note(coverage: Coverage) -> str:
    """The coverage column of the workbook: "đủ số liệu", "1/6 nhóm; chưa có số liệu: …", "không phát sinh"."""
    if coverage.idle:
        return "không phát sinh"
    if coverage.total is None:
        return "chưa có số liệu"
    if coverage.full:
        return "đủ số liệu"
    return f"{len(coverage.with_data)}/{coverage.groups} nhóm; {coverage.missing()}"


def figure_lines(this_week: dict, previous_week: dict) -> list[FigureLine]:
    """The report's figures, formatted the Vietnamese way (1.234)."""
    return [FigureLine(label, vi_number(this_week.get(code)), vi_number(previous_week.get(code)), code in SUB_FIGURES)
            for code, label in REPORT_FIGURES]


def online_share(totals: dict) -> str:
    """Online share of the dossiers received, "78,4%" (— without dossiers)."""
    received = totals.get(codes.RECEIVED) or 0
    if not received:
        return "—"
    return vi_number(Decimal(totals.get(codes.RECEIVED_ONLINE, 0)) * 100 / Decimal(received), 1) + "%"


def weekly_report_pdf(report: WeeklyReport) -> bytes:
    """Render the weekly report (state document layout, Nghị định 30/2020) to PDF with WeasyPrint."""
    import weasyprint  # needs pango (system-deps); imported here so the rest of the site runs without it

    with translation.override("vi"):
        html = render_to_string("exports/weekly_report.html", {"report": report})
    return weasyprint.HTML(string=html).write_pdf()


def vi_number(value, decimals: int | None = None) -> str:
    """1234 → "1.234"; 12.5 → "12,5"; None → "—"."""
    if value is None:
        return "—"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 2
    with translation.override("vi"):
        return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)


def _kind(unit: Unit) -> str:
    """"xã" for Xã Lâm Thao, "phường", "đặc khu", "tỉnh", "thành phố": the name's leading words."""
    return unit.name[: len(unit.name) - len(unit.short_name)].strip().lower() or unit.name


def _lower_kind(unit: Unit) -> str:
    """"tỉnh Phú Thọ" for Tỉnh Phú Thọ, as a recipient is written mid-sentence."""
    return f"{_kind(unit)} {unit.short_name}" if unit.name.endswith(unit.short_name) else unit.name


def _initials(name: str) -> str:
    """"SỞ NỘI VỤ" → "SNV": the usual abbreviation of an issuing body in a document number."""
    return "".join(word[0] for word in name.split() if word[0].isalpha()) or "TĐ"


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
