"""Run one timed ingest inside a fresh Django process: `python -m benchmarks._worker MODE ARGS`.

    file FILE          ingest FILE as `thuocdo ingest dossier-events` does; prints {"events", "seconds"}
    capture FILE OUT   the same, recording every bulk SQL call of the pipeline, per transaction, into
                       OUT (its timing is not used: keeping every call's rows costs memory)
    replay OUT         run the recorded calls alone, with no validation or classification in between;
                       prints {"seconds"}: the floor the database sets for this design

The database comes from DATABASE_URL; it must be migrated and hold the unit registry already.
"""

import json
import os
import pickle
import sys
import time
from types import GeneratorType

import django

# The pipeline's bulk SQL: every write and read of a batch goes through one of these.
CALLS = {
    "thuocdo.dossiers.pipeline": ("insert_returning_new", "select_existing", "upsert_replace", "update_by_id"),
    "thuocdo.metrics.rollup": ("upsert_add",),
}


def ingest(path):
    from thuocdo.accounts.permissions import Actor
    from thuocdo.dossiers.actions import ingest_dossier_events_from
    from thuocdo.dossiers.feeder import file_source

    started = time.perf_counter()
    # The path `thuocdo ingest dossier-events FILE` takes: 50,000-event batches, read by a feeder process.
    summary, _ = ingest_dossier_events_from(Actor.system(), file_source(path))
    return summary, time.perf_counter() - started


def capture(path, out):
    import importlib

    from thuocdo.dossiers import actions

    batches: list[list] = []

    def recording(name, real):
        def recorder(*args):
            args = tuple(list(a) if isinstance(a, GeneratorType) else a for a in args)
            result = real(*args)
            # What the replay must reproduce: rows inserted, rows updated (ids must match).
            batches[-1].append((name, args, len(result) if name == "insert_returning_new" else result))
            return result

        return recorder

    for module_name, names in CALLS.items():
        module = importlib.import_module(module_name)
        for name in names:
            setattr(module, name, recording(name, getattr(module, name)))
    real_apply = actions.apply_batch

    def apply_batch(events, now):
        batches.append([])
        return real_apply(events, now)

    actions.apply_batch = apply_batch
    result = ingest(path)
    with open(out, "wb") as handle:
        pickle.dump(batches, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return result


def replay(out) -> float:
    from django.db import transaction

    from thuocdo import db

    with open(out, "rb") as handle:
        batches = pickle.load(handle)
    started = time.perf_counter()
    for calls in batches:
        with transaction.atomic():
            for name, args, expected in calls:
                result = getattr(db, name)(*args)
                if name == "insert_returning_new":
                    result = len(result)
                if name in ("insert_returning_new", "update_by_id") and result != expected:
                    raise SystemExit(f"replay differs from the run: {name} gave {result}, the run {expected}")
    return time.perf_counter() - started


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuocdo.settings")
    django.setup()
    from pathlib import Path

    mode, args = sys.argv[1], sys.argv[2:]
    if mode in ("file", "capture"):
        summary, seconds = ingest(Path(args[0])) if mode == "file" else capture(Path(args[0]), Path(args[1]))
        print(json.dumps({"events": summary.accepted + summary.duplicates + len(summary.rejected),
                          "accepted": summary.accepted, "seconds": seconds}))
    elif mode == "replay":
        print(json.dumps({"seconds": replay(Path(args[0]))}))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
