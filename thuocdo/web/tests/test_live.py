"""The live change stream: one message per change of its unit, heartbeats, catch-up, access, clean-up."""

import asyncio
import json
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from thuocdo.accounts.choices import Role
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import make_user
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.tests.factories import LAM_THAO, PHU_MY, accepted, at
from thuocdo.metrics import notify
from thuocdo.web import live

pytestmark = pytest.mark.django_db

RETRY = b"retry: 3000\nid: "


@pytest.fixture
def officer(async_client):
    async_client.force_login(make_user("xa1", Role.COMMUNE_OFFICER, LAM_THAO))
    return async_client


def _listeners() -> int:
    with notify._lock:
        return len(notify._listeners)


async def _next(chunks, timeout: float = 2.0) -> bytes:
    return await asyncio.wait_for(chunks.__anext__(), timeout)


def _change(chunk: bytes) -> dict:
    head, data = chunk.decode().rstrip("\n").rsplit("\n", 1)
    event, message_id = head.split("\n")
    assert event == "event: change"
    assert message_id.startswith("id: ")
    assert data.startswith("data: ")
    return json.loads(data.removeprefix("data: "))


def _run(scenario):
    """Run an async scenario; stream clean-up is checked by cancelling it as a disconnect would."""
    live.change_log.start()
    before = _listeners()
    async_to_sync(scenario)()
    assert _listeners() == before


async def _open(client, path: str, **headers):
    response = await client.get(path, headers={"Accept-Encoding": "gzip, br", **headers})
    assert response.status_code == 200
    return response, response.streaming_content


async def _close(chunks) -> None:
    """Disconnect as Django does on `http.disconnect`: cancel the task reading the stream."""
    reader = asyncio.ensure_future(chunks.__anext__())
    await asyncio.sleep(0)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader


def test_one_message_per_change_of_its_unit_only(officer):
    async def scenario():
        response, chunks = await _open(officer, "/live/08494/")
        # Event streams are never compressed (GZipMiddleware would hold the messages back).
        assert (response["Content-Type"], response["Content-Encoding"]) == ("text/event-stream; charset=utf-8",
                                                                           "identity")
        assert (response["Cache-Control"], response["X-Accel-Buffering"]) == ("no-cache", "no")
        assert (await _next(chunks)).startswith(RETRY)
        notify.deliver([PHU_MY, "25", "VN"])  # a sibling commune: nothing for Lâm Thao
        notify.deliver([LAM_THAO, "25", "VN"])
        message = _change(await _next(chunks))
        assert message["unit"] == LAM_THAO
        assert message["at"].endswith("+07:00")
        await _close(chunks)

    _run(scenario)


def test_an_ingest_reaches_the_stream_after_commit(officer, django_capture_on_commit_callbacks):
    def ingest():
        with django_capture_on_commit_callbacks(execute=True):
            ingest_dossier_events(Actor.system(), [accepted("LT-9", at("2026-09-01"), at("2026-09-10", "17:00"))])

    async def scenario():
        _, chunks = await _open(officer, "/live/08494/")
        await _next(chunks)
        started = time.monotonic()
        await sync_to_async(ingest)()  # with REDIS_URL set the notice comes back through the relay thread
        assert _change(await _next(chunks))["unit"] == LAM_THAO
        assert time.monotonic() - started < 1.0
        await _close(chunks)

    _run(scenario)


def test_notices_arriving_together_make_one_message(officer):
    async def scenario():
        _, chunks = await _open(officer, "/live/08494/")
        await _next(chunks)
        for _ in range(3):
            notify.deliver([LAM_THAO, "25", "VN"])
        assert _change(await _next(chunks))["unit"] == LAM_THAO
        with pytest.raises(TimeoutError):
            await _next(chunks, timeout=live.MIN_INTERVAL_SECONDS + 0.2)

    _run(scenario)


def test_heartbeat_comments_keep_the_connection(officer, monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.05)

    async def scenario():
        _, chunks = await _open(officer, "/live/08494/")
        await _next(chunks)
        assert await _next(chunks) == b": ping\n\n"
        await _close(chunks)

    _run(scenario)


def test_a_reconnect_after_a_missed_change_opens_with_a_catch_up(officer, monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.2)
    before_change = str(int(time.time() * 1000) - 1)
    live.change_log.record([LAM_THAO, "25", "VN"])
    after_change = str(int(time.time() * 1000) + 1)

    async def scenario():
        # Missed a change while away: one change at once.
        _, chunks = await _open(officer, "/live/08494/", **{"Last-Event-ID": before_change})
        assert (await _next(chunks)).startswith(RETRY)
        assert _change(await _next(chunks))["unit"] == LAM_THAO
        await _close(chunks)
        # Nothing changed since its last message: no catch-up, just the heartbeat.
        _, chunks = await _open(officer, "/live/08494/", **{"Last-Event-ID": after_change})
        await _next(chunks)
        assert await _next(chunks) == b": ping\n\n"
        await _close(chunks)
        # A process that started listening after the client's last message cannot vouch for the gap.
        _, chunks = await _open(officer, "/live/08494/", **{"Last-Event-ID": "1000"})
        await _next(chunks)
        assert _change(await _next(chunks))["unit"] == LAM_THAO
        await _close(chunks)

    _run(scenario)


HOSTILE_LAST_EVENT_IDS = ["1" * 400, "9" * 16, "abc", "-1", "nan", "inf", "1e999", "1.5", "0x10", "\xb9\xb2\xb3",
                          "x" * 5000, ""]  # headers arrive as Latin-1: superscript digits, not other scripts


@pytest.mark.parametrize("last_event_id", HOSTILE_LAST_EVENT_IDS, ids=lambda value: value[:12] or "empty")
def test_a_hostile_last_event_id_counts_as_absent(async_client, monkeypatch, last_event_id):
    """Unparseable, non-finite, negative or absurdly large ids: the stream starts from now (issue 9).

    The header is read inside the generator, after the 200 went out: an exception there is a traceback in the
    log and a dropped stream, so the stream must go on: no catch-up, just the heartbeat, then changes as usual.
    """
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.05)
    live.change_log.record(["VN"])  # a catch-up would be due for any real id sent before this moment

    async def scenario():
        _, chunks = await _open(async_client, "/live/public/", **{"Last-Event-ID": last_event_id})
        assert (await _next(chunks)).startswith(RETRY)
        assert await _next(chunks) == b": ping\n\n"
        notify.deliver(["VN"])
        assert _change(await _next(chunks))["unit"] == "VN"
        await _close(chunks)

    _run(scenario)


@pytest.mark.parametrize(
    ("last_event_id", "moment"),
    [("1786940000123", 1786940000.123), (" 1786940000123 ", 1786940000.123), ("0", 0.0),
     ("1" * 400, None), ("9" * 16, None), ("-1", None), ("nan", None), ("1e999", None), ("abc", None), ("", None),
     ("\uff11\uff12\uff13", None)],
)
def test_last_event_ids_are_read_as_times_or_not_at_all(last_event_id, moment):
    assert live._last_event_moment(last_event_id) == moment


def test_the_public_stream_follows_the_nation_without_login(async_client):
    async def scenario():
        _, chunks = await _open(async_client, "/live/public/")
        await _next(chunks)
        notify.deliver([LAM_THAO, "25", "VN"])
        assert _change(await _next(chunks))["unit"] == "VN"
        await _close(chunks)

    _run(scenario)


def test_streams_need_read_access(async_client):
    async def scenario():
        assert (await async_client.get("/live/08494/")).status_code == 403  # anonymous
        await async_client.aforce_login(await sync_to_async(make_user)("xa1", Role.COMMUNE_OFFICER, LAM_THAO))
        assert (await async_client.get("/live/08236/")).status_code == 403  # a sibling commune
        assert (await async_client.get("/live/25/")).status_code == 403  # its province
        assert (await async_client.get("/live/VN/")).status_code == 403
        assert (await async_client.get("/live/99999/")).status_code == 404

    _run(scenario)
