"""Hostile periods and dates (issue 9, item 3): a period outside 2000–2100 or malformed is the caller's
fault, refused as InvalidParameter naming the parameter, and answered 400 by the API, never 500."""

from datetime import date, datetime

import pytest
import time_machine

from thuocdo.accounts.choices import Role
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import PASSWORD, make_user
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.ontime import Status
from thuocdo.dossiers.tests.factories import ICT, LAM_THAO, PHU_MY, accepted, at, event
from thuocdo.errors import InvalidParameter
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.evaluation.periods import MAX_DAYS, Period, PeriodError, bounded, parse_period, parse_range
from thuocdo.metrics.periods import check_range, split_range
from thuocdo.testing.openapi import assert_matches_openapi

YEARS = "Năm phải từ 2000 đến 2100"
DAYS = "Ngày phải từ 01/01/2000 đến 31/12/2100"
FORMS = (
    "2026-08-14 (ngày), 2026-W33 (tuần ISO), 2026-08 (tháng), 2026-Q3 (quý), 2026 (năm), "
    "last-7-days (N ngày gần nhất), 2026-08-01..2026-08-20 (khoảng ngày), "
    "bc:2026-08, bc:2026-Q3, bc:2026 (kỳ báo cáo theo Nghị định 09/2019)"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9999", f"Kỳ không hợp lệ '9999': {YEARS}, không phải 9999"),
        ("9999-W52", f"Kỳ không hợp lệ '9999-W52': {YEARS}, không phải 9999"),
        ("9999-W99", f"Kỳ không hợp lệ '9999-W99': {YEARS}, không phải 9999"),
        ("9999-12", f"Kỳ không hợp lệ '9999-12': {YEARS}, không phải 9999"),
        ("9999-Q4", f"Kỳ không hợp lệ '9999-Q4': {YEARS}, không phải 9999"),
        ("bc:9999", f"Kỳ không hợp lệ 'bc:9999': {YEARS}, không phải 9999"),
        ("bc:9999-12", f"Kỳ không hợp lệ 'bc:9999-12': {YEARS}, không phải 9999"),
        ("bc:1000-Q1", f"Kỳ không hợp lệ 'bc:1000-Q1': {YEARS}, không phải 1000"),
        ("1999-12", f"Kỳ không hợp lệ '1999-12': {YEARS}, không phải 1999"),
        ("2101", f"Kỳ không hợp lệ '2101': {YEARS}, không phải 2101"),
        ("9999-12-31", f"Kỳ không hợp lệ '9999-12-31': {YEARS}, không phải 9999"),
        ("0001-01-01..9999-12-31", f"Kỳ không hợp lệ '0001-01-01..9999-12-31': {DAYS}, không phải 01/01/0001"),
        ("2026-01-01..9999-12-31", f"Kỳ không hợp lệ '2026-01-01..9999-12-31': {DAYS}, không phải 31/12/9999"),
        ("0000-01-01", f"Kỳ không hợp lệ: '0000-01-01'. Các dạng được chấp nhận: {FORMS}"),
        ("2026-12-31..2026-01-01", "Kỳ không hợp lệ '2026-12-31..2026-01-01': Kỳ không hợp lệ: ngày kết thúc "
                                   "01/01/2026 trước ngày bắt đầu 31/12/2026"),
        ("-1", f"Kỳ không hợp lệ: '-1'. Các dạng được chấp nhận: {FORMS}"),
    ],
)
def test_periods_outside_2000_to_2100_are_refused_naming_the_parameter(text, message):
    with pytest.raises(InvalidParameter) as caught:
        parse_period(text, today=date(2026, 8, 14))
    assert (caught.value.param, caught.value.message, str(caught.value)) == ("period", message, f"period: {message}")


def test_the_caller_names_the_parameter():
    with pytest.raises(InvalidParameter) as caught:
        parse_period("9999-W52", param="week")
    assert (caught.value.param, str(caught.value)) == (
        "week", f"week: Kỳ không hợp lệ '9999-W52': {YEARS}, không phải 9999")


def test_a_very_long_value_is_not_echoed_whole():
    with pytest.raises(InvalidParameter) as caught:
        parse_period("x" * 5000)
    assert caught.value.message == f"Kỳ không hợp lệ: '{'x' * 40}…'. Các dạng được chấp nhận: {FORMS}"


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2000-01", date(2000, 1, 1), date(2000, 1, 31)),
        ("2000-W01", date(2000, 1, 3), date(2000, 1, 9)),
        ("bc:2000", date(1999, 12, 15), date(2000, 12, 14)),
        ("2100", date(2100, 1, 1), date(2100, 12, 31)),
        ("2100-W52", date(2100, 12, 27), date(2101, 1, 2)),
        ("2000-01-01..2100-12-31", date(2000, 1, 1), date(2100, 12, 31)),
    ],
)
def test_the_edges_of_the_window_are_accepted_and_step_back(text, start, end):
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)
    assert period.previous().end == date.fromordinal(start.toordinal() - 1)


@pytest.mark.parametrize(
    ("start", "end", "param", "message"),
    [
        ("9999-12-01", "9999-12-31", "from", f"{DAYS}, không phải 01/12/9999"),
        ("2026-09-01", "9999-12-31", "to", f"{DAYS}, không phải 31/12/9999"),
        ("0001-01-01", "2026-09-01", "from", f"{DAYS}, không phải 01/01/0001"),
        ("2026-09-31", "2026-10-01", "from", "Ngày không tồn tại: 2026-09-31"),
        ("2026-09-01", "x" * 5000, "to", f"Ngày không hợp lệ: '{'x' * 40}…' (cần dạng 2026-08-14)"),
        ("2026-09-10", "2026-09-01", "to", "Phải không sớm hơn from (10/09/2026), không phải 01/09/2026"),
    ],
)
def test_a_range_of_two_dates_names_the_wrong_end(start, end, param, message):
    with pytest.raises(InvalidParameter) as caught:
        parse_range(start, end)
    assert (caught.value.param, caught.value.message) == (param, message)


def test_a_range_of_two_dates():
    assert parse_range("2026-09-01", "2026-09-02") == Period.custom(date(2026, 9, 1), date(2026, 9, 2))


@pytest.mark.parametrize(
    ("start", "end", "param", "message"),
    [
        (date(9999, 12, 1), date(9999, 12, 31), "from", f"{DAYS}, không phải 01/12/9999"),
        (date(2026, 12, 1), date(9999, 12, 31), "to", f"{DAYS}, không phải 31/12/9999"),
        (date(1, 1, 1), date(2026, 1, 1), "from", f"{DAYS}, không phải 01/01/0001"),
        (date(2026, 9, 10), date(2026, 9, 1), "to", "Phải không sớm hơn from (10/09/2026), không phải 01/09/2026"),
    ],
)
def test_metric_date_ranges_are_checked_before_any_arithmetic(start, end, param, message):
    with pytest.raises(InvalidParameter) as caught:
        check_range(start, end)
    assert (caught.value.param, caught.value.message) == (param, message)


def test_the_last_months_split_without_overflow():
    check_range(date(2000, 1, 1), date(2100, 12, 31))
    assert split_range(date(2100, 12, 1), date(2100, 12, 31)) == ([date(2100, 12, 1)], [])
    assert split_range(date(9999, 11, 20), date(9999, 12, 31)) == (
        [date(9999, 12, 1)], [(date(9999, 11, 20), date(9999, 11, 30))])
    assert split_range(date(9999, 12, 2), date(9999, 12, 31)) == ([], [(date(9999, 12, 2), date(9999, 12, 31))])


# ---- the three-year cap of pages and the API (MAX_DAYS) ------------------------------------------------------


def test_pages_and_the_api_share_one_cap():
    from thuocdo.web import picker

    assert (MAX_DAYS, picker.bounded) == (3 * 366, bounded)


@pytest.mark.parametrize(
    ("text", "param", "message"),
    [
        ("2000-01-01..2100-12-31", "period", "Kỳ dài quá 3 năm: 01/01/2000–31/12/2100"),
        ("2026-01-01..2029-01-03", "period", "Kỳ dài quá 3 năm: 01/01/2026–03/01/2029"),
        ("last-3660-days", "compare", "Kỳ dài quá 3 năm: 3660 ngày gần nhất"),
    ],
)
def test_a_period_longer_than_three_years_is_refused_naming_the_parameter(text, param, message):
    period = parse_period(text, today=date(2026, 9, 15))
    with pytest.raises(PeriodError) as caught:
        bounded(period, param)
    assert (caught.value.param, caught.value.message, str(caught.value)) == (param, message, f"{param}: {message}")


@pytest.mark.parametrize("text", ["2026-01-01..2029-01-02", "2026", "bc:2026", "last-1098-days"])
def test_three_years_at_most_are_accepted(text):
    period = parse_period(text, today=date(2026, 9, 15))
    assert bounded(period) is period
    assert period.days <= MAX_DAYS


# ---- through the API ----------------------------------------------------------------------------------------


@pytest.fixture
def central(db, client):
    load_frameworks(Actor.system())
    make_user("tw", Role.CENTRAL_VIEWER, "VN")
    client.login(username="tw", password=PASSWORD)
    return client


HOSTILE_PERIODS = ["9999", "9999-12", "9999-Q4", "9999-W52", "bc:9999", "0001-01-01..9999-12-31", "2026-13", "-1",
                   "x" * 5000]


def _refused(response, param: str) -> dict:
    assert response.status_code == 400
    body = response.json()
    assert (set(body), body["param"], body["detail"].startswith(f"{param}: ")) == ({"detail", "param"}, param, True)
    return body


@pytest.mark.django_db
@pytest.mark.parametrize("period", HOSTILE_PERIODS)
def test_scores_api_answers_400_for_a_hostile_period(central, period):
    response = central.get("/api/v1/scores", {"period": period})
    body = _refused(response, "period")
    with pytest.raises(InvalidParameter) as caught:
        parse_period(period)
    assert body["detail"] == str(caught.value)
    assert_matches_openapi(response, "GET", "/api/v1/scores")


@pytest.mark.django_db
@pytest.mark.parametrize("period", HOSTILE_PERIODS)
def test_explain_and_dossiers_answer_400_for_a_hostile_period(central, period):
    explained = central.get("/api/v1/scores/25/explain", {"period": period})
    _refused(explained, "period")
    assert_matches_openapi(explained, "GET", "/api/v1/scores/{code}/explain")
    dossiers = central.get("/api/v1/scores/08494/dossiers", {"period": period, "metric": "dossier.received"})
    _refused(dossiers, "period")
    assert_matches_openapi(dossiers, "GET", "/api/v1/scores/{code}/dossiers")


TOO_LONG = [
    ("2000-01-01..2100-12-31", "period: Kỳ dài quá 3 năm: 01/01/2000–31/12/2100"),
    ("2026-01-01..2029-01-03", "period: Kỳ dài quá 3 năm: 01/01/2026–03/01/2029"),
    ("last-3660-days", "period: Kỳ dài quá 3 năm: 3660 ngày gần nhất"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("period", "detail"), TOO_LONG)
@pytest.mark.parametrize(
    "path", ["/api/v1/scores", "/api/v1/scores/{code}/explain", "/api/v1/scores/{code}/dossiers"])
def test_the_api_refuses_periods_longer_than_three_years_like_the_pages(central, path, period, detail):
    """A 101-year period would read every row there is: 400 before any query, as on the pages (issue 9)."""
    for code in ("VN", LAM_THAO) if "{code}" in path else ("-",):
        response = central.get(path.format(code=code), {"period": period, "metric": "dossier.received"})
        assert (response.status_code, response.json()) == (400, {"detail": detail, "param": "period"})
        assert_matches_openapi(response, "GET", path)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/scores", "/api/v1/scores/VN/explain", "/api/v1/scores/08494/dossiers"])
def test_the_api_answers_a_three_year_period(central, path):
    response = central.get(path, {"period": "2026-01-01..2029-01-02", "metric": "dossier.received"})
    assert response.status_code == 200
    assert response.json()["period"] == ("2026-01-01..2029-01-02" if "explain" not in path else {
        "code": "2026-01-01..2029-01-02", "label": "01/01/2026–02/01/2029", "from": "2026-01-01", "to": "2029-01-02"})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "param", "detail"),
    [
        ({"level": "district"}, "level", "level: Phải là province, agency hoặc commune, không phải 'district'"),
        ({"level": "x" * 5000}, "level", f"level: Phải là province, agency hoặc commune, không phải '{'x' * 40}…'"),
    ],
)
def test_scores_api_names_a_wrong_level(central, params, param, detail):
    response = central.get("/api/v1/scores", {"period": "2026-09", **params})
    assert (response.status_code, response.json()) == (400, {"detail": detail, "param": param})
    assert_matches_openapi(response, "GET", "/api/v1/scores")


@pytest.mark.django_db
def test_dossiers_api_names_a_metric_without_records(central):
    response = central.get("/api/v1/scores/08494/dossiers", {"period": "2026-09", "metric": "nope"})
    assert (response.status_code, response.json()) == (400, {
        "detail": "metric: nope không phải chỉ tiêu hồ sơ: không có hồ sơ đứng sau số liệu này.", "param": "metric"})
    assert_matches_openapi(response, "GET", "/api/v1/scores/{code}/dossiers")


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["-1", "0", str(10**30)])
def test_dossiers_api_pages_out_of_range_answer_the_nearest_page(central, page):
    response = central.get("/api/v1/scores/08494/dossiers", {"period": "2026-09", "metric": "dossier.received",
                                                             "page": page})
    assert response.status_code == 200
    assert_matches_openapi(response, "GET", "/api/v1/scores/{code}/dossiers")
    assert {k: v for k, v in response.json().items() if k != "dossiers"} == {
        "unit": LAM_THAO, "metric": "dossier.received", "period": "2026-09", "count": 0, "page": 1, "pages": 1}


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "status"), [("99999", 404), ("x" * 300, 404)])
def test_unknown_units_are_404(central, code, status):
    for path in (f"/api/v1/scores/{code}/explain", f"/api/v1/scores/{code}/dossiers"):
        response = central.get(path, {"period": "2026-09", "metric": "dossier.received"})
        assert response.status_code == status
        assert_matches_openapi(response, "GET", f"/api/v1/scores/{{code}}/{path.rsplit('/', 1)[1]}")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"from": "9999-12-01", "to": "9999-12-31"}, "from"),
        ({"from": "2026-09-01", "to": "9999-12-31"}, "to"),
        ({"from": "0001-01-01", "to": "0001-12-31"}, "from"),
    ],
)
def test_metrics_api_answers_400_for_dates_outside_the_window(central, params, param):
    response = central.get("/api/v1/metrics", {"unit": LAM_THAO, **params})
    with pytest.raises(InvalidParameter) as caught:
        check_range(date.fromisoformat(params["from"]), date.fromisoformat(params["to"]))
    assert (response.status_code, response.json()) == (400, {"detail": str(caught.value), "param": param})
    assert_matches_openapi(response, "GET", "/api/v1/metrics")


# ---- the nation's explanation (item 4) ----------------------------------------------------------------------


@pytest.fixture
def october_5(db):
    with time_machine.travel(datetime(2026, 10, 5, 12, 0, tzinfo=ICT), tick=False) as clock:
        yield clock


@pytest.fixture
def nation_stream(october_5):
    """September 2026 in Phú Thọ, seen on 5 October: 3 resolved (early, on time, late), 2 pending (1 overdue).

    Nation = province = 25: numerator early + on time + pending within = 1 + 1 + 1 = 3; denominator
    resolved + pending = 3 + 2 = 5; 3/5 = 0.6 of 20 points = 12.
    """
    load_frameworks(Actor.system())
    summary = ingest_dossier_events(Actor.system(), [
        accepted("LT-1", at("2026-09-01"), at("2026-09-10", "17:00"), unit=LAM_THAO, channel=2),
        event("LT-1", Status.PROCESSED, at("2026-09-03"), unit=LAM_THAO),
        accepted("LT-2", at("2026-09-02"), at("2026-09-10", "17:00"), unit=LAM_THAO),
        event("LT-2", Status.PROCESSED, at("2026-09-10", "16:00"), unit=LAM_THAO),
        accepted("PM-2", at("2026-09-01"), at("2026-09-05", "17:00"), unit=PHU_MY),
        event("PM-2", Status.PROCESSED, at("2026-09-08"), unit=PHU_MY),
        accepted("LT-3", at("2026-09-20"), at("2026-10-20", "17:00"), unit=LAM_THAO),
        accepted("PM-4", at("2026-09-01"), at("2026-09-05", "17:00"), unit=PHU_MY),
    ])
    assert (summary.accepted, summary.rejected) == (8, [])


NATIONAL_PROGRESS = {
    "code": "DOSSIER_ON_TIME", "numerator": 3.0, "denominator": 5.0, "ratio": 0.6, "points": 12.0, "max": 20.0,
    "status": "scored", "rule": "linear",
    "metrics": [
        {"code": "dossier.pending", "value": 2, "records": True},
        {"code": "dossier.pending.within_deadline", "value": 1, "records": True},
        {"code": "dossier.resolved", "value": 3, "records": True},
        {"code": "dossier.resolved.early", "value": 1, "records": True},
        {"code": "dossier.resolved.on_time", "value": 1, "records": True},
        {"code": "portal766.progress.total_on_time", "value": None, "records": False},
        {"code": "portal766.progress.total_received", "value": None, "records": False},
    ],
}


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["VN", "25"])
def test_the_nation_is_explained_like_a_province(nation_stream, central, code):
    response = central.get(f"/api/v1/scores/{code}/explain", {"period": "2026-09"})
    assert response.status_code == 200
    assert_matches_openapi(response, "GET", "/api/v1/scores/{code}/explain")
    body = response.json()
    assert (body["unit"]["code"], body["framework"], body["period"], body["total"], body["max"], body["grade"],
            body["complete"]) == (
        code, {"code": "qd766", "version": 1},
        {"code": "2026-09", "label": "Tháng 9/2026", "from": "2026-09-01", "to": "2026-09-30"},
        12.0, 100.0, None, False)
    groups = {g["code"]: g for g in body["groups"]}
    assert [(g["code"], g["max"], g["points"]) for g in body["groups"]] == [
        # CKMB: DOSSIER_SYNC from the events' arrival (ingested today, months late: 0 points).
        ("CKMB", 18.0, 0.0), ("TDGQ", 20.0, 12.0), ("CLGQ", 12.0, None), ("TTTT", 10.0, None),
        ("MDSH", 22.0, None), ("MDHL", 18.0, None)]
    progress = groups["TDGQ"]["indicators"][0]
    assert {k: progress[k] for k in NATIONAL_PROGRESS} == NATIONAL_PROGRESS


@pytest.mark.django_db
def test_the_nation_opens_into_its_dossiers(nation_stream, central):
    response = central.get("/api/v1/scores/VN/dossiers", {"period": "2026-09", "metric": "dossier.pending"})
    assert response.status_code == 200
    assert_matches_openapi(response, "GET", "/api/v1/scores/{code}/dossiers")
    assert [d["dossier_code"] for d in response.json()["dossiers"]] == ["PM-4", "LT-3"]


@pytest.mark.django_db
def test_the_nation_is_central_only(nation_stream, client):
    make_user("tinh", Role.PROVINCE_OFFICER, "25")
    client.login(username="tinh", password=PASSWORD)
    response = client.get("/api/v1/scores/VN/explain", {"period": "2026-09"})
    assert response.status_code == 403
    assert_matches_openapi(response, "GET", "/api/v1/scores/{code}/explain")


@pytest.mark.parametrize("path", ["/api/v1/scores/{code}/explain", "/api/v1/scores/{code}/dossiers"])
def test_explain_and_dossiers_declare_their_responses(path):
    from thuocdo.api import api

    responses = api.get_openapi_schema()["paths"][path]["get"]["responses"]
    assert sorted(str(status) for status in responses) == ["200", "400", "401", "403", "404", "422", "503"]
    assert all("application/json" in spec.get("content", {}) for spec in responses.values())


HOSTILE_API = [
    {"period": "2026-09", "framework": "x" * 5000},
    {"period": "2026-09", "procedure": "x" * 5000},
    {"period": "2026-09-14", "procedure": "1.000001"},
    {"period": "2026-09", "parent": "99999"},
    {"period": "2026-09", "parent": "08494", "level": "commune"},
    {"period": "2026-09", "metric": "x" * 5000},
    {"period": "2026-09", "page": str(10**30)},
    {"period": "2026-09", "page": "x"},
    {"period": "last-99999-days"},
    {"period": "2000-01-01..2100-12-31"},
    {},
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, Role.CENTRAL_ADMIN, Role.COMMUNE_OFFICER])
@pytest.mark.parametrize("path", ["/api/v1/scores", "/api/v1/scores/{code}/explain", "/api/v1/scores/{code}/dossiers"])
def test_no_hostile_value_breaks_the_scores_api(client, role, path):
    load_frameworks(Actor.system())
    if role:
        make_user("u", role, "VN" if role == Role.CENTRAL_ADMIN else LAM_THAO)
        client.login(username="u", password=PASSWORD)
    answers = []
    for code in ("VN", "25", LAM_THAO, "99999") if "{code}" in path else ("-",):
        for params in HOSTILE_API:
            response = client.get(path.format(code=code), {"metric": "dossier.received", **params})
            assert_matches_openapi(response, "GET", path)
            answers.append(response.status_code)
    assert max(answers) < 500
