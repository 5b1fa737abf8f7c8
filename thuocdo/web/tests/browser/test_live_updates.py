"""An ingest reaches an open page without a reload within 1 s, also after the server dropped the stream."""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from thuocdo.web.tests.browser.conftest import LIVE_COMMUNE, log_in, record, screenshot, wait_until_live

pytestmark = pytest.mark.browser

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
# The "dossiers received" tiles: the contract's data-metric, or the pages' data-tile names.
RECEIVED_TILES = '[data-metric="dossier.received"], [data-tile="received"], [data-tile="received-today"]'

# Installed before an ingest: remembers the tiles' text and the moment (Date.now()) it first changes.
WATCH_TILES = """(selector) => {
  const text = () => [...document.querySelectorAll(selector)].map((e) => e.textContent.trim()).join(" | ");
  window.__tilesBefore = text();
  window.__tilesChangedAt = null;
  window.__notReloaded = true;
  const observer = new MutationObserver(() => {
    if (window.__tilesChangedAt === null && text() !== window.__tilesBefore) {
      window.__tilesChangedAt = Date.now();
      observer.disconnect();
    }
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  return window.__tilesBefore;
}"""


def _accepted_now(dossier: str) -> dict:
    now = datetime.now(ICT).replace(microsecond=0)
    return {"event_id": f"{dossier}/2", "dossier_code": dossier, "unit_code": LIVE_COMMUNE, "status": 2,
            "channel": 2, "occurred_at": (now - timedelta(minutes=1)).isoformat(),
            "due_at": (now + timedelta(days=5)).isoformat()}


def _ingest_and_time_the_update(page, site, dossier: str) -> float:
    """Ingest one accepted dossier through the API; ms from its 200 to the tiles' change on the page."""
    before = page.evaluate(WATCH_TILES, RECEIVED_TILES)
    assert before, "the page shows no 'dossiers received' tile"
    answer = site.ingest([_accepted_now(dossier)])
    acknowledged = time.time() * 1000
    assert (answer["accepted"], answer["duplicates"], answer["rejected"]) == (1, 0, [])
    page.wait_for_function("() => window.__tilesChangedAt !== null", timeout=5_000)
    assert page.evaluate("window.__notReloaded") is True  # the same document: no reload happened
    return page.evaluate("window.__tilesChangedAt") - acknowledged


def test_an_ingest_shows_on_the_commune_page_within_a_second(page, site):
    log_in(page, "lamthao")
    assert page.url == site.url(f"/u/{LIVE_COMMUNE}/")
    wait_until_live(page)
    page.wait_for_timeout(300)  # let the first fragments settle
    delays = []
    for n in range(3):
        # Apart by more than the stream's coalescing interval (0.5 s), so each change travels alone.
        page.wait_for_timeout(700)
        delays.append(_ingest_and_time_the_update(page, site, f"BT-LIVE-{n}"))
    screenshot(page, "commune-after-live-update")
    record("live update delay, API 200 → tile changed (ms, 3 ingests)", [round(d) for d in delays])
    assert max(delays) < 1000


def test_the_page_reconnects_after_the_server_drops_the_stream(page, site):
    log_in(page, "lamthao")
    wait_until_live(page)
    site.stop()  # the stream drops with the server
    started = time.monotonic()
    site.start()
    restarted = time.monotonic() - started
    wait_until_live(page, connections=2, timeout=15_000)  # EventSource retries by itself (retry: 3000)
    reconnected = time.monotonic() - started
    page.wait_for_timeout(500)  # the catch-up change after the reconnect reloads the fragments
    delay = _ingest_and_time_the_update(page, site, "BT-RECONNECT-1")
    screenshot(page, "commune-after-reconnect")
    record("reconnect after a server restart (s from stop: server up, stream reopened)",
           [round(restarted, 2), round(reconnected, 2)])
    record("live update delay after the reconnect (ms)", round(delay))
    assert delay < 1000
