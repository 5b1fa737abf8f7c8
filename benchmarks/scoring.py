"""Scoring benchmark: all 3,321 communes scored for a quarter with the QĐ 766 preset.

    .venv/bin/python benchmarks/scoring.py                 # SQLite (a fresh file in a temp dir)
    .venv/bin/python benchmarks/scoring.py --postgres      # PostgreSQL (127.0.0.1:5432, throwaway db)
    .venv/bin/python benchmarks/scoring.py --live          # no portal figure: all six groups from our data

A national quarter of metric values is written straight into the store (portal-style figures for
the quarter and three months of dossier-stream month rows per commune), then the ranking of every
commune of the nation is timed: cold (first call) and warm (best of 5). Not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_database(postgres: bool) -> None:
    if postgres:
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "root", "-d", "postgres", "-qc",
                        "DROP DATABASE IF EXISTS thuocdo_bench_scoring"], check=True)
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "root", "-d", "postgres", "-qc",
                        "CREATE DATABASE thuocdo_bench_scoring"], check=True)
        os.environ["DATABASE_URL"] = "postgres://root@127.0.0.1:5432/thuocdo_bench_scoring"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='thuocdo-scoring-')}/db.sqlite3"
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "thuocdo.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_units", stdout=quiet)


def fill_store(framework, quarter) -> int:
    from thuocdo.metrics.models import Grain, MetricValue, PeriodValue
    from thuocdo.units.models import Unit

    rng = random.Random(1)
    communes = list(Unit.objects.filter(level="commune").values_list("code", "province_code"))
    # (numerator, denominator) metric pairs of every indicator and part, so that numerator ≤ denominator.
    pairs = []
    for indicator in framework.indicators:
        for holder in (indicator, *getattr(indicator, "parts", ())):
            for source in holder.sources[:1]:
                pairs.append((sorted(source.numerator.metrics), sorted(source.denominator.metrics)))
    portal = sorted(m for m in framework.metrics if m.startswith("portal766."))
    period_rows, month_rows = [], []
    for code, province in communes:
        values = {}
        for numerators, denominators in pairs:
            total = rng.randint(50, 3000)
            for metric in denominators:
                values.setdefault(metric, total)
            for metric in numerators:
                values.setdefault(metric, rng.randint(int(values.get(denominators[0], total) * 0.5),
                                                      values.get(denominators[0], total)) if denominators else 1)
        for metric in portal:
            value = values.get(metric, rng.uniform(0, 10))
            period_rows.append(PeriodValue(province_code=province, unit_code=code, metric=metric, start=quarter.start,
                                           end=quarter.end, value=value, source="bench"))
        for month in (quarter.start.month, quarter.start.month + 1, quarter.start.month + 2):
            received = rng.randint(200, 2000)
            for metric, value in (("dossier.received", received), ("dossier.resolved", int(received * 0.9)),
                                  ("dossier.resolved.on_time", int(received * 0.7)),
                                  ("dossier.resolved.early", int(received * 0.1))):
                month_rows.append(MetricValue(province_code=province, unit_code=code, metric=metric, grain=Grain.MONTH,
                                              start=date(quarter.start.year, month, 1), value=value))
    PeriodValue.objects.bulk_create(period_rows, batch_size=5000)
    MetricValue.objects.bulk_create(month_rows, batch_size=5000)
    return len(period_rows) + len(month_rows)


def fill_live(quarter) -> int:
    """Our own data only (issue 11): the simulated catalogue, and per commune three months of the dossier
    stream, the sync-field counts and per-procedure rows for the catalogue's joins, so every QĐ 766 group but
    the petition indicators is scored from live sources."""
    from thuocdo.accounts.permissions import Actor
    from thuocdo.metrics import codes
    from thuocdo.metrics.models import Grain, MetricValue
    from thuocdo.procedures.actions import load_catalogue
    from thuocdo.procedures.simulation import simulate_catalogue
    from thuocdo.units.models import Unit

    units = list(Unit.objects.filter(level__in=["province", "commune"]))
    load_catalogue(Actor.system(), simulate_catalogue(units, quarter.end, seed=1))
    rng = random.Random(1)
    procedures = ["2.000815", "1.001193", "1.004227", "1.004873", "2.000884"]
    rows = []

    def add(province, unit, metric, month, value, procedure=""):
        rows.append(MetricValue(province_code=province, unit_code=unit, metric=metric, procedure_code=procedure,
                                grain=Grain.MONTH, start=month, value=value))

    totals: dict = {}
    for unit in (u for u in units if u.level == "commune"):
        for offset in range(3):
            month = date(quarter.start.year, quarter.start.month + offset, 1)
            received = rng.randint(200, 2000)
            figures = {codes.RECEIVED: received, codes.RECEIVED_ONLINE: int(received * rng.uniform(0.3, 0.9)),
                       codes.RESOLVED: int(received * 0.9), codes.RESOLVED_ON_TIME: int(received * 0.7),
                       codes.RESOLVED_EARLY: int(received * 0.1)}
            for numerator, denominator in codes.FACT_PAIRS.items():
                known = int(received * rng.uniform(0.5, 1.0))
                figures[denominator] = known
                figures[numerator] = int(known * rng.uniform(0.1, 0.95))
            for metric, value in figures.items():
                add(unit.province_code, unit.code, metric, month, value)
                key = (unit.province_code, metric, month)
                totals[key] = totals.get(key, 0) + value
            for code in procedures:
                for metric in (codes.RECEIVED, codes.RECEIVED_ONLINE, codes.PAYMENT_ONLINE):
                    add(unit.province_code, unit.code, metric, month, rng.randint(1, 50), code)
    for (province, metric, month), value in totals.items():  # the province rows (the stream's roll-up)
        add(province, province, metric, month, value)
    MetricValue.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--live", action="store_true", help="our own data only: catalogue, stream, sync fields")
    args = parser.parse_args()
    setup_database(args.postgres)
    from django.db import connection

    from thuocdo.evaluation.frameworks import load_preset
    from thuocdo.evaluation.periods import parse_period
    from thuocdo.evaluation.queries import ranking

    framework = load_preset("qd766")
    quarter = parse_period("2026-Q3")
    rows = fill_live(quarter) if args.live else fill_store(framework, quarter)
    print(f"{connection.vendor}: {rows:,} metric rows for 3,321 communes, {quarter.label}"
          f"{' (live sources only)' if args.live else ''}")
    started = time.perf_counter()
    result = ranking(framework, "commune", None, quarter, with_change=False)
    cold = time.perf_counter() - started
    warm = []
    for _ in range(5):
        started = time.perf_counter()
        ranking(framework, "commune", None, quarter, with_change=False)
        warm.append(time.perf_counter() - started)
    started = time.perf_counter()
    ranking(framework, "commune", None, quarter, with_change=True)
    with_change = time.perf_counter() - started
    scored = sum(1 for r in result if r.score.total is not None)
    complete = sum(1 for r in result if r.score.complete)
    print(f"  communes scored: {scored:,} ({complete:,} in all six groups); "
          f"first ranked: {result[0].unit.name} {result[0].score.total}")
    print(f"  ranking, cold: {cold * 1000:,.0f} ms; warm: best {min(warm) * 1000:,.0f} ms, "
          f"median {statistics.median(warm) * 1000:,.0f} ms")
    print(f"  ranking with change against the previous quarter: {with_change * 1000:,.0f} ms")


if __name__ == "__main__":
    main()
