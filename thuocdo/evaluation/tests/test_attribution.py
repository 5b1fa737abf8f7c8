"""Why did the score change: indicators, procedures, communes, provinces; lines that always sum exactly."""

import sys
import types
from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
import yaml

from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.ontime import Status
from thuocdo.dossiers.tests.factories import ICT, LAM_THAO, PHU_MY, PHU_THO, accepted, at, event
from thuocdo.evaluation.attribution import ROUNDING_LABEL, attribute_change, count_text, signed_points, summary
from thuocdo.evaluation.frameworks import load_preset, parse_framework
from thuocdo.evaluation.periods import parse_period
from thuocdo.units.models import Unit

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=ICT)  # October and November 2026 are over
OCTOBER, NOVEMBER = parse_period("2026-10"), parse_period("2026-11")
BIRTH, MARRIAGE, RESIDENCE = "1.004227", "1.000894", "1.001612"
NAMES = {BIRTH: "Đăng ký khai sinh"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def names(monkeypatch):
    """The procedure catalogue's names (thuocdo.procedures.names, another module's work) as a fixed stand-in."""
    catalogue = types.ModuleType("thuocdo.procedures.names")
    catalogue.procedure_names = lambda codes: {code: NAMES[code] for code in codes if code in NAMES}
    monkeypatch.setitem(sys.modules, "thuocdo.procedures.names", catalogue)


def dossiers(prefix: str, month: str, count: int, *, late: int = 0, pending_overdue: int = 0,
             procedure: str = BIRTH, unit: str = LAM_THAO, online: int | None = None) -> list[dict]:
    """`count` dossiers of one procedure accepted on the 2nd, due the 12th: `late` processed on the 20th,
    `pending_overdue` never ended, the rest processed on the 5th; the first `online` of them online."""
    rows = []
    for n in range(count):
        code = f"{prefix}-{n}"
        channel = 2 if online is not None and n < online else 1
        rows.append(accepted(code, at(f"{month}-02"), at(f"{month}-12", "17:00"), unit=unit, procedure=procedure,
                             channel=channel))
        if n < pending_overdue:
            continue
        ended = f"{month}-20" if n < pending_overdue + late else f"{month}-05"
        rows.append(event(code, Status.PROCESSED, at(ended), unit=unit, procedure=procedure))
    return rows


def ingest(rows: list[dict]) -> None:
    summary_ = ingest_dossier_events(Actor.system(), rows)
    assert summary_.rejected == []


def indicator(result, group: str, code: str):
    found = next(g for g in result.groups if g.code == group)
    return next(i for i in found.indicators if i.code == code)


def lines(item) -> list[tuple]:
    return [(line.kind, line.label, line.amount, line.numerator, line.denominator) for line in item.lines]


def assert_sums(result) -> None:
    """Lines sum to their indicator's change, indicators (and group rounding) to the group's, groups to the total."""
    for group in result.groups:
        for item in group.indicators:
            assert sum((line.amount for line in item.lines), Decimal(0)) == item.change, item.code
        assert sum((i.change for i in group.indicators), group.rounding) == group.change, group.code
    assert sum((g.change for g in result.groups), Decimal(0)) == result.change


def test_one_procedures_late_dossiers_explain_the_whole_drop():
    # October: 20 dossiers of three procedures, all on time (20/20 → 20 points). November: the same
    # counts, but 3 birth registrations were processed late and 1 is still pending past its deadline.
    ingest(dossiers("O-B", "2026-10", 10) + dossiers("O-M", "2026-10", 6, procedure=MARRIAGE)
           + dossiers("O-R", "2026-10", 4, procedure=RESIDENCE))
    ingest(dossiers("N-B", "2026-11", 10, late=3, pending_overdue=1) + dossiers("N-M", "2026-11", 6, procedure=MARRIAGE)
           + dossiers("N-R", "2026-11", 4, procedure=RESIDENCE))
    result = attribute_change(load_preset("qd766"), Unit.objects.get(code=LAM_THAO), NOVEMBER)
    assert (result.against, result.by, result.reason) == (OCTOBER, "procedure", "")
    assert (result.total_before, result.total, result.change) == (Decimal("20.00"), Decimal("16.00"), Decimal("-4.00"))
    on_time = indicator(result, "TDGQ", "DOSSIER_ON_TIME")
    assert (on_time.points_before, on_time.points, on_time.change) == (Decimal("20.00"), Decimal("16.00"),
                                                                        Decimal("-4.00"))
    # c = 20 × (6 − 1 × 10) / 20 = −4: the birth registrations' line is the whole change; the others moved nothing.
    assert lines(on_time) == [("contributor", f"thủ tục {BIRTH} Đăng ký khai sinh", Decimal("-4.00"), Decimal(6),
                               Decimal(10))]
    assert (on_time.lines[0].shortfall, on_time.lines[0].name) == (4, "Đăng ký khai sinh")
    assert [g.change for g in result.groups if g.code != "TDGQ"] == [Decimal(0)] * 5
    assert_sums(result)
    assert summary(result) == (
        f"−4,00 điểm: Tiến độ giải quyết −4,00 (thủ tục {BIRTH} Đăng ký khai sinh: 4 hồ sơ trễ hạn)")


def test_rounding_of_the_lines_is_one_explicit_line():
    # November: one late dossier in each of three procedures of 10: 27/30 → 18.00, change −2.00;
    # each procedure c = 20 × (9 − 10) / 30 = −0.6667 → −0.67, three of them −2.01: rounding +0.01.
    for month, late in (("2026-10", 0), ("2026-11", 1)):
        ingest(dossiers(f"{month}-B", month, 10, late=late) + dossiers(f"{month}-M", month, 10, late=late,
                                                                      procedure=MARRIAGE)
               + dossiers(f"{month}-R", month, 10, late=late, procedure=RESIDENCE))
    result = attribute_change(load_preset("qd766"), Unit.objects.get(code=LAM_THAO), NOVEMBER, OCTOBER)
    on_time = indicator(result, "TDGQ", "DOSSIER_ON_TIME")
    assert on_time.change == Decimal("-2.00")
    assert [(line.kind, line.code, line.amount) for line in on_time.lines] == [
        ("contributor", MARRIAGE, Decimal("-0.67")), ("contributor", RESIDENCE, Decimal("-0.67")),
        ("contributor", BIRTH, Decimal("-0.67")), ("rounding", "", Decimal("0.01"))]  # equal: by code
    assert on_time.lines[-1].label == ROUNDING_LABEL
    assert_sums(result)


def test_a_threshold_cut_is_the_cap_line():
    # cqdp2c ONLINE_SHARE: 10 points from 80 % online. October 10/10 online, November 9/10: still 10 points,
    # while the ratio alone moved 10 × (9 − 1 × 10) / (10 × 0.8) = −1.25: the cap line gives it back.
    ingest(dossiers("O", "2026-10", 10, online=10) + dossiers("N", "2026-11", 10, online=9))
    result = attribute_change(load_preset("cqdp2c"), Unit.objects.get(code=LAM_THAO), NOVEMBER)
    share = indicator(result, "TTHC", "ONLINE_SHARE")
    assert (share.points_before, share.points, share.change) == (Decimal("10.00"), Decimal("10.00"), Decimal(0))
    assert lines(share) == [("contributor", f"thủ tục {BIRTH} Đăng ký khai sinh", Decimal("-1.25"), Decimal(9),
                             Decimal(10)),
                            ("rounding", ROUNDING_LABEL, Decimal("1.25"), None, None)]
    assert_sums(result)


def test_a_province_is_attributed_to_its_communes():
    # Phú Thọ: October Lâm Thao 10 on time, Phú Mỹ 10 on time. November Lâm Thao 10 with 5 late, Phú Mỹ
    # 10 on time, plus 2 on-time dossiers of the province itself (no commune): 17/22 → 15.45.
    # c(Lâm Thao) = 20 × (5 − 10) / 22 = −4.5455 → −4.55; the province's own 2: 20 × (2 − 2) / 22 = 0.
    ingest(dossiers("O-LT", "2026-10", 10) + dossiers("O-PM", "2026-10", 10, unit=PHU_MY))
    ingest(dossiers("N-LT", "2026-11", 10, late=5) + dossiers("N-PM", "2026-11", 10, unit=PHU_MY)
           + dossiers("N-T", "2026-11", 2, unit=PHU_THO))
    result = attribute_change(load_preset("qd766"), Unit.objects.get(code=PHU_THO), NOVEMBER)
    on_time = indicator(result, "TDGQ", "DOSSIER_ON_TIME")
    assert (result.by, on_time.points, on_time.change) == ("commune", Decimal("15.45"), Decimal("-4.55"))
    assert lines(on_time) == [("contributor", "Xã Lâm Thao", Decimal("-4.55"), Decimal(5), Decimal(10))]
    assert_sums(result)
    assert summary(result) == "−4,55 điểm: Tiến độ giải quyết −4,55 (Xã Lâm Thao: 5 hồ sơ trễ hạn)"
    nation = attribute_change(load_preset("qd766"), Unit.objects.get(code="VN"), NOVEMBER)
    assert (nation.by, [(line.label, line.amount) for line in indicator(nation, "TDGQ", "DOSSIER_ON_TIME").lines]) == (
        "province", [("Tỉnh Phú Thọ", Decimal("-4.55"))])


def test_more_than_five_contributors_keep_an_others_line():
    # Seven procedures of 10 dossiers; in November procedure k has k late (k = 1..7): 42/70 → 12.00.
    procedures = [f"1.00000{k}" for k in range(1, 8)]
    for month in ("2026-10", "2026-11"):
        ingest([row for k, code in enumerate(procedures, start=1)
                for row in dossiers(f"{month}-{k}", month, 10, late=k if month == "2026-11" else 0, procedure=code)])
    result = attribute_change(load_preset("qd766"), Unit.objects.get(code=LAM_THAO), NOVEMBER)
    on_time = indicator(result, "TDGQ", "DOSSIER_ON_TIME")
    assert on_time.change == Decimal("-8.00")
    # c_k = 20 × (10 − k − 10) / 70 = −0.2857 k
    assert [(line.kind, line.code or line.label, line.amount) for line in on_time.lines] == [
        ("contributor", "1.000007", Decimal("-2.00")), ("contributor", "1.000006", Decimal("-1.71")),
        ("contributor", "1.000005", Decimal("-1.43")), ("contributor", "1.000004", Decimal("-1.14")),
        ("contributor", "1.000003", Decimal("-0.86")), ("others", "2 thủ tục khác", Decimal("-0.86")),
    ]
    assert (on_time.lines[-1].count, on_time.lines[-1].shortfall) == (2, 3)
    assert_sums(result)


def test_no_data_in_one_period_gives_no_change_and_says_why():
    ingest(dossiers("N", "2026-11", 10, late=2))
    result = attribute_change(load_preset("qd766"), Unit.objects.get(code=LAM_THAO), NOVEMBER)
    assert (result.change, result.groups, result.total, result.total_before) == (
        None, [], Decimal("16.00"), Decimal("0"))
    assert result.reason == ("Không so sánh được: không có số liệu hoặc không phát sinh hồ sơ trong Tháng 10/2026.")
    assert summary(result) == result.reason


def test_a_week_is_not_split_by_procedure():
    ingest(dossiers("O", "2026-10", 10) + dossiers("N", "2026-11", 10, late=2))
    result = attribute_change(load_preset("qd766"), Unit.objects.get(code=LAM_THAO),
                              parse_period("2026-10-26..2026-11-30"), parse_period("2026-09-20..2026-10-25"))
    on_time = indicator(result, "TDGQ", "DOSSIER_ON_TIME")
    assert on_time.change == Decimal("-4.00")
    assert lines(on_time) == [("remainder", "không phân tích được theo thủ tục cho kỳ này (chỉ phân tích theo "
                                            "thủ tục cho kỳ trọn tháng)", Decimal("-4.00"), Decimal(8), Decimal(10))]


def test_without_the_catalogue_a_procedure_is_named_by_its_code(monkeypatch):
    monkeypatch.setitem(sys.modules, "thuocdo.procedures.names", None)  # importing it raises ImportError
    ingest(dossiers("O", "2026-10", 10) + dossiers("N", "2026-11", 10, late=1))
    result = attribute_change(load_preset("qd766"), Unit.objects.get(code=LAM_THAO), NOVEMBER)
    assert summary(result) == f"−2,00 điểm: Tiến độ giải quyết −2,00 (thủ tục {BIRTH}: 1 hồ sơ trễ hạn)"


def test_vietnamese_numbers():
    assert (signed_points(Decimal("-3.1")), signed_points(Decimal("0.7")), signed_points(Decimal(0))) == (
        "−3,10", "+0,70", "0,00")
    assert (count_text(Decimal(1234)), count_text(Decimal("12.50")), count_text(None)) == ("1.234", "12,5", "—")


def test_a_composite_indicator_splits_part_by_part():
    # Parts: on time (linear, 4) and online (threshold 50 %, 6), at most 10. October: 10/10 on time, 10/10
    # online → 4 + 6. November: 8/10 on time (3.20), 4/10 online (6 × 0.4 / 0.5 = 4.80) → 8.00, change −2.00.
    # On time: 4 × (8 − 10) / 10 = −0.80; online: 6 × (4 − 10) / (10 × 0.5) = −7.20; cap line +6.00.
    framework = parse_framework(yaml.safe_dump({
        "code": "thu", "name": "Thử", "version": 1, "valid_from": "2026-01-01", "groups": [{
            "code": "X", "name": "Nhóm X", "max": 10, "indicators": [{
                "code": "MIX", "name": "Hỗn hợp", "max": 10, "rule": "composite", "parts": [
                    {"code": "T", "name": "Đúng hạn", "rule": "linear", "max": 4, "zero_denominator": "zero",
                     "numerator": "dossier.resolved.early + dossier.resolved.on_time",
                     "denominator": "dossier.resolved"},
                    {"code": "O", "name": "Trực tuyến", "rule": "threshold", "max": 6, "threshold": 0.5,
                     "zero_denominator": "zero", "numerator": "dossier.received.online",
                     "denominator": "dossier.received"}]}]}]}, allow_unicode=True), origin="thu.yaml")
    ingest(dossiers("O", "2026-10", 10, online=10) + dossiers("N", "2026-11", 10, late=2, online=4))
    result = attribute_change(framework, Unit.objects.get(code=LAM_THAO), NOVEMBER)
    mix = indicator(result, "X", "MIX")
    assert (mix.points_before, mix.points, mix.change) == (Decimal("10.00"), Decimal("8.00"), Decimal("-2.00"))
    assert [(line.kind, line.part, line.amount) for line in mix.lines] == [
        ("contributor", "Trực tuyến", Decimal("-7.20")), ("contributor", "Đúng hạn", Decimal("-0.80")),
        ("rounding", "", Decimal("6.00"))]
    assert_sums(result)
