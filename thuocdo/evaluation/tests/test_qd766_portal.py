"""Acceptance: the QĐ 766 preset reproduces the national portal's published scores from its raw counts.

The files in data/qd766-portal are the portal's real answers for Phú Thọ (the province, 15
departments, 148 communes; August 2026, Q3 2026 and 2026; all procedures and procedure 2.000815).
Each answer is stripped of the portal's results before it is read, so our points come from the raw
counts alone; they are then compared with the results of the untouched answer.
"""

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from thuocdo.evaluation.frameworks import ESTIMATE_LABEL, GIVEN_LABEL, Level, load_preset
from thuocdo.evaluation.portal766 import read_answer, read_file
from thuocdo.evaluation.scoring import Status, score_unit

DATA = Path(__file__).parent / "data" / "qd766-portal"
TOLERANCE = Decimal("0.01")
RESULT_FIELDS = ("score", "totalScore", "ratio", "averageScore")
ROWS = 164  # the province, 15 departments and 148 communes, in every file

# One comparison per unit row and file: the five reproducible groups (the online-services group,
# CLGQ, has no public formula). Handling satisfaction is not published per procedure: 27 files.
COMPARISONS = {
    f"{endpoint}/{period}-{scope}.json": ROWS
    for endpoint in ("dvc-progress-tree", "formality-online-payment-tree", "dossier-digitized", "transparency",
                     "handling-satisfaction")
    for period in ("month", "quarter", "year")
    for scope in ("all", "formality")
    if not (endpoint == "handling-satisfaction" and scope == "formality")
}
ONLINE_FILES = [f"provide-online-tree/{period}-{scope}.json" for period in ("month", "quarter", "year")
                for scope in ("all", "formality")]


@pytest.fixture(scope="module")
def qd766():
    return load_preset("qd766")


def _has_raw_counts(row: dict) -> bool:
    return any(isinstance(value, int | float) and key not in RESULT_FIELDS + ("maxScore", "totalMaxScore", "scoreDelta")
               for key, value in row.items() if key != "stt")


def strip_results(answer: dict) -> dict:
    """Return a copy of a portal answer without its results, but for scores that come with no raw counts."""
    answer = copy.deepcopy(answer)
    data = answer["data"]
    rows = [data["parent"], *data["children"]] if "parent" in data else [data["overview"], *data["evaluation"]]
    for row in rows:
        keep_score = "metrics" not in row and not _has_raw_counts(row)  # online services of a commune
        for field in RESULT_FIELDS:
            if not (keep_score and field in ("score", "totalScore")):
                row.pop(field, None)
        for metric in row.get("metrics", ()):
            no_counts = metric["numerator"] is None and metric["denominator"] is None
            metric.pop("ratio", None)
            if not no_counts:  # ELECTRONIC_CERTIFIED_COPY keeps the score it is published with
                metric.pop("score", None)
    return answer


def compare(path: Path, framework) -> tuple[int, list]:
    """Score every unit of a file from its stripped answer; return the comparisons made and the mismatches."""
    original = json.loads(path.read_text(encoding="utf-8"))
    published, stripped = read_answer(original), read_answer(strip_results(original))
    assert [row.values for row in stripped.rows] == [row.values for row in published.rows]
    count, mismatches = 0, []
    for ours, theirs in zip(stripped.rows, published.rows, strict=True):
        points = score_unit(framework, ours.level, ours.values).groups[published.group].points
        official = theirs.official[published.group]
        count += 1
        if points is None or official is None or abs(points - official) > TOLERANCE:
            mismatches.append((theirs.name, published.group, official, points))
    return count, mismatches


def test_the_test_data_is_complete():
    files = sorted(str(path.relative_to(DATA)) for path in DATA.glob("*/*.json"))
    assert files == sorted([*COMPARISONS, *ONLINE_FILES])
    assert len(COMPARISONS) == 27


@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_every_unit_matches_the_portal(name, qd766):
    count, mismatches = compare(DATA / name, qd766)
    assert mismatches == []
    assert count == COMPARISONS[name]


def test_comparisons_in_total(qd766):
    total = 0
    for name in COMPARISONS:
        count, mismatches = compare(DATA / name, qd766)
        assert mismatches == []
        total += count
    # domain.md counts 3,608; the 27 files hold 27 × 164 = 4,428 unit-group scores, all compared here.
    assert total == 4428


@pytest.mark.parametrize("name", ONLINE_FILES)
def test_online_services_given_for_units_and_estimated_for_the_province(name, qd766):
    published = read_file(DATA / name)
    stripped = read_answer(strip_results(json.loads((DATA / name).read_text(encoding="utf-8"))))
    province, *units = stripped.rows
    assert "portal766.online.score" not in province.values  # the province row has raw counts
    estimate = score_unit(qd766, Level.PROVINCE, province.values).groups["CLGQ"]
    (indicator,) = estimate.indicators
    assert (indicator.code, indicator.estimate, indicator.label) == ("ONLINE_SERVICES_ESTIMATE", True, ESTIMATE_LABEL)
    assert abs(estimate.points - published.province.official["CLGQ"]) <= Decimal("0.005")
    for ours, theirs in zip(units, published.rows[1:], strict=True):
        group = score_unit(qd766, ours.level, ours.values).groups["CLGQ"]
        (indicator,) = group.indicators
        assert (indicator.code, indicator.label, indicator.status) == ("ONLINE_SERVICES", GIVEN_LABEL, Status.SCORED)
        assert group.points == theirs.official["CLGQ"]
    assert len(units) == ROWS - 1


def test_phu_tho_progress_for_august():
    answer = read_file(DATA / "dvc-progress-tree/month-all.json")
    province = answer.province
    assert (answer.endpoint, answer.group, province.name, province.level) == (
        "progress", "TDGQ", "UBND tỉnh Phú Thọ", Level.PROVINCE)
    assert province.values == {
        "portal766.progress.total_received": 184513, "portal766.progress.total_on_time": 144625,
        "portal766.progress.total_completed": 147765, "portal766.progress.avg_processing_days": 7.05,
    }
    score = score_unit(load_preset("qd766"), Level.PROVINCE, province.values)
    assert score.points_by_group["TDGQ"] == Decimal("15.68") == province.official["TDGQ"]
    assert score.groups["TDGQ"].indicators[0].ratio == Decimal("0.783820")


def test_levels_of_the_rows():
    for path in DATA.glob("*/*-all.json"):
        levels = [row.level for row in read_file(path).rows]
        assert (levels.count(Level.PROVINCE), levels.count(Level.AGENCY), levels.count(Level.COMMUNE)) == (1, 15, 148)
        assert levels[0] is Level.PROVINCE


def test_indicator_rows_become_numerator_and_denominator_metrics():
    answer = read_file(DATA / "dossier-digitized/month-all.json")
    province = answer.province
    assert province.values["portal766.digitisation.original_result_available.numerator"] == 133609
    assert province.values["portal766.digitisation.original_result_available.denominator"] == 184503
    # No raw counts, only a score: kept as the value a `given` indicator takes.
    assert province.values["portal766.digitisation.electronic_certified_copy.score"] == 2
    assert "portal766.digitisation.electronic_certified_copy.numerator" not in province.values
    assert province.official == {"MDSH": Decimal("8.24")}
    assert province.official_indicators["ORIGINAL_RESULT_AVAILABLE"] == Decimal("4.34")
    sync = read_file(DATA / "transparency/month-all.json").province
    assert sync.quality == {"DOSSIER_SYNC": "TEMP_NATIONAL_REPORT_DENOMINATOR"}
    assert sync.official_indicators["PUBLISH_ON_TIME"] is None


def test_an_indicator_missing_from_a_file_is_no_data(qd766):
    # Filtered to one procedure, the portal leaves CITIZEN_DATA_CONNECTED_FORMALITY out altogether.
    row = read_file(DATA / "dossier-digitized/month-formality.json").rows[20]
    indicators = {item.code: item for item in score_unit(qd766, row.level, row.values).groups["MDSH"].indicators}
    assert indicators["CITIZEN_DATA_CONNECTED_FORMALITY"].status is Status.NO_DATA
    assert indicators["CITIZEN_DATA_CONNECTED_FORMALITY"].points is None


def test_satisfaction_alone_gives_one_group_and_no_grade(qd766):
    row = read_file(DATA / "handling-satisfaction/month-all.json").province
    score = score_unit(qd766, row.level, row.values)
    assert score.points_by_group == {"CKMB": None, "TDGQ": None, "CLGQ": None, "TTTT": None, "MDSH": None,
                                     "MDHL": Decimal("12.96")}
    assert (score.total, score.complete, score.grade) == (Decimal("12.96"), False, None)


def test_the_six_groups_of_a_month_give_a_total_and_a_grade(qd766):
    values = {}
    for path in DATA.glob("*/month-all.json"):
        values.update(read_file(path).province.values)
    score = score_unit(qd766, Level.PROVINCE, values)
    assert score.points_by_group == {
        "CKMB": Decimal("7.96"), "TDGQ": Decimal("15.68"), "CLGQ": Decimal("8.83"), "TTTT": Decimal("6.25"),
        "MDSH": Decimal("8.24"), "MDHL": Decimal("12.96"),
    }
    assert (score.total, score.max_points, score.complete, score.grade) == (
        Decimal("59.92"), Decimal(100), True, "Trung bình")
