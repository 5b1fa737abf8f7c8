"""Ingest benchmark: events/s into SQLite and PostgreSQL, over HTTP, against the raw database speed.

    .venv/bin/python benchmarks/ingest.py --scale 0.05 --days 7 --seed 1

One simulated stream (`thuocdo simulate --out`), then, on the same rows:
  raw SQLite     executemany of the rows + a counter upsert per (unit, day, status), no validation
  raw PostgreSQL COPY of the rows + the same counter upsert (INSERT … SELECT … ON CONFLICT)
  file SQLite    `thuocdo ingest dossier-events FILE`'s path (feeder process, validation, on-time engine,
                 metric store), recording the bulk SQL it runs
  SQL alone      that recorded SQL replayed into a fresh database with nothing in between: the most
                 any Python speed-up could reach with this schema
  file PostgreSQL the same two into PostgreSQL
  API            POST /api/v1/dossier-events in batches of 1,000 over HTTP to `thuocdo serve` (SQLite)
Not a test: it prints figures for the README.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_URL = os.environ.get("BENCH_PG", "postgres://root@127.0.0.1:5432/postgres")


def run(args: list[str], env: dict, **kw) -> str:
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True, cwd=ROOT, **kw).stdout


def django_env(database_url: str) -> dict:
    """Production settings: DEBUG would wrap every SQL statement in Django's query logger."""
    return {**os.environ, "DEBUG": "0", "SECRET_KEY": "benchmark-only", "DATABASE_URL": database_url}


def prepare(database_url: str) -> dict:
    env = django_env(database_url)
    run([str(BIN / "thuocdo"), "migrate", "-v", "0"], env)
    run([str(BIN / "thuocdo"), "load_units"], env)
    return env


def load_rows(path: Path) -> list[tuple]:
    rows = []
    with path.open() as handle:
        for line in handle:
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                continue
            rows.append((r.get("source"), str(r.get("event_id")), r.get("dossier_code"), r.get("unit_code"),
                         str(r.get("status")), r.get("occurred_at"), r.get("due_at"), str(r.get("occurred_at"))[:10]))
    return rows


def raw_sqlite(rows: list[tuple], workdir: Path) -> float:
    db = sqlite3.connect(workdir / "raw.sqlite3")
    db.executescript("""
        PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
        CREATE TABLE events (source TEXT, event_id TEXT, dossier_code TEXT, unit_code TEXT, status TEXT,
                             occurred_at TEXT, due_at TEXT, day TEXT, UNIQUE (source, event_id));
        CREATE TABLE counters (unit_code TEXT, day TEXT, status TEXT, n INTEGER, UNIQUE (unit_code, day, status));
    """)
    started = time.perf_counter()
    for i in range(0, len(rows), 5000):
        part = rows[i : i + 5000]
        with db:
            db.executemany("INSERT OR IGNORE INTO events VALUES (?,?,?,?,?,?,?,?)", part)
            db.executemany(
                "INSERT INTO counters VALUES (?,?,?,1) ON CONFLICT (unit_code, day, status) DO UPDATE SET n = n + 1",
                [(r[3], r[7], r[4]) for r in part],
            )
    return time.perf_counter() - started


def raw_postgres(rows: list[tuple]) -> float:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS thuocdo_bench_raw")
        admin.execute("CREATE DATABASE thuocdo_bench_raw")
    url = PG_URL.rsplit("/", 1)[0] + "/thuocdo_bench_raw"
    with psycopg.connect(url) as db:
        db.execute("""CREATE TABLE events (source text, event_id text, dossier_code text, unit_code text,
                      status text, occurred_at text, due_at text, day text, UNIQUE (source, event_id))""")
        db.execute("CREATE TABLE counters (unit_code text, day text, status text, n bigint, "
                   "UNIQUE (unit_code, day, status))")
        db.commit()
        started = time.perf_counter()
        for i in range(0, len(rows), 5000):
            part = rows[i : i + 5000]
            with db.transaction():
                db.execute("CREATE TEMP TABLE batch (LIKE events) ON COMMIT DROP")
                with db.cursor().copy("COPY batch FROM STDIN") as copy:
                    for r in part:
                        copy.write_row(r)
                db.execute("INSERT INTO events SELECT * FROM batch ON CONFLICT DO NOTHING")
                db.execute("""INSERT INTO counters SELECT unit_code, day, status, count(*) FROM batch
                              GROUP BY 1, 2, 3 ON CONFLICT (unit_code, day, status) DO UPDATE
                              SET n = counters.n + excluded.n""")
        seconds = time.perf_counter() - started
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS thuocdo_bench_raw")
    return seconds


def worker(env: dict, *args: str) -> dict:
    out = run([sys.executable, "-m", "benchmarks._worker", *args], env)
    return json.loads(out.strip().splitlines()[-1])


def file_ingest(urls: list[str], path: Path, workdir: Path) -> tuple[dict, dict]:
    """Ingest the file (timed); again, recording its SQL; then replay that SQL alone. Three fresh databases."""
    calls = workdir / f"calls-{urls[0].split(':')[0]}.pickle"
    ingested = worker(prepare(urls[0]), "file", str(path))
    worker(prepare(urls[1]), "capture", str(path), str(calls))
    floor = worker(prepare(urls[2]), "replay", str(calls))
    calls.unlink()
    return ingested, floor


def fresh_pg(name: str) -> str:
    subprocess.run(["psql", PG_URL, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True, capture_output=True)
    subprocess.run(["psql", PG_URL, "-qc", f"CREATE DATABASE {name}"], check=True)
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api_ingest(database_url: str, path: Path, batch: int = 1000) -> float:
    env = prepare(database_url)
    run([str(BIN / "thuocdo"), "collectstatic", "--no-input", "-v", "0"], env)  # `serve` refuses to start without
    token = json.loads(run([str(BIN / "thuocdo"), "tokens", "create", "--name", "bench", "--units", "VN",
                            "--scopes", "dossiers:write", "--json"], env))["token"]
    port = free_port()
    server = subprocess.Popen([str(BIN / "thuocdo"), "serve", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        lines = [json.loads(x) for x in path.read_text().splitlines() if x.startswith("{")]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        started = time.perf_counter()
        for i in range(0, len(lines), batch):
            conn.request("POST", "/api/v1/dossier-events", json.dumps({"events": lines[i : i + batch]}), headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"API answered {response.status}")
        return time.perf_counter() - started
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--start", default="2026-08-03")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--file", type=Path, help="use this .jsonl instead of simulating")
    parser.add_argument("--skip", default="", help="comma-separated: raw-sqlite,raw-pg,file-sqlite,file-pg,api")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    workdir = Path(tempfile.mkdtemp(prefix="thuocdo-bench-"))
    path = args.file
    if path is None:
        path = workdir / "events.jsonl"
        run([str(BIN / "thuocdo"), "simulate", "--start", args.start, "--days", str(args.days), "--scale",
             str(args.scale), "--seed", str(args.seed), "--out", str(path)], django_env(f"sqlite:///{workdir}/sim.sqlite3"))
    rows = load_rows(path)
    n = len(rows)
    origin = str(args.file) if args.file else f"scale {args.scale} · {args.days} days · seed {args.seed}"
    print(f"{datetime.now():%Y-%m-%d %H:%M} · {n:,} events · {origin}")
    results: dict[str, float] = {}
    if "raw-sqlite" not in skip:
        results["raw SQLite (executemany + counter upsert)"] = n / raw_sqlite(rows, workdir)
    if "raw-pg" not in skip:
        results["raw PostgreSQL (COPY + counter upsert)"] = n / raw_postgres(rows)
    if "file-sqlite" not in skip:
        r, floor = file_ingest([f"sqlite:///{workdir}/{name}.sqlite3" for name in ("file", "capture", "floor")],
                               path, workdir)
        results["file ingest, SQLite"] = r["events"] / r["seconds"]
        results["  its SQL alone, replayed (SQLite)"] = r["events"] / floor["seconds"]
    if "file-pg" not in skip:
        names = ("thuocdo_bench_file", "thuocdo_bench_capture", "thuocdo_bench_floor")
        r, floor = file_ingest([fresh_pg(name) for name in names], path, workdir)
        results["file ingest, PostgreSQL"] = r["events"] / r["seconds"]
        results["  its SQL alone, replayed (PostgreSQL)"] = r["events"] / floor["seconds"]
        for name in names:
            subprocess.run(["psql", PG_URL, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    if "api" not in skip:
        results["API batches of 1,000 over HTTP, SQLite"] = n / api_ingest(f"sqlite:///{workdir}/api.sqlite3", path)
    for name, rate in results.items():
        print(f"  {name:<44} {rate:>10,.0f} events/s")
    for db, raw in (("SQLite", "raw SQLite (executemany + counter upsert)"),
                    ("PostgreSQL", "raw PostgreSQL (COPY + counter upsert)")):
        if f"file ingest, {db}" in results and raw in results:
            ratio = results[f"file ingest, {db}"] / results[raw]
            floor = results[f"  its SQL alone, replayed ({db})"] / results[raw]
            print(f"  ratio file {db} / raw {db:<11} {ratio:10.2f}   (its SQL alone: {floor:.2f})")


if __name__ == "__main__":
    main()
