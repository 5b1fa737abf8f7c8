"""Framework files: the shipped presets load, and a bad file is refused naming the indicator and the place."""

from datetime import date
from decimal import Decimal

import pytest

from thuocdo.evaluation.frameworks import (
    DEFAULT_GRADES,
    FrameworkError,
    Level,
    Rule,
    ZeroRule,
    load_framework,
    load_preset,
    parse_framework,
    preset_paths,
)
from thuocdo.evaluation.scoring import Status, score_unit

GOOD = """\
code: demo
name: Thử nghiệm
version: 1
valid_from: 2026-01-01
groups:
  - code: X
    name: Nhóm X
    max: 6
    indicators:
      - code: PUBLISH_ON_TIME
        name: Công bố đúng hạn
        max: 6
        rule: linear
        numerator: portal766.a.done
        denominator: portal766.a.total
"""


def refused(text: str) -> FrameworkError:
    with pytest.raises(FrameworkError) as caught:
        parse_framework(text, origin="demo.yaml")
    return caught.value


def test_qd766_preset():
    framework = load_preset("qd766")
    assert (framework.code, framework.version, framework.valid_from) == ("qd766", 1, date(2025, 7, 1))
    assert [(group.code, group.max_points) for group in framework.groups] == [
        ("CKMB", 18), ("TDGQ", 20), ("CLGQ", 12), ("TTTT", 10), ("MDSH", 22), ("MDHL", 18)]
    assert [framework.max_points(level) for level in Level] == [Decimal(100)] * 3
    assert len(framework.indicators) == 20
    clgq = framework.group("CLGQ")
    assert [item.code for item in clgq.indicators_for(Level.PROVINCE)] == ["ONLINE_SERVICES_ESTIMATE"]
    assert [item.code for item in clgq.indicators_for(Level.COMMUNE)] == ["ONLINE_SERVICES"]
    assert clgq.indicators_for(Level.PROVINCE)[0].estimate is True
    payment = framework.group("TTTT").indicators[0]
    assert (payment.rule, [(part.code, part.rule, part.max_points, part.threshold) for part in payment.parts]) == (
        Rule.COMPOSITE, [("PAID_ONLINE", Rule.LINEAR, 6, None), ("PROCEDURES_PAID_ONLINE", Rule.THRESHOLD, 2,
                                                                 Decimal("0.8")),
                         ("PROCEDURES_WITH_FEE_DOSSIERS", Rule.LINEAR, Decimal("2.5"), None)])
    progress = framework.group("TDGQ").indicators[0]
    assert [str(source.denominator) for source in progress.sources] == [
        "portal766.progress.total_received", "dossier.resolved + dossier.pending"]
    assert framework.grades == DEFAULT_GRADES


def test_cqdp2c_preset_shows_no_data_until_reports_exist():
    framework = load_preset("cqdp2c")
    assert (framework.code, framework.version, framework.max_points("commune"), framework.max_points("agency")) == (
        "cqdp2c", 0, Decimal(100), Decimal(40))
    assert {"report.leadership_posts.filled", "report.staff.quota", "report.decree178.paid",
            "report.digital_signatures.needed", "report.bank_account.opened", "report.office.adequate",
            "report.internet.downtime_hours", "report.archive.pages_digitised", "dossier.resolved.on_time",
            "dossier.received.online", "feedback.handled.on_time"} <= framework.metrics
    values = {"dossier.resolved": 200, "dossier.resolved.early": 30, "dossier.resolved.on_time": 150,
              "dossier.received": 180, "dossier.received.online": 117}
    score = score_unit(framework, Level.COMMUNE, values)
    # 20 × 180/200 = 18; 10 × min(1, 0.65 / 0.8) = 8.125 → 8.13.
    assert score.points_by_group == {"TTHC": Decimal("26.13"), "PAKN": None, "BMNS": None, "DKLV": None,
                                     "LTSH": None}
    assert {item.status for item in score.groups["BMNS"].indicators} == {Status.NO_DATA}
    internet = {"report.internet.service_hours": 176, "report.internet.downtime_hours": 200}
    uptime = score_unit(framework, Level.COMMUNE, internet).groups["DKLV"]
    assert uptime.points == Decimal("0.00")  # more downtime than working hours: 0, not negative


def test_every_shipped_preset_loads():
    assert [path.name for path in preset_paths()] == ["cqdp2c.yaml", "qd766.yaml"]
    for path in preset_paths():
        assert load_framework(path).code == path.stem


def test_a_bad_expression_is_refused_with_indicator_and_position():
    error = refused(GOOD.replace("portal766.a.done", "portal766.a.done * / 2"))
    assert (error.indicator, error.field, error.position, error.line, error.column) == (
        "PUBLISH_ON_TIME", "numerator", 19, 14, 39)
    assert str(error).startswith(
        "demo.yaml:14:39: chỉ tiêu PUBLISH_ON_TIME, numerator: Biểu thức không hợp lệ ở vị trí 19")


def test_a_bad_quoted_expression_points_inside_the_quotes():
    error = refused(GOOD.replace("denominator: portal766.a.total", 'denominator: "portal766.a.total +"'))
    assert (error.indicator, error.field, error.position, error.line, error.column) == (
        "PUBLISH_ON_TIME", "denominator", 19, 15, 42)


def test_a_bad_expression_in_a_composite_part_names_the_part():
    text = GOOD.replace("""        rule: linear
        numerator: portal766.a.done
        denominator: portal766.a.total
""", """        rule: composite
        parts:
          - {code: A, rule: linear, max: 6, numerator: a.x, denominator: a.y}
          - code: B
            rule: linear
            max: 1
            numerator: a.x
            denominator: max(a.y,
""")
    error = refused(text)
    assert (error.indicator, error.field, error.position, error.line, error.column) == (
        "PUBLISH_ON_TIME", "B.denominator", 8, 20, 34)


@pytest.mark.parametrize(("old", "new", "indicator", "field", "line", "message"), [
    ("rule: linear", "rule: square", "PUBLISH_ON_TIME", "rule", 13, "'square' không thuộc"),
    ("max: 6\n        rule", "max: 5\n        rule", None, "max", 8, "cộng lại được 5, khác điểm tối đa của nhóm (6)"),
    ("rule: linear", "rule: threshold", "PUBLISH_ON_TIME", "threshold", 13, "cần khóa 'threshold'"),
    ("rule: linear", "rule: linear\n        threshold: 0.8", "PUBLISH_ON_TIME", "threshold", 14,
     "không dùng khóa 'threshold'"),
    ("rule: linear", "rule: linear\n        zero_denominator: maybe", "PUBLISH_ON_TIME", "zero_denominator", 14,
     "'maybe' không thuộc"),
    ("rule: linear", "rule: linear\n        levels: [district]", "PUBLISH_ON_TIME", "levels", 14, "levels cần"),
    ("rule: linear", "rule: linear\n        numeratr: a.b", "PUBLISH_ON_TIME", "numeratr", 14, "khóa lạ 'numeratr'"),
    ("rule: linear", "rule: given", "PUBLISH_ON_TIME", "numerator", 14, "quy tắc given không dùng khóa 'numerator'"),
    ("        denominator: portal766.a.total\n", "", "PUBLISH_ON_TIME", "denominator", 13, "cần khóa 'denominator'"),
    ("max: 6\n        rule", "max: six\n        rule", "PUBLISH_ON_TIME", "max", 12, "cần một số không âm"),
    ("code: PUBLISH_ON_TIME", "code: publish", None, "code", 10, "cần một chuỗi dạng"),
    ("valid_from: 2026-01-01", "valid_from: soon", None, "valid_from", 4, "cần một ngày"),
    ("version: 1", "version: one", None, "version", 3, "cần một số nguyên"),
])
def test_a_bad_field_is_refused_with_its_place(old, new, indicator, field, line, message):
    error = refused(GOOD.replace(old, new, 1))
    assert (error.indicator, error.field, error.line) == (indicator, field, line)
    assert message in error.message


def test_a_duplicate_indicator_code_is_refused():
    text = GOOD.replace("    max: 6\n    indicators", "    max: 12\n    indicators") + GOOD.split("indicators:\n")[1]
    error = refused(text)
    assert (error.indicator, error.line) == ("PUBLISH_ON_TIME", 16)
    assert "lặp lại" in error.message


def test_a_duplicate_yaml_key_and_broken_yaml_are_refused():
    error = refused(GOOD.replace("        rule: linear\n", "        rule: linear\n        rule: linear\n"))
    assert (error.line, error.message) == (14, "YAML không hợp lệ: khóa 'rule' lặp lại")
    assert refused("code: [demo").message.startswith("YAML không hợp lệ")
    assert refused("- just a list").message == "cần một bảng khóa: giá trị"


def test_composite_parts_must_reach_the_maximum():
    text = GOOD.replace("""        rule: linear
        numerator: portal766.a.done
        denominator: portal766.a.total
""", """        rule: composite
        parts:
          - {code: A, rule: linear, max: 3, numerator: a.x, denominator: a.y}
          - {code: B, rule: composite, max: 3, numerator: a.x, denominator: a.y}
""")
    assert "một phần chỉ dùng quy tắc" in refused(text).message
    error = refused(text.replace("rule: composite, max: 3", "rule: linear, max: 2"))
    assert (error.indicator, error.field, error.message) == (
        "PUBLISH_ON_TIME", "parts", "các phần cộng lại không đạt được điểm tối đa")


@pytest.mark.parametrize(("grades", "message"), [
    ("[{label: A, min: 50}, {label: B, min: 60}, {label: C, min: 0}]", "phải giảm dần"),
    ("[{label: A, min: 50}, {label: B, min: 10}]", "min: 0"),
    ("[{label: A, min: 120}, {label: B, min: 0}]", "phải giảm dần"),
])
def test_bad_grade_bands_are_refused(grades, message):
    assert message in refused(GOOD.replace("groups:", f"grades: {grades}\ngroups:")).message


def test_defaults_of_an_indicator():
    framework = parse_framework(GOOD)
    (indicator,) = framework.indicators
    assert (indicator.zero_denominator, indicator.levels, indicator.decimals, indicator.label) == (
        ZeroRule.NOT_APPLICABLE, frozenset(Level), 2, "")
    assert framework.metrics == {"portal766.a.done", "portal766.a.total"}


def test_an_edit_is_a_new_version_and_old_scores_keep_naming_theirs():
    first = parse_framework(GOOD)
    edited = GOOD.replace("version: 1", "version: 2").replace("rule: linear", "rule: threshold\n        threshold: 0.5")
    second = parse_framework(edited)
    values = {"portal766.a.done": 2, "portal766.a.total": 5}
    old, new = score_unit(first, Level.COMMUNE, values), score_unit(second, Level.COMMUNE, values)
    assert (old.framework, old.version, old.total) == ("demo", 1, Decimal("2.40"))
    assert (new.framework, new.version, new.total) == ("demo", 2, Decimal("4.80"))
