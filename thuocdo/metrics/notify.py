"""Change notices: after a commit, say which units' figures moved (live pages subscribe).

In-process by default (subscribers in the same server process); Redis pub/sub when
REDIS_URL is set, so every server process and worker sees every change.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction

CHANNEL = "thuocdo:changes"
logger = logging.getLogger(__name__)
Listener = Callable[[list[str]], None]

_listeners: list[Listener] = []
_lock = threading.Lock()
_redis = None


_bridge: threading.Thread | None = None
_bridge_ready = threading.Event()


def subscribe(listener: Listener) -> Callable[[], None]:
    """Call `listener(unit_codes)` for each change notice; returns an unsubscribe function.

    With Redis, the first subscription in a process starts one background thread that relays
    the channel's messages to this process's listeners.
    """
    with _lock:
        _listeners.append(listener)
    if settings.REDIS_URL:
        _start_bridge()

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe


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
                    deliver(json.loads(message["data"])["units"])
                except (ValueError, KeyError, TypeError):
                    continue  # a foreign or malformed message on our channel is not ours to act on
        except (redis.ConnectionError, ValueError, OSError):
            time.sleep(1)  # Redis restarted or the network dropped: subscribe again


def deliver(unit_codes: list[str]) -> None:
    """Hand a notice to this process's listeners (also called by the Redis relay).

    One failing listener (a page whose event loop has closed, say) must not keep the notice
    from the others, nor kill the relay thread: its error is logged and the rest go on.
    """
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(unit_codes)
        except Exception:
            logger.exception("Change-notice listener %r failed", listener)


def _send(unit_codes: list[str]) -> None:
    if settings.REDIS_URL:
        _redis_client().publish(CHANNEL, json.dumps({"units": unit_codes}))
    else:
        deliver(unit_codes)


def publish_after_commit(unit_codes: Iterable[str]) -> None:
    """Queue a change notice for these units, sent only once the current transaction commits."""
    codes = sorted(set(unit_codes))
    if codes:
        transaction.on_commit(lambda: _send(codes))
