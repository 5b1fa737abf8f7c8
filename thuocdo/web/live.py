"""Live change stream of a unit (server-sent events): `/live/<code>/` and `/live/public/`.

A page opens `<div hx-ext="sse" sse-connect="/live/<code>/">`; each of its fragments reloads on the
events of the data it shows (`hx-trigger="sse:figures"`, `"sse:figures, sse:scores"`), so a page asks
only for the regions whose data changed. The stream carries no figures, only "this unit's figures (or
scores) changed at …", so the fragments that reload go through the usual access checks.

    retry: 3000                      the browser reconnects by itself 3 s after a drop
    id: 1786940000000                ms since the epoch; sent back as Last-Event-ID on reconnect

    event: figures                   the unit's stored figures moved (a FIGURES notice named it)
    id: 1786940000123                the publisher's time, the same in every server process
    data: {"unit": "08494", "at": "2026-08-17T09:30:00+07:00"}

    event: scores                    its score rows were recomputed (for a commune or agency: also when
    id: 1786940000301                any score of its province was, which may move its rank)
    data: {"unit": "08494", "at": "2026-08-17T09:30:00+07:00"}

    : ping                           after 15 s without a message, so proxies and browsers keep the connection

Pages ask for their regions to be pushed (`/live/<code>/?push=1&<the page's choice>`): after each
coalesced event the stream also sends, for every region of the page that shows that kind of data, the
region's HTML as one event named after it (`event: region-tiles`, one `data:` line per line of HTML),
which htmx swaps in (`sse-swap="region-tiles"`). The HTML is the shared render of `web.cache.render_once`
(one render per change for every open page with the same choice and language, whatever their number),
so a change costs one render and no request per viewer: with 200 officials on the national page,
re-fetching would cost 200 × regions requests per change (issue 10). Access is checked once, when the
stream opens; every reader of a unit gets the same HTML (`sections.AUDIENCE`). The fragment URLs stay,
with their ETags and 304s, for a page whose stream dropped and for other clients.

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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, close_old_connections, connection
from django.http import Http404, HttpResponseForbidden, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation

from thuocdo.accounts.permissions import Actor, may_read
from thuocdo.errors import InvalidParameter
from thuocdo.evaluation.store import UnknownFramework
from thuocdo.metrics import notify
from thuocdo.units.choices import Level
from thuocdo.units.models import Unit
from thuocdo.web import sections
from thuocdo.web.cache import last_good, render_once
from thuocdo.web.picker import choose

NATIONAL = "VN"
KINDS = notify.KINDS  # figures first: when both are due, the cheaper regions go first
RETRY_MS = 3000
HEARTBEAT_SECONDS = 15.0
# A national ingest commits several batches a second and VN changes with each: a page reloading its
# fragments on every one would hammer the server. Notices of one kind closer than this are sent as
# one message (an isolated change still goes out at once, well within the 1 s budget).
MIN_INTERVAL_SECONDS = 0.5
# A page whose pushed regions take long to make (a loaded server) waits longer between pushes: its next
# message of that kind comes at least PACE_FACTOR × the time its last pushes took, and at most
# MAX_INTERVAL_SECONDS apart. Under a burst the work of the open pages then shrinks as the server slows,
# instead of queueing without limit; an idle server still pushes within MIN_INTERVAL_SECONDS.
PACE_FACTOR = 2.0
MAX_INTERVAL_SECONDS = 5.0
Watched = dict[str, frozenset[str]]  # notice kind → the unit codes whose notices this stream relays
_EVENT_ID = re.compile(r"[0-9]{1,13}")  # ms since the epoch, as `_ms` writes them (13 digits until 2286)


class ChangeLog:
    """When each unit last changed, per kind of notice, as this process has seen since it began listening.

    A browser reconnecting after a drop sends the id of the last message it got (a publisher's time);
    for each kind, if a watched unit changed after that — or this process cannot vouch for the gap,
    because it started listening later (a restarted server) — the new stream opens with one catch-up
    message of that kind.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: float | None = None
        self._last: dict[tuple[str, str], float] = {}  # (kind, unit code): ≤ 2 × 3,356 keys

    def start(self) -> None:
        """Begin recording notices (once per process)."""
        with self._lock:
            if self._since is not None:
                return
            self._since = time.time()
        for kind in KINDS:
            notify.subscribe(lambda codes, at, kind=kind: self.record(codes, kind, at), kind, with_time=True)

    def record(self, unit_codes: list[str], kind: str = notify.FIGURES, at: float | None = None) -> None:
        at = time.time() if at is None else at
        with self._lock:
            for code in unit_codes:
                self._last[(kind, code)] = max(at, self._last.get((kind, code), 0.0))

    def changed_since(self, unit_codes: frozenset[str], kind: str, moment: float) -> bool:
        """True if one of the units may have had a notice of this kind after `moment` (seconds since the epoch)."""
        with self._lock:
            if self._since is None or moment < self._since:
                return True
            return any(self._last.get((kind, code), 0.0) > moment for code in unit_codes)


change_log = ChangeLog()


@dataclass(frozen=True)
class Push:
    """What a page's stream pushes: its regions for its choice, in its language."""

    unit: Unit
    choice: object  # web.picker.Choice
    language: str
    regions: tuple[str, ...]

    @property
    def identity(self) -> tuple:
        """What two streams must share to be pushed the same bytes."""
        return self.unit.code, *self.choice.key, self.choice.color, self.language

    @property
    def layered(self) -> bool:
        """The national map is pushed a province layer at a time (`layers_message`), not whole."""
        return self.unit.level == Level.NATIONAL

    def regions_for(self, kind: str) -> list[str]:
        return [name for name in self.regions if kind in sections.SHOWS[name]]

    def message(self, name: str) -> str | None:
        """The region's `event: region-<name>` message: its shared HTML (rendered once per change for every
        stream) framed once per data version in this process, so 200 open pages cost one framing."""
        with _database(), translation.override(self.language):
            key = sections.region_key(self.unit, name, self.choice)
            framed = _framed.get((key.identity, key.version))
            if framed is not None:
                return framed
            try:
                html = render_once(key, lambda: render_to_string(
                    f"web/fragments/{name}.html", {"r": sections.region(self.unit, name, self.choice)})).html
            except OperationalError:
                html = last_good(key)  # the database is busy: the last good render, its stamp says when
                if html is None:
                    return None
                return _frame(f"region-{name}", html)
            return _keep_framed((key.identity, key.version), f"region-{name}", html)

    def layers_message(self, unit_codes: frozenset[str]) -> str | None:
        """`event: region-map-layers`: the national map's layers of the provinces among these units (those a
        notice named), each swapped in by its id
        (htmx out-of-band), and the map's stamp. A layer is ~1/34 of the 390 KB map: twenty open pages
        swap a province's hundred dots in a few milliseconds instead of the country's 13,000 elements."""
        with _database(), translation.override(self.language):
            province_codes = sections.province_codes(unit_codes)
            parts = []
            for province in sections.national_provinces():
                if province.code not in province_codes:
                    continue
                key = sections.layer_key(province, self.choice)
                framed = _framed.get((key.identity, key.version))
                if framed is None:
                    try:
                        html = sections.map_layer(province, self.choice)
                    except OperationalError:
                        continue  # the database is busy: this layer waits for the next change or a reload
                    framed = _keep_framed((key.identity, key.version), "", html.replace("<svg ", OOB_SVG, 1))
                parts.append(framed)
            if not parts:
                return None
            stamp = render_to_string("web/_map_stamp.html", {"at": timezone.now(), "oob": True})
            return "event: region-map-layers\n" + "".join(parts) + _frame("", stamp) + "\n"


OOB_SVG = '<svg hx-swap-oob="true" '


@contextlib.contextmanager
def _database():
    """A push runs in its stream's own thread (one per open page): it must not keep a database connection
    there for the hours the page stays open (734 streams held 734 SQLite connections, > 1.5 GB)."""
    if not connection.in_atomic_block:  # a test's transaction is the test's: it stays
        close_old_connections()
    try:
        yield
    finally:
        if not connection.in_atomic_block:
            connection.close()


def _keep_framed(key: tuple[str, str], event: str, html: str) -> str:
    framed = _framed[key] = _frame(event, html)
    while len(_framed) > FRAMED_KEPT:
        _framed.pop(next(iter(_framed)))
    return framed


def _frame(event: str, html: str) -> str:
    """`event: <event>` and one `data:` line per line of HTML, then the blank line that ends a message;
    without an event name, only the data lines (one part of a message made of several)."""
    data = "".join(f"data: {line}\n" for line in html.splitlines())
    return f"event: {event}\n{data}\n" if event else data


FRAMED_KEPT = 160  # the latest framed messages (a few regions × choices × languages in use, 34 layers each)
_framed: dict[tuple[str, str], str] = {}


async def unit_stream(request, code: str):
    """The change stream of one unit; the user must be allowed to read it (403 otherwise)."""
    try:
        unit, push = await sync_to_async(_readable_unit)(request, code)
    except PermissionDenied:
        return HttpResponseForbidden("Không có quyền xem dữ liệu của đơn vị này.")
    return await _stream_response(request, unit.code, watched(unit), push)


async def public_stream(request):
    """The public scoreboard's stream: changes of the national figures and scores, for anyone."""
    return await _stream_response(request, NATIONAL, {kind: frozenset([NATIONAL]) for kind in KINDS})


def watched(unit: Unit) -> Watched:
    """Whose notices a unit's page hears: its own, and a commune's or agency's province's SCORES (its rank)."""
    scores = {unit.code}
    if unit.level in (Level.COMMUNE, Level.AGENCY) and unit.province_code:
        scores.add(unit.province_code)
    return {notify.FIGURES: frozenset([unit.code]), notify.SCORES: frozenset(scores)}


def _readable_unit(request, code: str) -> tuple[Unit, Push | None]:
    unit = Unit.objects.select_related("parent").filter(code=code).first()
    if unit is None:
        raise Http404("Không có đơn vị này.")
    allowed = request.user.is_authenticated and may_read(Actor.for_user(request.user), unit)
    push = _push_of(request, unit) if allowed and request.GET.get("push") == "1" else None
    # The stream may stay open for hours: give the database connection back now rather than at the
    # end of the request (one idle PostgreSQL connection per open page otherwise). Inside a test's
    # transaction the connection is the test's and stays.
    if not connection.in_atomic_block:
        connection.close()
    if not allowed:
        raise PermissionDenied
    return unit, push


def _push_of(request, unit: Unit) -> Push | None:
    """The page's choice, read as the page read it; a choice the page could not have made pushes nothing."""
    try:
        choice = choose(request.GET, default_compare=unit.level != Level.COMMUNE)
    except (InvalidParameter, UnknownFramework):
        return None
    return Push(unit, choice, translation.get_language(), sections.REGIONS[sections.kind_of(unit)])


async def _stream_response(request, unit_code: str, watching: Watched, push: Push | None = None
                           ) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_events(unit_code, watching, request.headers.get("Last-Event-ID", ""), push),
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


def _missed(last_event_id: str, watching: Watched) -> list[str]:
    """The kinds of notice a reconnecting browser may have missed since the message it names.

    Each kind is coalesced apart, so the last id a browser got may be later than a notice of the other
    kind still held back when the stream dropped: notices up to MAX_INTERVAL_SECONDS before it count.
    """
    moment = _last_event_moment(last_event_id)
    if moment is None:
        return []
    since = moment - MAX_INTERVAL_SECONDS
    return [kind for kind in KINDS if change_log.changed_since(watching[kind], kind, since)]


async def _events(unit_code: str, watching: Watched, last_event_id: str, push: Push | None = None):
    """The stream's messages; subscribes when the server starts sending it, unsubscribes when it ends."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Notice] = asyncio.Queue()

    def listener_of(kind: str):
        codes = watching[kind]

        def listener(unit_codes: list[str], at: float) -> None:
            if not codes.isdisjoint(unit_codes):
                # Heard now, after the publisher stamped the new data versions (`Notice.heard`).
                notice = Notice(kind, at, frozenset(unit_codes), time.time())
                # RuntimeError: the loop is closed, this stream has ended and is being unsubscribed.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(queue.put_nowait, notice)

        return listener

    # With Redis, the first subscription waits (≤ 5 s) until the relay listens: not on the event loop.
    await asyncio.to_thread(change_log.start)
    unsubscribes = [await asyncio.to_thread(notify.subscribe, listener_of(kind), kind, with_time=True)
                    for kind in KINDS]
    try:
        yield f"retry: {RETRY_MS}\nid: {_ms(time.time())}\n\n"
        for kind in _missed(last_event_id, watching):
            now = time.time()
            yield _change_message(kind, unit_code, now)
            async for message in _pushed(push, Notice(kind, now, None, now)):
                yield message
        pace = dict.fromkeys(KINDS, MIN_INTERVAL_SECONDS)  # kind → least seconds between its messages
        async for notice in _coalesced(queue, pace):
            if notice is None:
                yield ": ping\n\n"
                continue
            yield _change_message(notice.kind, unit_code, notice.at)
            started = loop.time()
            async for pushed in _pushed(push, notice):
                yield pushed
            took = loop.time() - started
            pace[notice.kind] = min(MAX_INTERVAL_SECONDS, max(MIN_INTERVAL_SECONDS, PACE_FACTOR * took))
    finally:
        # The client went away (Django cancels the response on http.disconnect) or the server stops.
        for unsubscribe in unsubscribes:
            unsubscribe()


@dataclass(frozen=True)
class Notice:
    """Change notices of one kind as a stream sends them: the latest publisher's time, the units they
    named (None: not known, e.g. a catch-up after a reconnect) and when this process heard the latest."""

    kind: str
    at: float
    units: frozenset[str] | None
    heard: float

    def merged(self, other: Notice) -> Notice:
        units = None if self.units is None or other.units is None else self.units | other.units
        return Notice(self.kind, max(self.at, other.at), units, max(self.heard, other.heard))


async def _coalesced(queue: asyncio.Queue, pace: dict[str, float] | None = None):
    """One notice per kind at most every `pace[kind]` seconds (MIN_INTERVAL_SECONDS by default; the stream
    lengthens it when its pushes are slow), standing for all those it merges, and None (a heartbeat) after
    HEARTBEAT_SECONDS without any message."""
    pace = pace if pace is not None else dict.fromkeys(KINDS, MIN_INTERVAL_SECONDS)
    loop = asyncio.get_running_loop()
    pending: dict[str, Notice] = {}  # kind → the notices of that kind not sent yet, merged

    def add(notice: Notice) -> None:
        held = pending.get(notice.kind)
        pending[notice.kind] = notice if held is None else held.merged(notice)

    last_sent = dict.fromkeys(KINDS, float("-inf"))
    last_message = loop.time()
    while True:
        while not queue.empty():
            add(queue.get_nowait())
        now = loop.time()
        due = [kind for kind in KINDS if kind in pending and last_sent[kind] + pace[kind] <= now]
        for kind in due:
            yield pending.pop(kind)
            last_sent[kind] = last_message = now
        if due:
            continue
        if pending:
            wait = min(last_sent[kind] + pace[kind] for kind in pending) - now
        else:
            wait = last_message + HEARTBEAT_SECONDS - now
        try:
            async with asyncio.timeout(max(wait, 0)):
                add(await queue.get())
        except TimeoutError:
            if not pending and loop.time() >= last_message + HEARTBEAT_SECONDS:
                yield None
                last_message = loop.time()


async def _pushed(push: Push | None, notice: Notice):
    """The HTML of each region of the page that shows this kind of data: `event: region-<name>`, or for the
    national map the layers of the provinces the notices named (`event: region-map-layers`)."""
    if push is None:
        return
    for name in push.regions_for(notice.kind):
        if name == "map" and push.layered and notice.units is not None:
            message = await _shared(push, ("map-layers", notice.units), notice.heard,
                                    lambda units=notice.units: push.layers_message(units))
        else:
            message = await _shared(push, name, notice.heard, lambda name=name: push.message(name))
        if message:
            yield message


SHARED_KEPT = 256
_shared_work: dict[tuple, tuple[float, asyncio.Future]] = {}


async def _shared(push: Push, what: object, heard: float, make: Callable[[], str | None]) -> str | None:
    """`make()` in a thread, shared by every stream of the same page (unit, choice, language) that asks for
    the same thing after hearing the same notices: 200 open national pages cost one region render and one
    thread hop per change, not 200. A computation is reused only if it began after the asking stream heard
    its notice (the data versions it read are then those the notice stamped, or later ones)."""
    loop = asyncio.get_running_loop()
    key = (push.identity, what)
    found = _shared_work.get(key)
    if found is not None and found[0] >= heard and found[1].get_loop() is loop:
        return await asyncio.shield(found[1])
    future = asyncio.ensure_future(sync_to_async(make)())
    _shared_work[key] = (time.time(), future)
    while len(_shared_work) > SHARED_KEPT:
        _shared_work.pop(next(iter(_shared_work)))
    return await asyncio.shield(future)


def _change_message(kind: str, unit_code: str, moment: float) -> str:
    at = timezone.localtime(datetime.fromtimestamp(moment, tz=UTC)).isoformat(timespec="seconds")
    data = json.dumps({"unit": unit_code, "at": at})
    return f"event: {kind}\nid: {_ms(moment)}\ndata: {data}\n\n"


def _ms(moment: float) -> int:
    return int(moment * 1000)
