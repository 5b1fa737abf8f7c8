"""Every page, fragment, export and stream route, walked with hostile query values as each role (issue 9).

The routes come from the URLconf (namespaces `web` and `live`), so a new route fails this test until it
says which parameters it reads. No answer is a server error; a malformed or out-of-range period, date,
week, metric or level is exactly 400 wherever the same URL without it answers 200 (access checks come
first: a visitor is still sent to log in, a stranger still gets 403), with the Vietnamese message on the
page naming the parameter. Values a route ignores change nothing.
"""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from django.core.signals import request_finished
from django.db import close_old_connections
from django.template.loader import render_to_string
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from thuocdo.metrics import notify
from thuocdo.web import documents, live
from thuocdo.web.sections import REGIONS
from thuocdo.web.tests.pages.conftest import ROLES

pytestmark = pytest.mark.django_db

LONG = "x" * 5000
# Malformed or out of range: the route answers 400 naming the parameter (key: the parameter named).
STRICT = {
    "period": ["9999", "9999-W52", "9999-12", "9999-Q4", "bc:9999", "0001-01-01..9999-12-31", "2026-13", "-1",
               LONG, "2016-01-01..2026-09-15"],
    "compare": ["9999-12", "bc:9999", LONG],
    "from": [{"from": "9999-12-01", "to": "9999-12-31"}, {"from": LONG, "to": "2026-09-15"}],
    "to": [{"from": "2026-09-10", "to": "2026-09-01"}, {"from": "2026-09-01", "to": "0001-01-01"}],
    "week": ["9999-W52", "9999-W99", "2026-09", "0001-W01", LONG],
    "metric": ["nope", LONG],
    "level": ["nope", "national", LONG],
    "framework": ["nope", LONG],
    "against": ["9999-12", "bc:9999", "2026-13", LONG],
}
# Wrong but harmless: the page falls back to a default (and says so) or the nearest page.
LENIENT = {
    "framework": ["nope", LONG],
    "color": ["nope", LONG],
    "page": ["-1", "0", str(10**30), LONG],
    "q": ["", "%", "_", "<script>alert(1)</script>", "\u0000", LONG],
    "procedure": ["nope", LONG],
    "status": ["nope", LONG],
    "days": ["-1", "nan", str(10**30), LONG],
    "sort": ["nope", LONG],
}
PAGE = {"period": STRICT, "compare": STRICT, "from": STRICT, "to": STRICT, "framework": LENIENT, "color": LENIENT}
# route name → {parameter it reads: STRICT or LENIENT}
READS = {
    "web:home": PAGE,
    "web:public": {"period": STRICT, "compare": STRICT, "from": STRICT, "to": STRICT},
    "web:public_province": {"period": STRICT, "compare": STRICT, "from": STRICT, "to": STRICT},
    "web:unit": PAGE,
    "web:unit_profile": {},  # POST only
    "web:dossiers": {**PAGE, "metric": STRICT, "page": LENIENT, "procedure": LENIENT, "status": LENIENT,
                     "days": LENIENT, "sort": LENIENT},
    "web:change": {**PAGE, "against": STRICT},
    "web:search": {"q": LENIENT},
    "web:own_css": {},
    "web:fragment": PAGE,
    "live:export_xlsx": {"period": STRICT, "framework": STRICT, "level": STRICT},
    "live:export_weekly_pdf": {"week": STRICT, "framework": STRICT},
    "live:stream": {},
    "live:public_stream": {},
}
SAMPLES = {
    "code": ["VN", "25", "08494", "08236", "99999", "x" * 300],
    "name": [*sorted({name for names in REGIONS.values() for name in names}), "nope"],
}
# Sent back by a browser reconnecting to an event stream: ours are ms since the epoch; these count as absent
# (the stream starts from now: no catch-up, no traceback in the generator after the 200 went out).
HOSTILE_LAST_EVENT_IDS = ["1" * 400, "9" * 16, "abc", "-1", "nan", "inf", "1e999", "1.5", LONG]
STREAMS = {"live:stream", "live:public_stream"}
# Codes whose URLs get every hostile value (the others are checked without them: 404 or 403 first).
HOSTILE_CODES = {"VN", "25", "08494"}


def _routes() -> list[tuple[str, str, str | None]]:
    """(route name, URL, unit code) for every page route with each sample of its path parts."""
    found: list[tuple[str, dict]] = []

    def walk(patterns, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace in ("web", "live"):
                    walk(entry.url_patterns, entry.namespace)
            elif isinstance(entry, URLPattern) and namespace:
                found.append((f"{namespace}:{entry.name}", entry.pattern.converters))

    walk(get_resolver().url_patterns, "")
    assert {name for name, _converters in found} == set(READS), "a new route: say which parameters it reads"
    urls = []
    for name, converters in found:
        combos = [{}]
        for part in converters:
            combos = [{**combo, part: value} for combo in combos for value in SAMPLES[part]]
        urls += [(name, reverse(name, kwargs=combo), combo.get("code")) for combo in combos]
    return urls


def _cases(reads: dict) -> list[tuple[str, dict, bool]]:
    """(parameter named, query, strict) for each hostile value of each parameter the route reads."""
    cases = []
    for param, kind in reads.items():
        for value in (STRICT if kind is STRICT else LENIENT)[param]:
            cases.append((param, value if isinstance(value, dict) else {param: value}, kind is STRICT))
    return cases


def _ignored(reads: dict) -> dict:
    """Every hostile value the route does not read, in one query."""
    query: dict = {}
    for values in (STRICT, LENIENT):
        for param, options in values.items():
            if param not in reads and param not in ("from", "to"):
                query[param] = options[0]
    if "from" not in reads:
        query.update(STRICT["from"][0])
    return query


def _get(client, url: str, query: dict | None = None, headers: dict | None = None):
    response = client.get(url, query or {}, headers=headers)
    # Event streams: never started here (`_opening` reads them), nothing to cancel. Closing a response
    # sends `request_finished`, whose `close_old_connections` would close the test's own connection on
    # PostgreSQL.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    return response


def _opening(response) -> list[bytes]:
    """The first two messages of an event stream, then a disconnect as Django does it (the reader cancelled)."""

    async def read() -> list[bytes]:
        chunks = response.streaming_content
        messages = [await asyncio.wait_for(chunks.__anext__(), 2) for _ in range(2)]
        reader = asyncio.ensure_future(chunks.__anext__())
        await asyncio.sleep(0)
        reader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reader
        return messages

    live.change_log.start()  # subscribes once per process: not the stream's own listener
    with notify._lock:
        listeners = sum(map(len, notify._listeners.values()))
    try:
        return async_to_sync(read)()
    except Exception as error:  # noqa: BLE001 - the walk lists every problem at the end
        return [repr(error).encode()[:80]]
    finally:
        with notify._lock:
            assert sum(map(len, notify._listeners.values())) == listeners  # the stream unsubscribed


@pytest.fixture
def html_reports(monkeypatch):
    """The weekly report's HTML without WeasyPrint (2 s a PDF; test_exports checks the PDFs themselves)."""
    monkeypatch.setattr(documents, "weekly_report_pdf",
                        lambda report: render_to_string("exports/weekly_report.html", {"report": report}).encode())


@pytest.mark.parametrize("role", [None, *ROLES], ids=["anonymous", *ROLES])
def test_no_hostile_value_breaks_a_page(stream, html_reports, client, as_role, role, monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.05)
    client = as_role(role) if role else client
    problems = []
    for name, url, code in _routes():
        base = _get(client, url).status_code
        if base >= 500:
            problems.append((url, "", base))
        reads = {} if name == "web:home" and role is None else READS[name]  # the landing page reads nothing
        ignored = _get(client, url, _ignored(reads)).status_code
        if ignored != base:
            problems.append((url, "ignored values", ignored))
        if base == 404 or (code is not None and code not in HOSTILE_CODES):
            continue
        cases = _cases(reads)
        if base != 200:  # sent to log in or refused before reading anything: one value per parameter shows it
            cases = list({param: (param, query, strict) for param, query, strict in reversed(cases)}.values())
        for param, query, strict in cases:
            response = _get(client, url, query)
            expected = 400 if strict and base == 200 else base
            if response.status_code != expected:
                problems.append((url, {k: v[:20] for k, v in query.items()}, response.status_code))
            elif expected == 400 and f"Tham số <code>{param}</code>: " not in response.content.decode():
                problems.append((url, {k: v[:20] for k, v in query.items()}, "no message naming the parameter"))
        for last_event_id in HOSTILE_LAST_EVENT_IDS if name in STREAMS else ():
            response = _get(client, url, headers={"Last-Event-ID": last_event_id})
            if response.status_code != base:
                problems.append((url, f"Last-Event-ID {last_event_id[:20]}", response.status_code))
            elif base == 200:
                opening = _opening(response)
                if not (opening[0].startswith(b"retry: 3000\nid: ") and opening[1:] == [b": ping\n\n"]):
                    problems.append((url, f"Last-Event-ID {last_event_id[:20]}", opening))
    assert problems == []


NINE = "Năm phải từ 2000 đến 2100, không phải 9999"


@pytest.mark.parametrize(
    ("url", "query", "param", "message"),
    [
        ("/cong-khai/", {"period": "9999"}, "period", f"Kỳ không hợp lệ &#x27;9999&#x27;: {NINE}"),
        ("/", {"period": "9999-12"}, "period", f"Kỳ không hợp lệ &#x27;9999-12&#x27;: {NINE}"),
        ("/u/25/", {"compare": "9999"}, "compare", f"Kỳ không hợp lệ &#x27;9999&#x27;: {NINE}"),
        ("/u/08494/", {"from": "2026-09-10", "to": "2026-09-01"}, "to",
         "Phải không sớm hơn from (10/09/2026), không phải 01/09/2026"),
        ("/u/08494/ho-so/", {"metric": "nope"}, "metric", "Không có chỉ tiêu hồ sơ &#x27;nope&#x27;"),
        ("/u/25/xuat/excel/", {"level": "nope"}, "level",
         "Trang tỉnh xếp hạng xã (commune) hoặc sở, ngành (agency), không phải &#x27;nope&#x27;"),
        ("/u/25/xuat/bao-cao-tuan.pdf", {"week": "2026-09"}, "week",
         "Cần một tuần ISO, ví dụ 2026-W33, không phải &#x27;2026-09&#x27;"),
        ("/", {"period": "2016-01-01..2026-09-15"}, "period", "Kỳ dài quá 3 năm: 01/01/2016–15/09/2026"),
    ],
    ids=["public", "national", "compare", "from-to", "metric", "level", "week", "too-long"],
)
def test_a_bad_parameter_is_a_400_page_in_the_site_layout(stream, as_role, url, query, param, message):
    response = as_role("admin").get(url, query)
    html = response.content.decode()
    assert (response.status_code, response["Content-Type"]) == (400, "text/html; charset=utf-8")
    assert '<header class="top">' in html
    assert "<h1>Tham số không hợp lệ</h1>" in html
    assert f"<p>Tham số <code>{param}</code>: {message}</p>" in html


def test_a_bad_parameter_in_a_fragment_is_a_small_400(stream, as_role):
    response = as_role("admin").get("/u/25/fragments/tiles/", {"period": "9999"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert response.content.decode() == (
        '<p class="error" role="alert">Tham số <code>period</code>: Kỳ không hợp lệ &#x27;9999&#x27;: '
        "Năm phải từ 2000 đến 2100, không phải 9999</p>\n")


def test_a_bad_parameter_page_is_not_cached_publicly(stream, client):
    response = client.get("/cong-khai/", {"period": "9999"})
    assert response.status_code == 400
    assert "public" not in response.get("Cache-Control", "")
