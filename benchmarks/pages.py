"""Page benchmark: server time of the national overview (`/`) with a national quarter of metrics loaded.

    .venv/bin/python benchmarks/pages.py                 # SQLite (a fresh file in a temp dir)
    .venv/bin/python benchmarks/pages.py --postgres      # PostgreSQL (127.0.0.1:5432, throwaway db)
    .venv/bin/python benchmarks/pages.py --requests 50   # requests per scenario (default 50; cold: 20)

The metric store gets what the dossier stream would have written for the 92 days ending today:
day and month rows of seven stream metrics for each of the 3,321 communes, rolled up to their
province and to the nation (≈ 2.2 million rows). The page is then requested in-process through
Django's test Client as a logged-in central viewer (full middleware stack, compression included;
no network), timing each request:

  warm         nothing changed since the last request: the page's figures come from the cache
  after change before each request (untimed) a commune, its province and VN are marked changed and their
               score rows refreshed, as the refresher does after every ingest, and both notices
               (figures, scores) arrive: the nation's cached figures are dropped and rebuilt
  cold         the cache is cleared before each request and nothing is drawn ahead: what is not in the
               maintained score rows is computed, the map included (with LocMem, a restart's first
               request before the refresher's warm-up has run; with Redis, renders survive a restart)
  restart      `/` only: the cache is cleared, then the default pages are drawn ahead (untimed) as the
               refresher does after a start (`thuocdo.web.warmup.warm_pages`): the first visitor after
               a restart once the warm-up is done. The quarter view is not drawn ahead: its first
               request after a restart is "cold".

The score rows of the hot periods are built first (`score_rows.rebuild`, as `thuocdo scores rebuild`
after a load), and the time that takes is printed too.

for the default period (this month against the last) and for the quarter. p50 / p95 / max in ms.
Pending counts come from the dossier table, which is empty here. Not a test.
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
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DAYS = 92
STREAM = ("dossier.received", "dossier.received.online", "dossier.received.direct", "dossier.resolved",
          "dossier.resolved.early", "dossier.resolved.on_time", "dossier.resolved.late")


def setup_database(postgres: bool) -> None:
    if postgres:
        for sql in ("DROP DATABASE IF EXISTS thuocdo_bench_pages", "CREATE DATABASE thuocdo_bench_pages"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "root", "-d", "postgres", "-qc", sql], check=True)
        os.environ["DATABASE_URL"] = "postgres://root@127.0.0.1:5432/thuocdo_bench_pages"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='thuocdo-pages-')}/db.sqlite3"
    os.environ.setdefault("DEBUG", "1")
    os.environ.pop("REDIS_URL", None)  # in-process change notices: the benchmark delivers them itself
    os.environ["DJANGO_SETTINGS_MODULE"] = "thuocdo.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_units", stdout=quiet)
        call_command("frameworks", "load", stdout=quiet)


def day_counts(rng: random.Random) -> dict[str, int]:
    """One commune-day of the dossier stream, consistent: parts sum to their whole."""
    received = rng.randint(0, 60)
    online = rng.randint(0, received)
    resolved = rng.randint(0, received)
    early = rng.randint(0, resolved)
    on_time = rng.randint(0, resolved - early)
    return dict(zip(STREAM, (received, online, received - online, resolved, early, on_time,
                             resolved - early - on_time), strict=True))


def fill_store(today) -> int:
    """Day and month rows for every commune, its province and the nation; one province at a time."""
    from collections import defaultdict

    from thuocdo.metrics.models import Grain, MetricValue
    from thuocdo.units.models import Unit

    rng = random.Random(1)
    days = [today - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    by_province = defaultdict(list)
    for code, province in Unit.objects.filter(level="commune").values_list("code", "province_code"):
        by_province[province].append(code)
    nation = defaultdict(float)  # (metric, grain, start) → value
    written = 0
    for province, communes in sorted(by_province.items()):
        totals = defaultdict(float)
        rows = []
        for commune in communes:
            months = defaultdict(float)
            for day in days:
                for metric, value in day_counts(rng).items():
                    if value:
                        rows.append(MetricValue(province_code=province, unit_code=commune, metric=metric,
                                                grain=Grain.DAY, start=day, value=value))
                        months[(metric, day.replace(day=1))] += value
                        totals[(metric, Grain.DAY, day)] += value
            for (metric, month), value in months.items():
                rows.append(MetricValue(province_code=province, unit_code=commune, metric=metric,
                                        grain=Grain.MONTH, start=month, value=value))
                totals[(metric, Grain.MONTH, month)] += value
        for (metric, grain, start), value in totals.items():
            rows.append(MetricValue(province_code=province, unit_code=province, metric=metric, grain=grain,
                                    start=start, value=value))
            nation[(metric, grain, start)] += value
        MetricValue.objects.bulk_create(rows, batch_size=5000)
        written += len(rows)
    MetricValue.objects.bulk_create([MetricValue(province_code="", unit_code="VN", metric=metric, grain=grain,
                                                 start=start, value=value)
                                     for (metric, grain, start), value in nation.items()], batch_size=5000)
    return written + len(nation)


def timed(client, path: str, before, count: int) -> list[float]:
    times = []
    for _ in range(count):
        before()
        started = time.perf_counter()
        response = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (f"p50 {statistics.median(ordered):7.1f}   p95 {p95:7.1f}   max {ordered[-1]:7.1f} ms"
            f"   (n={len(ordered)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--cold-requests", type=int, default=20, help="cold requests cost seconds each")
    args = parser.parse_args()
    setup_database(args.postgres)
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from thuocdo.accounts.choices import Role
    from thuocdo.accounts.models import User
    from thuocdo.evaluation import score_rows
    from thuocdo.metrics import changes, notify
    from thuocdo.units.models import Unit
    from thuocdo.web.cache import forget
    from thuocdo.web.warmup import warm_pages

    today = timezone.localdate()
    started = time.perf_counter()
    rows = fill_store(today)
    print(f"{connection.vendor}: {rows:,} metric rows (92 days to {today:%d/%m/%Y}, 3,321 communes, "
          f"34 provinces, VN) in {time.perf_counter() - started:,.0f} s")
    started = time.perf_counter()
    written = score_rows.rebuild()
    print(f"  score rows of the hot periods: {written:,} rows in {time.perf_counter() - started:,.1f} s")

    def after_change() -> None:
        changes.mark(["08494", "25", "VN"])
        score_rows.refresh()  # as the refresher thread does after an ingest; sends the scores notice
        notify.deliver(["08494", "25", "VN"], notify.FIGURES)
    viewer = User.objects.create_user("bench", password="bench-only-password", role=Role.CENTRAL_VIEWER,
                                      unit=Unit.objects.get(code="VN"))
    client = Client()
    client.force_login(viewer)
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    scenarios = {
        "warm": lambda: None,
        "after change": after_change,
        # Also the process's own copy of the latest renders (web.cache._local), which a restart empties too.
        "cold": lambda: (cache.clear(), forget()),
    }
    def restart() -> None:
        cache.clear()
        forget()
        warm_pages()

    for path in ("/", f"/?period={quarter}"):
        client.get(path)  # first request of the path: imports, template compilation, caches filled
        for name, before in {**scenarios, **({"restart": restart} if path == "/" else {})}.items():
            count = args.cold_requests if name in ("cold", "restart") else args.requests
            print(f"  {path:<22} {name:<13} {summary(timed(client, path, before, count))}", flush=True)


if __name__ == "__main__":
    main()
