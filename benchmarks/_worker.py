"""Run one timed ingest inside a fresh Django process: `python -m benchmarks._worker MODE FILE`.

The database comes from DATABASE_URL; it must be migrated and hold the unit registry already.
Prints one JSON line: {"events": n, "seconds": s}.
"""

import json
import os
import sys
import time

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuocdo.settings")
    django.setup()
    from pathlib import Path

    from thuocdo.accounts.permissions import Actor
    from thuocdo.dossiers.actions import ingest_dossier_events
    from thuocdo.dossiers.readers import read_rows

    mode, path = sys.argv[1], Path(sys.argv[2])
    if mode != "file":
        raise SystemExit(f"unknown mode {mode}")
    started = time.perf_counter()
    summary = ingest_dossier_events(Actor.system(), read_rows(path))
    seconds = time.perf_counter() - started
    print(json.dumps({"events": summary.accepted + summary.duplicates + len(summary.rejected),
                      "accepted": summary.accepted, "seconds": seconds}))


if __name__ == "__main__":
    main()
