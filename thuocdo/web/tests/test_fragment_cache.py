"""Live regions rendered once per change and shared (issue 10): 304s, data versions per kind, audience, busy database.

The stream of `pages.conftest` (Phú Thọ, 15 September 2026 at noon, frozen): Lâm Thao received 4 dossiers
in September, 1 of them today. A region is rendered by its builder (`sections.BUILDERS`); the tests count
the builder's calls to tell a served render from a new one.
"""

import gzip
import re
from pathlib import Path

import pytest
import time_machine
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from thuocdo.accounts.choices import Role
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import make_user
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.tests.factories import HCMC, LAM_THAO, PHU_MY, PHU_THO, accepted, at
from thuocdo.evaluation import score_rows
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.metrics import notify
from thuocdo.web import cache, sections, views_public
from thuocdo.web.tests.pages.conftest import NOW, SEPTEMBER, stream_rows
from thuocdo.web.tests.pages.helpers import tiles

pytestmark = pytest.mark.django_db

TEMPLATES = Path(sections.__file__).parent / "templates" / "web" / "fragments"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as clock:
        yield clock


@pytest.fixture
def stream(frozen):
    load_frameworks(Actor.system())
    summary = ingest_dossier_events(Actor.system(), stream_rows())
    assert (summary.accepted, summary.rejected) == (12, [])


@pytest.fixture
def builds(monkeypatch):
    """How many times each region was built (a render served from the cache builds nothing)."""
    counted: dict[str, int] = {}

    def counting(name, builder):
        def build(unit, choice):
            counted[name] = counted.get(name, 0) + 1
            return builder(unit, choice)

        return build

    for name, builder in list(sections.BUILDERS.items()):
        monkeypatch.setitem(sections.BUILDERS, name, counting(name, builder))
    return counted


@pytest.fixture
def viewers(db):
    """Logged-in test clients by role (each its own session)."""
    users = {"admin": make_user("qt-tw", Role.CENTRAL_ADMIN, "VN"),
             "viewer": make_user("theodoi-tw", Role.CENTRAL_VIEWER, "VN"),
             "province": make_user("canbo-tinh", Role.PROVINCE_OFFICER, PHU_THO),
             "commune": make_user("canbo-xa", Role.COMMUNE_OFFICER, LAM_THAO)}
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    return clients


def _tiles_url(code: str = LAM_THAO) -> str:
    return f"/u/{code}/fragments/tiles/?framework=qd766&period={SEPTEMBER}"


def _new_dossier_today(commune: str = LAM_THAO) -> list[dict]:
    return [accepted(f"NEW-{commune}", at("2026-09-15", "11:30"), at("2026-09-18", "17:00"), unit=commune, channel=2)]


def test_an_unchanged_region_answers_304_without_building_it(stream, viewers, builds):
    client = viewers["commune"]
    first = client.get(_tiles_url())
    assert (first.status_code, first["Cache-Control"], builds) == (200, "private, no-cache", {"tiles": 1})
    assert first["ETag"].startswith('W/"')
    with CaptureQueriesContext(connection) as queries:
        again = client.get(_tiles_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", first["ETag"])
    assert again["Cache-Control"] == "private, no-cache"
    assert builds == {"tiles": 1}
    # The session, the user, the unit asked for, the user's own unit (the permission check) and the
    # framework version in force (part of the key): nothing of the region's data.
    assert [q["sql"].split(" FROM ")[1].split(" ")[0] for q in queries.captured_queries] == [
        '"django_session"', '"accounts_user"', '"units_unit"', '"units_unit"', '"evaluation_frameworkversion"']
    # Without If-None-Match: the stored render, still not built again.
    assert client.get(_tiles_url()).content == first.content
    assert builds == {"tiles": 1}


def test_a_figures_notice_redraws_only_the_regions_of_the_units_it_names(stream, viewers, builds,
                                                                         django_capture_on_commit_callbacks):
    client = viewers["admin"]
    lam_thao = client.get(_tiles_url())
    assert tiles(lam_thao.content.decode())["received"] == "4"
    elsewhere = client.get(f"/u/{HCMC}/fragments/ranking/?framework=qd766&period={SEPTEMBER}&compare=2026-08")
    assert elsewhere.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):  # the notice goes out after commit: LAM_THAO, 25, VN
        ingest_dossier_events(Actor.system(), _new_dossier_today())
    moved = client.get(_tiles_url(), HTTP_IF_NONE_MATCH=lam_thao["ETag"])
    assert moved.status_code == 200
    assert (tiles(moved.content.decode())["received"], tiles(moved.content.decode())["received-today"]) == ("5", "2")
    assert moved["ETag"] != lam_thao["ETag"]
    unmoved = client.get(f"/u/{HCMC}/fragments/ranking/?framework=qd766&period={SEPTEMBER}&compare=2026-08",
                         HTTP_IF_NONE_MATCH=elsewhere["ETag"])
    assert unmoved.status_code == 304
    assert builds == {"tiles": 2, "ranking": 1}


def test_with_the_refresher_scores_and_figures_move_their_own_regions(stream, viewers, builds, monkeypatch):
    """As under `thuocdo serve`: SCORES notices come from the refresher, so the regions follow each kind apart."""
    monkeypatch.setattr(score_rows, "READ_REFRESHES", False)
    client = viewers["admin"]
    urls = {name: f"/u/VN/fragments/{name}/?framework=qd766&period={SEPTEMBER}&compare=2026-08"
            for name in ("tiles", "map", "provinces", "alerts")}
    etags = {name: client.get(url)["ETag"] for name, url in urls.items()}

    def statuses() -> dict[str, int]:
        return {name: client.get(url, HTTP_IF_NONE_MATCH=etags[name]).status_code for name, url in urls.items()}

    notify.publish([PHU_MY, PHU_THO, "VN"], notify.SCORES)
    assert statuses() == {"tiles": 304, "map": 200, "provinces": 200, "alerts": 304}
    notify.publish([PHU_MY, PHU_THO, "VN"], notify.FIGURES)
    assert statuses() == {"tiles": 200, "map": 200, "provinces": 200, "alerts": 200}
    assert builds == {"tiles": 2, "map": 3, "provinces": 3, "alerts": 2}


def test_readers_with_the_same_view_share_one_render(stream, viewers, builds):
    url = f"/u/{PHU_THO}/fragments/ranking/?framework=qd766&period={SEPTEMBER}&compare=2026-08"
    served = {role: viewers[role].get(url) for role in ("admin", "viewer", "province")}
    assert {role: response.status_code for role, response in served.items()} == {
        "admin": 200, "viewer": 200, "province": 200}
    assert served["admin"].content == served["viewer"].content == served["province"].content
    assert served["admin"]["ETag"] == served["province"]["ETag"]
    assert builds == {"ranking": 1}
    # Nothing of a viewer in the shared bytes: no name, no CSRF token.
    html = served["admin"].content.decode()
    assert "csrfmiddlewaretoken" not in html and "qt-tw" not in html and "canbo-tinh" not in html
    # A browser that takes gzip gets the copy compressed with the render (not compressed again per viewer).
    zipped = viewers["viewer"].get(url, HTTP_ACCEPT_ENCODING="gzip, br")
    assert (zipped["Content-Encoding"], zipped["Vary"]) == ("gzip", "Accept-Encoding, Cookie")
    assert gzip.decompress(zipped.content) == served["admin"].content
    assert builds == {"ranking": 1}


def test_a_commune_officer_never_gets_another_communes_region_even_cached(stream, viewers, builds):
    cached = viewers["admin"].get(_tiles_url(PHU_MY))
    assert cached.status_code == 200
    officer = viewers["commune"]
    for headers in ({}, {"HTTP_IF_NONE_MATCH": cached["ETag"]}):
        refused = officer.get(_tiles_url(PHU_MY), **headers)
        assert refused.status_code == 403
        assert b'data-tile="received"' not in refused.content
    assert officer.get(f"/u/{PHU_THO}/fragments/ranking/?period={SEPTEMBER}").status_code == 403
    assert builds == {"tiles": 1}


def test_a_language_is_its_own_render(stream, viewers, builds):
    client = viewers["commune"]
    vietnamese = client.get(_tiles_url()).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(_tiles_url()).content.decode()
    assert "Hồ sơ tiếp nhận" in vietnamese and "Hồ sơ tiếp nhận" not in english
    assert builds == {"tiles": 2}


def test_without_a_notice_a_render_lives_its_minute(stream, viewers, builds, frozen):
    client = viewers["commune"]
    client.get(_tiles_url())
    ingest_dossier_events(Actor.system(), _new_dossier_today())  # in the test's transaction: no notice
    assert tiles(client.get(_tiles_url()).content.decode())["received"] == "4"
    frozen.shift(cache.TTL_SECONDS + 1)
    assert tiles(client.get(_tiles_url()).content.decode())["received"] == "5"
    assert builds == {"tiles": 2}


def test_a_busy_database_serves_the_last_good_render_with_its_time(stream, viewers, frozen, monkeypatch):
    client = viewers["commune"]
    good = client.get(_tiles_url())
    assert '<time datetime="2026-09-15T12:00:00+07:00">12:00:00</time>' in good.content.decode()
    notify.publish([LAM_THAO, PHU_THO, "VN"], notify.FIGURES)  # a newer version to draw…
    frozen.shift(30)

    def locked(unit, choice):
        raise OperationalError("database is locked")

    monkeypatch.setitem(sections.BUILDERS, "tiles", locked)
    monkeypatch.setitem(sections.BUILDERS, "load", locked)
    stale = client.get(_tiles_url())  # …that cannot be built: the last one, as it was at 12:00:00
    assert (stale.status_code, stale.content) == (200, good.content)
    assert not stale.has_header("ETag")  # asked again next time
    never = client.get(f"/u/{LAM_THAO}/fragments/load/?period={SEPTEMBER}")
    assert (never.status_code, never["Retry-After"]) == (503, "2")
    assert never.content.decode().strip() == (
        '<p class="error" role="alert">Hệ thống đang bận, chưa lấy được số liệu mới; xin thử lại sau 2 giây.</p>')


def test_the_public_board_is_cacheable_by_anyone(stream, client, monkeypatch):
    calls = []
    original = views_public.public_board

    def counting(choice, scope):
        calls.append(scope.code if scope else "VN")
        return original(choice, scope)

    monkeypatch.setattr(views_public, "public_board", counting)
    first = client.get("/cong-khai/", {"period": SEPTEMBER})
    assert first.status_code == 200
    assert (first["Cache-Control"], first["Vary"]) == ("public, max-age=30", "Accept-Encoding, Cookie")
    assert "csrfmiddlewaretoken" not in first.content.decode()
    again = client.get("/cong-khai/", {"period": SEPTEMBER}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again.content, again["Cache-Control"]) == (304, b"", "public, max-age=30")
    assert Client().get("/cong-khai/", {"period": SEPTEMBER}).content == first.content  # another visitor
    assert calls == ["VN"]
    assert client.get("/cong-khai/25/", {"period": SEPTEMBER}).status_code == 200
    assert calls == ["VN", "25"]


def test_fragment_templates_show_nothing_of_the_viewer():
    """Renders are shared by every reader of a unit (`sections.AUDIENCE`): no template may read the viewer."""
    personal = re.compile(r"\b(user|perms|request|csrf_token|messages|can_write)\b")
    for template in sorted(TEMPLATES.glob("*.html")):
        assert personal.findall(template.read_text()) == [], template.name


def test_cache_keys_name_the_database(monkeypatch):
    first = cache.database_key("k", "", 1)
    monkeypatch.setitem(connection.settings_dict, "NAME", "test_thuocdo_gw7")
    other = cache.database_key("k", "", 1)
    assert first != other and other.startswith(":1:") and other.endswith(":k")


def test_a_render_of_older_data_is_served_for_at_most_the_allowed_second(settings):
    import time_machine

    from thuocdo.web.cache import RenderKey, render_once

    settings.LIVE_MAX_STALE_SECONDS = 1.0
    drawn = []

    def draw(text):
        def render():
            drawn.append(text)
            return text
        return render

    with time_machine.travel("2026-09-20T10:00:00+07:00", tick=False) as clock:
        assert render_once(RenderKey("map-vn", "v1"), draw("<p>1</p>")).html == "<p>1</p>"
        clock.shift(0.5)  # a change half a second later: for a request, the render of v1 still stands
        served = render_once(RenderKey("map-vn", "v2"), draw("<p>2</p>"), allow_stale=True)
        assert (served.html, served.version) == ("<p>1</p>", "v1")
        clock.shift(0.6)  # 1.1 s after it was drawn: v2 is drawn
        served = render_once(RenderKey("map-vn", "v2"), draw("<p>2</p>"), allow_stale=True)
        assert (served.html, served.version) == ("<p>2</p>", "v2")
        clock.shift(0.1)  # a push never gets older data, however recent: nothing would follow to correct it
        served = render_once(RenderKey("map-vn", "v3"), draw("<p>3</p>"))
        assert (served.html, served.version) == ("<p>3</p>", "v3")
    assert drawn == ["<p>1</p>", "<p>2</p>", "<p>3</p>"]
    assert RenderKey("map-vn", "v2").etag_of("v1") != RenderKey("map-vn", "v2").etag


def test_while_another_request_draws_a_region_a_page_gets_the_last_render_at_once(settings):
    """Stale while revalidating: a request finding the new version being drawn elsewhere is served the latest
    render (up to TTL_SECONDS old) instead of queueing behind that render; a push still waits for it."""
    import time_machine
    from django.core.cache import cache

    from thuocdo.web.cache import TTL_SECONDS, RenderKey, render_once

    settings.LIVE_MAX_STALE_SECONDS = 1.0
    with time_machine.travel("2026-09-20T10:00:00+07:00", tick=False) as clock:
        assert render_once(RenderKey("map-vn", "v1"), lambda: "<p>1</p>").html == "<p>1</p>"
        clock.shift(30)  # well past the allowed second
        key = RenderKey("map-vn", "v2")
        cache.add(f"{key.html}:{key.version}:lock", 1, 10)  # another request is drawing v2
        served = render_once(key, lambda: pytest.fail("drawn again"), allow_stale=True)
        assert (served.html, served.version) == ("<p>1</p>", "v1")
        clock.shift(TTL_SECONDS)
        cache.delete(f"{key.html}:{key.version}:lock")  # the other render failed: this request draws v2 itself
        served = render_once(key, lambda: "<p>2</p>", allow_stale=True)
        assert (served.html, served.version) == ("<p>2</p>", "v2")
