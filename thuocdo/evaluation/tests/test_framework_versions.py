"""Frameworks as versioned data: loading is idempotent, an edit adds a version, old scores keep naming theirs."""

import json
import shutil
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils.timezone import localtime

from thuocdo.accounts.choices import Role
from thuocdo.accounts.models import AuditEntry
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import PASSWORD, make_user
from thuocdo.evaluation.actions import FrameworkEditError, load_frameworks, save_framework_edit
from thuocdo.evaluation.frameworks import PRESETS
from thuocdo.evaluation.models import DataQualityIssue, FrameworkVersion, OfficialScore
from thuocdo.evaluation.scoring import score_unit
from thuocdo.evaluation.store import UnknownFramework, current_framework, framework_version, list_frameworks

pytestmark = pytest.mark.django_db

QD766 = (PRESETS / "qd766.yaml").read_text(encoding="utf-8")
CQDP2C = (PRESETS / "cqdp2c.yaml").read_text(encoding="utf-8")
QD766_NAME = "Bộ chỉ số phục vụ người dân, doanh nghiệp (QĐ 766/QĐ-TTg)"
CQDP2C_NAME = "Vận hành chính quyền địa phương hai cấp"
# Line 38 of qd766.yaml is PUBLISH_ON_TIME's numerator; an opening parenthesis never closed breaks it.
BAD_NUMERATOR = QD766.replace("numerator: portal766.transparency.publish_on_time.numerator",
                              "numerator: (portal766.transparency.publish_on_time.numerator", 1)
BAD_MESSAGE = ("Bộ chỉ số không hợp lệ (dòng 38, cột 69, chỉ tiêu PUBLISH_ON_TIME, trường numerator): "
               "Biểu thức không hợp lệ ở vị trí 49: thiếu ')'")
CHANGE_URL = "/admin/evaluation/frameworkversion/{}/change/"

TINY = """\
code: tiny
name: Bộ thử nghiệm
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
        numerator: a.done
        denominator: a.total
"""
TINY_THRESHOLD = TINY.replace("rule: linear", "rule: threshold\n        threshold: 0.8")


def rows():
    return list(FrameworkVersion.objects.order_by("code", "version").values_list(
        "code", "version", "name", "valid_from", "note", "created_by__username"))


@pytest.fixture
def loaded():
    return load_frameworks(Actor.system())


@pytest.fixture
def central_admin():
    user = make_user("quantri", Role.CENTRAL_ADMIN, "VN")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def test_load_stores_version_1_of_each_preset(loaded):
    assert loaded == [("cqdp2c", 1, True), ("qd766", 1, True)]
    assert rows() == [
        ("cqdp2c", 1, CQDP2C_NAME, date(2025, 7, 1), "Nạp từ tệp cqdp2c.yaml", None),
        ("qd766", 1, QD766_NAME, date(2025, 7, 1), "Nạp từ tệp qd766.yaml", None),
    ]
    assert [row.definition for row in FrameworkVersion.objects.order_by("code")] == [CQDP2C, QD766]
    assert list(AuditEntry.objects.order_by("object_id").values_list("actor_label", "action", "object_id")) == [
        ("system", "evaluation.load_framework", "cqdp2c v1"), ("system", "evaluation.load_framework", "qd766 v1")]


def test_second_load_stores_nothing(loaded):
    assert load_frameworks(Actor.system()) == [("cqdp2c", 1, False), ("qd766", 1, False)]
    assert FrameworkVersion.objects.count() == 2
    assert AuditEntry.objects.count() == 2


def test_changed_file_stores_version_2_and_keeps_version_1(tmp_path):
    for name in ("cqdp2c.yaml", "qd766.yaml"):
        shutil.copy(PRESETS / name, tmp_path / name)
    paths = sorted(tmp_path.glob("*.yaml"))
    assert load_frameworks(Actor.system(), paths) == [("cqdp2c", 1, True), ("qd766", 1, True)]
    first = FrameworkVersion.objects.get(code="qd766", version=1)
    changed = QD766.replace(f"name: {QD766_NAME}", "name: QĐ 766 (sửa)", 1)
    (tmp_path / "qd766.yaml").write_text(changed, encoding="utf-8")

    assert load_frameworks(Actor.system(), paths) == [("cqdp2c", 1, False), ("qd766", 2, True)]
    assert rows() == [
        ("cqdp2c", 1, CQDP2C_NAME, date(2025, 7, 1), "Nạp từ tệp cqdp2c.yaml", None),
        ("qd766", 1, QD766_NAME, date(2025, 7, 1), "Nạp từ tệp qd766.yaml", None),
        ("qd766", 2, "QĐ 766 (sửa)", date(2025, 7, 1), "Nạp từ tệp qd766.yaml", None),
    ]
    again = FrameworkVersion.objects.get(code="qd766", version=1)
    assert (again.definition, again.name, again.created_at) == (QD766, QD766_NAME, first.created_at)
    assert FrameworkVersion.objects.get(code="qd766", version=2).definition == changed


def test_a_bad_file_stores_nothing(tmp_path):
    (tmp_path / "qd766.yaml").write_text(BAD_NUMERATOR, encoding="utf-8")
    shutil.copy(PRESETS / "cqdp2c.yaml", tmp_path / "cqdp2c.yaml")
    with pytest.raises(ValueError, match=r"qd766.yaml:38:69: chỉ tiêu PUBLISH_ON_TIME, numerator: "):
        load_frameworks(Actor.system(), sorted(tmp_path.glob("*.yaml")))
    assert (FrameworkVersion.objects.count(), AuditEntry.objects.count()) == (0, 0)


def test_reloading_the_unchanged_file_keeps_an_admin_edit(loaded, central_admin):
    save_framework_edit(Actor.for_user(central_admin), "qd766", QD766.replace("rounding: 2  #", "rounding: 3  #"),
                        "Làm tròn 3 chữ số")
    assert load_frameworks(Actor.system()) == [("cqdp2c", 1, False), ("qd766", 2, False)]
    assert FrameworkVersion.objects.filter(code="qd766").count() == 2


def test_admin_edit_by_a_central_admin_adds_a_version(client, loaded, central_admin):
    first = FrameworkVersion.objects.get(code="qd766", version=1)
    edited = QD766.replace(f"name: {QD766_NAME}", "name: QĐ 766 (bản sửa)", 1)
    client.login(username="quantri", password=PASSWORD)
    assert client.get(CHANGE_URL.format(first.pk)).status_code == 200

    response = client.post(CHANGE_URL.format(first.pk), {
        "definition": edited.replace("\n", "\r\n"), "note": "Đổi tên"}, follow=True)

    assert response.redirect_chain == [("/admin/evaluation/frameworkversion/", 302)]
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "Đã lưu phiên bản mới qd766 v2; các phiên bản trước giữ nguyên."]
    second = FrameworkVersion.objects.get(code="qd766", version=2)
    assert (second.name, second.note, second.created_by, second.definition) == (
        "QĐ 766 (bản sửa)", "Đổi tên", central_admin, edited)
    again = FrameworkVersion.objects.get(pk=first.pk)
    assert (again.version, again.name, again.note, again.definition) == (1, QD766_NAME, "Nạp từ tệp qd766.yaml", QD766)
    entry = AuditEntry.objects.get(action="evaluation.edit_framework")
    assert (entry.actor_label, entry.object_type, entry.object_id) == ("quantri", "FrameworkVersion", "qd766 v2")
    assert (entry.before["version"], entry.before["name"], entry.after["version"], entry.after["name"],
            entry.after["note"]) == (1, QD766_NAME, 2, "QĐ 766 (bản sửa)", "Đổi tên")


def test_admin_add_starts_from_the_latest_version_of_a_code(client, loaded, central_admin):
    client.login(username="quantri", password=PASSWORD)
    page = client.get("/admin/evaluation/frameworkversion/add/?code=cqdp2c")
    assert page.context["adminform"].form.initial["definition"] == CQDP2C
    response = client.post("/admin/evaluation/frameworkversion/add/", {
        "definition": CQDP2C.replace("version: 0", "version: 1"), "note": "Bản 1"})
    assert response.status_code == 302
    assert rows()[:2] == [
        ("cqdp2c", 1, CQDP2C_NAME, date(2025, 7, 1), "Nạp từ tệp cqdp2c.yaml", None),
        ("cqdp2c", 2, CQDP2C_NAME, date(2025, 7, 1), "Bản 1", "quantri"),
    ]


def test_invalid_admin_edit_is_refused_naming_indicator_and_position(client, loaded, central_admin):
    first = FrameworkVersion.objects.get(code="qd766", version=1)
    client.login(username="quantri", password=PASSWORD)
    response = client.post(CHANGE_URL.format(first.pk), {"definition": BAD_NUMERATOR, "note": "Hỏng"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"definition": [BAD_MESSAGE]}
    assert (FrameworkVersion.objects.count(), AuditEntry.objects.count()) == (2, 2)
    assert FrameworkVersion.objects.get(pk=first.pk).definition == QD766


def test_invalid_edit_is_refused_by_the_action(loaded, central_admin):
    with pytest.raises(FrameworkEditError) as caught:
        save_framework_edit(Actor.for_user(central_admin), "qd766", BAD_NUMERATOR, "Hỏng")
    assert str(caught.value) == BAD_MESSAGE
    error = caught.value.framework_error
    assert (error.indicator, error.field, error.position, error.line, error.column) == (
        "PUBLISH_ON_TIME", "numerator", 49, 38, 69)
    assert (FrameworkVersion.objects.count(), AuditEntry.objects.count()) == (2, 2)


@pytest.mark.parametrize(("text", "message"), [
    (QD766, "Định nghĩa không khác phiên bản mới nhất (qd766 v1); không tạo phiên bản mới."),
    (CQDP2C, "Mã trong định nghĩa (cqdp2c) khác mã bộ chỉ số đang sửa (qd766)."),
])
def test_no_op_and_wrong_code_edits_are_refused(loaded, text, message):
    with pytest.raises(FrameworkEditError) as caught:
        save_framework_edit(Actor.system(), "qd766", text, "Không đổi")
    assert str(caught.value) == message
    assert (FrameworkVersion.objects.count(), AuditEntry.objects.count()) == (2, 2)


def test_province_officer_cannot_edit(client, loaded):
    officer = make_user("tinh1", Role.PROVINCE_OFFICER, "25")
    first = FrameworkVersion.objects.get(code="qd766", version=1)
    edited = QD766.replace("rounding: 2  #", "rounding: 3  #")
    client.login(username="tinh1", password=PASSWORD)
    url = CHANGE_URL.format(first.pk)
    response = client.post(url, {"definition": edited, "note": "Thử"})
    assert (response.status_code, response["Location"]) == (302, f"/admin/login/?next={url}")
    officer.is_staff = True  # even let into the admin by mistake, an officer gets no framework access
    officer.save()
    assert client.post(url, {"definition": edited, "note": "Thử"}).status_code == 403
    assert client.get("/admin/evaluation/frameworkversion/add/").status_code == 403
    with pytest.raises(PermissionDenied, match="^Chỉ quản trị trung ương được sửa bộ chỉ số.$"):
        save_framework_edit(Actor.for_user(officer), "qd766", edited, "Thử")
    assert (FrameworkVersion.objects.count(), AuditEntry.objects.count()) == (2, 2)
    assert FrameworkVersion.objects.get(pk=first.pk).definition == QD766


def test_current_framework_picks_the_latest_version_valid_on_the_day(loaded):
    save_framework_edit(Actor.system(), "qd766", QD766.replace("valid_from: 2025-07-01", "valid_from: 2026-01-01"),
                        "Áp dụng từ 2026")
    row, framework = current_framework("qd766", date(2025, 12, 31))
    assert (row.version, framework.version, framework.valid_from) == (1, 1, date(2025, 7, 1))
    row, framework = current_framework("qd766", date(2026, 1, 1))
    assert (row.version, framework.version, framework.valid_from) == (2, 2, date(2026, 1, 1))
    assert current_framework("qd766", date(2026, 1, 1))[1] is framework  # parsed once per version
    assert current_framework("cqdp2c", date(2026, 1, 1))[1].version == 1  # the store's number, not the file's 0
    with pytest.raises(UnknownFramework) as before:
        current_framework("qd766", date(2025, 6, 30))
    assert str(before.value) == ("Bộ chỉ số qd766 chưa có phiên bản áp dụng ngày 30/06/2025 "
                                 "(sớm nhất: v1, áp dụng từ 01/07/2025).")
    with pytest.raises(UnknownFramework) as unknown:
        current_framework("khong_co")
    assert str(unknown.value) == "Không có bộ chỉ số mã khong_co; chạy `thuocdo frameworks load`."
    with pytest.raises(UnknownFramework) as missing:
        framework_version("qd766", 3)
    assert str(missing.value) == "Bộ chỉ số qd766 không có phiên bản 3 (có: v1, v2)."
    assert [(row.code, row.version) for row in list_frameworks()] == [("cqdp2c", 1), ("qd766", 1), ("qd766", 2)]


def test_a_score_keeps_naming_the_version_it_used(tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY, encoding="utf-8")
    load_frameworks(Actor.system(), [tmp_path / "tiny.yaml"])
    values = {"a.done": 6, "a.total": 10}
    used_row, used = current_framework("tiny", date(2026, 8, 1))
    old_score = score_unit(used, "commune", values)  # 6 × 0.6

    save_framework_edit(Actor.system(), "tiny", TINY_THRESHOLD, "Đủ điểm từ 80 %")
    new_row, new = current_framework("tiny", date(2026, 8, 1))
    new_score = score_unit(new, "commune", values)  # 6 × min(1, 0.6 / 0.8)

    assert (used_row.version, old_score.version, old_score.total) == (1, 1, Decimal("3.60"))
    assert (new_row.version, new_score.version, new_score.total) == (2, 2, Decimal("4.50"))
    _, again = framework_version("tiny", old_score.version)
    assert (again.version, score_unit(again, "commune", values).total) == (1, Decimal("3.60"))


def test_frameworks_command(loaded):
    out = StringIO()
    call_command("frameworks", "load", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"frameworks": [
        {"code": "cqdp2c", "version": 1, "created": False}, {"code": "qd766", "version": 1, "created": False}]}
    out = StringIO()
    call_command("frameworks", "show", "qd766", "--version", "1", "--yaml", stdout=out)
    assert out.getvalue() == QD766
    out = StringIO()
    call_command("frameworks", "show", "cqdp2c", stdout=out)
    saved = localtime(FrameworkVersion.objects.get(code="cqdp2c").created_at)
    assert out.getvalue().splitlines()[:3] == [
        f"cqdp2c v1 — {CQDP2C_NAME}",
        f"  áp dụng từ 01/07/2025; lưu lúc {saved:%Y-%m-%d %H:%M}; "
        "ghi chú: Nạp từ tệp cqdp2c.yaml",
        "  điểm tối đa theo cấp: province: 100, agency: 40, commune: 100",
    ]
    out = StringIO()
    call_command("frameworks", "list", stdout=out)
    assert [line.split()[:3] for line in out.getvalue().splitlines()] == [
        ["*", "cqdp2c", "v1"], ["*", "qd766", "v1"], ["(*", "đang", "áp"]]


def test_official_scores_and_issues_are_read_only_in_the_admin(client, central_admin):
    score = OfficialScore.objects.create(unit_code="08494", framework_code="qd766", group_code="MDSH",
                                         start=date(2026, 8, 1), end=date(2026, 8, 31), points=21.5, source="portal766")
    issue = DataQualityIssue.objects.create(unit_code="08494", framework_code="qd766", group_code="MDSH",
                                            start=date(2026, 8, 1), end=date(2026, 8, 31), ours=20.0, official=21.5,
                                            message="Lệch 1,5 điểm", source="portal766")
    client.login(username="quantri", password=PASSWORD)
    for model, row in (("officialscore", score), ("dataqualityissue", issue)):
        base = f"/admin/evaluation/{model}/"
        listing = client.get(f"{base}?q=08494&framework_code=qd766&start__gte=2026-08-01")
        assert (listing.status_code, listing.context["cl"].result_count) == (200, 1)
        assert client.get(f"{base}?q=26704").context["cl"].result_count == 0
        assert client.get(f"{base}{row.pk}/change/").status_code == 200
        assert client.post(f"{base}{row.pk}/change/", {"unit_code": "26704"}).status_code == 403
        assert client.get(f"{base}add/").status_code == 403
        assert client.post(f"{base}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert list(OfficialScore.objects.values_list("unit_code", "points")) == [("08494", 21.5)]
    assert list(DataQualityIssue.objects.values_list("unit_code", "message")) == [("08494", "Lệch 1,5 điểm")]
