"""A file ingest killed with SIGKILL between commits, then run again, ends exactly as one clean run.

Real processes against real SQLite files: `thuocdo migrate` and `thuocdo load_units` once into a
template database, copied for each run; `thuocdo ingest dossier-events` is killed as soon as its
first batches are committed.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from thuocdo.dossiers.models import Dossier, DossierEvent
from thuocdo.dossiers.tests.factories import accepted, at, stream
from thuocdo.metrics.models import MetricValue

EVENTS, DOSSIERS, METRICS = DossierEvent._meta.db_table, Dossier._meta.db_table, MetricValue._meta.db_table
# Ten events per transaction: hundreds of commits, so the kill lands between the first and the last.
KILL_BATCH = "10"


def _command() -> list[str]:
    script = Path(sys.executable).with_name("thuocdo")
    return [str(script)] if script.exists() else [sys.executable, "-m", "thuocdo.cli"]


def thuocdo(db: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the `thuocdo` console command against the SQLite file `db`; fail on a non-zero exit."""
    return subprocess.run([*_command(), *args], env=_env(db), capture_output=True, text=True, timeout=300, check=True)


def _env(db: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{db}", DJANGO_SETTINGS_MODULE="thuocdo.settings")
    return env


@pytest.fixture(scope="module")
def template_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("kill-resume") / "template.sqlite3"
    thuocdo(db, "migrate", "--no-input", "-v", "0")
    thuocdo(db, "load_units")
    return db


def copy_of(template: Path, target: Path) -> Path:
    with sqlite3.connect(template) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return target


def count(db: Path, table: str) -> int:
    with sqlite3.connect(db, timeout=10) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def feeders_of(db: Path) -> list[int]:
    """Live processes started for an ingest into `db` (spawned children inherit its DATABASE_URL)."""
    wanted = f"DATABASE_URL=sqlite:///{db}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        try:
            alive = proc.name.isdigit() and (proc / "stat").read_text().split(") ")[1][0] != "Z"
            if alive and wanted in (proc / "environ").read_bytes().split(b"\0"):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def store(db: Path) -> tuple[list, list]:
    """Every non-zero metric row and every dossier's derived state."""
    with sqlite3.connect(db) as connection:
        metrics = connection.execute(
            f"SELECT province_code, unit_code, metric, procedure_code, grain, start, value FROM {METRICS} "
            "WHERE value != 0 ORDER BY 1, 2, 3, 4, 5, 6"
        ).fetchall()
        dossiers = connection.execute(
            f"SELECT province_code, dossier_code, unit_code, procedure_code, channel, accepted_at, due_at, "
            f"extended_due_at, supplements, ended_at, end_status, outcome FROM {DOSSIERS} ORDER BY 1, 2"
        ).fetchall()
    return metrics, dossiers


def test_a_killed_file_ingest_run_again_ends_like_one_clean_run(template_db, tmp_path):
    rows = stream(1000, seed=21)
    # Three replays and two malformed rows, as a real export has.
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines[100:100] = [lines[3], json.dumps({**rows[7], "status": "hai"})]
    lines[2000:2000] = [lines[1500], "{khong phai json", lines[2500]]
    events_file = tmp_path / "su-kien.jsonl"
    events_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    unique = len(rows)

    killed_db = copy_of(template_db, tmp_path / "killed.sqlite3")
    process = subprocess.Popen(
        [*_command(), "ingest", "dossier-events", str(events_file), "--json", "--batch-size", KILL_BATCH],
        env=_env(killed_db), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while count(killed_db, EVENTS) == 0:
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "no batch committed in 120 s"
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    # The process reading the file for it (dossiers/feeder.py) notices and exits too.
    deadline = time.monotonic() + 30
    while feeders_of(killed_db):
        assert time.monotonic() < deadline, f"feeder still running: {feeders_of(killed_db)}"
        time.sleep(0.05)

    committed = count(killed_db, EVENTS)
    assert 0 < committed < unique
    with sqlite3.connect(killed_db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    resumed = json.loads(thuocdo(killed_db, "ingest", "dossier-events", str(events_file), "--json").stdout)
    clean_db = copy_of(template_db, tmp_path / "clean.sqlite3")
    clean = json.loads(thuocdo(clean_db, "ingest", "dossier-events", str(events_file), "--json").stdout)

    rejected = [(r["index"], r["errors"]) for r in clean["rejected"]]
    assert rejected == [
        (101, ["status: phải là số nguyên"]),
        (2001, ["event: dòng 2002 không phải JSON hợp lệ (cột 2: unexpected character, expected a string key)"]),
    ]
    assert (clean["accepted"], clean["duplicates"]) == (unique, 3)
    assert (resumed["accepted"], resumed["duplicates"]) == (unique - committed, committed + 3)
    assert [(r["index"], r["errors"]) for r in resumed["rejected"]] == rejected
    assert count(killed_db, EVENTS) == count(clean_db, EVENTS) == unique

    killed_store, clean_store = store(killed_db), store(clean_db)
    assert killed_store == clean_store
    assert len(clean_store[1]) == 1000
    assert thuocdo(killed_db, "metrics", "check").stdout == "Kho số liệu khớp với dữ liệu gốc.\n"
    show = ("metrics", "show", "--unit", "VN", "--from", "2026-08-01", "--to", "2026-10-31", "--json")
    assert json.loads(thuocdo(killed_db, *show).stdout) == json.loads(thuocdo(clean_db, *show).stdout)


def test_a_finished_file_run_again_is_all_duplicates_and_check_exits_1_on_a_wrong_row(template_db, tmp_path):
    events_file = tmp_path / "su-kien.jsonl"
    row = accepted("HS-1", at("2026-09-01"), at("2026-09-04", "17:00"))
    events_file.write_text(json.dumps(row) + "\n", encoding="utf-8")
    db = copy_of(template_db, tmp_path / "db.sqlite3")

    first = thuocdo(db, "ingest", "dossier-events", str(events_file), "--json")
    again = thuocdo(db, "ingest", "dossier-events", str(events_file), "--json")

    assert json.loads(first.stdout) == {"accepted": 1, "duplicates": 0, "rejected": []}
    assert json.loads(again.stdout) == {"accepted": 0, "duplicates": 1, "rejected": []}
    assert (count(db, EVENTS), count(db, DOSSIERS)) == (1, 1)

    # `metrics check` exits 1 and prints the mismatch once a derived row is wrong.
    with sqlite3.connect(db) as connection:
        connection.execute(f"UPDATE {METRICS} SET value = 5 WHERE unit_code = 'VN' AND grain = 'm'")
    checked = subprocess.run([*_command(), "metrics", "check"], env=_env(db), capture_output=True, text=True,
                             timeout=300)
    assert (checked.returncode, checked.stdout) == (1, "/VN/dossier.received//m/2026-09-01: lưu 5, tính lại 1\n"
                                                       "/VN/dossier.received.direct//m/2026-09-01: lưu 5, tính lại 1\n"
                                                       "/VN/dossier.sync.known//m/2026-09-01: lưu 5, tính lại 1\n")
    assert checked.stderr == "CommandError: Kho số liệu lệch với dữ liệu gốc (3 sai lệch đầu tiên ở trên).\n"
