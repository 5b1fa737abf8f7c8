"""Burst benchmark: "the 16:00 burst" against `thuocdo serve` over loopback HTTP, ramped until it breaks.

    .venv/bin/python benchmarks/burst.py                          # SQLite, one worker (fresh db in a temp dir)
    .venv/bin/python benchmarks/burst.py --postgres               # PostgreSQL + Redis, two workers
    .venv/bin/python benchmarks/burst.py --rates 20,40,80         # offered rates of the stages (req/s)
    .venv/bin/python benchmarks/burst.py --stage-seconds 10 --viewers-scale 0.1 --json burst.json
    .venv/bin/python benchmarks/burst.py --url http://127.0.0.1:8000 --token td_…   # a running server

The scenario: at 16:00 each of the 3,321 communes posts its day's dossier batch and a metric value
within 15 minutes, while 200 central viewers follow the national page, 34 the province pages and 500
the commune pages — each page holding its live stream open as the page does
(`/live/<code>/?push=1&<choice>`, read from the page's `sse-connect`), which pushes the HTML of every
region whose data changed (`event: region-<name>`) after each `event: figures` / `event: scores` — and
anonymous visitors open the public board. Request kinds:

  batch      POST /api/v1/dossier-events, 5–20 valid events of one commune (new dossiers accepted,
             earlier ones of the run resolved), unique event ids; must come back all accepted
  metric     POST /api/v1/metric-values, one `feedback.handled` value of one commune for today
  national   GET /            as the central viewer
  province   GET /u/<province>/   (Phú Thọ as its province officer, the others as the central viewer)
  commune    GET /u/<commune>/    (Xã Lâm Thao as its officer, Phú Thọ's communes as the province officer)
  public     GET /cong-khai/  anonymous
  fragment   a live region asked by URL (`/u/<code>/fragments/<name>/`, If-None-Match), as a page
             whose stream dropped or another client would: part of the offered mix
  stream     the open event streams (errors only: refused or dropped streams)

The first seven are offered open-loop: Poisson arrivals at the stage's rate, split by MIX below, sent
whatever the server answers, at most --max-inflight at once (beyond that a request is "shed": an
error) and each cut after --timeout s ("timeout": an error). The pushed regions come on top, as many
as the changes call for (they are not requests: they travel on the open streams). Each stage lasts
--stage-seconds, then waits for its requests to end; the ramp stops after the first stage with an
overall p95 ≥ --p95-ms or any error (a status other than the kind's expected ones, a rejected row, a
timeout, a shed request, a dropped stream).

Printed per stage: offered and achieved rates, p50/p95/p99 per kind and overall, errors by kind and
reason, the delay from a change notice to its event on the client and from the notice to each region
pushed after it, the bytes the streams carried, the server's CPU (its process tree, 100 % = one core)
and peak RSS, the client's own CPU and the whole machine's. Then "sustained: …" = the last stage that passed.

What limits the figures: the client runs on the same 2 cores as the server (its CPU is printed: when
it nears 100 % the client, not the server, sets the pace), other jobs on the machine take their share
(the machine's CPU is printed), and PostgreSQL's and Redis's CPU is outside the server's tree (printed
for --postgres, all their processes, other users' included). Redis pub/sub channels are shared by
every database number: another PostgreSQL test run on the same Redis can send this run's streams
extra change events. The server's output goes to server.log in the run's temp dir. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import ipaddress
import json
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
VN_TZ = timezone(timedelta(hours=7))

# --- The scenario ------------------------------------------------------------------------------
COMMUNES = 3321
BURST_SECONDS = 15 * 60
VIEWERS = {"national": 200, "province": 34, "commune": 500}
PAGE_RELOAD_SECONDS = 60  # a viewer opens (or reopens, picks another period…) its page once a minute
PUBLIC_VISITS_PER_SECOND = 5.0  # anonymous visitors of the public board (an assumption: 300 a minute)
# Requests per second of each offered kind at the real burst (viewers-scale 1); the stages keep
# these proportions. Writes: 3,321 × (1 batch + 1 metric) / 900 s ≈ 7.4/s.
BURST_RATES = {
    "batch": COMMUNES / BURST_SECONDS,
    "metric": COMMUNES / BURST_SECONDS,
    "national": VIEWERS["national"] / PAGE_RELOAD_SECONDS,
    "province": VIEWERS["province"] / PAGE_RELOAD_SECONDS,
    "commune": VIEWERS["commune"] / PAGE_RELOAD_SECONDS,
    "public": PUBLIC_VISITS_PER_SECOND,
    # Regions asked by URL with If-None-Match (a page whose stream dropped, another client): each viewer
    # once a minute.
    "fragment": sum(VIEWERS.values()) / PAGE_RELOAD_SECONDS,
}
MIX = {kind: rate / sum(BURST_RATES.values()) for kind, rate in BURST_RATES.items()}
KINDS = (*BURST_RATES, "stream")
EXPECTED = {"fragment": {200, 304}}  # every other kind: 200 (a 302 to the login page is a failure)
BATCH_EVENTS = (5, 20)
METRIC = "feedback.handled"
PROCEDURES = ("1.001193", "1.000894", "1.000656", "1.004873", "1.001612", "1.004227", "2.000815")
DEFAULT_RATES = "10,20,40,60,80,100,150,200,250,300,400"
STREAM_RETRY_SECONDS = 3  # the stream's `retry: 3000`
STREAM_READ_TIMEOUT = 45  # a ping comes every 15 s
PG_ADMIN = ("psql", "-h", "127.0.0.1", "-U", "root", "-d", "postgres", "-qc")
PG_DATABASE = "thuocdo_bench_burst"
PG_URL = f"postgres://root@127.0.0.1:5432/{PG_DATABASE}"
REDIS_URL = "redis://127.0.0.1:6379/14"
LOGINS = {"central": "trunguong", "province": "phutho", "commune": "lamthao"}  # create_demo_accounts
DEMO_PROVINCE, DEMO_COMMUNE = "25", "08494"


# --- Database and server -----------------------------------------------------------------------
def run(args: list[str], env: dict) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def thuocdo(env: dict, *args: str) -> str:
    return run([str(BIN / "thuocdo"), *args], env)


def server_env(database_url: str, workdir: Path, postgres: bool) -> dict:
    """Production settings; static files and anything else of `var/` in the run's temp dir."""
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "benchmark-only", "DATABASE_URL": database_url,
           "THUOCDO_VAR_DIR": str(workdir / "var")}
    env.pop("REDIS_URL", None)
    if postgres:
        env["REDIS_URL"] = REDIS_URL  # notices must reach the streams of both workers
    return env


def fresh_postgres() -> None:
    for sql in (f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)", f"CREATE DATABASE {PG_DATABASE}"):
        subprocess.run([*PG_ADMIN, sql], check=True)


def setup_database(env: dict, args) -> None:
    """Registry, frameworks, demo logins and a week of simulated history, so the pages have figures."""
    start = (date.today() - timedelta(days=args.sim_days)).isoformat()
    steps = [
        ("migrate", "-v", "0"), ("load_units",), ("frameworks", "load"), ("create_demo_accounts",),
        ("simulate", "--ingest", "--seed", "1", "--start", start, "--days", str(args.sim_days),
         "--scale", str(args.sim_scale)),
        # The score rows of the hot periods, as after any load: the stages measure the burst, not the
        # first scoring of the country.
        ("scores", "rebuild"),
    ]
    for step in steps:
        started = time.perf_counter()
        thuocdo(env, *step)
        print(f"  thuocdo {' '.join(step)}: {time.perf_counter() - started:.1f} s", flush=True)


def create_token(env: dict) -> str:
    """One token for every commune: a national one may write both kinds for all units below VN."""
    name = f"burst-{int(time.time())}"
    out = thuocdo(env, "tokens", "create", "--name", name, "--units", "VN",
                  "--scopes", "dossiers:write,metrics:write", "--json")
    return json.loads(out)["token"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(BIN / "thuocdo"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return server, f"http://127.0.0.1:{port}"


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (uvicorn and its workers), SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


async def wait_ready(base: str, server: subprocess.Popen | None, log: Path | None) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(120):
            if server is not None and server.poll() is not None:
                sys.exit(f"the server stopped ({server.returncode}); its log, {log}:\n{log.read_text()[-3000:]}")
            try:
                async with http.get(f"{base}/tai-khoan/dang-nhap/") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
    sys.exit(f"the server at {base} did not answer in 60 s")


def check_loopback(url: str) -> str:
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        sys.exit(f"--url must be a loopback address (127.0.0.1, localhost, [::1]), not {host!r}")
    return url.rstrip("/")


def server_log_summary(log: Path) -> list[str]:
    """The server's error lines (uvicorn logs at warning level: anything there is worth reading)."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return [line for line in lines if re.search(r"Traceback|ERROR|Error|Exception", line)]


# --- Measurements ------------------------------------------------------------------------------
def percentile(ordered: list[float], q: float) -> float | None:
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else None


def spread(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"n": len(ordered), "p50": percentile(ordered, 0.50), "p95": percentile(ordered, 0.95),
            "p99": percentile(ordered, 0.99)}


@dataclass
class Stage:
    """What happened to the requests issued during one stage."""

    rate: float
    seconds: float
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # ms of good answers
    regions: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # fragment ms by region
    errors: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    samples: dict[str, str] = field(default_factory=dict)  # first body of each kind of error
    statuses: Counter = field(default_factory=Counter)
    issued: int = 0
    behind_ms: float = 0.0  # how late the client issued its most late request (client saturation)
    changes: int = 0
    notice_ms: list[float] = field(default_factory=list)  # change committed → event read by the client
    refresh_ms: list[float] = field(default_factory=list)  # notice published → a region's HTML read by the client
    pushed: int = 0  # regions pushed on the streams
    pushed_bytes: int = 0
    elapsed: float = 0.0
    cpu: dict = field(default_factory=dict)

    def good(self, kind: str, ms: float, status: int) -> None:
        self.times[kind].append(ms)
        self.statuses[(kind, status)] += 1

    def error(self, kind: str, reason: str, sample: str = "") -> None:
        self.errors[kind][reason] += 1
        if sample:
            self.samples.setdefault(f"{kind} {reason}", sample[:300])

    def error_count(self) -> int:
        return sum(sum(c.values()) for c in self.errors.values())

    def overall(self) -> dict:
        return spread([ms for kind, times in self.times.items() for ms in times])

    def answered(self) -> int:
        return sum(len(times) for times in self.times.values())


class Sampler:
    """CPU and memory of the server's process tree, the client, the database processes, the machine."""

    def __init__(self, server_pid: int | None, postgres: bool):
        self.server = psutil.Process(server_pid) if server_pid else None
        self.client = psutil.Process()
        self.postgres = postgres
        self.peak_rss = 0

    def tree(self) -> list[psutil.Process]:
        if self.server is None:
            return []
        try:
            return [self.server, *self.server.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def database(self) -> list[psutil.Process]:
        names = ("postgres", "redis-server")
        return [p for p in psutil.process_iter(["name"]) if (p.info["name"] or "").startswith(names)]

    @staticmethod
    def seconds(procs: list[psutil.Process]) -> float:
        total = 0.0
        for proc in procs:
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                continue
        return total

    def snapshot(self) -> dict:
        return {"at": time.perf_counter(), "server": self.seconds(self.tree()),
                "client": self.seconds([self.client]),
                "database": self.seconds(self.database()) if self.postgres else 0.0}

    def sample_rss(self) -> None:
        total = 0
        for proc in self.tree():
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        self.peak_rss = max(self.peak_rss, total)

    def start(self) -> dict:
        psutil.cpu_percent()  # starts the machine-wide interval
        return self.snapshot()

    def since(self, before: dict) -> dict:
        machine = psutil.cpu_percent() * psutil.cpu_count()
        now = self.snapshot() | {"machine": machine}
        wall = now["at"] - before["at"]
        usage = {name: round(100 * (now[name] - before[name]) / wall, 1) for name in ("server", "client", "database")}
        usage.update({"machine": round(now["machine"], 1), "server_rss_peak_mb": round(self.peak_rss / 2**20, 1)})
        if self.server is None:
            usage.update({"server": None, "server_rss_peak_mb": None})
        if not self.postgres:
            usage.pop("database")
        self.peak_rss = 0
        return usage

    async def watch(self) -> None:
        while True:
            self.sample_rss()
            await asyncio.sleep(0.5)


# --- The client --------------------------------------------------------------------------------
@dataclass
class Viewer:
    """One open page: its stream, its regions' URLs and ETags, the regions being re-fetched."""

    kind: str
    code: str
    cookie: str
    regions: dict[str, str]  # region → fragment path with query
    stream: str = ""  # the page's sse-connect path (push=1 and its choice)
    etags: dict[str, str] = field(default_factory=dict)
    busy: set[str] = field(default_factory=set)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    last_id: str = ""
    notice_at: float = 0.0  # publisher's time of the last change event (s since the epoch)


class Burst:
    def __init__(self, base: str, token: str, args, rng: random.Random):
        self.base, self.token, self.args, self.rng = base, token, args, rng
        self.run_id = f"{int(time.time()):x}"
        self.inflight = 0
        self.stage = Stage(0, 0)
        self.cookies: dict[str, str] = {}
        self.provinces: list[str] = []
        self.communes: list[str] = []
        self.province_of: dict[str, str] = {}
        self.viewers: list[Viewer] = []
        self.writers = {"batch": self._cycle(), "metric": self._cycle()}
        self.pending: dict[str, list[str]] = defaultdict(list)  # dossiers of the run accepted, not yet resolved
        self.serial = 0
        self.closing = False
        self.background: set[asyncio.Task] = set()  # region re-fetches: held until done
        self.watched: dict[str, list[str]] = {}

    async def __aenter__(self):
        limit = self.args.max_inflight
        timeout = aiohttp.ClientTimeout(total=self.args.timeout)
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit), timeout=timeout,
                                          cookie_jar=aiohttp.DummyCookieJar())
        self.streams = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=STREAM_READ_TIMEOUT))
        return self

    async def __aexit__(self, *exc):
        await self.http.close()
        await self.streams.close()

    # Who asks for what --------------------------------------------------------------------------
    def _cycle(self):
        """Communes in a shuffled order, each once per round, as the burst has each post once."""
        while True:
            order = list(self.communes)
            self.rng.shuffle(order)
            yield from order

    async def login(self, username: str) -> str:
        """Log in through the form (CSRF) once per role; the session cookie is shared by its viewers."""
        page = f"{self.base}/tai-khoan/dang-nhap/"
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(page) as resp:
                form = await resp.text()
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
            if csrf is None:
                sys.exit(f"no CSRF token in the login page ({resp.status})")
            data = {"csrfmiddlewaretoken": csrf.group(1), "username": username,
                    "password": f"{username}-demo-2025"}
            async with http.post(page, data=data, headers={"Referer": page}, allow_redirects=False) as resp:
                if resp.status != 302:
                    sys.exit(f"login as {username} failed: {resp.status} (run with --setup for the demo logins)")
            return "; ".join(f"{c.key}={c.value}" for c in http.cookie_jar)

    async def load_registry(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        units = []
        for level, offsets in (("province", [0]), ("commune", range(0, COMMUNES + 500, 500))):
            for offset in offsets:
                async with self.http.get(f"{self.base}/api/v1/units", headers=headers,
                                         params={"level": level, "limit": 500, "offset": offset}) as resp:
                    if resp.status != 200:
                        sys.exit(f"/api/v1/units: {resp.status} {await resp.text()}")
                    units += await resp.json()
        self.provinces = [u["code"] for u in units if u["level"] == "province"]
        self.communes = [u["code"] for u in units if u["level"] == "commune"]
        self.province_of = {u["code"]: u["province_code"] for u in units}

    def cookie_for(self, code: str) -> str:
        """The demo province and commune officers read their own units; the central viewer the rest."""
        if code == DEMO_COMMUNE:
            return self.cookies["commune"]
        if self.province_of.get(code) == DEMO_PROVINCE:
            return self.cookies["province"]
        return self.cookies["central"]

    def page_path(self, kind: str, code: str) -> str:
        return "/" if kind == "national" else f"/u/{code}/"

    async def region_queries(self, kind: str, code: str) -> dict[str, str]:
        """Each live region's fragment query, read from one page of the kind (as the browser would)."""
        async with self.http.get(self.base + self.page_path(kind, code),
                                 headers={"Cookie": self.cookie_for(code)}, allow_redirects=False) as resp:
            page = await resp.text()
            if resp.status != 200:
                sys.exit(f"{self.page_path(kind, code)}: {resp.status} {page[:500]}")
        found = re.findall(r'<section id="([a-z]+)"[^>]*sse-swap="region-', page)
        stream = re.search(r'sse-connect="/live/[^/"]+/\?([^"]*)"', page)
        if not found or stream is None:
            sys.exit(f"no live region in {self.page_path(kind, code)}")
        query = html.unescape(stream.group(1))
        choice = "&".join(part for part in query.split("&") if not part.startswith("push="))
        return {"": query, **{name: choice for name in found}}

    async def make_viewers(self) -> None:
        scale = self.args.viewers_scale
        counts = {kind: round(n * scale) for kind, n in VIEWERS.items()}
        others = [c for c in self.communes if c != DEMO_COMMUNE]
        watched = {
            "national": ["VN"] * counts["national"],
            "province": [self.provinces[i % len(self.provinces)] for i in range(counts["province"])],
            "commune": ([DEMO_COMMUNE] + self.rng.sample(others, max(0, counts["commune"] - 1)))[: counts["commune"]],
        }
        self.watched = {kind: sorted(set(codes)) for kind, codes in watched.items()}
        samples = {"national": "VN", "province": DEMO_PROVINCE, "commune": DEMO_COMMUNE}
        for kind, codes in watched.items():
            queries = await self.region_queries(kind, samples[kind])
            for code in codes:
                regions = {name: f"/u/{code}/fragments/{name}/?{query}" for name, query in queries.items() if name}
                self.viewers.append(Viewer(kind, code, self.cookie_for(code), regions,
                                           stream=f"/live/{code}/?{queries['']}"))

    # Requests -------------------------------------------------------------------------------------
    async def fetch(self, kind: str, method: str, path: str, *, headers: dict | None = None, body=None,
                    check=None, region: str = "") -> aiohttp.ClientResponse | None:
        stage = self.stage
        if self.inflight >= self.args.max_inflight:
            stage.error(kind, "shed")
            return None
        self.inflight += 1
        started = time.perf_counter()
        try:
            async with self.http.request(method, self.base + path, headers=headers, json=body,
                                         allow_redirects=False) as resp:
                content = await resp.read()
            ms = (time.perf_counter() - started) * 1000
            if resp.status not in EXPECTED.get(kind, {200}):
                stage.error(kind, str(resp.status), f"{method} {path}: {content[:300].decode(errors='replace')}")
            elif check is not None and (problem := check(content)):
                stage.error(kind, "rejected", problem)
            else:
                stage.good(kind, ms, resp.status)
                if region:
                    stage.regions[region].append(ms)
            return resp
        except TimeoutError:
            stage.error(kind, "timeout")
        except aiohttp.ClientError as exc:
            stage.error(kind, f"connection: {type(exc).__name__}", str(exc))
        finally:
            self.inflight -= 1
        return None

    def batch_body(self, commune: str) -> dict:
        """5–20 events of one commune: earlier dossiers of this run resolved, new ones accepted."""
        now = datetime.now(VN_TZ).replace(microsecond=0)
        size = self.rng.randint(*BATCH_EVENTS)
        pending = self.pending[commune]
        events = []
        for _ in range(min(len(pending), self.rng.randint(0, size // 2))):
            events.append(self.event(commune, pending.pop(), self.rng.choice((9, 10)), now))
        while len(events) < size:
            self.serial += 1
            dossier = f"BURST-{self.run_id}-{self.serial}"
            pending.append(dossier)
            due = now + timedelta(days=self.rng.choice((1, 3, 5, 10, 15)))
            events.append(self.event(commune, dossier, 2, now, due))
        return {"events": events}

    def event(self, commune: str, dossier: str, status: int, at: datetime, due: datetime | None = None) -> dict:
        self.serial += 1
        event = {"event_id": f"burst.{self.run_id}.{self.serial}", "dossier_code": dossier,
                 "procedure_code": self.rng.choice(PROCEDURES), "unit_code": commune, "status": status,
                 "channel": self.rng.choice((1, 2)), "occurred_at": at.isoformat()}
        if due is not None:
            event["due_at"] = due.isoformat()
        return event

    async def offer(self, kind: str) -> None:
        """One request of an offered kind."""
        auth = {"Authorization": f"Bearer {self.token}"}
        if kind == "batch":
            body = self.batch_body(next(self.writers["batch"]))
            await self.fetch(kind, "POST", "/api/v1/dossier-events", headers=auth, body=body,
                             check=accepted_all(len(body["events"])))
        elif kind == "metric":
            value = {"unit_code": next(self.writers["metric"]), "metric": METRIC,
                     "day": datetime.now(VN_TZ).date().isoformat(), "value": self.rng.randint(0, 40)}
            await self.fetch(kind, "POST", "/api/v1/metric-values", headers=auth, body={"values": [value]},
                             check=stored_one)
        elif kind == "public":
            await self.fetch(kind, "GET", "/cong-khai/")
        elif kind == "fragment":
            viewer = self.rng.choice(self.viewers) if self.viewers else None
            if viewer is not None and viewer.regions:
                await self.refetch(viewer, self.rng.choice(sorted(viewer.regions)))
        else:
            code = self.pick_page(kind)
            await self.fetch(kind, "GET", self.page_path(kind, code), headers={"Cookie": self.cookie_for(code)})

    def pick_page(self, kind: str) -> str:
        if kind == "national":
            return "VN"
        # Pages of the units that have viewers; with none (a small --viewers-scale), any unit of the level.
        return self.rng.choice(self.watched.get(kind) or (self.provinces if kind == "province" else self.communes))

    async def run_stage(self, stage: Stage) -> None:
        """Poisson arrivals at the stage's rate for its duration, then wait for what is in flight."""
        loop = asyncio.get_running_loop()
        self.stage = stage
        tasks: set[asyncio.Task] = set()
        kinds, weights = list(MIX), list(MIX.values())
        start = due = loop.time()
        while True:
            due += self.rng.expovariate(stage.rate)
            if due >= start + stage.seconds:
                break
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
            stage.behind_ms = max(stage.behind_ms, (loop.time() - due) * 1000)
            task = asyncio.create_task(self.offer(self.rng.choices(kinds, weights)[0]))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            stage.issued += 1
        if (wait := start + stage.seconds - loop.time()) > 0:
            await asyncio.sleep(wait)
        if tasks:
            await asyncio.wait(tasks)
        stage.elapsed = loop.time() - start

    async def close(self, followers: list[asyncio.Task]) -> None:
        """Stop the streams and the re-fetches still running (nothing is counted after the last stage)."""
        self.closing = True
        self.stage = Stage(0, 0)
        for task in [*followers, *self.background]:
            task.cancel()
        await asyncio.gather(*followers, *self.background, return_exceptions=True)

    # Live streams ---------------------------------------------------------------------------------
    async def follow(self, viewer: Viewer) -> None:
        """Hold the page's stream open, reading the regions it pushes; reconnect as browsers do."""
        while not self.closing:
            headers = {"Cookie": viewer.cookie, "Accept": "text/event-stream"}
            if viewer.last_id:
                headers["Last-Event-ID"] = viewer.last_id
            try:
                async with self.streams.get(f"{self.base}{viewer.stream}", headers=headers) as resp:
                    if resp.status != 200:
                        self.stage.error("stream", str(resp.status), (await resp.text())[:300])
                    else:
                        await self.read_events(viewer, resp)
            except (aiohttp.ClientError, TimeoutError) as exc:
                if not self.closing:
                    self.stage.error("stream", f"dropped: {type(exc).__name__}", str(exc))
            if not self.closing:
                await asyncio.sleep(STREAM_RETRY_SECONDS)

    async def read_events(self, viewer: Viewer, resp: aiohttp.ClientResponse) -> None:
        event, size = "", 0
        async for raw in resp.content:
            size += len(raw)
            line = raw.decode().rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("id:"):
                viewer.last_id = line[3:].strip()
                viewer.connected.set()
            elif not line:
                if event in ("figures", "scores"):
                    self.changed(viewer)
                elif event.startswith("region-"):
                    self.pushed(viewer, event[7:], size)
                event, size = "", 0
        if not self.closing:
            self.stage.error("stream", "ended by the server")

    def changed(self, viewer: Viewer) -> None:
        received = time.time()
        stage = self.stage
        stage.changes += 1
        if viewer.last_id.isdigit():
            viewer.notice_at = int(viewer.last_id) / 1000
            stage.notice_ms.append((received - viewer.notice_at) * 1000)

    def pushed(self, viewer: Viewer, region: str, size: int) -> None:
        """A region's HTML arrived on the stream: time since the notice it follows, and its bytes."""
        stage = self.stage
        stage.pushed += 1
        stage.pushed_bytes += size
        if viewer.notice_at:
            stage.refresh_ms.append((time.time() - viewer.notice_at) * 1000)

    async def refetch(self, viewer: Viewer, name: str) -> None:
        headers = {"Cookie": viewer.cookie, "HX-Request": "true", "HX-Trigger": name}
        if name in viewer.etags:
            headers["If-None-Match"] = viewer.etags[name]
        resp = await self.fetch("fragment", "GET", viewer.regions[name], headers=headers, region=name)
        if resp is not None and resp.headers.get("ETag"):
            viewer.etags[name] = resp.headers["ETag"]

    async def open_streams(self) -> tuple[list[asyncio.Task], int, float]:
        """Open every viewer's stream, a few at a time; wait (≤ 120 s) until each has its first message."""
        started = time.perf_counter()
        gate = asyncio.Semaphore(20)

        async def open_one(viewer: Viewer) -> None:
            async with gate:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(viewer.connected.wait(), 30)

        tasks = [asyncio.create_task(self.follow(v)) for v in self.viewers]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(open_one(v) for v in self.viewers)), 120)
        opened = sum(v.connected.is_set() for v in self.viewers)
        return tasks, opened, time.perf_counter() - started


def accepted_all(size: int):
    def check(content: bytes) -> str:
        answer = json.loads(content)
        if answer.get("accepted") != size or answer.get("rejected"):
            return content[:300].decode(errors="replace")
        return ""
    return check


def stored_one(content: bytes) -> str:
    answer = json.loads(content)
    return "" if answer.get("stored") == 1 and not answer.get("rejected") else content[:300].decode(errors="replace")


# --- Report ------------------------------------------------------------------------------------
def ms(value: float | None) -> str:
    return f"{value:8.1f}" if value is not None else "       -"


def stage_summary(stage: Stage, limit: float) -> dict:
    kinds = {kind: {**spread(stage.times.get(kind, [])), "errors": dict(stage.errors.get(kind, {}))}
             for kind in KINDS}
    overall = {**stage.overall(), "errors": stage.error_count()}
    passed = overall["errors"] == 0 and overall["p95"] is not None and overall["p95"] < limit
    return {
        "offered_rate": stage.rate, "stage_seconds": stage.seconds, "seconds": round(stage.elapsed, 1),
        "issued": stage.issued,
        "issued_rate": round(stage.issued / stage.seconds, 1),
        "fragment_rate": round(kinds["fragment"]["n"] / stage.elapsed, 1) if stage.elapsed else 0,
        "achieved_rate": round(stage.answered() / stage.elapsed, 1) if stage.elapsed else 0,
        "client_behind_ms": round(stage.behind_ms, 1),
        "kinds": kinds, "overall": overall,
        "regions_p95": {name: percentile(sorted(t), 0.95) for name, t in sorted(stage.regions.items())},
        "statuses": {f"{k} {s}": n for (k, s), n in sorted(stage.statuses.items())},
        "changes": stage.changes, "notice_ms": spread(stage.notice_ms), "refresh_ms": spread(stage.refresh_ms),
        "pushed": stage.pushed, "pushed_mb": round(stage.pushed_bytes / 1e6, 1),
        "cpu": stage.cpu, "error_samples": dict(stage.samples), "passed": passed,
    }


def print_stage(number: int, s: dict, limit: float) -> None:
    print(f"\nstage {number}: offered {s['offered_rate']:g} req/s for {s['stage_seconds']:g} s "
          f"(+{s['seconds'] - s['stage_seconds']:.1f} s for the last answers) — issued "
          f"{s['issued_rate']}/s open-loop + {s['fragment_rate']}/s fragment re-fetches; answered "
          f"{s['achieved_rate']}/s")
    print(f"  {'kind':<9} {'n':>6} {'p50':>8} {'p95':>8} {'p99':>8} ms   errors")
    for kind, k in s["kinds"].items():
        if k["n"] or k["errors"]:
            shown = ", ".join(f"{reason} ×{n}" for reason, n in k["errors"].items())
            print(f"  {kind:<9} {k['n']:>6} {ms(k['p50'])} {ms(k['p95'])} {ms(k['p99'])}      {shown}")
    k = s["overall"]
    print(f"  {'all':<9} {k['n']:>6} {ms(k['p50'])} {ms(k['p95'])} {ms(k['p99'])}      {k['errors']}")
    if s["regions_p95"]:
        print("  fragment p95 by region: " + ", ".join(f"{n} {v:.0f}" for n, v in s["regions_p95"].items()) + " ms")
    notice, refresh = s["notice_ms"], s["refresh_ms"]
    print(f"  streams: {s['changes']} change events; notice → event p50 {ms(notice['p50']).strip()} "
          f"p95 {ms(notice['p95']).strip()} ms; notice → region pushed p50 {ms(refresh['p50']).strip()} "
          f"p95 {ms(refresh['p95']).strip()} ms ({s['pushed']} regions, {s['pushed_mb']} MB)")
    cpu = s["cpu"]
    database = f", postgres+redis {cpu['database']}%" if "database" in cpu else ""
    server = f"{cpu['server']}%" if cpu["server"] is not None else "n/a (--url)"
    print(f"  CPU (100% = one core, 2 cores): server {server}, client {cpu['client']}%{database}, "
          f"machine {cpu['machine']}%; server RSS peak {cpu['server_rss_peak_mb']} MB; "
          f"client late by ≤ {s['client_behind_ms']:.0f} ms")
    for what, body in s["error_samples"].items():
        print(f"  e.g. {what}: {body}")
    verdict = "pass" if s["passed"] else (
        f"FAIL: p95 {ms(s['overall']['p95']).strip()} ms (limit {limit:g}), {s['overall']['errors']} errors")
    print(f"  → {verdict}", flush=True)


def sustained_line(stages: list[dict]) -> str:
    passed = [s for s in stages if s["passed"]]
    if not passed:
        first = stages[0] if stages else None
        return ("sustained: none — the first stage already failed"
                + (f" (offered {first['offered_rate']:g} req/s: p95 {ms(first['overall']['p95']).strip()} ms, "
                   f"{first['overall']['errors']} errors)" if first else ""))
    best = passed[-1]
    return (f"sustained: {best['achieved_rate']:g} req/s at p95 {best['overall']['p95']:.1f} ms, 0 errors "
            f"(offered {best['offered_rate']:g} req/s open-loop, {best['fragment_rate']:g}/s of it fragment "
            f"re-fetches; the 16:00 burst itself offers {sum(BURST_RATES.values()):.1f} req/s + re-fetches)")


# --- Main --------------------------------------------------------------------------------------
def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help=f"PostgreSQL ({PG_URL}) and Redis, 2 workers")
    parser.add_argument("--db", type=Path, help="SQLite file (default: a new one in a temp dir)")
    parser.add_argument("--setup", action=argparse.BooleanOptionalAction, default=None,
                        help="fill the database first (default: when it is new; always for --postgres)")
    parser.add_argument("--url", help="an already running server on loopback (no setup, no start)")
    parser.add_argument("--token", help="with --url: an API token with dossiers:write,metrics:write on VN")
    parser.add_argument("--workers", type=int, help="server workers (default 1 for SQLite, 2 for PostgreSQL)")
    parser.add_argument("--rates", default=DEFAULT_RATES, help=f"offered req/s per stage (default {DEFAULT_RATES})")
    parser.add_argument("--stage-seconds", type=float, default=20)
    parser.add_argument("--viewers-scale", type=float, default=1.0, help="× 200 / 34 / 500 open pages")
    parser.add_argument("--p95-ms", type=float, default=200, help="a stage fails at this overall p95")
    parser.add_argument("--max-inflight", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=10, help="seconds before a request is an error")
    parser.add_argument("--sim-days", type=int, default=7)
    parser.add_argument("--sim-scale", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    return parser.parse_args()


def prepare(args, workdir: Path) -> tuple[dict, str]:
    """Database (fresh unless told otherwise), static files, a token; returns the server's environment."""
    if args.postgres:
        database_url = PG_URL
        setup = args.setup is not False
        if setup:
            fresh_postgres()
    else:
        db = args.db or workdir / "db.sqlite3"
        setup = args.setup if args.setup is not None else not db.exists()
        database_url = f"sqlite:///{db.resolve()}"
    env = server_env(database_url, workdir, args.postgres)
    print(f"database {database_url}; work dir {workdir}", flush=True)
    if setup:
        setup_database(env, args)
    thuocdo(env, "collectstatic", "--no-input", "-v", "0")  # `serve` refuses to start without
    return env, create_token(env)


async def wait_idle(sampler: Sampler, timeout: float = 600.0) -> None:
    """Until the server's tree uses < 10 % of a core over a second: after a start the refresher fills the
    day's score rows and draws the default pages ahead (`thuocdo.web.warmup`); the stages measure the
    burst, not that warm-up, whose length is printed."""
    if sampler.server is None:
        return
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = sampler.seconds(sampler.tree())
        await asyncio.sleep(1.0)
        if sampler.seconds(sampler.tree()) - before < 0.1:
            break
    print(f"server warm-up after its start (score rows, default pages): {time.monotonic() - started:.0f} s",
          flush=True)


async def burst(args, base: str, token: str, server: subprocess.Popen | None, log: Path | None) -> list[dict]:
    await wait_ready(base, server, log)
    sampler = Sampler(server.pid if server else None, args.postgres)
    await wait_idle(sampler)
    watcher = asyncio.create_task(sampler.watch())
    stages: list[dict] = []
    async with Burst(base, token, args, random.Random(args.seed)) as client:
        await client.load_registry()
        for role, username in LOGINS.items():
            client.cookies[role] = await client.login(username)
        await client.make_viewers()
        followers, opened, took = await client.open_streams()
        print(f"{len(client.communes):,} communes, {len(client.provinces)} provinces; {opened} of "
              f"{len(client.viewers)} streams open in {took:.1f} s; mix of the offered requests: "
              + ", ".join(f"{k} {v:.1%}" for k, v in MIX.items()), flush=True)
        if client.stage.error_count():
            print(f"  while opening: {dict(client.stage.errors)} {client.stage.samples}")
        for number, rate in enumerate((float(r) for r in args.rates.split(",")), start=1):
            stage = Stage(rate, args.stage_seconds)
            before = sampler.start()
            await client.run_stage(stage)
            stage.cpu = sampler.since(before)
            stages.append(stage_summary(stage, args.p95_ms))
            print_stage(number, stages[-1], args.p95_ms)
            if not stages[-1]["passed"]:
                break
        await client.close(followers)
    watcher.cancel()
    return stages


def main() -> None:
    args = parse_args()
    args.workers = args.workers or (2 if args.postgres else 1)
    server = log = None
    if args.url:
        base = check_loopback(args.url)
        if not args.token:
            sys.exit("--url needs --token (dossiers:write,metrics:write on VN)")
        token = args.token
    else:
        workdir = Path(tempfile.mkdtemp(prefix="thuocdo-burst-"))
        env, token = prepare(args, workdir)
        log = workdir / "server.log"
        server, base = start_server(env, args.workers, log)
        print(f"thuocdo serve --workers {args.workers} at {base}, log {log}", flush=True)
    try:
        stages = asyncio.run(burst(args, base, token, server, log))
    finally:
        if server is not None:
            stop_server(server)
    print("\n" + sustained_line(stages))
    problems = server_log_summary(log) if log else []
    if log:
        print(f"server log {log}: {len(problems)} error lines" + "".join(f"\n  {p}" for p in problems[:10]))
    if args.json:
        summary = {"database": "postgresql" if args.postgres else "sqlite", "workers": args.workers,
                   "viewers": {k: round(n * args.viewers_scale) for k, n in VIEWERS.items()}, "mix": MIX,
                   "burst_rates": BURST_RATES, "p95_limit_ms": args.p95_ms, "stages": stages,
                   "sustained": sustained_line(stages), "server_log": str(log) if log else None,
                   "server_log_errors": problems[:50]}
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
