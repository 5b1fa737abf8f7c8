"""Live change stream of a unit (server-sent events): `/live/<code>/` and `/live/public/`.

A page opens `<div hx-ext="sse" sse-connect="/live/<code>/">`; its fragments reload on `sse:change`.
The stream carries no figures, only "this unit's figures changed at …", so the fragments that
reload go through the usual access checks.

    retry: 3000                      the browser reconnects by itself 3 s after a drop
    id: 1786940000000                ms since the epoch; sent back as Last-Event-ID on reconnect

    event: change
    id: 1786940000123
    data: {"unit": "08494", "at": "2026-08-17T09:30:00+07:00"}

    : ping                           every 15 s, so proxies and browsers keep the connection

Change notices come from `thuocdo.metrics.notify` (thread-based listeners, called after commit in
the committing thread or in the Redis relay thread); each stream bridges them into its own
asyncio.Queue with `loop.call_soon_threadsafe` and unsubscribes when the client goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
from datetime import UTC, datetime

from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpResponseForbidden, StreamingHttpResponse
from django.utils import timezone

from thuocdo.accounts.permissions import Actor, may_read
from thuocdo.metrics import notify
from thuocdo.units.models import Unit

NATIONAL = "VN"
RETRY_MS = 3000
HEARTBEAT_SECONDS = 15.0
# A national ingest commits several batches a second and VN changes with each: a page reloading its
# fragments on every one would hammer the server. Notices closer than this are sent as one message
# (an isolated change still goes out at once, well within the 1 s budget).
MIN_INTERVAL_SECONDS = 0.5
_EVENT_ID = re.compile(r"[0-9]{1,13}")  # ms since the epoch, as `_ms` writes them (13 digits until 2286)


class ChangeLog:
    """When each unit last changed, as this process has seen since it began listening.

    A browser reconnecting after a drop sends the id of the last message it got (a time); if the
    unit changed after that — or this process cannot vouch for the gap, because it started
    listening later (a restarted server) — the new stream opens with one catch-up `change`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: float | None = None
        self._last: dict[str, float] = {}  # ≤ 3,356 unit codes

    def start(self) -> None:
        """Begin recording notices (once per process)."""
        with self._lock:
            if self._since is not None:
                return
            self._since = time.time()
        notify.subscribe(self.record)

    def record(self, unit_codes: list[str]) -> None:
        now = time.time()
        with self._lock:
            for code in unit_codes:
                self._last[code] = now

    def changed_since(self, unit_code: str, moment: float) -> bool:
        """True if the unit may have changed after `moment` (seconds since the epoch)."""
        with self._lock:
            if self._since is None or moment < self._since:
                return True
            return self._last.get(unit_code, 0.0) > moment


change_log = ChangeLog()


async def unit_stream(request, code: str):
    """The change stream of one unit; the user must be allowed to read it (403 otherwise)."""
    try:
        unit_code = await sync_to_async(_readable_unit_code)(request, code)
    except PermissionDenied:
        return HttpResponseForbidden("Không có quyền xem dữ liệu của đơn vị này.")
    return await _stream_response(request, unit_code)


async def public_stream(request):
    """The public scoreboard's stream: changes of the national figures, for anyone."""
    return await _stream_response(request, NATIONAL)


def _readable_unit_code(request, code: str) -> str:
    unit = Unit.objects.select_related("parent").filter(code=code).first()
    if unit is None:
        raise Http404("Không có đơn vị này.")
    allowed = request.user.is_authenticated and may_read(Actor.for_user(request.user), unit)
    # The stream may stay open for hours: give the database connection back now rather than at the
    # end of the request (one idle PostgreSQL connection per open page otherwise). Inside a test's
    # transaction the connection is the test's and stays.
    if not connection.in_atomic_block:
        connection.close()
    if not allowed:
        raise PermissionDenied
    return unit.code


async def _stream_response(request, unit_code: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_events(unit_code, request.headers.get("Last-Event-ID", "")),
                                     content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    # GZipMiddleware compresses streaming responses unless a Content-Encoding is already set; a
    # compressed event stream is held back by the compressor (and by nginx without this header).
    response["Content-Encoding"] = "identity"
    response["X-Accel-Buffering"] = "no"
    return response


def _last_event_moment(last_event_id: str) -> float | None:
    """The time (seconds since the epoch) a Last-Event-ID names, or None if it is not one of our ids.

    Our ids are milliseconds since the epoch: 1–13 ASCII digits until the year 2286. Anything else —
    empty, signed, fractional, "nan", "1e999", 400 digits, other scripts' digits — is read as no id at
    all (the stream starts from now); the header is read after the 200 went out, so it must not raise.
    """
    text = last_event_id.strip()
    if not _EVENT_ID.fullmatch(text):
        return None
    return int(text) / 1000


def _reconnected_after_change(last_event_id: str, unit_code: str) -> bool:
    moment = _last_event_moment(last_event_id)
    if moment is None:
        return False
    return change_log.changed_since(unit_code, moment)


async def _events(unit_code: str, last_event_id: str):
    """The stream's messages; subscribes when the server starts sending it, unsubscribes when it ends."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[float] = asyncio.Queue()

    def listener(unit_codes: list[str]) -> None:
        if unit_code in unit_codes:
            # RuntimeError: the loop is closed, this stream has ended and is being unsubscribed.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(queue.put_nowait, time.time())

    # With Redis, the first subscription waits (≤ 5 s) until the relay listens: not on the event loop.
    await asyncio.to_thread(change_log.start)
    unsubscribe = await asyncio.to_thread(notify.subscribe, listener)
    try:
        yield f"retry: {RETRY_MS}\nid: {_ms(time.time())}\n\n"
        if _reconnected_after_change(last_event_id, unit_code):
            yield _change_message(unit_code, time.time())
        last_sent = float("-inf")
        while True:
            try:
                async with asyncio.timeout(HEARTBEAT_SECONDS):
                    moment = await queue.get()
            except TimeoutError:
                yield ": ping\n\n"
                continue
            wait = last_sent + MIN_INTERVAL_SECONDS - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            while not queue.empty():
                moment = queue.get_nowait()
            last_sent = loop.time()
            yield _change_message(unit_code, moment)
    finally:
        # The client went away (Django cancels the response on http.disconnect) or the server stops.
        unsubscribe()


def _change_message(unit_code: str, moment: float) -> str:
    at = timezone.localtime(datetime.fromtimestamp(moment, tz=UTC)).isoformat(timespec="seconds")
    data = json.dumps({"unit": unit_code, "at": at})
    return f"event: change\nid: {_ms(moment)}\ndata: {data}\n\n"


def _ms(moment: float) -> int:
    return int(moment * 1000)
