"""A busy database answers 503 with Retry-After, never a 500, and loses no acknowledged row (issue 10, item 4).

Acceptance: "overload answers 503 with Retry-After and the retried batch is counted once". The busy
database is simulated by raising SQLite's error where the write happens (any database), and made real
with a second SQLite connection holding the write lock (SQLite only).
"""

import json
import logging
import sqlite3
from datetime import date, timedelta
from functools import partial

import psycopg
import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import IntegrityError, InterfaceError, OperationalError, ProgrammingError, connection, connections
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import path
from django.utils import timezone

from thuocdo import overload
from thuocdo.accounts.actions import create_api_token
from thuocdo.accounts.models import ApiToken, AuditEntry
from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers import actions as dossier_actions
from thuocdo.dossiers import api as dossier_api
from thuocdo.dossiers.models import Dossier, DossierEvent
from thuocdo.dossiers.ontime import Status
from thuocdo.dossiers.tests.factories import LAM_THAO, NATION, PHU_THO, at, counts, lifecycle, totals
from thuocdo.metrics import actions as metric_actions
from thuocdo.metrics.models import MetricInput, MetricValue
from thuocdo.metrics.queries import metric_totals
from thuocdo.testing.openapi import assert_matches_openapi
from thuocdo.units.models import Unit

EVENTS, VALUES = "/api/v1/dossier-events", "/api/v1/metric-values"
LOCKED = "database is locked"
BUSY = "Cơ sở dữ liệu đang bận; gửi lại sau 2 giây."
EVENTS_BUSY = (
    f"{BUSY} Lô này chưa được ghi hết: lô được ghi theo từng phần 5.000 sự kiện, phần gặp lỗi đã bị hủy, các "
    "phần ghi xong trước đó (nếu có) được giữ. Gửi lại cả lô: các sự kiện đã ghi sẽ được tính là trùng, không "
    "tính hai lần."
)
VALUES_BUSY = (
    f"{BUSY} Lô này chưa được ghi. Gửi lại cả lô: mỗi số liệu thay giá trị đã có cùng nguồn, đơn vị, chỉ tiêu, "
    "thủ tục và ngày, nên không bị tính hai lần."
)
QUOTA = "report.staff.quota"


@pytest.fixture(autouse=True)
def _retry_after_two_seconds(monkeypatch):
    """Retry-After is drawn from 2–4 s in service; exactly 2 here, so answers are compared whole."""
    monkeypatch.setattr(overload, "RETRY_AFTER_SECONDS", (2, 2))


def post(url: str, body: dict, secret: str, client: Client | None = None):
    response = (client or Client()).post(url, data=json.dumps(body), content_type="application/json",
                                         HTTP_AUTHORIZATION=f"Bearer {secret}")
    if response.status_code != 500:
        assert_matches_openapi(response, "POST", url)
    return response


def fail_once_then_run(real, *, fail_on_call: int = 1, error: Exception | None = None):
    """`real`, except that its `fail_on_call`-th call raises (SQLite's busy error unless told)."""
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == fail_on_call:
            raise error or OperationalError(LOCKED)
        return real(*args, **kwargs)

    return wrapper


def two_dossiers(prefix: str) -> list[dict]:
    """Four events: two dossiers accepted on 1 Sept and returned early on 2 Sept."""
    due = at("2026-09-04", "17:00")
    return [row for n in (1, 2) for row in lifecycle(
        f"{prefix}-{n}", at("2026-09-01"), due, [(Status.RETURNED, at("2026-09-02"))])]


def busy_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "thuocdo.overload"]


def assert_busy_answer(response, detail: str) -> None:
    assert (response.status_code, response.json()) == (503, {"detail": detail})
    assert (response["Retry-After"], response["Cache-Control"]) == ("2", "no-store")


# --- dossier events ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_busy_database_answers_503_with_retry_after_and_the_resent_batch_is_counted_once(monkeypatch, caplog):
    secret = create_api_token(Actor.system(), "mot-cua-lam-thao", [LAM_THAO], ["dossiers:write"]).secret
    rows = two_dossiers("BUSY")
    monkeypatch.setattr(dossier_actions, "apply_batch", fail_once_then_run(dossier_actions.apply_batch))
    audits = AuditEntry.objects.count()

    with caplog.at_level(logging.INFO):
        refused = post(EVENTS, {"events": rows}, secret)

    assert_busy_answer(refused, EVENTS_BUSY)
    assert (DossierEvent.objects.count(), Dossier.objects.count(), MetricValue.objects.count(),
            AuditEntry.objects.count()) == (0, 0, 0, audits)
    assert busy_lines(caplog) == [
        "Database busy: 503 POST /api/v1/dossier-events (Retry-After 2): OperationalError: database is locked"]
    assert not [r for r in caplog.records if r.name == "django.request"]  # one line, no traceback

    resent = post(EVENTS, {"events": rows}, secret)
    assert (resent.status_code, resent.json()) == (200, {"accepted": 4, "duplicates": 0, "rejected": []})
    again = post(EVENTS, {"events": rows}, secret)
    assert (again.status_code, again.json()) == (200, {"accepted": 0, "duplicates": 4, "rejected": []})
    assert DossierEvent.objects.count() == 4
    assert [totals(code, "2026-09-01", "2026-09-30") for code in (LAM_THAO, PHU_THO, NATION)] == [
        counts(received=2, direct=2, resolved=2, early=2)] * 3


@pytest.mark.django_db
def test_when_a_later_part_of_the_batch_meets_the_busy_database_the_earlier_part_stays_and_counts_once(
    monkeypatch,
):
    """A batch is stored in parts, one transaction each: the 503 says so, and the resend is still exact."""
    secret = create_api_token(Actor.system(), "mot-cua-lam-thao", [LAM_THAO], ["dossiers:write"]).secret
    rows = two_dossiers("PART")
    # Parts of 2 events instead of 5,000: the first part (dossier PART-1) commits, the second is refused.
    monkeypatch.setattr(dossier_api, "ingest_dossier_events",
                        partial(dossier_actions.ingest_dossier_events, batch_size=2))
    monkeypatch.setattr(dossier_actions, "apply_batch",
                        fail_once_then_run(dossier_actions.apply_batch, fail_on_call=2))

    assert_busy_answer(post(EVENTS, {"events": rows}, secret), EVENTS_BUSY)
    assert sorted(DossierEvent.objects.values_list("event_id", flat=True)) == sorted(r["event_id"] for r in rows[:2])

    resent = post(EVENTS, {"events": rows}, secret)
    assert (resent.status_code, resent.json()) == (200, {"accepted": 2, "duplicates": 2, "rejected": []})
    assert totals(LAM_THAO, "2026-09-01", "2026-09-30") == counts(received=2, direct=2, resolved=2, early=2)


@pytest.mark.django_db
def test_a_busy_database_while_checking_the_token_is_a_503_too(monkeypatch):
    secret = create_api_token(Actor.system(), "mot-cua-lam-thao", [LAM_THAO], ["dossiers:write"]).secret
    monkeypatch.setattr(ApiToken.objects, "filter", fail_once_then_run(ApiToken.objects.filter))

    assert_busy_answer(post(EVENTS, {"events": two_dossiers("AUTH")}, secret), EVENTS_BUSY)
    assert DossierEvent.objects.count() == 0


# --- metric values -------------------------------------------------------------------------------------

def quota(code: str) -> dict:
    return metric_totals(Unit.objects.get(code=code), date(2026, 9, 1), date(2026, 9, 30), [QUOTA])


@pytest.mark.django_db
def test_metric_values_on_a_busy_database_answer_503_and_the_resent_batch_is_stored_once(monkeypatch, caplog):
    secret = create_api_token(Actor.system(), "so-noi-vu-phu-tho", [PHU_THO], ["metrics:write"]).secret
    values = [{"unit_code": LAM_THAO, "metric": QUOTA, "day": "2026-09-03", "value": 12}]
    monkeypatch.setattr(metric_actions, "apply_deltas", fail_once_then_run(metric_actions.apply_deltas))
    audits = AuditEntry.objects.count()

    with caplog.at_level(logging.INFO):
        refused = post(VALUES, {"values": values}, secret)

    assert_busy_answer(refused, VALUES_BUSY)
    # The input row was written before the roll-up failed: the transaction took it back.
    assert (MetricInput.objects.count(), MetricValue.objects.count(), AuditEntry.objects.count()) == (0, 0, audits)
    assert busy_lines(caplog) == [
        "Database busy: 503 POST /api/v1/metric-values (Retry-After 2): OperationalError: database is locked"]

    for _ in range(2):
        resent = post(VALUES, {"values": values}, secret)
        assert (resent.status_code, resent.json()) == (200, {"stored": 1, "rejected": []})
    assert [quota(code) for code in (LAM_THAO, PHU_THO, NATION)] == [{QUOTA: 12}] * 3
    assert MetricInput.objects.count() == 1


# --- what is not a busy database stays a 500 ------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("error", [
    OperationalError("no such table: dossiers_dossierevent"),
    ProgrammingError("syntax error"),
    IntegrityError("UNIQUE constraint failed"),
    InterfaceError("Error binding parameter 1: type 'dict' is not supported"),
], ids=["missing-table", "programming", "integrity", "binding"])
def test_any_other_database_error_stays_a_500(monkeypatch, caplog, error):
    secret = create_api_token(Actor.system(), "mot-cua-lam-thao", [LAM_THAO], ["dossiers:write"]).secret
    monkeypatch.setattr(dossier_actions, "apply_batch", fail_once_then_run(dossier_actions.apply_batch, error=error))

    with caplog.at_level(logging.INFO):
        response = post(EVENTS, {"events": two_dossiers("BUG")}, secret, Client(raise_request_exception=False))

    assert response.status_code == 500
    assert busy_lines(caplog) == []


def _wrapped(driver_error: Exception, django_class=OperationalError) -> Exception:
    """A driver error as Django raises it: its own class, the driver's error as the cause."""
    error = django_class(*driver_error.args)
    error.__cause__ = driver_error
    return error


def _sqlite_error(sql: str, *, lock_with: str | None = None, uri: str = "") -> sqlite3.Error:
    """The real error SQLite raises for `sql` on a second connection while the first holds BEGIN IMMEDIATE."""
    first = sqlite3.connect(uri, uri=True, isolation_level=None)
    second = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=0)
    try:
        first.execute("CREATE TABLE IF NOT EXISTS t (x)")
        if lock_with:
            first.execute(lock_with)
        with pytest.raises(sqlite3.Error) as raised:
            second.execute(sql)
        return raised.value
    finally:
        second.close()
        first.close()


def test_busy_means_locked_timed_out_or_unreachable_and_nothing_else(tmp_path):
    file_uri = f"file:{tmp_path / 'lock.sqlite3'}"
    shared_memory = "file:overload-busy?mode=memory&cache=shared"
    busy = [
        _wrapped(_sqlite_error("BEGIN IMMEDIATE", lock_with="BEGIN IMMEDIATE", uri=file_uri)),  # SQLITE_BUSY
        _wrapped(_sqlite_error("BEGIN IMMEDIATE", lock_with="BEGIN IMMEDIATE", uri=shared_memory)),  # LOCKED
        _wrapped(psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")),
        _wrapped(psycopg.errors.SerializationFailure("could not serialize access")),
        _wrapped(psycopg.errors.DeadlockDetected("deadlock detected")),
        _wrapped(psycopg.errors.TooManyConnections("sorry, too many clients already")),
        _wrapped(psycopg.errors.QueryCanceled("canceling statement due to statement timeout")),
        _wrapped(psycopg.errors.AdminShutdown("terminating connection due to administrator command")),
        _wrapped(psycopg.OperationalError("connection failed: Connection refused")),
        _wrapped(psycopg.InterfaceError("the connection is closed"), InterfaceError),
        OperationalError(LOCKED),
    ]
    not_busy = [
        _wrapped(_sqlite_error("SELECT * FROM missing", uri=file_uri)),  # no such table
        _wrapped(psycopg.errors.UndefinedTable("relation does not exist"), ProgrammingError),
        _wrapped(psycopg.InterfaceError("cursor already closed"), InterfaceError),
        OperationalError("no such column: x"),
        IntegrityError("duplicate key"),
        ValueError(LOCKED),
    ]
    assert [overload.is_busy(e) for e in busy] == [True] * len(busy)
    assert [overload.is_busy(e) for e in not_busy] == [False] * len(not_busy)


# --- pages ---------------------------------------------------------------------------------------------

def locked_view(request):
    raise OperationalError(LOCKED)


def broken_view(request):
    raise OperationalError("no such table: web_page")


def fine_view(request):
    return HttpResponse("ok")


urlpatterns = [
    path("trang-ban/", locked_view),
    path("trang-loi/", broken_view),
    path("trang-tot/", fine_view),
    path("api/v1/khong-phai-ninja/", locked_view),
]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_page_on_a_busy_database_is_a_503_page_with_retry_after_not_a_traceback(client, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/trang-ban/?ky=2026-09")

    assert (response.status_code, response["Retry-After"], response["Cache-Control"]) == (503, "2", "no-store")
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "Content-Security-Policy" in response  # the 503 goes out through the header middleware
    page = response.content.decode()
    assert "<h1>Hệ thống đang bận</h1>" in page
    assert "Cơ sở dữ liệu đang bận nên chưa trả lời được. Xin tải lại trang sau 2 giây." in page
    assert '<a href="/trang-ban/?ky=2026-09">Tải lại</a>' in page
    assert "Traceback" not in page and "biểu mẫu" not in page
    assert busy_lines(caplog) == [
        "Database busy: 503 GET /trang-ban/ (Retry-After 2): OperationalError: database is locked"]

    posted = client.post("/trang-ban/")
    assert posted.status_code == 503
    assert "thay đổi có thể chưa được lưu" in posted.content.decode()

    fragment = client.get("/trang-ban/", HTTP_HX_REQUEST="true")
    assert (fragment.status_code, fragment.content.decode()) == (
        503, '<p class="busy">Hệ thống đang bận; số liệu sẽ được cập nhật sau 2 giây.</p>\n')

    not_ninja = client.get("/api/v1/khong-phai-ninja/")
    assert (not_ninja.status_code, not_ninja.json()) == (503, {"detail": BUSY})


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_another_database_error_on_a_page_stays_a_500():
    assert Client(raise_request_exception=False).get("/trang-loi/").status_code == 500


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_busy_database_in_a_middleware_below_is_a_503_too(monkeypatch, caplog):
    """Saving the session happens after the view, in SessionMiddleware: its 500 is replaced by the 503."""
    monkeypatch.setattr(SessionMiddleware, "process_response",
                        lambda self, request, response: locked_view(request))

    with caplog.at_level(logging.INFO):
        response = Client(raise_request_exception=False).get("/trang-tot/")

    assert (response.status_code, response["Retry-After"]) == (503, "2")
    assert "Content-Security-Policy" in response
    assert busy_lines(caplog) == [
        "Database busy: 503 GET /trang-tot/ (Retry-After 2): OperationalError: database is locked"]


# --- the busy timeout -------------------------------------------------------------------------------

def _busy_timeout(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_request_waits_for_the_lock_the_request_busy_timeout_and_a_console_command_the_long_one(
    settings, tmp_path
):
    """On a real SQLite file locked by another connection, a write inside a request fails after 30 ms."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's busy timeout")
    settings.SQLITE_BUSY_TIMEOUT_MS = 30
    database = tmp_path / "busy.sqlite3"
    wrapper = connections.create_connection("default")
    wrapper.settings_dict = {**wrapper.settings_dict, "NAME": str(database)}
    locker = sqlite3.connect(database, isolation_level=None)
    try:
        assert _busy_timeout(wrapper) == settings.SQLITE_CONSOLE_BUSY_TIMEOUT_MS  # opened outside a request
        wrapper.close()
        seen = {}

        def view(request):
            seen["opened in a request"] = _busy_timeout(wrapper)
            seen["open before the request"] = _busy_timeout(connection)
            locker.execute("BEGIN IMMEDIATE")
            with wrapper.cursor() as cursor:
                cursor.execute("CREATE TABLE t (x)")  # needs the write lock the locker holds
            return HttpResponse()

        with pytest.raises(OperationalError) as raised:
            overload.OverloadMiddleware(view)(RequestFactory().post("/api/v1/dossier-events"))

        assert (str(raised.value), raised.value.__cause__.sqlite_errorcode) == (LOCKED, 5)  # SQLITE_BUSY
        assert overload.is_busy(raised.value)
        assert seen == {"opened in a request": 30, "open before the request": 30}
        assert _busy_timeout(connection) == settings.SQLITE_CONSOLE_BUSY_TIMEOUT_MS  # back once the request ended
        wrapper.close()
        assert _busy_timeout(wrapper) == settings.SQLITE_CONSOLE_BUSY_TIMEOUT_MS  # opened after it
    finally:
        locker.close()
        wrapper.close()


@pytest.mark.django_db(transaction=True)
def test_a_batch_meeting_a_real_write_lock_is_refused_then_counted_once_when_resent(settings):
    """Another connection holds SQLite's write lock (BEGIN IMMEDIATE) while the batch comes in."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock")
    settings.SQLITE_BUSY_TIMEOUT_MS = 20  # a file database waits this long; a shared-memory one fails at once
    token = create_api_token(Actor.system(), "mot-cua-lam-thao", [LAM_THAO], ["dossiers:write"])
    ApiToken.objects.filter(name="mot-cua-lam-thao").update(last_used_at=timezone.now() + timedelta(minutes=5))
    rows = two_dossiers("LOCK")
    name = connection.settings_dict["NAME"]
    locker = sqlite3.connect(name, uri=name.startswith("file:"), isolation_level=None)
    try:
        locker.execute("BEGIN IMMEDIATE")
        assert_busy_answer(post(EVENTS, {"events": rows}, token.secret), EVENTS_BUSY)
        locker.execute("ROLLBACK")
    finally:
        locker.close()
    assert DossierEvent.objects.count() == 0

    resent = post(EVENTS, {"events": rows}, token.secret)
    assert (resent.status_code, resent.json()) == (200, {"accepted": 4, "duplicates": 0, "rejected": []})
    again = post(EVENTS, {"events": rows}, token.secret)
    assert (again.status_code, again.json()) == (200, {"accepted": 0, "duplicates": 4, "rejected": []})


@pytest.mark.django_db
def test_on_postgresql_a_lock_timeout_is_a_503_and_the_resent_batch_is_counted_once():
    """Another connection holds the events table in EXCLUSIVE mode; the request's lock_timeout is 50 ms."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's lock timeout")
    secret = create_api_token(Actor.system(), "mot-cua-lam-thao", [LAM_THAO], ["dossiers:write"]).secret
    rows = two_dossiers("PGLOCK")
    s = connection.settings_dict
    locker = psycopg.connect(dbname=s["NAME"], user=s["USER"] or None, password=s["PASSWORD"] or None,
                             host=s["HOST"] or None, port=s["PORT"] or None)
    try:
        locker.execute(f"LOCK TABLE {DossierEvent._meta.db_table} IN EXCLUSIVE MODE")  # reads pass, writes wait
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '50ms'")
        assert_busy_answer(post(EVENTS, {"events": rows}, secret), EVENTS_BUSY)
        locker.rollback()
    finally:
        locker.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert DossierEvent.objects.count() == 0

    resent = post(EVENTS, {"events": rows}, secret)
    assert (resent.status_code, resent.json()) == (200, {"accepted": 4, "duplicates": 0, "rejected": []})
    again = post(EVENTS, {"events": rows}, secret)
    assert (again.status_code, again.json()) == (200, {"accepted": 0, "duplicates": 4, "rejected": []})
