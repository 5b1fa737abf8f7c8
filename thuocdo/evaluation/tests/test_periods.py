"""Evaluation periods: every accepted string, previous periods, ISO weeks, leap years, whole months."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from thuocdo.evaluation.periods import Period, PeriodError, PeriodKind, parse_period, whole_months

PROPERTY = settings(database=None, deadline=None, max_examples=300)
TODAY = date(2026, 8, 14)
FORMS = (
    "2026-08-14 (ngày), 2026-W33 (tuần ISO), 2026-08 (tháng), 2026-Q3 (quý), 2026 (năm), "
    "last-7-days (N ngày gần nhất), 2026-08-01..2026-08-20 (khoảng ngày), "
    "bc:2026-08, bc:2026-Q3, bc:2026 (kỳ báo cáo theo Nghị định 09/2019)"
)


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "label", "days", "previous"),
    [
        ("2026-08-14", "day", date(2026, 8, 14), date(2026, 8, 14), "14/08/2026", 1,
         (date(2026, 8, 13), date(2026, 8, 13), "13/08/2026")),
        ("2026-W33", "week", date(2026, 8, 10), date(2026, 8, 16), "Tuần 33/2026", 7,
         (date(2026, 8, 3), date(2026, 8, 9), "Tuần 32/2026")),
        ("2026-08", "month", date(2026, 8, 1), date(2026, 8, 31), "Tháng 8/2026", 31,
         (date(2026, 7, 1), date(2026, 7, 31), "Tháng 7/2026")),
        ("2026-Q3", "quarter", date(2026, 7, 1), date(2026, 9, 30), "Quý III/2026", 92,
         (date(2026, 4, 1), date(2026, 6, 30), "Quý II/2026")),
        ("2026", "year", date(2026, 1, 1), date(2026, 12, 31), "Năm 2026", 365,
         (date(2025, 1, 1), date(2025, 12, 31), "Năm 2025")),
        ("last-7-days", "rolling", date(2026, 8, 8), date(2026, 8, 14), "7 ngày gần nhất", 7,
         (date(2026, 8, 1), date(2026, 8, 7), "01/08/2026–07/08/2026")),
        ("last-30-days", "rolling", date(2026, 7, 16), date(2026, 8, 14), "30 ngày gần nhất", 30,
         (date(2026, 6, 16), date(2026, 7, 15), "16/06/2026–15/07/2026")),
        ("2026-08-01..2026-08-20", "custom", date(2026, 8, 1), date(2026, 8, 20), "01/08/2026–20/08/2026", 20,
         (date(2026, 7, 12), date(2026, 7, 31), "12/07/2026–31/07/2026")),
        ("bc:2026-08", "report_month", date(2026, 7, 15), date(2026, 8, 14), "Kỳ báo cáo tháng 8/2026", 31,
         (date(2026, 6, 15), date(2026, 7, 14), "Kỳ báo cáo tháng 7/2026")),
        ("bc:2026-Q3", "report_quarter", date(2026, 6, 15), date(2026, 9, 14), "Kỳ báo cáo quý III/2026", 92,
         (date(2026, 3, 15), date(2026, 6, 14), "Kỳ báo cáo quý II/2026")),
        ("bc:2026", "report_year", date(2025, 12, 15), date(2026, 12, 14), "Kỳ báo cáo năm 2026", 365,
         (date(2024, 12, 15), date(2025, 12, 14), "Kỳ báo cáo năm 2025")),
        ("2026-01", "month", date(2026, 1, 1), date(2026, 1, 31), "Tháng 1/2026", 31,
         (date(2025, 12, 1), date(2025, 12, 31), "Tháng 12/2025")),
        ("2026-Q1", "quarter", date(2026, 1, 1), date(2026, 3, 31), "Quý I/2026", 90,
         (date(2025, 10, 1), date(2025, 12, 31), "Quý IV/2025")),
        ("bc:2026-01", "report_month", date(2025, 12, 15), date(2026, 1, 14), "Kỳ báo cáo tháng 1/2026", 31,
         (date(2025, 11, 15), date(2025, 12, 14), "Kỳ báo cáo tháng 12/2025")),
        ("bc:2026-Q1", "report_quarter", date(2025, 12, 15), date(2026, 3, 14), "Kỳ báo cáo quý I/2026", 90,
         (date(2025, 9, 15), date(2025, 12, 14), "Kỳ báo cáo quý IV/2025")),
        ("2026-01-01", "day", date(2026, 1, 1), date(2026, 1, 1), "01/01/2026", 1,
         (date(2025, 12, 31), date(2025, 12, 31), "31/12/2025")),
    ],
)
def test_every_form(text, kind, start, end, label, days, previous):
    period = parse_period(text, today=TODAY)
    assert (period.kind, period.start, period.end, period.label, period.days) == (kind, start, end, label, days)
    before = period.previous()
    assert (before.start, before.end, before.label) == previous
    assert before.kind == period.kind


@pytest.mark.parametrize(
    ("text", "same_as"),
    [(" 2026-q3 ", "2026-Q3"), ("2026-w33", "2026-W33"), ("BC:2026-08", "bc:2026-08"), ("LAST-7-DAYS", "last-7-days")],
)
def test_spaces_and_letter_case_are_ignored(text, same_as):
    assert parse_period(text, today=TODAY) == parse_period(same_as, today=TODAY)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026/08", f"Kỳ không hợp lệ: '2026/08'. Các dạng được chấp nhận: {FORMS}"),
        ("", f"Kỳ không hợp lệ: ''. Các dạng được chấp nhận: {FORMS}"),
        ("2026-8", f"Kỳ không hợp lệ: '2026-8'. Các dạng được chấp nhận: {FORMS}"),
        ("last-week", f"Kỳ không hợp lệ: 'last-week'. Các dạng được chấp nhận: {FORMS}"),
        ("2026-13", "Kỳ không hợp lệ '2026-13': Tháng phải từ 1 đến 12, không phải 13"),
        ("2026-00", "Kỳ không hợp lệ '2026-00': Tháng phải từ 1 đến 12, không phải 0"),
        ("2026-Q5", "Kỳ không hợp lệ '2026-Q5': Quý phải từ 1 đến 4, không phải 5"),
        ("bc:2026-Q0", "Kỳ không hợp lệ 'bc:2026-Q0': Quý phải từ 1 đến 4, không phải 0"),
        ("2026-02-29", "Kỳ không hợp lệ '2026-02-29': Ngày không tồn tại: 2026-02-29"),
        ("2026-W00", "Kỳ không hợp lệ '2026-W00': Năm 2026 không có tuần 0 (tuần theo ISO 8601)"),
        ("2025-W53", "Kỳ không hợp lệ '2025-W53': Năm 2025 không có tuần 53 (tuần theo ISO 8601)"),
        ("2027-W53", "Kỳ không hợp lệ '2027-W53': Năm 2027 không có tuần 53 (tuần theo ISO 8601)"),
        ("last-0-days", "Kỳ không hợp lệ 'last-0-days': Số ngày phải từ 1 đến 3660, không phải 0"),
        ("last-3661-days", "Kỳ không hợp lệ 'last-3661-days': Số ngày phải từ 1 đến 3660, không phải 3661"),
        ("2026-08-20..2026-08-01",
         "Kỳ không hợp lệ '2026-08-20..2026-08-01': Kỳ không hợp lệ: ngày kết thúc 01/08/2026 trước ngày bắt đầu "
         "20/08/2026"),
        ("2026-08-01..2026-08-32", "Kỳ không hợp lệ '2026-08-01..2026-08-32': Ngày không tồn tại: 2026-08-32"),
    ],
)
def test_bad_input_is_refused_in_vietnamese(text, message):
    with pytest.raises(PeriodError) as caught:
        parse_period(text, today=TODAY)
    assert (caught.value.param, caught.value.message) == ("period", message)


def test_iso_weeks_at_year_edges():
    # 2020 and 2026 begin on a Wednesday/Thursday and have 53 ISO weeks; 2025 and 2027 have 52.
    week = parse_period("2020-W53")
    assert (week.start, week.end, week.label) == (date(2020, 12, 28), date(2021, 1, 3), "Tuần 53/2020")
    assert parse_period("2026-W53").start == date(2026, 12, 28)
    first = parse_period("2026-W01")
    assert (first.start, first.end, first.label) == (date(2025, 12, 29), date(2026, 1, 4), "Tuần 1/2026")
    assert first.previous() == Period.for_week(2025, 52)
    assert parse_period("2021-W01").previous() == week
    assert parse_period("2027-W01").start == date(2027, 1, 4)


def test_leap_years():
    february = parse_period("2024-02")
    assert (february.end, february.days) == (date(2024, 2, 29), 29)
    assert parse_period("2024-03").previous() == february
    assert parse_period("2024-02-29").previous().start == date(2024, 2, 28)
    assert parse_period("2024").days == 366
    assert parse_period("2024-Q1").days == 91
    assert parse_period("bc:2024-03").days == 29
    assert parse_period("2100-02").days == 28  # divisible by 100, not by 400
    assert parse_period("2000-02").days == 29
    assert parse_period("2024-02-20..2024-03-01").days == 11
    assert parse_period("bc:2025").days == 365  # 15/12/2024–14/12/2025 misses 29/02/2024


def test_rolling_window_ends_on_the_local_today():
    # 18:00 UTC on 13 August is 01:00 on 14 August in Hà Nội.
    with time_machine.travel(datetime(2026, 8, 13, 18, 0, tzinfo=UTC), tick=False):
        period = parse_period("last-1-days")
    assert (period.start, period.end, period.label) == (TODAY, TODAY, "1 ngày gần nhất")


def test_contains_and_code():
    period = parse_period("bc:2026-08")
    assert [period.contains(day) for day in (date(2026, 7, 14), date(2026, 7, 15), date(2026, 8, 14),
                                             date(2026, 8, 15))] == [False, True, True, False]
    assert parse_period("last-7-days", today=TODAY).code == "2026-08-08..2026-08-14"
    codes = ["2026-08-14", "2026-W33", "2026-08", "2026-Q3", "2026", "2026-08-01..2026-08-20", "bc:2026-08",
             "bc:2026-Q3", "bc:2026"]
    assert [parse_period(code).code for code in codes] == codes


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("2026-08", [date(2026, 8, 1)]),
        ("2026-Q3", [date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)]),
        ("2026", [date(2026, month, 1) for month in range(1, 13)]),
        ("2025-12-01..2026-01-31", [date(2025, 12, 1), date(2026, 1, 1)]),
        ("2024-02-01..2024-02-29", [date(2024, 2, 1)]),
        ("2024-02-01..2024-02-28", None),
        ("2026-08-02..2026-08-31", None),
        ("2026-08-14", None),
        ("2026-W33", None),
        ("bc:2026-08", None),
        ("last-31-days", None),
    ],
)
def test_whole_months(text, months):
    assert whole_months(parse_period(text, today=TODAY)) == months


# Inside the supported window (2000–2100) with room for ten years of rolling window and 800 custom days.
days = st.dates(min_value=date(2010, 1, 1), max_value=date(2098, 10, 1))


@st.composite
def periods(draw):
    """Draw a period of any kind within 2000–2100."""
    day = draw(days)
    kind = draw(st.sampled_from(PeriodKind))
    quarter = (day.month - 1) // 3 + 1
    if kind is PeriodKind.ROLLING:
        return Period.rolling(draw(st.integers(1, 3660)), day)
    if kind is PeriodKind.CUSTOM:
        return Period.custom(day, day + timedelta(days=draw(st.integers(0, 800))))
    return {
        PeriodKind.DAY: lambda: Period.for_day(day),
        PeriodKind.WEEK: lambda: Period.for_week(*day.isocalendar()[:2]),
        PeriodKind.MONTH: lambda: Period.for_month(day.year, day.month),
        PeriodKind.QUARTER: lambda: Period.for_quarter(day.year, quarter),
        PeriodKind.YEAR: lambda: Period.for_year(day.year),
        PeriodKind.REPORT_MONTH: lambda: Period.report_month(day.year, day.month),
        PeriodKind.REPORT_QUARTER: lambda: Period.report_quarter(day.year, quarter),
        PeriodKind.REPORT_YEAR: lambda: Period.report_year(day.year),
    }[kind]()


@PROPERTY
@given(period=periods())
def test_previous_ends_the_day_before(period):
    before = period.previous()
    assert before.end == period.start - timedelta(days=1)
    assert before.kind == period.kind
    if period.kind in {PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.ROLLING, PeriodKind.CUSTOM}:
        assert before.days == period.days


@PROPERTY
@given(period=periods())
def test_calendar_previous_is_one_unit_back(period):
    before = period.previous()
    months_back = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12, PeriodKind.REPORT_MONTH: 1,
                   PeriodKind.REPORT_QUARTER: 3, PeriodKind.REPORT_YEAR: 12}.get(period.kind)
    if months_back is None:
        return
    step = period.start.year * 12 + period.start.month - 1 - months_back
    assert (before.start.year, before.start.month, before.start.day) == (step // 12, step % 12 + 1, period.start.day)
    assert before.start.day == (1 if period.kind in {PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR} else 15)


@PROPERTY
@given(period=periods())
def test_code_parses_back_to_the_same_days(period):
    again = parse_period(period.code)
    assert (again.start, again.end) == (period.start, period.end)
    if period.kind is not PeriodKind.ROLLING:
        assert again == period
