"""Figures from other sources are finite, within their metric's bounds and exact (issue 9, item 1).

One commune token once made the province's and the nation's totals Infinity with `value: 1e308`
sent twice; a correction then failed, and `metrics check` called the store consistent.
"""

import json
from datetime import date, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client

from thuocdo.accounts.actions import create_api_token
from thuocdo.accounts.choices import Role
from thuocdo.accounts.models import AuditEntry
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import PASSWORD, make_user
from thuocdo.dossiers.tests.factories import ICT, LAM_THAO, NATION, PHU_MY, PHU_THO, metric_rows
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.metrics import rebuild as rebuilding
from thuocdo.metrics.actions import record_metric_values
from thuocdo.metrics.definitions import Kind, definition, from_stored, to_stored
from thuocdo.metrics.models import MetricInput, MetricValue, PeriodValue
from thuocdo.metrics.queries import metric_totals
from thuocdo.metrics.tests.test_metric_store import check_output
from thuocdo.testing.openapi import assert_matches_openapi
from thuocdo.units.models import Unit

pytestmark = pytest.mark.django_db

VALUES, METRICS = "/api/v1/metric-values", "/api/v1/metrics"
QUOTA, ACTUAL = "report.staff.quota", "report.staff.actual"
SERVICE_HOURS = "report.internet.service_hours"
SEP3, SEPTEMBER = date(2026, 9, 3), date(2026, 9, 1)
COUNT_RULE = "là số đếm, phải là số nguyên từ 0 đến 1.000.000.000"


def row(value, *, unit: str = LAM_THAO, metric: str = QUOTA, day: str = "2026-09-03") -> dict:
    return {"unit_code": unit, "metric": metric, "day": day, "value": value}


def post_values(values: list, secret: str):
    response = Client().post(VALUES, data=json.dumps({"values": values}), content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert_matches_openapi(response, "POST", VALUES)
    return response


@pytest.fixture
def commune_token() -> str:
    return create_api_token(Actor.system(), "bao-cao-lam-thao", [LAM_THAO], ["metrics:write"]).secret


def record(values: list) -> dict:
    return record_metric_values(Actor.system(), values, default_source="bao-cao")


def store_of(metric: str) -> list[tuple]:
    """(unit, grain, start, value) of every store row of a metric, as stored (integers)."""
    return sorted(MetricValue.objects.filter(metric=metric, procedure_code="")
                  .values_list("unit_code", "grain", "start", "value"))


def rolled_up(stored: int) -> list[tuple]:
    """The six rows one figure of Lâm Thao on 3/9/2026 makes: day and month × commune, province, nation."""
    return sorted((unit, grain, start, stored) for unit in (LAM_THAO, PHU_THO, NATION)
                  for grain, start in (("d", SEP3), ("m", SEPTEMBER)))


# --- the reported attack -------------------------------------------------------------------------------


def test_a_huge_value_sent_twice_is_rejected_naming_value_and_the_good_row_beside_it_is_stored(commune_token):
    audits = AuditEntry.objects.count()

    # Two days of the same month: as floats, the month, province and nation rows became Infinity.
    first = post_values([row(1e308), row(4, metric=ACTUAL)], commune_token)
    second = post_values([row(1e308, day="2026-09-04")], commune_token)

    rejection = [f"value: {QUOTA} {COUNT_RULE}"]
    assert (first.status_code, first.json()) == (200, {"stored": 1, "rejected": [{"index": 0, "errors": rejection}]})
    assert (second.status_code, second.json()) == (200, {"stored": 0, "rejected": [{"index": 0, "errors": rejection}]})
    assert list(MetricInput.objects.values_list("source", "unit_code", "metric", "value")) == [
        ("bao-cao-lam-thao", LAM_THAO, ACTUAL, 4)]
    assert store_of(QUOTA) == []
    assert store_of(ACTUAL) == rolled_up(4)
    assert AuditEntry.objects.count() == audits + 1  # the first batch only: the second stored nothing


def test_a_value_set_after_a_rejected_huge_one_leaves_exactly_the_new_value(commune_token):
    assert post_values([row(3)], commune_token).json() == {"stored": 1, "rejected": []}
    assert post_values([row(1e308)], commune_token).json()["stored"] == 0
    assert post_values([row(5)], commune_token).json() == {"stored": 1, "rejected": []}

    assert store_of(QUOTA) == rolled_up(5)
    assert [metric_totals(Unit.objects.get(code=c), SEPTEMBER, date(2026, 9, 30), [QUOTA]) for c in (
        LAM_THAO, PHU_THO, NATION)] == [{QUOTA: 5}] * 3
    assert rebuilding.check() == []


def test_a_correction_to_zero_after_a_huge_value_is_stored(commune_token):
    post_values([row(7)], commune_token)
    post_values([row(1e308)], commune_token)
    post_values([row(1e308, day="2026-09-04")], commune_token)

    # As floats, Infinity minus Infinity made NaN, refused by the NOT NULL column: a 500.
    response = post_values([row(0), row(0, day="2026-09-04")], commune_token)

    assert (response.status_code, response.json()) == (200, {"stored": 2, "rejected": []})
    assert sorted(MetricInput.objects.values_list("day", "value")) == [(SEP3, 0), (date(2026, 9, 4), 0)]
    assert store_of(QUOTA) == rolled_up(0)
    assert rebuilding.check() == []


def test_the_metrics_api_answers_strict_json_after_huge_values(commune_token):
    post_values([row(1e308), row(2, metric=ACTUAL)], commune_token)
    post_values([row(1e308, day="2026-09-04")], commune_token)
    client = Client()
    client.force_login(make_user("tw-xem", Role.CENTRAL_VIEWER, NATION))

    response = client.get(METRICS, {"unit": NATION, "from": "2026-09-01", "to": "2026-09-30",
                                    "codes": f"{QUOTA},{ACTUAL}"})

    assert_matches_openapi(response, "GET", METRICS)

    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    assert (response.status_code, json.loads(response.content, parse_constant=refuse)) == (200, {
        "unit": NATION, "from": "2026-09-01", "to": "2026-09-30", "metrics": {ACTUAL: 2}})


def test_the_commune_page_with_the_cqdp2c_framework_answers_after_huge_values(commune_token):
    with time_machine.travel(datetime(2026, 9, 15, 12, 0, tzinfo=ICT), tick=False):
        load_frameworks(Actor.system())
        for day in ("2026-09-03", "2026-09-04"):
            post_values([row(1e308, day=day), row(1e308, metric=ACTUAL, day=day)], commune_token)
        post_values([row(9, metric=ACTUAL), row(10)], commune_token)
        client = Client()
        assert client.login(username=make_user("xa-lt", Role.COMMUNE_OFFICER, LAM_THAO).username, password=PASSWORD)

        response = client.get(f"/u/{LAM_THAO}/", {"framework": "cqdp2c", "period": "2026-09"})

    assert response.status_code == 200
    assert store_of(QUOTA) == rolled_up(10)
    assert store_of(ACTUAL) == rolled_up(9)


# --- the bounds of each kind of metric -----------------------------------------------------------------


def test_counts_are_whole_numbers_from_zero_to_a_billion():
    rows = [row(0), row(1_000_000_000, unit=PHU_MY), row(3.0, day="2026-09-04"), row("12", day="2026-09-05"),
            row(-1), row(2.5), row(1_000_000_001), row("1e999999999"), row(True)]

    result = record(rows)

    rule = f"value: {QUOTA} {COUNT_RULE}"
    assert result == {"stored": 4, "rejected": [
        {"index": 4, "errors": [rule]}, {"index": 5, "errors": [rule]}, {"index": 6, "errors": [rule]},
        {"index": 7, "errors": [rule]},
        {"index": 8, "errors": ["value: Decimal input should be an integer, float, string or Decimal object"]},
    ]}
    assert sorted(MetricInput.objects.values_list("unit_code", "day", "value")) == [
        (PHU_MY, SEP3, 1_000_000_000), (LAM_THAO, SEP3, 0), (LAM_THAO, date(2026, 9, 4), 3),
        (LAM_THAO, date(2026, 9, 5), 12)]
    assert metric_totals(Unit.objects.get(code=NATION), SEPTEMBER, date(2026, 9, 30), [QUOTA]) == {
        QUOTA: 1_000_000_015}


def test_a_yes_no_metric_takes_only_zero_or_one():
    result = record([row(1, metric="report.office.adequate"), row(2, metric="report.bank_account.opened")])

    assert result == {"stored": 1, "rejected": [{"index": 1, "errors": [
        "value: report.bank_account.opened là số đếm, phải là số nguyên từ 0 đến 1"]}]}


def test_hours_amounts_ratios_and_percents_have_their_own_bounds():
    rows = [
        row(1.5, metric=SERVICE_HOURS), row(100_000, metric="report.internet.downtime_hours"),
        row(2.25, metric="report.decree178.paid_amount"), row(0.25, metric="report.archive.digitised_ratio"),
        row(99.5, metric="report.archive.digitised_percent"), row(2.5, metric="report.meeting.hours"),
        row(100_000.001, metric=SERVICE_HOURS, day="2026-09-04"), row(-0.5, metric=SERVICE_HOURS, day="2026-09-05"),
        row(10_000_001, metric="report.decree178.paid_amount", day="2026-09-04"),
        row(1.2, metric="report.archive.digitised_ratio", day="2026-09-04"),
        row(100.1, metric="report.archive.digitised_percent", day="2026-09-04"),
    ]

    result = record(rows)

    assert result == {"stored": 6, "rejected": [
        {"index": 6, "errors": [f"value: {SERVICE_HOURS} là số giờ, phải từ 0 đến 100.000"]},
        {"index": 7, "errors": [f"value: {SERVICE_HOURS} là số giờ, phải từ 0 đến 100.000"]},
        {"index": 8, "errors": ["value: report.decree178.paid_amount là số tiền (triệu đồng), "
                                "phải từ 0 đến 10.000.000"]},
        {"index": 9, "errors": ["value: report.archive.digitised_ratio là tỷ lệ, phải từ 0 đến 1"]},
        {"index": 10, "errors": ["value: report.archive.digitised_percent là phần trăm, phải từ 0 đến 100"]},
    ]}
    # Stored as whole numbers of each kind's smallest unit: 1/1,000 hour, 1/1,000 triệu đồng (1,000 đồng),
    # 1/1,000,000 of a ratio, 1/1,000 of a percent point.
    assert sorted(MetricInput.objects.values_list("metric", "value")) == [
        ("report.archive.digitised_percent", 99_500), ("report.archive.digitised_ratio", 250_000),
        ("report.decree178.paid_amount", 2_250), ("report.internet.downtime_hours", 100_000_000),
        (SERVICE_HOURS, 1_500), ("report.meeting.hours", 2_500)]
    lam_thao = metric_totals(Unit.objects.get(code=LAM_THAO), SEP3, SEP3)
    assert {m: v for m, v in lam_thao.items() if m.startswith("report.")} == {
        SERVICE_HOURS: 1.5, "report.internet.downtime_hours": 100_000, "report.decree178.paid_amount": 2.25,
        "report.archive.digitised_ratio": 0.25, "report.archive.digitised_percent": 99.5,
        "report.meeting.hours": 2.5}


def test_kinds_come_from_the_definitions_or_the_code_suffix():
    assert [(definition(code).kind, definition(code).scale) for code in (
        "dossier.received", "feedback.handled", QUOTA, SERVICE_HOURS, "report.meeting.hours", "x.paid_amount",
        "x.share.ratio", "x.online_percent", "x.hours_lost.count")] == [
        (Kind.COUNT, 1), (Kind.COUNT, 1), (Kind.COUNT, 1), (Kind.HOURS, 1_000), (Kind.HOURS, 1_000),
        (Kind.AMOUNT, 1_000), (Kind.RATIO, 1_000_000), (Kind.PERCENT, 1_000), (Kind.COUNT, 1)]
    # Other kinds keep a fixed number of decimals: more are rounded half up, once, on the way in.
    assert [to_stored(SERVICE_HOURS, v) for v in ("1.2345", "1.2344", "0.0005")] == [1_235, 1_234, 1]
    assert [from_stored(SERVICE_HOURS, 1_235), from_stored(QUOTA, 7)] == [1.235, 7]


def test_fractions_add_up_exactly_in_the_roll_up():
    # As floats, 0.1 + 0.2 is 0.30000000000000004 and 3 → 1e308 → 5 left 0.
    record([row(0.1, metric=SERVICE_HOURS), row(0.2, unit=PHU_MY, metric=SERVICE_HOURS)])
    record([row(0.7, metric=SERVICE_HOURS, day="2026-09-04")])

    province = metric_totals(Unit.objects.get(code=PHU_THO), SEP3, SEP3, [SERVICE_HOURS])
    month = metric_totals(Unit.objects.get(code=NATION), SEPTEMBER, date(2026, 9, 30), [SERVICE_HOURS])

    assert (province, month) == ({SERVICE_HOURS: 0.3}, {SERVICE_HOURS: 1.0})
    assert store_of(SERVICE_HOURS) == sorted([
        (LAM_THAO, "d", SEP3, 100), (LAM_THAO, "d", date(2026, 9, 4), 700), (LAM_THAO, "m", SEPTEMBER, 800),
        (PHU_MY, "d", SEP3, 200), (PHU_MY, "m", SEPTEMBER, 200),
        (PHU_THO, "d", SEP3, 300), (PHU_THO, "d", date(2026, 9, 4), 700), (PHU_THO, "m", SEPTEMBER, 1_000),
        (NATION, "d", SEP3, 300), (NATION, "d", date(2026, 9, 4), 700), (NATION, "m", SEPTEMBER, 1_000)])


# --- metrics check compares stored inputs against the bounds ------------------------------------------


def test_metrics_check_reports_stored_inputs_outside_their_bounds_and_exits_1():
    record([row(4), row(2, metric=SERVICE_HOURS)])
    assert check_output() == ("Kho số liệu khớp với dữ liệu gốc.\n", None)

    # Written past the action (an old row, a hand edit), then rebuilt: the store agrees with its inputs.
    MetricInput.objects.filter(metric=QUOTA).update(value=-4)
    MetricInput.objects.create(province_code=PHU_THO, unit_code=PHU_MY, metric=SERVICE_HOURS, day=SEP3,
                               value=100_000_001, source="sua-tay")
    call_command("metrics", "rebuild", stdout=StringIO())

    printed, error = check_output()

    assert printed == (
        f"đầu vào bao-cao/{LAM_THAO}/{QUOTA}//2026-09-03: lưu -4, {QUOTA} {COUNT_RULE}\n"
        f"đầu vào sua-tay/{PHU_MY}/{SERVICE_HOURS}//2026-09-03: lưu 100000.001, "
        f"{SERVICE_HOURS} là số giờ, phải từ 0 đến 100.000\n"
    )
    assert error == "Kho số liệu lệch với dữ liệu gốc (2 sai lệch đầu tiên ở trên)."


def test_metrics_check_reports_a_store_row_that_drifted_from_its_inputs():
    record([row(3)])
    MetricValue.objects.filter(unit_code=NATION, metric=QUOTA, grain="m").update(value=0)

    assert rebuilding.check() == [f"/{NATION}/{QUOTA}//m/2026-09-01: lưu 0, tính lại 3"]
    assert metric_rows()[0] == ("", NATION, QUOTA, "", "d", SEP3, 3)


# --- whole-period values stay floats, but finite -----------------------------------------------------


def test_the_database_refuses_a_whole_period_value_that_is_not_finite():
    def store(metric: str, value: float) -> None:
        PeriodValue.objects.create(province_code=PHU_THO, unit_code=LAM_THAO, metric=metric, start=SEPTEMBER,
                                   end=date(2026, 9, 30), value=value, source="portal766")

    for value in (float("inf"), float("-inf"), float("nan"), 1e308):
        with pytest.raises(IntegrityError), transaction.atomic():
            store("portal766.progress.total_received", value)
    store("portal766.online.score", 6.48)

    assert list(PeriodValue.objects.values_list("metric", "value")) == [("portal766.online.score", 6.48)]


def test_metrics_show_prints_counts_whole_and_hours_with_their_decimals():
    record([row(1_234_567), row(1_234.5, metric=SERVICE_HOURS)])
    out = StringIO()

    with time_machine.travel(datetime(2026, 9, 15, 12, 0, tzinfo=ICT), tick=False):
        call_command("metrics", "show", "--unit", LAM_THAO, "--from", "2026-09-03", "--to", "2026-09-03", stdout=out)

    assert [line for line in out.getvalue().splitlines() if "report." in line] == [
        f"  {SERVICE_HOURS:<36}        1.234,5", f"  {QUOTA:<36}      1.234.567"]


def test_a_day_outside_2000_to_2100_is_a_rejected_row_naming_day(commune_token):
    response = post_values([row(1, day="9999-12-31"), row(2, day="1999-12-31"), row(3)], commune_token)

    assert (response.status_code, response.json()) == (200, {"stored": 1, "rejected": [
        {"index": 0, "errors": ["day: Ngày phải từ 01/01/2000 đến 31/12/2100, không phải 31/12/9999"]},
        {"index": 1, "errors": ["day: Ngày phải từ 01/01/2000 đến 31/12/2100, không phải 31/12/1999"]},
    ]})
    assert store_of(QUOTA) == rolled_up(3)
