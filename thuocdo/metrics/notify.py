"""Change notices: after a commit, say which units' figures moved (live pages subscribe).

In-process by default (subscribers in the same server process); Redis pub/sub when
REDIS_URL is set, so every server process and worker sees every change.

Two kinds of notice, each with its own listeners:
  FIGURES  the stored figures of these units moved (dossier events, metric values): sent after the
           writing transaction commits
  SCORES   the maintained score rows of these units were recomputed (`evaluation.score_rows`): sent
           by the score refresher once their new rows are committed

Each notice carries the publisher's time (`at`) and, before it goes out, stamps a new data version
per (kind, unit) in the shared cache (`version_key`): live pages key their rendered regions by these
versions, so every server process agrees on what changed without having heard the notice itself,
and a page that re-fetches a region after the notice can never be handed the render from before it.

Notices and version keys name the database (`database_label`): processes serving one database share
them; test workers, each with its own database on one Redis, ignore each other's notices.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

CHANNEL = "thuocdo:changes"
logger = logging.getLogger(__name__)
FIGURES = "figures"
SCORES = "scores"
KINDS = (FIGURES, SCORES)
Listener = Callable[..., None]  # listener(unit_codes), or listener(unit_codes, at) when subscribed with_time
NO_VERSION = "0"  # a unit no notice has named (or whose stamp was lost): its renders are keyed "0"

_listeners: dict[str, list[tuple[Listener, bool]]] = {kind: [] for kind in KINDS}
_lock = threading.Lock()
_redis = None


_bridge: threading.Thread | None = None
_bridge_ready = threading.Event()


def subscribe(listener: Listener, kind: str = FIGURES, *, with_time: bool = False) -> Callable[[], None]:
    """Call `listener(unit_codes)` for each change notice of this kind; returns an unsubscribe function.

    With `with_time`, `listener(unit_codes, at)`: `at` is the publisher's time (seconds since the epoch),
    the same in every process. With Redis, the first subscription in a process starts one background
    thread that relays the channel's messages to this process's listeners.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    entry = (listener, with_time)
    with _lock:
        _listeners[kind].append(entry)
    if settings.REDIS_URL:
        _start_bridge()

    def unsubscribe() -> None:
        with _lock:
            if entry in _listeners[kind]:
                _listeners[kind].remove(entry)

    return unsubscribe


def database_label() -> str:
    """A short name of the database this process serves (12 hex digits of a hash of its name).

    An in-memory SQLite database (the test suite's) exists in one process only, and has the same name
    in every process: the process id is added.
    """
    return _label(str(connection.settings_dict.get("NAME") or ""), os.getpid())


@functools.lru_cache(maxsize=16)  # one name per database a process serves (tests: a few); every cache key asks
def _label(name: str, pid: int) -> str:
    if not name or name == ":memory:" or "mode=memory" in name:
        name = f"{name}@{pid}"
    return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:12]


def version_key(kind: str, unit_code: str) -> str:
    """The cache key of a unit's data version for one kind of notice (NO_VERSION until a notice names it)."""
    return f"thuocdo:notice:{kind}:{unit_code}"


def _redis_client():
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(settings.REDIS_URL)
    return _redis


def _start_bridge() -> None:
    global _bridge
    with _lock:
        if _bridge is not None and _bridge.is_alive():
            return
        _bridge_ready.clear()
        _bridge = threading.Thread(target=_relay, name="thuocdo-redis-notices", daemon=True)
        _bridge.start()
    # Pub/sub keeps nothing for late subscribers: return once the channel is really subscribed.
    _bridge_ready.wait(timeout=5)


def _relay() -> None:
    """Relay the Redis channel to this process's listeners; reconnect after a dropped connection."""
    import redis

    while settings.REDIS_URL:
        try:
            pubsub = _redis_client().pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(CHANNEL)
            pubsub.get_message(timeout=1)  # the subscribe confirmation: we are listening from here on
            _bridge_ready.set()
            for message in pubsub.listen():
                try:
                    notice = json.loads(message["data"])
                    # Read now, not when the relay started: a test process switches to its test database.
                    if notice.get("db", database_label()) != database_label():
                        continue  # another database's notice (test workers share one Redis)
                    at = notice.get("at")
                    deliver(notice["units"], notice.get("kind", FIGURES), float(at) if at is not None else None)
                except (ValueError, KeyError, TypeError):
                    continue  # a foreign or malformed message on our channel is not ours to act on
        except (redis.ConnectionError, ValueError, OSError):
            time.sleep(1)  # Redis restarted or the network dropped: subscribe again


def deliver(unit_codes: list[str], kind: str = FIGURES, at: float | None = None) -> None:
    """Hand a notice to this process's listeners (also called by the Redis relay).

    One failing listener (a page whose event loop has closed, say) must not keep the notice
    from the others, nor kill the relay thread: its error is logged and the rest go on.
    """
    at = time.time() if at is None else at
    with _lock:
        listeners = list(_listeners.get(kind, ()))
    for listener, with_time in listeners:
        try:
            if with_time:
                listener(unit_codes, at)
            else:
                listener(unit_codes)
        except Exception:
            logger.exception("Change-notice listener %r failed", listener)


def _stamp(unit_codes: list[str], kind: str, at: float) -> None:
    """Give each unit a new data version of this kind, before anyone can hear of the change.

    A random part makes each version unique (two notices in one millisecond, or under a frozen test
    clock); no expiry: 3,356 units × 2 kinds is a few hundred KB. A cache that is down must not turn
    a committed write into an error: the pages then fall back on their renders' one-minute lifetime.
    """
    version = f"{int(at * 1000)}.{secrets.token_hex(4)}"
    try:
        cache.set_many({version_key(kind, code): version for code in unit_codes}, timeout=None)
    except Exception:
        logger.exception("Could not stamp the data versions of a %s notice", kind)


def _send(unit_codes: list[str], kind: str = FIGURES) -> None:
    at = time.time()
    _stamp(unit_codes, kind, at)
    if settings.REDIS_URL:
        notice = {"units": unit_codes, "kind": kind, "at": at, "db": database_label()}
        _redis_client().publish(CHANNEL, json.dumps(notice))
    else:
        deliver(unit_codes, kind, at)


def publish(unit_codes: Iterable[str], kind: str) -> None:
    """Send a notice now (the caller's writes are already committed)."""
    codes = sorted(set(unit_codes))
    if codes:
        _send(codes, kind)


def publish_after_commit(unit_codes: Iterable[str], kind: str = FIGURES) -> None:
    """Queue a change notice for these units, sent only once the current transaction commits."""
    codes = sorted(set(unit_codes))
    if codes:
        transaction.on_commit(lambda: _send(codes, kind))
