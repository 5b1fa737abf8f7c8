"""Portal import: the 33 real answers for Phú Thọ into units, whole-period values and official scores.

Periods come from the capture manifest (data/qd766-portal/manifest.m0.json): `month-*` files were
asked for August 2026, `quarter-*` for Q3 2026, `year-*` for 2026; `*-formality.json` are filtered to
procedure 2.000815. The transparency and satisfaction answers carry no departmentCode, so their
departments match agencies an earlier answer created.
"""

import json
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from thuocdo.accounts.choices import Role
from thuocdo.accounts.models import AuditEntry, User
from thuocdo.accounts.permissions import Actor
from thuocdo.evaluation.frameworks import GIVEN_LABEL, Level, load_preset
from thuocdo.evaluation.models import DataQualityIssue, OfficialScore
from thuocdo.evaluation.periods import parse_period
from thuocdo.evaluation.portal_import import PortalImportError, agency_code, import_portal766
from thuocdo.evaluation.scoring import score_unit
from thuocdo.metrics.models import PeriodValue
from thuocdo.units.models import Unit
from thuocdo.units.testing import REGISTRY_SIZE

DATA = Path(__file__).parent / "data" / "qd766-portal"
PERIODS = {"month": "2026-08", "quarter": "2026-Q3", "year": "2026"}
PROCEDURE = "2.000815"
PROGRESS = DATA / "dvc-progress-tree" / "month-all.json"
LAM_THAO, TAM_DUONG_BAC = "08494", "08872"
# Raw counts each answer gives for its 164 rows (the province, 15 departments, 148 communes).
VALUES = {"dossier-digitized": (2132, 1804), "dvc-progress-tree": (656, 656),
          "formality-online-payment-tree": (984, 984), "handling-satisfaction": (2132, None),
          "provide-online-tree": (174, 174), "transparency": (1312, 1312)}
# Published points: 164 group totals plus the indicator scores the portal shows (all, formality).
OFFICIAL = {
    "dossier-digitized/month": (1302, 1073), "dossier-digitized/quarter": (1307, 1073),
    "dossier-digitized/year": (1307, 1073), "handling-satisfaction/month": (656, None),
    "handling-satisfaction/quarter": (656, None), "handling-satisfaction/year": (656, None),
    "transparency/month": (490, 326), "transparency/quarter": (819, 327), "transparency/year": (819, 327),
}
FILES = sorted(str(path.relative_to(DATA)) for path in DATA.glob("*/*.json"))
WITHOUT_DEPARTMENT_CODE = ("transparency", "handling-satisfaction")
AGENCIES = {
    "25.01": "Văn phòng UBND Tỉnh", "25.03": "Ban quản lý các khu công nghiệp", "25.07": "Sở Công Thương",
    "25.08": "Sở Giáo dục và Đào tạo", "25.13": "Sở Ngoại vụ", "25.19": "Sở Tư pháp",
    "25.20": "Sở Văn hóa, Thể thao và Du lịch", "25.22": "Sở Y tế", "25.23": "Thanh tra tỉnh",
    "25.41": "Sở Khoa học và Công nghệ", "25.42": "Sở Nội vụ", "25.43": "Sở Tài chính", "25.44": "Sở Xây dựng",
    "25.45": "Sở Nông Nghiệp và Môi Trường", "25.46": "Sở Dân Tộc và Tôn Giáo",
}


def _arguments(name: str) -> tuple[Path, object, str]:
    kind, scope = Path(name).stem.split("-")
    return DATA / name, parse_period(PERIODS[kind]), PROCEDURE if scope == "formality" else ""


def _import(name: str, actor: Actor | None = None):
    path, period, procedure = _arguments(name)
    return import_portal766(actor or Actor.system(), path, period, procedure)


def _values() -> dict:
    return {(row.unit_code, row.metric, row.procedure_code, row.start, row.end): (row.pk, row.value, row.updated_at)
            for row in PeriodValue.objects.all()}


def _edited(tmp_path: Path, name: str, edit) -> Path:
    """Write a copy of a test answer after `edit(data)` changed it."""
    answer = json.loads((DATA / name).read_text(encoding="utf-8"))
    edit(answer["data"])
    path = tmp_path / Path(name).name
    path.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    return path


def _child(data: dict, name: str) -> dict:
    return next(row for row in data.get("children", data.get("evaluation")) if row["departmentName"] == name)


def test_the_test_files():
    assert len(FILES) == 33
    assert [name for name in FILES if name.endswith("-formality.json")] == [
        f"{endpoint}/{kind}-formality.json" for endpoint in sorted(VALUES) if endpoint != "handling-satisfaction"
        for kind in ("month", "quarter", "year")]


@pytest.mark.parametrize("name", FILES)
def test_every_row_of_every_file_is_imported_and_reproduced(name, db):
    endpoint, stem = name.split("/")
    if endpoint in WITHOUT_DEPARTMENT_CODE:
        _import(PROGRESS.relative_to(DATA).as_posix())
    before = PeriodValue.objects.count()
    result = _import(name)
    _path, period, procedure = _arguments(name)
    formality = stem.endswith("-formality.json")
    values = VALUES[endpoint][formality]
    official = OFFICIAL.get(f"{endpoint}/{stem.split('-')[0]}", (164, 164))[formality]
    online = endpoint == "provide-online-tree"
    assert (result.units_matched, result.agencies_matched, result.communes_matched, result.unmatched) == (
        164, 15, 148, [])
    assert len(result.agencies_created) == (0 if endpoint in WITHOUT_DEPARTMENT_CODE else 15)
    assert (result.values_stored, result.values_changed, result.values_removed) == (values, values, 0)
    assert result.official_scores_stored == official
    assert (result.compared, result.issues, result.given) == ((0, [], GIVEN_LABEL) if online else (164, [], ""))
    assert (result.period, result.start, result.end, result.procedure) == (
        period.code, period.start, period.end, procedure)
    assert PeriodValue.objects.count() - before == values
    assert PeriodValue.objects.filter(source="portal766", start=period.start, end=period.end,
                                      procedure_code=procedure, metric__startswith=f"portal766.{result.endpoint}.",
                                      province_code="25").count() == values
    assert OfficialScore.objects.filter(framework_code="qd766", group_code=result.group, start=period.start,
                                        end=period.end, procedure_code=procedure).count() == official
    assert DataQualityIssue.objects.count() == 0


def test_departments_become_agencies_once(db):
    first = _import("dvc-progress-tree/month-all.json")
    assert sorted(first.agencies_created) == sorted(AGENCIES)
    trade = Unit.objects.get(code="25.07")
    assert (trade.name, trade.short_name, trade.level, trade.type, trade.parent_id, trade.province_code,
            trade.search_key, trade.valid_from) == (
        "Sở Công Thương", "Sở Công Thương", "agency", "co_quan", "25", "25", "so cong thuong", date(2025, 7, 1))
    assert dict(Unit.objects.filter(level="agency").values_list("code", "name")) == AGENCIES
    second = _import("dossier-digitized/quarter-formality.json")
    again = _import("dvc-progress-tree/month-all.json")
    assert (second.agencies_created, again.agencies_created, second.agencies_matched) == ([], [], 15)
    assert Unit.objects.count() == REGISTRY_SIZE + 15


def test_agency_codes():
    assert agency_code("25", "H44.07") == "25.07"
    assert agency_code("25", "H44.07.1") == "25.07.1"
    assert agency_code("79", "H29.100") == "79.100"
    assert [agency_code("25", code) for code in (None, "", "H44", "H44.", "H44.0 7", "H44." + "1" * 14)] == [None] * 6


def test_a_file_without_department_codes_first_leaves_new_departments_unmatched(db):
    result = _import("transparency/month-all.json")
    assert (result.units_matched, result.agencies_matched, result.communes_matched, result.agencies_created) == (
        149, 0, 148, [])
    assert len(result.unmatched) == 15
    assert result.unmatched[0] == {
        "name": "Văn phòng UBND Tỉnh - Tỉnh Phú Thọ", "level": "sở, ngành",
        "reason": "sở, ngành chưa có trong danh mục và dòng không có departmentCode để tạo mã"}
    assert (result.values_stored, result.compared) == (1312 - 15 * 8, 149)
    assert Unit.objects.filter(level="agency").count() == 0


def test_phu_tho_progress_in_august(db):
    _import("dvc-progress-tree/month-all.json")
    august = {"start": date(2026, 8, 1), "end": date(2026, 8, 31), "procedure_code": "", "source": "portal766"}
    stored = dict(PeriodValue.objects.filter(unit_code="25", **august).values_list("metric", "value"))
    assert stored == {"portal766.progress.total_received": 184513, "portal766.progress.total_on_time": 144625,
                      "portal766.progress.total_completed": 147765, "portal766.progress.avg_processing_days": 7.05}
    assert PeriodValue.objects.get(unit_code="25", metric="portal766.progress.total_received").province_code == "25"
    score = score_unit(load_preset("qd766"), Level.PROVINCE, stored)
    assert score.points_by_group["TDGQ"] == Decimal("15.68")
    assert OfficialScore.objects.get(unit_code="25", group_code="TDGQ", **august).points == 15.68
    # "UBND xã Lâm Thao - Tỉnh Phú Thọ" is Xã Lâm Thao; "Sở Công Thương - Tỉnh Phú Thọ" is agency 25.07.
    lam_thao = dict(PeriodValue.objects.filter(unit_code=LAM_THAO, **august).values_list("metric", "value"))
    assert (lam_thao["portal766.progress.total_received"], lam_thao["portal766.progress.total_on_time"]) == (2079, 1660)
    assert OfficialScore.objects.get(unit_code="25.07", group_code="TDGQ", **august).points == 13.78
    assert PeriodValue.objects.get(unit_code="25.07", metric="portal766.progress.total_received").value == 482


def test_indicator_points_are_stored_with_the_group(db):
    _import("dossier-digitized/month-all.json")
    official = dict(OfficialScore.objects.filter(unit_code="25").values_list("indicator_code", "points"))
    assert official[""] == 8.24
    assert official["ORIGINAL_RESULT_AVAILABLE"] == 4.34
    assert PeriodValue.objects.get(unit_code="25", metric="portal766.digitisation.electronic_certified_copy.score"
                                   ).value == 2


def test_online_services_are_taken_as_given(db):
    result = _import("provide-online-tree/quarter-formality.json")
    assert (result.group, result.given, result.compared) == ("CLGQ", "điểm chính thức, công thức chưa công bố", 0)
    assert OfficialScore.objects.filter(group_code="CLGQ", procedure_code=PROCEDURE,
                                        start=date(2026, 7, 1), end=date(2026, 9, 30)).count() == 164


def test_an_unknown_commune_name_is_reported_not_guessed(db, tmp_path):
    def rename(data):
        _child(data, "UBND xã Tam Dương Bắc")["departmentName"] = "UBND xã Tam Dương Tây"

    path = _edited(tmp_path, "dvc-progress-tree/month-all.json", rename)
    result = import_portal766(Actor.system(), path, parse_period("2026-08"))
    assert result.unmatched == [{"name": "UBND xã Tam Dương Tây", "level": "xã, phường",
                                 "reason": "không có xã, phường tên này trong tỉnh"}]
    assert (result.units_matched, result.communes_matched, result.values_stored, result.official_scores_stored) == (
        163, 147, 652, 163)
    assert PeriodValue.objects.filter(unit_code=TAM_DUONG_BAC).count() == 0
    assert PeriodValue.objects.filter(unit_code="08869").count() == 4  # Xã Tam Dương, not a guess for it
    assert PeriodValue.objects.count() == 652


def test_names_match_without_accents_or_case(db, tmp_path):
    def shout(data):
        _child(data, "UBND xã Lâm Thao - Tỉnh Phú Thọ")["departmentName"] = "ubnd XA LAM THAO - tinh phu tho"
        data["parent"]["departmentName"] = "Ủy ban nhân dân TỈNH PHU THO"

    result = import_portal766(Actor.system(), _edited(tmp_path, "dvc-progress-tree/month-all.json", shout),
                              parse_period("2026-08"))
    assert (result.province, result.units_matched, result.unmatched) == ("25", 164, [])
    assert PeriodValue.objects.get(unit_code=LAM_THAO, metric="portal766.progress.total_received").value == 2079


def test_an_unknown_province_stores_nothing(db, tmp_path):
    def move(data):
        data["parent"]["departmentName"] = "UBND tỉnh Vĩnh Phúc"

    path = _edited(tmp_path, "dvc-progress-tree/month-all.json", move)
    audits = AuditEntry.objects.count()
    with pytest.raises(PortalImportError) as refused:
        import_portal766(Actor.system(), path, parse_period("2026-08"))
    assert str(refused.value) == "Không tìm thấy tỉnh, thành phố 'UBND tỉnh Vĩnh Phúc' trong danh mục đơn vị"
    assert (PeriodValue.objects.count(), OfficialScore.objects.count(), AuditEntry.objects.count()) == (0, 0, audits)
    assert Unit.objects.count() == REGISTRY_SIZE


def test_a_reimport_changes_nothing(db):
    _import("dossier-digitized/quarter-all.json")
    _import("transparency/quarter-all.json")
    values, official = _values(), list(OfficialScore.objects.values_list("pk", "points", "updated_at"))
    again = [_import("dossier-digitized/quarter-all.json"), _import("transparency/quarter-all.json")]
    assert [(item.values_stored, item.values_changed, item.values_removed, item.agencies_created)
            for item in again] == [(2132, 0, 0, []), (1312, 0, 0, [])]
    assert _values() == values
    assert list(OfficialScore.objects.values_list("pk", "points", "updated_at")) == official
    assert (len(values), len(official), DataQualityIssue.objects.count()) == (2132 + 1312, 1307 + 819, 0)


def test_a_corrected_file_replaces_the_old_values(db, tmp_path):
    def correct(data):
        data["parent"]["totalOnTime"] = 144000
        del _child(data, "UBND xã Lâm Thao - Tỉnh Phú Thọ")["avgProcessingDays"]

    _import("dvc-progress-tree/month-all.json")
    _import("dossier-digitized/month-all.json")  # another endpoint of the same period: left alone
    result = import_portal766(Actor.system(), _edited(tmp_path, "dvc-progress-tree/month-all.json", correct),
                              parse_period("2026-08"))
    assert (result.values_stored, result.values_changed, result.values_removed) == (655, 1, 1)
    assert PeriodValue.objects.get(unit_code="25", metric="portal766.progress.total_on_time").value == 144000
    assert not PeriodValue.objects.filter(unit_code=LAM_THAO, metric="portal766.progress.avg_processing_days").exists()
    assert PeriodValue.objects.count() == 655 + 2132
    # 20 × 144000 / 184513 = 15.61, the portal still says 15.68: a data-quality issue.
    issue = DataQualityIssue.objects.get()
    assert (issue.unit_code, issue.group_code, issue.ours, issue.official, issue.start, issue.end, issue.source) == (
        "25", "TDGQ", 15.61, 15.68, date(2026, 8, 1), date(2026, 8, 31), "portal766")
    assert issue.message == "Tỉnh Phú Thọ: nhóm TDGQ tính từ số liệu thô được 15.61 điểm, Cổng công bố 15.68 điểm"
    assert result.issues == [{"unit": "25", "group": "TDGQ", "ours": "15.61", "official": "15.68",
                              "message": issue.message}]
    restored = _import("dvc-progress-tree/month-all.json")
    assert (restored.values_changed, restored.issues, DataQualityIssue.objects.count()) == (2, [], 0)
    assert PeriodValue.objects.get(unit_code="25", metric="portal766.progress.total_on_time").value == 144625


def test_one_procedure_is_kept_apart_from_all_procedures(db):
    _import("dvc-progress-tree/year-all.json")
    _import("dvc-progress-tree/year-formality.json")
    received = PeriodValue.objects.filter(unit_code="25", metric="portal766.progress.total_received")
    assert sorted(received.values_list("procedure_code", "start", "end", "value")) == [
        ("", date(2026, 1, 1), date(2026, 12, 31), 597918), (PROCEDURE, date(2026, 1, 1), date(2026, 12, 31), 165139)]
    assert PeriodValue.objects.count() == 656 * 2


def test_an_audit_row_per_file(db):
    result = _import("formality-online-payment-tree/month-formality.json")
    entry = AuditEntry.objects.get(action="evaluation.import_portal766")
    assert (entry.actor_label, entry.object_type, entry.object_id, entry.unit_code) == (
        "system", "PortalImport", "payment:2026-08:2.000815", "25")
    assert {key: entry.after[key] for key in ("units_matched", "agencies_created", "values_stored",
                                              "official_scores_stored", "compared", "issues", "unmatched")} == {
        "units_matched": 164, "agencies_created": 15, "values_stored": 984, "official_scores_stored": 164,
        "compared": 164, "issues": 0, "unmatched": []}
    assert result.values_stored == 984


def test_only_writers_of_the_province_may_import(db):
    commune = User.objects.create_user(username="xa-lam-thao", password="x" * 20, role=Role.COMMUNE_OFFICER,
                                       unit=Unit.objects.get(code=LAM_THAO))
    other = User.objects.create_user(username="tinh-79", password="x" * 20, role=Role.PROVINCE_OFFICER,
                                     unit=Unit.objects.get(code="79"))
    for user in (commune, other):
        with pytest.raises(PermissionDenied):
            _import("dvc-progress-tree/month-all.json", Actor.for_user(user))
    assert (PeriodValue.objects.count(), Unit.objects.count(), AuditEntry.objects.count()) == (0, REGISTRY_SIZE, 0)
    officer = User.objects.create_user(username="tinh-25", password="x" * 20, role=Role.PROVINCE_OFFICER,
                                       unit=Unit.objects.get(code="25"))
    assert _import("dvc-progress-tree/month-all.json", Actor.for_user(officer)).units_matched == 164


def test_command_json(db):
    out = StringIO()
    call_command("import", "portal766", str(DATA / "dvc-progress-tree/quarter-formality.json"), "--period", "2026-Q3",
                 "--procedure", PROCEDURE, "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert sorted(data) == sorted([
        "file", "endpoint", "group", "period", "start", "end", "procedure", "province", "units_matched",
        "communes_matched", "agencies_matched", "agencies_created", "agency_codes_created", "values_stored",
        "values_changed", "values_removed", "official_scores_stored", "compared", "issues", "unmatched", "given",
        "reconciled", "cross_source"])
    assert {key: data[key] for key in data if key not in ("file", "agency_codes_created")} == {
        "endpoint": "progress", "group": "TDGQ", "period": "2026-Q3", "start": "2026-07-01", "end": "2026-09-30",
        "procedure": PROCEDURE, "province": "25", "units_matched": 164, "communes_matched": 148,
        "agencies_matched": 15, "agencies_created": 15, "values_stored": 656, "values_changed": 656,
        "values_removed": 0, "official_scores_stored": 164, "compared": 164, "issues": [], "unmatched": [],
        "given": "", "reconciled": 0, "cross_source": []}  # one procedure: not reconciled with our own data
    assert sorted(data["agency_codes_created"]) == sorted(AGENCIES)


def test_command_summary(db, tmp_path):
    def rename(data):
        _child(data, "UBND xã Tam Dương Bắc")["departmentName"] = "UBND xã Tam Dương Tây"

    out = StringIO()
    path = _edited(tmp_path, "provide-online-tree/month-all.json", rename)
    call_command("import", "portal766", str(path), "--period", "2026-08", stdout=out)
    assert out.getvalue() == (
        "Tệp month-all.json: nhóm CLGQ, kỳ Tháng 8/2026, tất cả thủ tục, tỉnh mã 25\n"
        "Đơn vị khớp: 163 (tỉnh 1, sở/ngành 15, xã/phường 147)\n"
        "Sở, ngành mới tạo: 15\n"
        "Giá trị đã lưu: 173 (mới hoặc thay đổi 173, bỏ 0)\n"
        "Điểm chính thức đã lưu: 163\n"
        "Nhóm CLGQ: dùng điểm của Cổng (điểm chính thức, công thức chưa công bố), không so sánh\n"
        "Tên không khớp: 1\n"
        "  UBND xã Tam Dương Tây (xã, phường): không có xã, phường tên này trong tỉnh\n"
    )


@pytest.mark.parametrize(("arguments", "message"), [
    (["--period", "2026-13"], "period: Kỳ không hợp lệ '2026-13': Tháng phải từ 1 đến 12, không phải 13"),
    (["--period", "2026-08", "--procedure", "x" * 41], f"Mã thủ tục quá dài (tối đa 40 ký tự): '{'x' * 41}'"),
])
def test_command_refuses_bad_arguments(arguments, message, db):
    with pytest.raises(CommandError) as refused:
        call_command("import", "portal766", str(PROGRESS), *arguments)
    assert str(refused.value) == message
    assert PeriodValue.objects.count() == 0


def test_command_refuses_a_file_that_is_not_a_portal_answer(db, tmp_path):
    path = tmp_path / "khac.json"
    path.write_text('{"code": "OK", "data": {"items": []}}', encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("import", "portal766", str(path), "--period", "2026-08")
    assert str(refused.value) == "không nhận ra dạng câu trả lời: cần parent/children hoặc overview/evaluation"
    path.write_text("không phải JSON", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("import", "portal766", str(path), "--period", "2026-08")
    assert str(refused.value) == f"Không đọc được tệp {path}: Expecting value: line 1 column 1 (char 0)"
    with pytest.raises(CommandError) as refused:
        call_command("import", "portal766", str(tmp_path / "khong-co.json"), "--period", "2026-08")
    assert str(refused.value) == f"Không tìm thấy tệp {tmp_path / 'khong-co.json'}"
