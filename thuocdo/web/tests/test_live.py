"""The live change stream: one message per kind of change of its unit, heartbeats, catch-up, access, clean-up."""

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
from thuocdo.evaluation import score_rows
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
        return sum(map(len, notify._listeners.values()))


async def _next(chunks, timeout: float = 2.0) -> bytes:
    return await asyncio.wait_for(chunks.__anext__(), timeout)


def _change(chunk: bytes, kind: str = "figures") -> dict:
    head, data = chunk.decode().rstrip("\n").rsplit("\n", 1)
    event, message_id = head.split("\n")
    assert event == f"event: {kind}"
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


def test_a_score_refresh_reaches_the_stream_as_a_scores_event(officer, django_capture_on_commit_callbacks):
    """An ingest is a `figures` event; the refresh of the scores it marked (the refresher's job) a `scores` one."""

    def ingest():
        with django_capture_on_commit_callbacks(execute=True):
            ingest_dossier_events(Actor.system(), [accepted("LT-8", at("2026-09-01"), at("2026-09-10", "17:00"))])

    async def scenario():
        _, chunks = await _open(officer, "/live/08494/")
        await _next(chunks)
        await sync_to_async(ingest)()
        assert _change(await _next(chunks), "figures")["unit"] == LAM_THAO
        assert LAM_THAO in await sync_to_async(score_rows.refresh)()
        assert _change(await _next(chunks), "scores")["unit"] == LAM_THAO
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


def test_each_kind_of_notice_is_its_own_event_coalesced_on_its_own(officer):
    """Figures and scores are separate events (regions listen to what they show), each coalesced apart."""

    async def scenario():
        _, chunks = await _open(officer, "/live/08494/")
        await _next(chunks)
        notify.deliver([LAM_THAO, "25", "VN"], notify.FIGURES, 1789000000.123)
        assert _change(await _next(chunks), "figures") == {"unit": LAM_THAO, "at": "2026-09-10T07:26:40+07:00"}
        # A score notice right after still goes out at once: the interval is counted per kind.
        started = time.monotonic()
        notify.deliver([LAM_THAO, "25", "VN"], notify.SCORES, 1789000000.456)
        chunk = await _next(chunks)
        assert time.monotonic() - started < live.MIN_INTERVAL_SECONDS
        assert chunk.decode().split("\n")[1] == "id: 1789000000456"  # the publisher's time
        assert _change(chunk, "scores")["unit"] == LAM_THAO
        # Two more figures within the interval: one message, with the later time.
        notify.deliver([LAM_THAO], notify.FIGURES, 1789000001.0)
        notify.deliver([LAM_THAO], notify.FIGURES, 1789000002.0)
        chunk = await _next(chunks)
        assert chunk.decode().split("\n")[:2] == ["event: figures", "id: 1789000002000"]
        with pytest.raises(TimeoutError):  # the timeout cancels the stream, as a disconnect would
            await _next(chunks, timeout=live.MIN_INTERVAL_SECONDS + 0.2)

    _run(scenario)


def test_a_commune_hears_the_scores_of_its_province_but_not_its_figures(officer):
    """Any score in the province may move the commune's rank; its figures are the commune's own business."""

    async def scenario():
        _, chunks = await _open(officer, "/live/08494/")
        await _next(chunks)
        notify.deliver([PHU_MY, "25", "VN"], notify.FIGURES)
        notify.deliver(["25", "VN"], notify.SCORES)
        assert _change(await _next(chunks), "scores")["unit"] == LAM_THAO
        with pytest.raises(TimeoutError):  # the timeout cancels the stream, as a disconnect would
            await _next(chunks, timeout=0.3)

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
    # Pages whose pushes are slow hold notices back longer (`PACE_FACTOR`); here every page is quick.
    monkeypatch.setattr(live, "MAX_INTERVAL_SECONDS", live.MIN_INTERVAL_SECONDS)
    live.change_log.start()  # this process has listened since before the client's last message
    changed = time.time() + 1.0  # a publisher's time, after this process began listening
    before_change = str(int(changed * 1000) - 1)
    live.change_log.record([LAM_THAO, "25", "VN"], notify.FIGURES, changed)
    # Notices up to the coalescing interval before the client's last message count as maybe missed.
    after_change = str(int((changed + live.MAX_INTERVAL_SECONDS) * 1000) + 1)

    async def scenario():
        # Missed a change of figures while away: one figures event at once (no scores event: none missed).
        _, chunks = await _open(officer, "/live/08494/", **{"Last-Event-ID": before_change})
        assert (await _next(chunks)).startswith(RETRY)
        assert _change(await _next(chunks))["unit"] == LAM_THAO
        assert await _next(chunks) == b": ping\n\n"
        await _close(chunks)
        # Nothing changed since its last message: no catch-up, just the heartbeat.
        _, chunks = await _open(officer, "/live/08494/", **{"Last-Event-ID": after_change})
        await _next(chunks)
        assert await _next(chunks) == b": ping\n\n"
        await _close(chunks)
        # A process that started listening after the client's last message cannot vouch for the gap: both kinds.
        _, chunks = await _open(officer, "/live/08494/", **{"Last-Event-ID": "1000"})
        await _next(chunks)
        assert _change(await _next(chunks), "figures")["unit"] == LAM_THAO
        assert _change(await _next(chunks), "scores")["unit"] == LAM_THAO
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
        notify.deliver([LAM_THAO, "25", "VN"], notify.SCORES)
        assert _change(await _next(chunks), "scores")["unit"] == "VN"
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


def test_a_page_stream_pushes_the_html_of_the_regions_whose_data_changed(officer):
    """`?push=1&<choice>`: after a figures notice the stream carries the commune page's figure regions as HTML."""
    from thuocdo.evaluation.actions import load_frameworks

    load_frameworks(Actor.system())

    async def scenario():
        _response, chunks = await _open(officer, "/live/08494/?push=1&framework=qd766&period=2026-09")
        assert (await _next(chunks)).startswith(RETRY)
        notify.deliver([LAM_THAO, "25", "VN"])
        assert _change(await _next(chunks))["unit"] == LAM_THAO
        pushed = [(await _next(chunks, 10)).decode() for _ in range(6)]
        await _close(chunks)
        return pushed

    live.change_log.start()
    pushed = async_to_sync(scenario)()
    # Every region of a commune page shows figures: each arrives as `event: region-<name>`, HTML in data lines.
    assert [chunk.split("\n", 1)[0] for chunk in pushed] == [
        "event: region-tiles", "event: region-score", "event: region-load", "event: region-overdue",
        "event: region-trends", "event: region-alerts"]
    tiles = pushed[0]
    assert tiles.split("\n")[1].startswith('data: <section id="tiles"')
    assert 'sse-swap="region-tiles"' in tiles and tiles.endswith("\n\n")
    assert all(line.startswith("data: ") for line in tiles.rstrip("\n").split("\n")[1:])


def test_a_stream_without_push_or_with_an_impossible_choice_sends_no_html(officer):
    async def scenario():
        found = []
        for path in ("/live/08494/", "/live/08494/?push=1&period=9999-99"):
            _response, chunks = await _open(officer, path)
            await _next(chunks)
            notify.deliver([LAM_THAO, "25", "VN"])
            found.append(_change(await _next(chunks))["unit"])
            with pytest.raises(TimeoutError):
                await _next(chunks, 0.8)  # nothing after the change message (the wait's cancel ends the stream)
        return found

    _run(scenario)


@pytest.fixture
def central(async_client):
    async_client.force_login(make_user("tw1", Role.CENTRAL_VIEWER, "VN"))
    return async_client


def test_the_national_map_is_pushed_as_the_layers_of_the_provinces_that_changed(central, monkeypatch):
    """A change in Lâm Thao sends Phú Thọ's layer (its 148 dots, swapped in by id), not the country's map;
    two open national pages share each render: one computation per region and change, not one per page."""
    from thuocdo.evaluation.actions import load_frameworks

    load_frameworks(Actor.system())
    made: list[str] = []
    message, layers = live.Push.message, live.Push.layers_message
    monkeypatch.setattr(live.Push, "message", lambda self, name: made.append(name) or message(self, name))
    monkeypatch.setattr(live.Push, "layers_message",
                        lambda self, codes: made.append(f"layers {sorted(codes)}") or layers(self, codes))

    async def scenario():
        path = "/live/VN/?push=1&framework=qd766&period=2026-09"
        streams = [(await _open(central, path))[1] for _ in range(2)]
        for chunks in streams:
            assert (await _next(chunks)).startswith(RETRY)
        notify.deliver([LAM_THAO, "25", "VN"])
        got = []
        for chunks in streams:
            assert _change(await _next(chunks))["unit"] == "VN"
            got.append([(await _next(chunks, 10)).decode() for _ in range(4)])
        for chunks in streams:
            await _close(chunks)
        return got

    first, second = async_to_sync(scenario)()
    assert first == second
    assert [chunk.split("\n", 1)[0] for chunk in first] == [
        "event: region-tiles", "event: region-map-layers", "event: region-alerts", "event: region-provinces"]
    assert sorted(made) == ["alerts", f"layers ['{LAM_THAO}', '25', 'VN']", "provinces", "tiles"]
    layers = first[1].rstrip("\n").split("\n")[1:]
    assert all(line.startswith("data: ") for line in layers)
    assert layers[0].startswith('data: <svg hx-swap-oob="true" class="map-layer" id="map-layer-25" viewBox=')
    assert layers[0].count("<a href=") == 148
    assert layers[1].startswith('data: <p class="stamp" id="map-stamp" hx-swap-oob="true">cập nhật lúc <time')
    assert len(layers) == 2 and 'class="map"' not in first[1]


def test_a_stream_whose_pushes_are_slow_waits_longer_between_its_messages():
    """`pace`: after pushes that took 0.4 s, the next message of that kind waits 2 × 0.4 s, the other kind not."""

    async def scenario():
        queue = asyncio.Queue()
        pace = {notify.FIGURES: 0.8, notify.SCORES: live.MIN_INTERVAL_SECONDS}
        notices = live._coalesced(queue, pace)
        now = time.time()
        queue.put_nowait(live.Notice(notify.FIGURES, now, frozenset([LAM_THAO]), now))
        assert (await _next(notices)).kind == notify.FIGURES
        started = time.monotonic()
        queue.put_nowait(live.Notice(notify.FIGURES, now, frozenset([PHU_MY]), now))
        queue.put_nowait(live.Notice(notify.SCORES, now, frozenset([LAM_THAO]), now))
        assert (await _next(notices)).kind == notify.SCORES  # its own pace: first, though it was queued last
        second = await _next(notices, 5.0)
        return second, time.monotonic() - started

    second, waited = async_to_sync(scenario)()
    assert (second.kind, second.units) == (notify.FIGURES, frozenset([PHU_MY]))
    assert waited >= 0.8  # its pace, not MIN_INTERVAL_SECONDS (0.5)
