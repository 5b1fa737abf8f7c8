"""A busy database answers 503 with Retry-After, never a 500 (issue 10, "graceful overload").

Which errors: `is_busy` — SQLite's "database is locked" (SQLITE_BUSY, SQLITE_LOCKED, a WAL locking
race), PostgreSQL's lock and statement timeouts, serialization failures, deadlocks, "too many
connections", a server shutting down or unreachable, a connection lost. Every other database error
(a missing table, a bad statement…) is a bug and stays a 500 with its traceback.

Who answers: the API's exception handlers (`thuocdo.api`) and, for pages and anything the API does not
catch, `OverloadMiddleware` — JSON `{"detail": …}` under /api/, a small Vietnamese page elsewhere; both
with `Retry-After` and one warning line on the `thuocdo.overload` logger (no traceback).

What the answer promises: every write is in transactions that roll back on the error, so nothing is
half-written; a resend is always safe. Metric values are one transaction and upserts by key: the batch
was not stored and a resend stores each value once. Dossier events are stored in parts of
`dossiers.actions.BATCH_SIZE` events, one transaction each: parts before the failing one stay, and a
resend counts their events as duplicates (event ids are idempotent), never twice. The message says so.

How long a request waits: SQLite's busy timeout is per connection. Connections opened or used while
this middleware handles a request wait `SQLITE_BUSY_TIMEOUT_MS` (default 5 s) and then fail into the 503;
every other connection — console commands, the score refresher thread — keeps the init command's
`SQLITE_CONSOLE_BUSY_TIMEOUT_MS` (default 60 s), since no client is waiting on it (settings.py).
"""

from __future__ import annotations

import logging
import random
import sys
import threading

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape

from thuocdo.api_limits import API_PREFIX

logger = logging.getLogger("thuocdo.overload")

# Retry-After is drawn from this range (seconds, inclusive), so refused clients do not all come back
# in the same second. Long enough for the usual lock holder (an API batch, a score refresh: < 1 s; a
# console ingest transaction: 1–3.5 s) to finish, short enough for a source system's timeout.
RETRY_AFTER_SECONDS = (2, 4)

# SQLite result codes (the low byte of `sqlite_errorcode`): BUSY, LOCKED (a shared-cache table lock),
# PROTOCOL (a WAL locking race). Each means "another connection holds the lock: try again".
_SQLITE_BUSY_CODES = {5, 6, 15}
# PostgreSQL SQLSTATE classes: 08 connection exception, 40 transaction rollback (serialization failure,
# deadlock), 53 insufficient resources (too many connections), 57 operator intervention (statement
# timeout, shutdown, cannot connect now); and 55P03 lock_not_available (lock_timeout, NOWAIT).
_PG_BUSY_CLASSES = {"08", "40", "53", "57"}
_PG_BUSY_STATES = {"55P03"}
# Without a code (an error raised as such, another driver): the messages of the same conditions.
_BUSY_MESSAGES = (
    "database is locked", "database is busy", "database table is locked", "database schema is locked",
    "could not serialize access", "deadlock detected", "lock timeout", "could not obtain lock",
    "too many connections", "too many clients", "server closed the connection", "connection refused",
    "connection is closed", "connection already closed", "connection is lost",
)


def is_busy(error: BaseException) -> bool:
    """True if this database error means "busy or unreachable now, try again", not a bug."""
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    cause = error.__cause__ if error.__cause__ is not None else error  # Django wraps the driver's error
    code = getattr(cause, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_BUSY_CODES
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state:
        return state[:2] in _PG_BUSY_CLASSES or state in _PG_BUSY_STATES
    if isinstance(error, OperationalError) and type(cause).__module__.startswith("psycopg"):
        return True  # psycopg's own errors carry no SQLSTATE: the connection failed or was lost
    text = str(error).lower()
    return any(message in text for message in _BUSY_MESSAGES)


# --- The answers ----------------------------------------------------------------------------------

def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _write_note(request: HttpRequest) -> str:
    """What became of the request's writes, and how to resend: true for every place the error can occur."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return ""
    path = request.path.rstrip("/")
    if path.endswith("/dossier-events"):
        from thuocdo.dossiers.actions import BATCH_SIZE

        return (f" Lô này chưa được ghi hết: lô được ghi theo từng phần {_thousands(BATCH_SIZE)} sự kiện, phần gặp "
                "lỗi đã bị hủy, các phần ghi xong trước đó (nếu có) được giữ. Gửi lại cả lô: các sự kiện đã ghi sẽ "
                "được tính là trùng, không tính hai lần.")
    if path.endswith("/metric-values"):
        return (" Lô này chưa được ghi. Gửi lại cả lô: mỗi số liệu thay giá trị đã có cùng nguồn, đơn vị, chỉ tiêu, "
                "thủ tục và ngày, nên không bị tính hai lần.")
    return " Yêu cầu này chưa được ghi; hãy gửi lại."


def api_detail(request: HttpRequest, seconds: int) -> str:
    return f"Cơ sở dữ liệu đang bận; gửi lại sau {seconds} giây.{_write_note(request)}"


_PAGE = """<!doctype html>
<html lang="vi">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hệ thống đang bận — Thước Đo</title></head>
<body>
<main>
<h1>Hệ thống đang bận</h1>
<p>Cơ sở dữ liệu đang bận nên chưa trả lời được. Xin tải lại trang sau {seconds} giây.</p>{form}
<p><a href="{path}">Tải lại</a> · <a href="/">Trang chủ</a></p>
</main>
</body>
</html>
"""
_FORM_NOTE = "\n<p>Nếu bạn vừa gửi biểu mẫu, thay đổi có thể chưa được lưu: xin kiểm tra rồi gửi lại.</p>"
_FRAGMENT = '<p class="busy">Hệ thống đang bận; số liệu sẽ được cập nhật sau {seconds} giây.</p>\n'


def _page(request: HttpRequest, seconds: int) -> HttpResponse:
    if request.headers.get("HX-Request") == "true":  # a live region: htmx keeps what it shows on a 503
        body = _FRAGMENT.format(seconds=seconds)
    else:
        form = _FORM_NOTE if request.method not in ("GET", "HEAD", "OPTIONS") else ""
        body = _PAGE.format(seconds=seconds, form=form, path=escape(request.get_full_path()))
    return HttpResponse(body, status=503, content_type="text/html; charset=utf-8")


def busy_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The 503 for a busy database: JSON under /api/, a page elsewhere; Retry-After; one log line."""
    seconds = random.randint(*RETRY_AFTER_SECONDS)
    if request.path.startswith(API_PREFIX):
        response = JsonResponse({"detail": api_detail(request, seconds)}, status=503)
    else:
        response = _page(request, seconds)
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    logger.warning("Database busy: 503 %s %s (Retry-After %s): %s", request.method, _one_line(request.path),
                   seconds, _one_line(f"{type(error).__name__}: {error}"))
    response._has_been_logged = True  # no second line from django.request ("Service Unavailable: …")
    return response


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:500]


# --- The busy timeout of request connections ------------------------------------------------------

_in_request = threading.local()


def _set_busy_timeout(wrapper, milliseconds: int) -> None:
    with wrapper.wrap_database_errors:
        wrapper.connection.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")


def _open_sqlite_connection():
    wrapper = connections[DEFAULT_DB_ALIAS]
    return wrapper if wrapper.vendor == "sqlite" and wrapper.connection is not None else None


def _request_connection_created(sender, connection, **kwargs) -> None:
    """A connection opened while this thread handles a request waits the request's busy timeout."""
    if connection.vendor == "sqlite" and getattr(_in_request, "active", False):
        _set_busy_timeout(connection, settings.SQLITE_BUSY_TIMEOUT_MS)


connection_created.connect(_request_connection_created, dispatch_uid="thuocdo.overload.busy_timeout")


def _note_error(sender, request=None, **kwargs) -> None:
    """Remember a busy-database error that became a 500 outside the view (in a middleware), for the middleware."""
    error = sys.exc_info()[1]
    if request is not None and error is not None and is_busy(error):
        request._database_busy = error


got_request_exception.connect(_note_error, dispatch_uid="thuocdo.overload.note_error")


class OverloadMiddleware:
    """503 + Retry-After for a busy database, and the short busy timeout while a request is handled.

    `process_exception` answers the error a view raised (the usual case; the API answers its own in
    `thuocdo.api`). An error in a middleware below this one (a session saved on a busy database) has
    already become a 500 when it gets here: Django's `got_request_exception` noted it on the request,
    and the 500 is replaced (django.request has logged its traceback by then). Put it below the
    middleware that only set headers (CSP, GZip), so the 503 gets them, and above the session's.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        outer = not getattr(_in_request, "active", False)
        if outer:
            _in_request.active = True
            if (wrapper := _open_sqlite_connection()) is not None:  # opened before (tests, persistent)
                _set_busy_timeout(wrapper, settings.SQLITE_BUSY_TIMEOUT_MS)
        try:
            response = self.get_response(request)
        finally:
            if outer:
                _in_request.active = False
                if (wrapper := _open_sqlite_connection()) is not None:
                    _set_busy_timeout(wrapper, settings.SQLITE_CONSOLE_BUSY_TIMEOUT_MS)
        error = getattr(request, "_database_busy", None)
        if error is not None and response.status_code == 500:
            return busy_response(request, error)
        return response

    def process_exception(self, request, exception):
        return busy_response(request, exception) if is_busy(exception) else None
