"""The web layer's shared cache: page figures and rendered live regions, keyed by data versions.

Every change notice stamps a new data version per (kind, unit) in the shared cache before it goes
out (`thuocdo.metrics.notify`): FIGURES when a unit's stored figures moved, SCORES when its score rows
were recomputed. A cached value names what was computed, for which unit and choice, and the versions
of the data it shows; a notice therefore makes the old entries unreachable in every server process at
once, and an unchanged region keeps its key, its render and its ETag. Clock-driven content (the "at"
stamps, pending dossiers passing their due time) lives at most `TTL_SECONDS`; the date is in every key.

With REDIS_URL the cache is Redis (settings.CACHES) and every process reuses every other's renders;
`database_key` puts the database's name in each key, so test workers sharing one Redis database never
read each other's renders.
"""

from __future__ import annotations

import gzip
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import cachetools
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from thuocdo.evaluation import score_rows
from thuocdo.metrics import notify

FIGURES, SCORES = notify.FIGURES, notify.SCORES
TTL_SECONDS = 60
LAST_GOOD_SECONDS = 24 * 3600  # served when the database is too busy to build a region (`last_good`)
LOCK_SECONDS = 10  # a render holds its lock at most this long (the national map takes ~0.3 s)
WAIT_SECONDS = 5.0  # how long a request waits for another's render of the same region before its own
GENERATION_KEY = "thuocdo:web:generation"
T = TypeVar("T")


def database_key(key: str, key_prefix: str, version: int) -> str:
    """Django's cache key with the database's name in it (settings.CACHES' KEY_FUNCTION), read at call time."""
    return f"{key_prefix}:{version}:{notify.database_label()}:{key}"


def dependencies(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (kind, unit) versions a value depends on; where reads refresh the scores, FIGURES for SCORES.

    Without the refresher thread (tests, console, a plain runserver) a score moves when it is next read
    (`score_rows.READ_REFRESHES`): the marks come with a FIGURES notice, and the SCORES notice is sent
    by the read itself, in the middle of a render. The figures' version stands in for the scores', so
    that render is kept under the key it was taken for. (Units marked by `sweep_overdue` alone then
    wait for `TTL_SECONDS`.)
    """
    if score_rows.READ_REFRESHES:
        pairs = ((FIGURES if kind == SCORES else kind, code) for kind, code in pairs)
    return sorted(set(pairs))


def data_state(pairs: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """(generation, versions) for these dependencies, in one cache read."""
    pairs = dependencies(pairs)
    keys = [GENERATION_KEY, *(notify.version_key(kind, code) for kind, code in pairs)]
    got = cache.get_many(keys)
    versions = [f"{kind}:{code}={got.get(key, notify.NO_VERSION)}" for (kind, code), key in zip(pairs, keys[1:],
                                                                                              strict=True)]
    return str(got.get(GENERATION_KEY, "0")), ",".join(versions)


def _digest(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def cached(what: str, unit_code: str, parts: tuple, compute: Callable[[], T], *,
           kinds: Iterable[str] = (FIGURES,)) -> T:
    """The value of `compute()`, kept `TTL_SECONDS` under (what, unit, parts, language, the unit's versions).

    `kinds`: the notices that move it (FIGURES, SCORES); a value read from several units' data names the
    unit whose notices cover them all (a province for its communes, VN for the country).
    """
    key, versions = _data_key(what, unit_code, parts, kinds)
    value = _fresh(cache.get(key), versions)
    if value is None:
        value = compute()
        _keep(key, versions, value, TTL_SECONDS)
    return value


def peek(what: str, unit_code: str, parts: tuple, *, kinds: Iterable[str] = (FIGURES,)):
    """What `cached` would return without computing: the current value, or None."""
    key, versions = _data_key(what, unit_code, parts, kinds)
    return _fresh(cache.get(key), versions)


def _data_key(what: str, unit_code: str, parts: tuple, kinds: Iterable[str]) -> tuple[str, str]:
    generation, versions = data_state((kind, unit_code) for kind in kinds)
    # Cached values hold labels: the language is part of the key. The versions are not: a newer value
    # replaces the older one under the same key, so the cache holds one value per thing shown, however
    # many changes there were (keyed by version, a burst filled it with dead entries: 2.2 GB).
    return "thuocdo:web:data:" + _digest(generation, what, unit_code, *parts, translation.get_language()), versions


def _keep(key: str, version: str, value, timeout: int) -> None:
    # The lifetime is checked against the application's clock as well as the cache's own: Redis counts
    # real seconds, a test (time-machine) or a server's clock may not.
    cache.set(key, (time.time() + TTL_SECONDS, version, value), timeout)


def _fresh(entry: tuple[float, str, T] | None, version: str) -> T | None:
    """The value of an entry if it is of this data version and younger than TTL_SECONDS."""
    if entry is None:
        return None
    deadline, kept, value = entry
    return value if kept == version and time.time() < deadline else None


@dataclass(frozen=True)
class RenderKey:
    """Where a rendered region is kept: its identity (what is shown, to whom) and the data versions it shows."""

    identity: str
    version: str

    @property
    def html(self) -> str:
        """One entry per region shown: the latest render, with the data version it was drawn from."""
        return f"thuocdo:web:html:{self.identity}"

    @property
    def etag(self) -> str:
        return self.etag_of(self.version)

    def etag_of(self, version: str) -> str:
        # Weak: the same data may be drawn again after TTL_SECONDS with a later stamp (and gzip weakens it anyway).
        return f'W/"{self.identity[:16]}{version[:16]}"'


@dataclass(frozen=True)
class Rendered:
    """A region's HTML, and its gzip compressed once for every viewer (the national map: 390 KB → 60 KB,
    ≈ 5 ms of compression that twenty open pages would otherwise each pay after every change)."""

    html: str
    gzipped: bytes
    version: str = ""  # the data version it was drawn from
    at: float = 0.0  # when it was drawn (time.time())

    @classmethod
    def of(cls, html: str, version: str = "") -> Rendered:
        # No random filler against BREACH (GZipMiddleware's): a shared render holds no secret to guess.
        return cls(html, gzip.compress(html.encode(), compresslevel=6, mtime=0), version, time.time())


def render_key(region: str, unit_code: str, parts: tuple, audience: str,
               depends: Iterable[tuple[str, str]]) -> RenderKey:
    """The key of one region's render: region, unit, choice `parts`, date, language, audience, data versions."""
    generation, versions = data_state(depends)
    identity = _digest(generation, region, unit_code, *parts, timezone.localdate(), translation.get_language(),
                       audience)
    return RenderKey(identity, _digest(versions))


def render_once(key: RenderKey, render: Callable[[], str], *, allow_stale: bool = False) -> Rendered:
    """The region's HTML: stored, or rendered now and stored for every viewer (and as the last good one).

    Requests for the same missing render wait for the first one's (up to `WAIT_SECONDS`) instead of
    rendering it again: after a change every open page asks for its regions at the same moment.
    """
    local = _local_entry(key)
    done = _fresh(local, key.version)
    if done is not None:
        return done
    entry = cache.get(key.html)
    # A page or fragment request may get a render of slightly older data (its ETag says so, the next request
    # asks again); a push never does: nothing would follow it to correct the page.
    done = _fresh(entry, key.version)
    if done is not None:
        _keep_local(key, entry)
        return done
    done = (_recent(entry) or _recent(local)) if allow_stale else None
    if done is not None:
        return done
    lock = f"{key.html}:{key.version}:lock"
    mine = cache.add(lock, 1, LOCK_SECONDS)
    if not mine and allow_stale and settings.LIVE_MAX_STALE_SECONDS:
        # Another request is drawing this version: a page or fragment gets the latest render meanwhile if it
        # is younger than TTL_SECONDS (its ETag names its older version, so the next request asks again).
        # Waiting made every request for a national region queue behind one render under load.
        done = _drawn_within(entry, TTL_SECONDS) or _drawn_within(local, TTL_SECONDS)
        if done is not None:
            return done
    if not mine:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.02)
            if cache.has_key(lock):  # the lock alone: polling the render itself unpickled it 50 times a second
                continue
            entry = cache.get(key.html)
            done = _fresh(entry, key.version)
            if done is not None:
                _keep_local(key, entry)
                return done
            break  # the other render failed (a busy database): try ours rather than wait out the 5 s
    try:
        done = Rendered.of(render(), key.version)
        # Kept a day: past TTL_SECONDS or its version it is no longer served as current, but it stays the
        # last good render of the region (`last_good`).
        _keep(key.html, key.version, done, LAST_GOOD_SECONDS)
        _keep_local(key, (time.time() + TTL_SECONDS, key.version, done))
        return done
    finally:
        if mine:
            cache.delete(lock)


# The latest renders, also kept in this process as objects: the shared cache pickles every value (LocMem
# too), and the national map's render is 450 KB to unpickle for each page and push that shows it. An entry
# is served only under the data version it was drawn from, like the shared one.
LOCAL_RENDERS = 128
_local = cachetools.LRUCache(maxsize=LOCAL_RENDERS)
_local_lock = threading.Lock()


def _local_entry(key: RenderKey):
    with _local_lock:
        return _local.get((notify.database_label(), key.html))


def _keep_local(key: RenderKey, entry) -> None:
    with _local_lock:
        _local[(notify.database_label(), key.html)] = entry


def is_current(key: RenderKey) -> bool:
    """Whether the region's render of this data version is stored (nothing is drawn)."""
    return (_fresh(_local_entry(key), key.version) or _fresh(cache.get(key.html), key.version)) is not None


def _drawn_within(entry, seconds: float) -> Rendered | None:
    if entry is None:
        return None
    done = entry[2]
    return done if time.time() - done.at < seconds else None


def _recent(entry) -> Rendered | None:
    """A render of older data still served while it is younger than `settings.LIVE_MAX_STALE_SECONDS`.

    A region of the nation moves with every change in the country — several a second at 16:00 — and the
    national map costs ~0.4 s to draw: drawn at most once a second, an open page still shows every fact
    within the second the issue allows, and the server's work no longer grows with the changes.
    """
    if not settings.LIVE_MAX_STALE_SECONDS:
        return None
    return _drawn_within(entry, settings.LIVE_MAX_STALE_SECONDS)


def last_good(key: RenderKey) -> str | None:
    """The last render of this region whatever its data version (kept a day): for when the database is busy."""
    entry = cache.get(key.html)
    return None if entry is None else entry[2].html


def forget() -> None:
    """Make every cached figure and render unreachable (tests: each starts from a clean slate).

    A new generation rather than `cache.clear()`: with Redis that would empty the database other
    test workers (and server processes) are using.
    """
    cache.set(GENERATION_KEY, secrets.token_hex(8), None)
    with _local_lock:
        _local.clear()
