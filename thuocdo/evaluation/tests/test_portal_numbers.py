"""A portal answer with a number the whole-period store cannot hold is a format error naming the field."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from thuocdo.accounts.permissions import Actor
from thuocdo.evaluation.models import OfficialScore
from thuocdo.evaluation.periods import parse_period
from thuocdo.evaluation.portal766 import PortalFormatError, read_answer
from thuocdo.evaluation.portal_import import import_portal766
from thuocdo.metrics.models import PeriodValue

DATA = Path(__file__).parent / "data" / "qd766-portal"
PROGRESS, TRANSPARENCY = "dvc-progress-tree/month-all.json", "transparency/month-all.json"
CHILD = "Văn phòng UBND Tỉnh - Tỉnh Phú Thọ"


def _answer(name: str, edit) -> dict:
    answer = json.loads((DATA / name).read_text(encoding="utf-8"))
    edit(answer["data"])
    return answer


def _file(tmp_path: Path, answer: dict) -> Path:
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")  # inf → Infinity, nan → NaN
    return path


def _set(*path, value):
    def edit(data):
        target = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
    return edit


@pytest.mark.parametrize(("name", "where", "value", "field", "row"), [
    (PROGRESS, ("parent", "totalOnTime"), float("inf"), "totalOnTime", "UBND tỉnh Phú Thọ"),
    (PROGRESS, ("parent", "totalReceived"), float("-inf"), "totalReceived", "UBND tỉnh Phú Thọ"),
    (PROGRESS, ("children", 0, "totalReceived"), float("nan"), "totalReceived", CHILD),
    (PROGRESS, ("children", 0, "totalReceived"), 10**15 + 1, "totalReceived", CHILD),
    (PROGRESS, ("children", 0, "avgProcessingDays"), 2e15, "avgProcessingDays", CHILD),
    (PROGRESS, ("children", 0, "totalReceived"), 10**400, "totalReceived", CHILD),
    (PROGRESS, ("parent", "totalScore"), float("inf"), "totalScore", "UBND tỉnh Phú Thọ"),
    (TRANSPARENCY, ("evaluation", 0, "metrics", 0, "numerator"), 1e16, "PUBLISH_ON_TIME.numerator", CHILD),
    (TRANSPARENCY, ("evaluation", 0, "metrics", 0, "score"), float("inf"), "PUBLISH_ON_TIME.score", CHILD),
])
def test_a_number_not_finite_or_beyond_10_15_is_refused_naming_the_field(name, where, value, field, row):
    with pytest.raises(PortalFormatError) as refused:
        read_answer(_answer(name, _set(*where, value=value)))

    assert str(refused.value).startswith(f"trường {field} của dòng {row!r} phải là số hữu hạn, trong khoảng ±10^15")


def test_numbers_up_to_10_15_are_read():
    answer = read_answer(_answer(PROGRESS, _set("parent", "totalOnTime", value=10**15)))

    assert answer.province.values["portal766.progress.total_on_time"] == 10**15


def test_the_command_refuses_infinity_in_a_file_and_stores_nothing(db, tmp_path):
    path = _file(tmp_path, _answer(PROGRESS, _set("children", 0, "totalOnTime", value=float("inf"))))
    assert "Infinity" in path.read_text(encoding="utf-8")

    with pytest.raises(CommandError) as refused:
        call_command("import", "portal766", str(path), "--period", "2026-08")

    assert str(refused.value) == (f"trường totalOnTime của dòng {CHILD!r} phải là số hữu hạn, trong khoảng ±10^15, "
                                  "không phải inf")
    assert (PeriodValue.objects.count(), OfficialScore.objects.count()) == (0, 0)


def test_the_import_refuses_a_value_above_10_15(db, tmp_path):
    path = _file(tmp_path, _answer(PROGRESS, _set("parent", "totalReceived", value=1e16)))

    with pytest.raises(PortalFormatError, match="trường totalReceived của dòng 'UBND tỉnh Phú Thọ'"):
        import_portal766(Actor.system(), path, parse_period("2026-08"))

    assert PeriodValue.objects.count() == 0
