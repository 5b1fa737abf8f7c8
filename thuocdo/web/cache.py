"""Page figures cached for a minute, and dropped as soon as the unit they describe changes.

A key names what was computed (e.g. "tiles"), the unit, the framework version and the period(s),
and carries the moment this process last heard that the unit's figures changed (change notices
from `thuocdo.metrics.notify`): a notice makes the old entries unreachable, so the fragment a live
page re-fetches after `sse:change` is computed afresh, while a page nobody changes is computed at
most once a minute. Counts that move with the clock alone (pending → overdue) are at most
`TTL_SECONDS` old.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.utils import translation

from thuocdo.metrics import notify

TTL_SECONDS = 60
STALE_SECONDS = 600
# `watch=TIME_ONLY`: no notice names it, so the entry lives its full minute (the national commune map,
# whose 3,321 scores would otherwise be recomputed on every national change).
TIME_ONLY = "-"
T = TypeVar("T")

_lock = threading.Lock()
_changed: dict[str, float] = {}  # unit code → when this process last heard it changed (≤ 3,356 keys)
_listening = False


def _record(unit_codes: list[str]) -> None:
    now = time.time()
    with _lock:
        for code in unit_codes:
            _changed[code] = now


def _listen() -> None:
    global _listening
    if _listening:
        return
    with _lock:
        if _listening:
            return
        _listening = True
    notify.subscribe(_record)


def changed_at(unit_code: str) -> float:
    """When this process last heard of a change to the unit (0 if never)."""
    with _lock:
        return _changed.get(unit_code, 0.0)


def cached(what: str, unit_code: str, parts: tuple, compute: Callable[[], T], *, watch: str | None = None) -> T:
    """The value of `compute()`, kept `TTL_SECONDS` under (what, unit, parts, last change of `watch` or the unit).

    With `watch=TIME_ONLY` an expired value is still served for up to `STALE_SECONDS` while one
    background thread computes the next (the national map costs seconds; nobody should wait for it
    once it has been drawn).
    """
    _listen()
    # Cached values hold labels: the language is part of the key.
    language = translation.get_language()
    raw = "|".join(map(str, (what, unit_code, *parts, language, changed_at(watch or unit_code))))
    key = "thuocdo:web:" + hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()
    value = cache.get(key)
    if value is not None:
        return value
    if watch == TIME_ONLY:
        stale = cache.get(key + ":stale")
        if stale is not None:
            if cache.add(key + ":refreshing", 1, TTL_SECONDS):
                threading.Thread(target=_refresh, args=(key, compute, language), daemon=True).start()
            return stale
    return _store(key, compute(), stale=watch == TIME_ONLY)


def _store(key: str, value, *, stale: bool):
    cache.set(key, value, TTL_SECONDS)
    if stale:
        cache.set(key + ":stale", value, STALE_SECONDS)
    return value


def _refresh(key: str, compute: Callable[[], T], language: str) -> None:
    try:
        with translation.override(language):
            _store(key, compute(), stale=True)
    finally:
        cache.delete(key + ":refreshing")
        connection.close()  # this thread's own connection


def forget() -> None:
    """Drop every cached figure and change time (tests: each starts from a clean slate)."""
    with _lock:
        _changed.clear()
    cache.clear()
