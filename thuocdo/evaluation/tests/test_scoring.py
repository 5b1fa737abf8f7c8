"""Scoring rules, zero denominators, rounding, "no data", grades, ranks and changes."""

from decimal import Decimal

import pytest
import yaml

from thuocdo.evaluation.frameworks import GIVEN_LABEL, Level, Rule, parse_framework
from thuocdo.evaluation.scoring import Status, change, grade, rank, round_half_up, score_unit


def build(*indicators: dict, group_max=10, more_groups=(), **top):
    """Return a framework with one group X of these indicators (plus any more groups)."""
    data = {"code": "test", "name": "Thử", "version": 1, "valid_from": "2026-01-01", **top,
            "groups": [{"code": "X", "name": "Nhóm X", "max": group_max, "indicators": list(indicators)},
                       *more_groups]}
    return parse_framework(yaml.safe_dump(data, allow_unicode=True), origin="test.yaml")


def ratio(code="A", rule="linear", max=10, zero="not_applicable", **extra):
    return {"code": code, "name": code, "max": max, "rule": rule, "numerator": "m.done",
            "denominator": "m.total", "zero_denominator": zero, **extra}


def indicator(framework, values, level=Level.COMMUNE, code="A"):
    group = score_unit(framework, level, values).groups["X"]
    return next(item for item in group.indicators if item.code == code)


@pytest.mark.parametrize(("rule", "extra", "done", "points"), [
    ("linear", {}, 7, "7.00"),
    ("linear", {}, 12, "12.00"),  # linear is not capped: a ratio over 1 gives more than max
    ("capped_linear", {}, 7, "7.00"),
    ("capped_linear", {}, 12, "10.00"),
    ("threshold", {"threshold": 0.8}, 4, "5.00"),  # 10 × 0.4 / 0.8
    ("threshold", {"threshold": 0.8}, 8, "10.00"),  # full at the threshold
    ("threshold", {"threshold": 0.8}, 9, "10.00"),
])
def test_ratio_rules(rule, extra, done, points):
    result = indicator(build(ratio(rule=rule, **extra)), {"m.done": done, "m.total": 10})
    assert (result.status, result.points) == (Status.SCORED, Decimal(points))
    assert (result.numerator, result.denominator, result.ratio) == (Decimal(done), Decimal(10),
                                                                    Decimal(done) / 10)


@pytest.mark.parametrize(("zero", "status", "points", "group"), [
    ("full", Status.SCORED, Decimal("10.00"), Decimal("10.00")),
    ("zero", Status.SCORED, Decimal("0.00"), Decimal("0.00")),
    ("not_applicable", Status.NOT_APPLICABLE, None, Decimal("0.00")),
])
@pytest.mark.parametrize("rule", ["linear", "capped_linear", "threshold"])
def test_zero_denominator_under_each_rule(rule, zero, status, points, group):
    extra = {"threshold": 0.5} if rule == "threshold" else {}
    framework = build(ratio(rule=rule, zero=zero, **extra))
    result = indicator(framework, {"m.done": 0, "m.total": 0})
    assert (result.status, result.points, result.zero_denominator, result.ratio) == (status, points, True, None)
    assert score_unit(framework, Level.COMMUNE, {"m.done": 0, "m.total": 0}).points_by_group == {"X": group}


def test_zero_denominator_inside_an_expression_follows_the_zero_rule():
    framework = build(ratio(zero="full", numerator="m.done / m.total", denominator="1"))
    result = indicator(framework, {"m.done": 3, "m.total": 0})
    assert (result.status, result.points, result.zero_denominator) == (Status.SCORED, Decimal("10.00"), True)


def test_not_applicable_keeps_the_group_maximum():
    framework = build(ratio("A", max=6), ratio("B", max=4, numerator="m.b", denominator="m.bt"))
    score = score_unit(framework, Level.COMMUNE, {"m.done": 0, "m.total": 0, "m.b": 1, "m.bt": 2})
    assert score.points_by_group == {"X": Decimal("2.00")}
    assert (score.groups["X"].max_points, score.max_points) == (Decimal(10), Decimal(10))


def test_composite_rounds_each_part_then_caps_at_max():
    # Online payment: 6A + min(2, 2.5B) + 2.5C, a zero denominator making a part 0.
    parts = [
        {"code": "A", "rule": "linear", "max": 6, "numerator": "p.a", "denominator": "p.at",
         "zero_denominator": "zero"},
        {"code": "B", "rule": "threshold", "max": 2, "threshold": 0.8, "numerator": "p.b", "denominator": "p.ft",
         "zero_denominator": "zero"},
        {"code": "C", "rule": "linear", "max": 2.5, "numerator": "p.c", "denominator": "p.ft",
         "zero_denominator": "zero"},
    ]
    framework = build({"code": "PAY", "name": "Thanh toán", "max": 10, "rule": "composite", "parts": parts})
    values = {"p.a": 1, "p.at": 3, "p.b": 1, "p.c": 1, "p.ft": 3}
    result = indicator(framework, values, code="PAY")
    # 6/3 = 2.00; 2.5/3 = 0.8333 → 0.83; 2.5/3 → 0.83: 3.66, whereas unrounded parts sum to 3.67.
    assert [part.points for part in result.parts] == [Decimal("2.00"), Decimal("0.83"), Decimal("0.83")]
    assert (result.status, result.points, result.rule) == (Status.SCORED, Decimal("3.66"), Rule.COMPOSITE)
    full = indicator(framework, {"p.a": 3, "p.at": 3, "p.b": 3, "p.c": 3, "p.ft": 3}, code="PAY")
    assert full.points == Decimal("10.00")  # 6 + 2 + 2.5 = 10.5, capped at the indicator's 10
    zero = indicator(framework, {"p.a": 0, "p.at": 0, "p.b": 0, "p.c": 0, "p.ft": 0}, code="PAY")
    assert (zero.status, zero.points) == (Status.SCORED, Decimal("0.00"))
    missing = indicator(framework, {"p.a": 1, "p.at": 3, "p.b": 1, "p.ft": 3}, code="PAY")
    assert (missing.status, missing.points) == (Status.NO_DATA, None)


def test_given_takes_the_published_score_as_is():
    framework = build({"code": "G", "name": "Điểm Cổng", "max": 12, "rule": "given", "value": "portal.score"},
                      group_max=12)
    result = indicator(framework, {"portal.score": 6.48}, code="G")
    assert (result.status, result.points, result.label, result.ratio) == (
        Status.SCORED, Decimal("6.48"), GIVEN_LABEL, None)
    assert indicator(framework, {}, code="G").status is Status.NO_DATA


def test_fallback_source_is_used_when_the_first_has_no_values():
    framework = build(ratio(fallbacks=[{"numerator": "s.done", "denominator": "s.total", "note": "luồng hồ sơ"}]))
    first = indicator(framework, {"m.done": 5, "m.total": 10, "s.done": 1, "s.total": 10})
    assert (first.points, first.source) == (Decimal("5.00"), 0)
    second = indicator(framework, {"m.done": 5, "s.done": 1, "s.total": 10})  # m.total missing
    assert (second.points, second.source) == (Decimal("1.00"), 1)
    assert indicator(framework, {"m.done": 5}).status is Status.NO_DATA


@pytest.mark.parametrize(("value", "expected"), [
    ("2.675", "2.68"), (2.675, "2.68"), ("2.665", "2.67"), ("2.664999", "2.66"), (Decimal("0.005"), "0.01"),
    ("-2.675", "-2.68"), (3, "3.00"),
])
def test_round_half_up(value, expected):
    assert round_half_up(value) == Decimal(expected)


def test_points_are_rounded_half_up_per_indicator_and_summed():
    # 6 × 0.44625 = 2.6775 → 2.68; exact arithmetic, so a tie such as 20 × 0.00025 = 0.005 goes up.
    framework = build(ratio("A", max=6), ratio("B", max=4, numerator="m.b", denominator="m.bt"))
    score = score_unit(framework, Level.COMMUNE, {"m.done": 44625, "m.total": 100000, "m.b": 1, "m.bt": 3})
    assert [item.points for item in score.groups["X"].indicators] == [Decimal("2.68"), Decimal("1.33")]
    assert score.points_by_group == {"X": Decimal("4.01")}
    tie = build(ratio(max=20), group_max=20)
    assert indicator(tie, {"m.done": 1, "m.total": 4000}).points == Decimal("0.01")


def test_no_data_is_never_zero():
    framework = build(ratio("A", max=6), ratio("B", max=4, numerator="m.b", denominator="m.bt"),
                      more_groups=[{"code": "Y", "name": "Nhóm Y", "max": 5, "indicators": [
                          ratio("C", max=5, numerator="m.c", denominator="m.ct")]}])
    partial = score_unit(framework, Level.COMMUNE, {"m.done": 3, "m.total": 6, "m.b": None, "m.bt": 2})
    assert [item.status for item in partial.groups["X"].indicators] == [Status.SCORED, Status.NO_DATA]
    assert partial.points_by_group == {"X": Decimal("3.00"), "Y": None}
    assert (partial.total, partial.complete, partial.grade) == (Decimal("3.00"), False, None)
    nothing = score_unit(framework, Level.COMMUNE, {})
    assert nothing.points_by_group == {"X": None, "Y": None}
    assert (nothing.total, nothing.grade) == (None, None)


def test_levels_select_indicators_and_groups():
    framework = build(ratio("P", max=10, levels=["province"]), ratio("C", max=10, levels=["commune", "agency"]),
                      more_groups=[{"code": "Y", "name": "Nhóm Y", "max": 5, "indicators": [
                          ratio("D", max=5, levels=["province"])]}])
    assert [item.code for item in score_unit(framework, "commune", {}).groups["X"].indicators] == ["C"]
    assert list(score_unit(framework, "commune", {}).groups) == ["X"]
    assert (framework.max_points("commune"), framework.max_points("province")) == (Decimal(10), Decimal(15))


@pytest.mark.parametrize(("total", "expected"), [
    (100, "Xuất sắc"), (90, "Xuất sắc"), (89.99, "Tốt"), (80, "Tốt"), (65, "Khá"), (64.99, "Trung bình"),
    (50, "Trung bình"), (49.99, "Yếu"), (0, "Yếu"), (None, None),
])
def test_default_grade_bands(total, expected):
    assert grade(build(ratio()), total, 100) == expected


@pytest.mark.parametrize(("total", "expected"), [(36, "Xuất sắc"), (35.99, "Tốt"), (32, "Tốt"), (26, "Khá"),
                                                 (20, "Trung bình"), (19.99, "Yếu")])
def test_grade_bands_scale_to_a_40_point_framework(total, expected):
    framework = build(ratio(max=40), group_max=40)
    assert framework.max_points("commune") == Decimal(40)
    assert grade(framework, total, framework.max_points("commune")) == expected


def test_grade_of_a_complete_score_with_custom_bands():
    bands = [{"label": "Đạt", "min": 75}, {"label": "Chưa đạt", "min": 0}]
    framework = build(ratio(max=40), group_max=40, grades=bands)
    assert score_unit(framework, "commune", {"m.done": 30, "m.total": 40}).grade == "Đạt"  # 30/40 = 75 %
    assert score_unit(framework, "commune", {"m.done": 29, "m.total": 40}).grade == "Chưa đạt"


def test_rank_ties_share_a_rank_and_skip_the_next():
    scores = {"a": Decimal("80.5"), "b": Decimal("92"), "c": Decimal("80.50"), "d": None, "e": 70.0}
    assert rank(scores) == {"b": 1, "a": 2, "c": 2, "e": 4, "d": None}
    assert rank({"x": 5, "y": 5, "z": 5}) == {"x": 1, "y": 1, "z": 1}
    assert rank({}) == {}


def test_change_against_the_previous_period():
    assert change(Decimal("61.20"), Decimal("59.92")) == Decimal("1.28")
    assert change(Decimal("50"), 52.5) == Decimal("-2.5")
    assert change(None, Decimal("1")) is None
    assert change(Decimal("1"), None) is None
