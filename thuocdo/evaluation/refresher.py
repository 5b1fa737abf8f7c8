"""The score refresher: one background thread per server process that keeps the score rows current.

Started by `thuocdo serve` (through `thuocdo.asgi` when THUOCDO_REFRESHER=1). It wakes on every
FIGURES notice (and every `IDLE_SECONDS` regardless, for marks written by console commands and for
dossiers falling due with the clock), waits `DEBOUNCE_SECONDS` so a burst of notices is served by
one refresh, and runs `score_rows.refresh()` until no mark is left. With several server processes
(REDIS_URL), a Redis lock lets one of them refresh at a time; the others find the marks served.
On start and when the date changes it fills the hot periods that have no rows yet (`warm`), so the
first page of the day is not the one that pays for scoring the country.

While it runs, reads no longer refresh before they read (`score_rows.READ_REFRESHES = False`): a page
is served the rows as they are, at most one refresh (≈ 0.1–0.5 s) behind the fact.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from thuocdo.evaluation import score_rows
from thuocdo.evaluation.models import Score
from thuocdo.metrics import changes, notify

logger = logging.getLogger(__name__)

# After a lone change the open pages are pushed their figures first (≈ 0.1–0.4 s of rendering); the
# refresh waits that long, so its scoring does not share the CPU with them and the scores still follow
# within about a second.
DEBOUNCE_SECONDS = 0.3
# A refresh costs about the same for 3 marked units as for 300 (a few bulk reads per period): under a
# burst, refreshes start at most this often, each serving every mark gathered meanwhile, so the thread
# takes a bounded share of the CPU (at most ~0.4 s of every second with the demo data; issue 10's burst
# benchmark) and scores follow the facts within about a second.
MIN_INTERVAL_SECONDS = 1.0
IDLE_SECONDS = 15.0
LOCK_NAME = "thuocdo:scores:refresh"
LOCK_SECONDS = 300

_warmers: list[Callable[[], object]] = []

_wake = threading.Event()
_stop = threading.Event()
_thread: threading.Thread | None = None
_start_lock = threading.Lock()
_unsubscribe = None


def start() -> bool:
    """Start the refresher thread in this process (once); returns True if it was started now."""
    global _thread, _unsubscribe
    with _start_lock:
        if _thread is not None and _thread.is_alive():
            return False
        score_rows.READ_REFRESHES = False
        _stop.clear()
        _unsubscribe = notify.subscribe(lambda _units: _wake.set(), notify.FIGURES)
        _wake.set()  # the first round (and its warm-up) at once, not after IDLE_SECONDS
        _thread = threading.Thread(target=_run, name="thuocdo-score-refresher", daemon=True)
        _thread.start()
        return True


def stop(timeout: float = 10) -> None:
    """Stop the thread and let reads refresh again (tests; a server simply exits)."""
    global _thread
    with _start_lock:
        if _thread is None:
            return
        _stop.set()
        _wake.set()
        _thread.join(timeout)
        _thread = None
        if _unsubscribe:
            _unsubscribe()
        score_rows.READ_REFRESHES = True


def after_warm(warmer: Callable[[], object]) -> None:
    """Call `warmer()` in the refresher's thread once the day's score rows are filled (at start, and when
    the date changes): the web app draws its default pages ahead (`thuocdo.web.warmup`)."""
    if warmer not in _warmers:
        _warmers.append(warmer)


def _warm_all() -> None:
    with _locked() as mine:
        if mine:
            warm(between=run_once)
    for warmer in _warmers:
        if _stop.is_set():
            return
        try:
            warmer()
        except Exception:  # a page that cannot be drawn ahead is drawn for its first visitor instead
            logger.exception("Warming %r failed", warmer)
        finally:
            close_old_connections()


def _run() -> None:
    day = None
    started = 0.0
    while not _stop.is_set():
        _wake.wait(IDLE_SECONDS)
        if _stop.is_set():
            break
        time.sleep(max(DEBOUNCE_SECONDS, started + MIN_INTERVAL_SECONDS - time.monotonic()))
        started = time.monotonic()
        _wake.clear()
        try:
            close_old_connections()
            run_once()
            today = timezone.localdate()
            if today != day:
                _warm_all()
                if not _stop.is_set():
                    day = today
        except Exception:  # the thread must outlive a database restart or a bad row; the marks stay
            logger.exception("Score refresh failed; the marked units are retried at the next wake")
            time.sleep(1)
        finally:
            close_old_connections()


def run_once() -> int:
    """Refresh until no mark is left (or another process holds the lock); returns the units refreshed."""
    done = 0
    with _locked(reentrant=True) as mine:
        if not mine:
            _wake.set()  # marks may be left when the other process finishes: look again shortly
            time.sleep(0.2)
            return 0
        while True:
            score_rows.sweep_overdue()
            if not changes.pending():
                break
            done += len(score_rows.refresh())
    return done


def warm(between=None) -> int:
    """Score every unit for each hot period of each kept framework that has no rows yet; returns rows written.

    `between` runs after each step (the refresher serves the marks that arrived meanwhile, so a warm-up
    of the whole country never holds back a live change by more than one step).
    """
    today = timezone.localdate()
    written = 0
    for framework in score_rows.kept_frameworks(today):
        for period in score_rows.hot_periods(today):
            if _stop.is_set():
                return written
            if between:
                between()
            if not Score.objects.filter(framework_code=framework.code, version=framework.version,
                                        start=period.start, end=period.end).exists():
                written += score_rows.rebuild([period], [framework])
    if written:
        logger.info("Score rows warmed: %s rows for %s", written, today)
    return written


_held = threading.local()


@contextlib.contextmanager
def _locked(reentrant: bool = False):
    """Hold the refresh lock: Redis across processes when configured, else this process only.

    `reentrant`: inside a block that already holds it (a warm-up serving marks between its steps), go on.
    """
    if not settings.REDIS_URL or (reentrant and getattr(_held, "lock", False)):
        yield True
        return
    lock = notify._redis_client().lock(LOCK_NAME, timeout=LOCK_SECONDS)
    mine = lock.acquire(blocking=False)
    _held.lock = mine
    try:
        yield mine
    finally:
        _held.lock = False
        if mine:
            with contextlib.suppress(Exception):
                lock.release()
