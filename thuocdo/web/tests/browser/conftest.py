"""Browser tests: `thuocdo serve` on a free port over a file SQLite database, driven by Debian's Chromium.

The site is prepared once per session the way an operator would: migrate, load the registry and the
frameworks, create the demo logins, simulate two weeks of dossiers at a small scale, collectstatic,
issue an API token. The server runs with DEBUG off, so static files are the compressed,
content-hashed copies WhiteNoise serves in production.

Screenshots go to test-artifacts/screenshots/ and the measured figures (live delay, page weight,
throttled load time) to test-artifacts/browser-measurements.json and the end of the pytest report.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from thuocdo.accounts.demo import demo_password

ROOT = Path(__file__).resolve().parents[4]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
THUOCDO = Path(sys.executable).with_name("thuocdo")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
LIVE_COMMUNE = "08494"  # Xã Lâm Thao, Phú Thọ: the commune officer's demo unit
SIM_DAYS, SIM_SCALE = 14, 0.002  # ≈ 5,000 dossiers: every page has figures, preparing takes seconds

MEASURED: dict[str, object] = {}


def record(name: str, value) -> None:
    """Keep a measured figure for the session report and test-artifacts/browser-measurements.json."""
    MEASURED[name] = value


def pytest_terminal_summary(terminalreporter):
    if not MEASURED:
        return
    terminalreporter.section("browser measurements")
    for name, value in MEASURED.items():
        terminalreporter.write_line(f"{name}: {value}")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser-measurements.json").write_text(json.dumps(MEASURED, indent=2, ensure_ascii=False) + "\n")


class Site:
    """A prepared database and a `thuocdo serve` process that can be stopped and started again."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update({
            "DEBUG": "0",
            "SECRET_KEY": "browser-tests-only-not-a-secret",
            "THUOCDO_VAR_DIR": str(workdir),
            "DATABASE_URL": f"sqlite:///{workdir / 'thuocdo.sqlite3'}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        })
        self.env = env
        self.process: subprocess.Popen | None = None
        self.log = None
        self.token = ""

    def run(self, *args: str) -> str:
        done = subprocess.run([str(THUOCDO), *args], env=self.env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"thuocdo {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def prepare(self) -> None:
        from django.utils import timezone

        start = timezone.localdate() - timedelta(days=SIM_DAYS - 1)
        self.run("migrate", "--no-input", "-v", "0")
        self.run("load_units")
        self.run("frameworks", "load")
        self.run("create_demo_accounts")
        self.run("procedures", "simulate", "--seed", "1")  # as `make demo`: the catalogue QĐ 766 reads
        self.run("simulate", "--ingest", "--seed", "1", "--start", start.isoformat(), "--days", str(SIM_DAYS),
                 "--scale", str(SIM_SCALE))
        self.run("collectstatic", "--no-input", "-v", "0")
        issued = json.loads(self.run("tokens", "create", "--name", "kiem-thu-trinh-duyet", "--units", LIVE_COMMUNE,
                                     "--scopes", "dossiers:write", "--json"))
        self.token = issued["token"]

    def start(self, timeout: float = 30.0) -> None:
        self.log = (self.workdir / "serve.log").open("ab")
        self.process = subprocess.Popen(
            [str(THUOCDO), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"thuocdo serve exited: {(self.workdir / 'serve.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/cong-khai/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise RuntimeError("thuocdo serve did not answer within 30 s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        self.log.close()

    def url(self, path: str) -> str:
        return self.base + path

    def ingest(self, events: list[dict]) -> dict:
        """POST events to the API as the source system would; returns the answer once acknowledged."""
        request = urllib.request.Request(
            self.url("/api/v1/dossier-events"), data=json.dumps({"events": events}).encode(), method="POST",
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            return json.loads(response.read())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def site():
    with tempfile.TemporaryDirectory(prefix="thuocdo-browser-") as workdir:
        served = Site(Path(workdir))
        served.prepare()
        served.start()
        try:
            yield served
        finally:
            served.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser, site):
    context = browser.new_context(base_url=site.base, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                  accept_downloads=True, viewport={"width": 1280, "height": 900})
    # htmx fires htmx:sseOpen each time the page's event stream (re)connects.
    context.add_init_script("window.__sseOpen = 0;"
                            "document.addEventListener('htmx:sseOpen', () => { window.__sseOpen += 1; });")
    # Whatever the Content-Security-Policy blocks (an inline script or style, an eval, a foreign asset),
    # Chromium reports on the console; any such line fails the test that caused it.
    violations: list[str] = []
    context.on("console", lambda message: violations.append(f"{message.location.get('url')}: {message.text}")
               if "Content Security Policy" in message.text else None)
    yield context
    context.close()
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def page(context):
    return context.new_page()


def log_in(page, username: str) -> None:
    """Log in through the login form with a demo account; leaves the page where the site sends it."""
    page.goto("/tai-khoan/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo_password(username))
    with page.expect_navigation():
        page.click("form.form button[type=submit]")


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def wait_until_live(page, connections: int = 1, timeout: float = 10_000) -> None:
    """Wait until the page's event stream has opened `connections` times."""
    # A function, not a bare expression: Playwright polls an expression with eval(), which the
    # Content-Security-Policy (no 'unsafe-eval') refuses.
    page.wait_for_function(f"() => window.__sseOpen >= {connections}", timeout=timeout)
