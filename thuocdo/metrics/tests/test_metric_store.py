"""The metric store: order-independent, idempotent, checkable, rebuildable (and resumable), any date range."""

import json
from collections import Counter
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F, Sum
from django.test import Client

from thuocdo.accounts.actions import create_api_token
from thuocdo.accounts.models import AuditEntry
from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.models import Dossier, DossierEvent
from thuocdo.dossiers.ontime import Status
from thuocdo.dossiers.tests.factories import (
    HCMC,
    ICT,
    LAM_THAO,
    NATION,
    PHU_MY,
    PHU_THO,
    PHUONG_PHU_MY,
    accepted,
    counts,
    dossier_states,
    event,
    metric_rows,
    shuffled,
    stream,
    totals,
    without_facts,
)
from thuocdo.metrics import codes
from thuocdo.metrics import rebuild as rebuilding
from thuocdo.metrics.actions import record_metric_values
from thuocdo.metrics.models import FillState, Grain, MetricInput, MetricValue
from thuocdo.metrics.queries import metric_totals, stored_totals
from thuocdo.testing.openapi import assert_matches_openapi
from thuocdo.units.models import Unit

pytestmark = pytest.mark.django_db

# The generated stream: 300 dossiers accepted from 24/8 to 12/9/2026, ended by early October.
WHOLE_RANGE = (date(2026, 8, 1), date(2026, 10, 31))


def ingest(rows, **kwargs) -> dict:
    return ingest_dossier_events(Actor.system(), rows, **kwargs).as_dict()


def check_output() -> tuple[str, str | None]:
    out = StringIO()
    try:
        call_command("metrics", "check", stdout=out)
    except CommandError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), None


# --- one set of facts, one store ---------------------------------------------------------------------


def test_shuffled_orders_and_batch_sizes_give_identical_stores():
    rows = stream(300, seed=7)
    # Seven events per batch spreads most dossiers over several batches (re-classified each time).
    assert ingest(shuffled(rows, 1), batch_size=7) == {"accepted": len(rows), "duplicates": 0, "rejected": []}
    first, first_full = (metric_rows(), dossier_states()), metric_rows(nonzero=False)

    DossierEvent.objects.all().delete()
    Dossier.objects.all().delete()
    MetricValue.objects.all().delete()
    ingest(shuffled(rows, 2), batch_size=5000)

    assert (metric_rows(), dossier_states()) == first
    # The only difference: rows that a re-classification moved back to zero (kept, harmless to every sum).
    assert {row[6] for row in set(first_full) ^ set(metric_rows(nonzero=False))} == {0.0}
    nation = metric_totals(Unit.objects.get(code=NATION), *WHOLE_RANGE)
    accepted_dossiers = {r["dossier_code"] for r in rows if r["status"] == Status.ACCEPTED}
    assert nation["dossier.received"] == len(accepted_dossiers) == 282
    # Pinned for seed 7: every accepted dossier is either resolved or still pending at the end of the range.
    assert without_facts(nation) == counts(
        received=282, online=110, direct=104, postal=68, resolved=235, early=77, on_time=14, late=144, withdrawn=8,
        stopped=10, refused=18, pending=47, overdue=47)
    assert rebuilding.check() == []


def test_ingesting_the_same_events_twice_changes_nothing():
    rows = stream(120, seed=11)
    ingest(rows)
    before = (metric_rows(nonzero=False), dossier_states(), DossierEvent.objects.count())

    assert ingest(shuffled(rows, 3), batch_size=50) == {"accepted": 0, "duplicates": len(rows), "rejected": []}

    assert (metric_rows(nonzero=False), dossier_states(), DossierEvent.objects.count()) == before


def test_metrics_check_is_clean_then_reports_a_corrupted_row_and_dossier():
    ingest(stream(60, seed=3))
    assert check_output() == ("Kho số liệu khớp với dữ liệu gốc.\n", None)

    row = MetricValue.objects.filter(unit_code=LAM_THAO, metric="dossier.received", grain=Grain.DAY).earliest("start")
    MetricValue.objects.filter(pk=row.pk).update(value=F("value") + 2)
    dossier = Dossier.objects.filter(outcome="early", province_code=PHU_THO).earliest("dossier_code")
    Dossier.objects.filter(pk=dossier.pk).update(outcome="late")

    printed, error = check_output()

    assert printed == (
        f"25/{LAM_THAO}/dossier.received//d/{row.start}: lưu {row.value + 2:g}, tính lại {row.value:g}\n"
        f"hồ sơ 25/{LAM_THAO}/{dossier.dossier_code}: lưu late, tính lại early\n"
    )
    assert error == "Kho số liệu lệch với dữ liệu gốc (2 sai lệch đầu tiên ở trên)."


def test_metrics_rebuild_restores_the_exact_store():
    rows = stream(150, seed=5)
    ingest(rows)
    record_metric_values(Actor.system(), [
        {"unit_code": LAM_THAO, "metric": "report.staff.quota", "day": "2026-09-03", "value": 12, "source": "bao-cao"}])
    expected = (metric_rows(), dossier_states())
    MetricValue.objects.filter(unit_code=NATION).delete()
    Dossier.objects.filter(outcome="late").update(outcome="early")

    out = StringIO()
    call_command("metrics", "rebuild", stdout=out)

    assert out.getvalue() == f"Đã dựng lại kho số liệu từ {len(rows)} sự kiện.\n"
    assert (metric_rows(), dossier_states()) == expected
    assert check_output() == ("Kho số liệu khớp với dữ liệu gốc.\n", None)
    assert FillState.objects.filter(name=rebuilding.REBUILD, done=True).count() == 1


class Killed(Exception):
    """Stands for SIGKILL: the transaction it interrupts is rolled back, the committed ones stay."""


def test_an_interrupted_rebuild_resumes_where_it_stopped(monkeypatch):
    rows = stream(120, seed=5)
    ingest(rows)
    record_metric_values(Actor.system(), [
        {"unit_code": PHU_MY, "metric": "report.staff.quota", "day": "2026-09-03", "value": 7, "source": "bao-cao"}])
    expected = (metric_rows(), dossier_states())
    ids = list(DossierEvent.objects.order_by("id").values_list("id", flat=True))
    monkeypatch.setattr(rebuilding, "CHUNK", 100)

    # Killed in the middle of the second chunk: after its writes, before its commit.
    real_apply, calls = rebuilding.apply_to_dossiers, []

    def apply_then_die(events):
        calls.append(len(events))
        moved = real_apply(events)
        if len(calls) == 2:
            raise Killed
        return moved

    monkeypatch.setattr(rebuilding, "apply_to_dossiers", apply_then_die)
    with pytest.raises(Killed):
        rebuilding.rebuild()

    state = FillState.objects.get(name=rebuilding.REBUILD)
    assert (state.last_id, state.done) == (ids[99], False)
    first_chunk = DossierEvent.objects.filter(id__lte=ids[99]).values_list("dossier_code", flat=True)
    assert Dossier.objects.count() == len(set(first_chunk))
    assert MetricInput.objects.count() == 1
    assert MetricValue.objects.filter(metric="report.staff.quota").count() == 0  # inputs come last

    monkeypatch.setattr(rebuilding, "apply_to_dossiers", real_apply)
    progress = []
    assert rebuilding.rebuild(lambda done, total: progress.append((done, total))) == len(ids)

    total = len(ids)
    assert progress == [(min(n, total), total) for n in range(200, total + 100, 100)]
    assert (metric_rows(), dossier_states()) == expected
    state.refresh_from_db()
    assert (state.last_id, state.done) == (ids[-1], True)
    assert rebuilding.check() == []

    # A finished rebuild is not resumed: the next one starts again from the first event.
    progress.clear()
    assert rebuilding.rebuild(lambda done, total: progress.append((done, total))) == total
    assert progress[0] == (100, total)
    assert (metric_rows(), dossier_states()) == expected


# --- figures from other sources ----------------------------------------------------------------------

QUOTA = "report.staff.quota"


def quota(code: str) -> dict:
    return metric_totals(Unit.objects.get(code=code), date(2026, 9, 1), date(2026, 9, 30), [QUOTA])


def value_row(unit: str, value: float, *, day: str = "2026-09-03", metric: str = QUOTA, **extra) -> dict:
    return {"unit_code": unit, "metric": metric, "day": day, "value": value, "source": "bao-cao-quy", **extra}


def test_metric_values_are_stored_and_rolled_up_to_province_and_nation():
    rows = [value_row(LAM_THAO, 12), value_row(PHU_MY, 5), value_row(PHUONG_PHU_MY, 7),
            value_row(PHU_THO, 3, metric="portal.online_payments", procedure_code="1.001234", day="2026-09-04")]

    assert record_metric_values(Actor.system(), rows) == {"stored": 4, "rejected": []}

    assert [quota(c) for c in (LAM_THAO, PHU_MY, PHU_THO, PHUONG_PHU_MY, HCMC, NATION)] == [
        {QUOTA: 12}, {QUOTA: 5}, {QUOTA: 17}, {QUOTA: 7}, {QUOTA: 7}, {QUOTA: 24}]
    sep3, sep = date(2026, 9, 3), date(2026, 9, 1)
    assert metric_rows() == sorted([
        ("", NATION, "portal.online_payments", "", "d", date(2026, 9, 4), 3),
        ("", NATION, "portal.online_payments", "", "m", sep, 3),
        ("", NATION, QUOTA, "", "d", sep3, 24), ("", NATION, QUOTA, "", "m", sep, 24),
        ("25", PHU_MY, QUOTA, "", "d", sep3, 5), ("25", PHU_MY, QUOTA, "", "m", sep, 5),
        ("25", LAM_THAO, QUOTA, "", "d", sep3, 12), ("25", LAM_THAO, QUOTA, "", "m", sep, 12),
        ("25", PHU_THO, "portal.online_payments", "", "d", date(2026, 9, 4), 3),
        ("25", PHU_THO, "portal.online_payments", "", "m", sep, 3),
        ("25", PHU_THO, "portal.online_payments", "1.001234", "m", sep, 3),
        ("25", PHU_THO, QUOTA, "", "d", sep3, 17), ("25", PHU_THO, QUOTA, "", "m", sep, 17),
        ("79", PHUONG_PHU_MY, QUOTA, "", "d", sep3, 7), ("79", PHUONG_PHU_MY, QUOTA, "", "m", sep, 7),
        ("79", HCMC, QUOTA, "", "d", sep3, 7), ("79", HCMC, QUOTA, "", "m", sep, 7),
    ])
    # Per-procedure rows are the unit's own; the province's and the nation's figure sums them.
    assert [metric_totals(Unit.objects.get(code=c), sep, date(2026, 9, 30), procedure="1.001234") for c in (
        PHU_THO, NATION)] == [{**dict.fromkeys(codes.STREAM_CODES, 0), "portal.online_payments": 3}] * 2
    # Dossier metrics stay zero (the stream counts every day), other sources' figures appear as given.
    assert totals(LAM_THAO, "2026-09-03") == {**counts(), QUOTA: 12}


def test_a_replay_changes_nothing_and_a_correction_moves_by_the_difference():
    record_metric_values(Actor.system(), [value_row(LAM_THAO, 12), value_row(PHU_MY, 5)])
    before = metric_rows(nonzero=False)

    assert record_metric_values(Actor.system(), [value_row(LAM_THAO, 12)]) == {"stored": 1, "rejected": []}
    assert metric_rows(nonzero=False) == before

    record_metric_values(Actor.system(), [value_row(LAM_THAO, 10)])
    assert [quota(c) for c in (LAM_THAO, PHU_THO, NATION)] == [{QUOTA: 10}, {QUOTA: 15}, {QUOTA: 15}]
    # Within one batch the last row for a key wins; another source adds its own figure.
    record_metric_values(Actor.system(), [value_row(LAM_THAO, 1), value_row(LAM_THAO, 4),
                                          {**value_row(LAM_THAO, 2), "source": "cong-quoc-gia"}])
    assert [quota(c) for c in (LAM_THAO, PHU_THO, NATION)] == [{QUOTA: 6}, {QUOTA: 11}, {QUOTA: 11}]
    assert sorted(MetricInput.objects.values_list("source", "unit_code", "value")) == [
        ("bao-cao-quy", PHU_MY, 5), ("bao-cao-quy", LAM_THAO, 4), ("cong-quoc-gia", LAM_THAO, 2)]
    assert rebuilding.check() == []


def test_bad_metric_values_are_rejected_with_their_field_and_the_rest_kept():
    rows = [
        value_row(LAM_THAO, 1),
        value_row(LAM_THAO, "nhiều"),
        value_row(LAM_THAO, 1, day="2026-02-30"),
        value_row("99999", 1),
        value_row(NATION, 1),
        value_row(LAM_THAO, 1, metric="Chỉ Tiêu"),
        value_row(LAM_THAO, 1, metric="dossier.received"),
        value_row(LAM_THAO, 1, metric="dossier.pending.overdue"),
        {**value_row(LAM_THAO, 1), "source": None},
        {**value_row(LAM_THAO, 1), "mau": "đỏ"},
        "không phải một dòng",
        value_row(LAM_THAO, "NaN"),
        value_row(LAM_THAO, float("inf")),
    ]

    result = record_metric_values(Actor.system(), rows)

    assert result["stored"] == 1
    assert [(r["index"], [e.split(":")[0] for e in r["errors"]]) for r in result["rejected"]] == [
        (1, ["value"]), (2, ["day"]), (3, ["unit_code"]), (4, ["unit_code"]), (5, ["metric"]), (6, ["metric"]),
        (7, ["metric"]), (8, ["source"]), (9, ["mau"]), (10, ["row"]), (11, ["value"]), (12, ["value"]),
    ]
    assert [r["errors"] for r in result["rejected"][2:8]] == [
        ["unit_code: không có đơn vị mã 99999"],
        ["unit_code: không có đơn vị mã VN"],
        ["metric: mã chỉ tiêu chỉ gồm chữ thường, số, '_' và '.', ví dụ report.staff.quota"],
        ["metric: dossier.received được tính từ sự kiện hồ sơ, không nhận giá trị trực tiếp"],
        ["metric: dossier.pending.overdue được tính từ sự kiện hồ sơ, không nhận giá trị trực tiếp"],
        ["source: thiếu nguồn số liệu"],
    ]
    assert list(MetricInput.objects.values_list("unit_code", "metric", "value")) == [(LAM_THAO, QUOTA, 1)]


def test_metric_values_need_the_scope_and_the_unit():
    quota_token = create_api_token(Actor.system(), "so-noi-vu", [PHU_THO], ["metrics:write"]).token
    events_token = create_api_token(Actor.system(), "mot-cua", [PHU_THO], ["dossiers:write"]).token
    audits = AuditEntry.objects.count()

    denied = record_metric_values(Actor.for_token(events_token), [value_row(LAM_THAO, 1)])
    assert denied == {"stored": 0, "rejected": [
        {"index": 0, "errors": [f"unit_code: không có quyền gửi số liệu cho đơn vị {LAM_THAO}"]}]}
    assert (MetricInput.objects.count(), MetricValue.objects.count(), AuditEntry.objects.count()) == (0, 0, audits)

    mixed = record_metric_values(Actor.for_token(quota_token), [value_row(LAM_THAO, 1), value_row(PHUONG_PHU_MY, 1)])
    assert mixed == {"stored": 1, "rejected": [
        {"index": 1, "errors": [f"unit_code: không có quyền gửi số liệu cho đơn vị {PHUONG_PHU_MY}"]}]}
    assert MetricValue.objects.filter(province_code="79").count() == 0


VALUES = "/api/v1/metric-values"


def post_values(values: list, secret: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    response = Client().post(VALUES, data=json.dumps({"values": values}), content_type="application/json", **headers)
    assert_matches_openapi(response, "POST", VALUES)
    return response


def test_metric_values_api_takes_the_source_from_the_token_and_enforces_units_and_scope():
    secret = create_api_token(Actor.system(), "so-noi-vu-phu-tho", [PHU_THO], ["metrics:write"]).secret
    rows = [value_row(LAM_THAO, 9, source="tu-khai"), value_row(PHUONG_PHU_MY, 1)]

    response = post_values(rows, secret)

    assert (response.status_code, response.json()) == (200, {"stored": 1, "rejected": [
        {"index": 1, "errors": [f"unit_code: không có quyền gửi số liệu cho đơn vị {PHUONG_PHU_MY}"]}]})
    assert list(MetricInput.objects.values_list("source", "unit_code", "value")) == [
        ("so-noi-vu-phu-tho", LAM_THAO, 9)]
    assert [quota(c) for c in (LAM_THAO, PHU_THO, NATION)] == [{QUOTA: 9}] * 3

    before = (metric_rows(nonzero=False), MetricInput.objects.count(), AuditEntry.objects.count())
    no_scope = create_api_token(Actor.system(), "chi-ho-so", [PHU_THO], ["dossiers:write"]).secret
    audits = AuditEntry.objects.count()
    assert post_values([value_row(LAM_THAO, 100)], no_scope).json()["stored"] == 0
    assert post_values([value_row(LAM_THAO, 100)], None).status_code == 401
    assert post_values([value_row(LAM_THAO, 1)] * 10_001, secret).status_code == 422
    assert (metric_rows(nonzero=False), MetricInput.objects.count(), AuditEntry.objects.count()) == (
        before[0], before[1], audits)


def test_metric_values_file_command(tmp_path):
    path = tmp_path / "so-lieu.csv"
    path.write_text("unit_code,metric,day,value\n08494,report.staff.quota,2026-09-03,12\n"
                    "08236,report.staff.quota,2026-09-31,1\n", encoding="utf-8")
    out = StringIO()

    call_command("ingest", "metric-values", str(path), "--source", "bao-cao-quy", "--json", stdout=out)

    result = json.loads(out.getvalue())
    assert (result["stored"], [(r["index"], r["errors"][0].split(":")[0]) for r in result["rejected"]]) == (
        1, [(1, "day")])
    assert [quota(c) for c in (LAM_THAO, PHU_THO, NATION)] == [{QUOTA: 12}] * 3


# --- any date range: whole months from month rows, edges from day rows --------------------------------


def test_a_range_over_parts_of_two_months_and_a_whole_month_equals_the_sum_of_its_days():
    first, last = date(2026, 8, 20), date(2026, 10, 10)
    rows, accepted_days = [], Counter()
    day = first
    while day <= last:
        n = (day - first).days
        start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=ICT)
        code = f"NGAY-{n:02d}"
        procedure = "1.001234" if n % 4 == 0 else None
        rows.append(accepted(code, start.isoformat(), (start + timedelta(days=2)).isoformat(), channel=n % 3 + 1,
                             procedure=procedure))
        rows.append(event(code, Status.PROCESSED, (start + timedelta(days=1)).isoformat(), procedure=procedure))
        accepted_days[day] += 1
        day += timedelta(days=1)
    ingest(rows)
    start, end = date(2026, 8, 25), date(2026, 10, 5)  # 7 days of August, all September, 5 days of October

    for code in (LAM_THAO, PHU_THO, NATION):
        unit = Unit.objects.get(code=code)
        from_days = dict(
            MetricValue.objects.filter(unit_code=code, grain=Grain.DAY, procedure_code="", start__range=(start, end))
            .values_list("metric").annotate(total=Sum("value")).values_list("metric", "total")
        )
        assert stored_totals(unit, start, end) == from_days
        assert without_facts(metric_totals(unit, start, end)) == counts(
            received=42, direct=14, online=14, postal=14, resolved=42, early=42, pending=1, within=1)
        # Per procedure: whole months only (every fourth day's dossier has the procedure).
        assert metric_totals(unit, date(2026, 9, 1), date(2026, 9, 30), ["dossier.received"], "1.001234") == {
            "dossier.received": 8}
        with pytest.raises(ValueError, match="trọn các tháng"):
            metric_totals(unit, start, end, procedure="1.001234")

    assert sum(n for d, n in accepted_days.items() if start <= d <= end) == 42


def test_change_notices_travel_through_redis_when_configured(settings):
    """With REDIS_URL, a notice published by one process reaches listeners through the Redis channel."""
    import threading

    import redis

    from thuocdo.metrics import notify

    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(settings.REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    # A fresh client and relay thread: earlier tests in this worker may have left theirs in any state
    # (settings overridden to "", connections closed at teardown).
    notify._redis = None
    notify._bridge = None
    received: list[list[str]] = []
    arrived = threading.Event()

    # Other test processes may publish on the same Redis channel at the same time: wait for ours.
    ours = ["08494", "25", "VN-redis-test"]

    def listener(codes):
        received.append(codes)
        if codes == ours:
            arrived.set()

    unsubscribe = notify.subscribe(listener)
    try:
        notify._send(ours)
        assert arrived.wait(5)
        assert ours in received
    finally:
        unsubscribe()
        notify._redis = None


def test_a_failing_listener_does_not_keep_the_notice_from_the_others():
    from thuocdo.metrics import notify

    got = []

    def broken(codes):
        raise RuntimeError("event loop is closed")

    off_broken = notify.subscribe(broken)
    off_good = notify.subscribe(got.append)
    try:
        notify.deliver(["08494", "25", "VN"])
    finally:
        off_broken()
        off_good()
    assert got == [["08494", "25", "VN"]]
