"""Scoring benchmark: all 3,321 communes scored for a quarter with the QĐ 766 preset.

    .venv/bin/python benchmarks/scoring.py                 # SQLite (a fresh file in a temp dir)
    .venv/bin/python benchmarks/scoring.py --postgres      # PostgreSQL (127.0.0.1:5432, throwaway db)

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    setup_database(args.postgres)
    from django.db import connection

    from thuocdo.evaluation.frameworks import load_preset
    from thuocdo.evaluation.periods import parse_period
    from thuocdo.evaluation.queries import ranking

    framework = load_preset("qd766")
    quarter = parse_period("2026-Q3")
    rows = fill_store(framework, quarter)
    print(f"{connection.vendor}: {rows:,} metric rows for 3,321 communes, {quarter.label}")
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
    print(f"  communes scored: {scored:,}; first ranked: {result[0].unit.name} {result[0].score.total}")
    print(f"  ranking, cold: {cold * 1000:,.0f} ms; warm: best {min(warm) * 1000:,.0f} ms, "
          f"median {statistics.median(warm) * 1000:,.0f} ms")
    print(f"  ranking with change against the previous quarter: {with_change * 1000:,.0f} ms")


if __name__ == "__main__":
    main()
