"""Each live region has its own URL returning the same figures as the page; a change notice refreshes it."""

import re

import pytest

from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.tests.factories import LAM_THAO, accepted, at
from thuocdo.web.tests.pages.conftest import SEPTEMBER
from thuocdo.web.tests.pages.helpers import map_dots, tiles

pytestmark = pytest.mark.django_db


def _section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}"')
    return html[start:html.index("</section>", start) + len("</section>")]


@pytest.mark.parametrize(("code", "regions"), [
    ("VN", ["tiles", "provinces", "map", "alerts"]),
    ("25", ["tiles", "alerts", "worst", "map", "ranking"]),
    (LAM_THAO, ["tiles", "alerts", "score", "load", "overdue", "trends"]),
])
def test_fragments_return_what_the_page_shows(stream, as_role, code, regions):
    client = as_role("admin")
    page = client.get("/" if code == "VN" else f"/u/{code}/", {"period": SEPTEMBER}).content.decode()
    for name in regions:
        url = re.search(rf'<section id="{name}"[^>]* data-url="([^"]+)"', page).group(1).replace("&amp;", "&")
        fragment = client.get(url)
        assert fragment.status_code == 200
        assert fragment.content.decode().strip() == _section(page, name).strip(), name


def test_tile_numbers_are_the_same_in_the_fragment(stream, as_role):
    client = as_role("commune")
    page = tiles(client.get(f"/u/{LAM_THAO}/", {"period": SEPTEMBER}).content.decode())
    fragment = tiles(client.get(f"/u/{LAM_THAO}/fragments/tiles/", {"period": SEPTEMBER}).content.decode())
    assert fragment == page == {"received": "4", "received-today": "1", "online": "75,0%",
                                "online-today": "100,0%", "ontime": "100,0%", "ontime-today": "—", "overdue": "1"}


def test_an_unchanged_fragment_answers_304(stream, as_role):
    client = as_role("admin")
    first = client.get("/u/VN/fragments/map/", {"period": SEPTEMBER})
    assert first["Cache-Control"] == "private, no-cache"
    again = client.get("/u/VN/fragments/map/", {"period": SEPTEMBER}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again.content) == (304, b"")


def test_a_change_notice_refreshes_the_cached_figures(stream, as_role, django_capture_on_commit_callbacks):
    client = as_role("commune")
    before = client.get(f"/u/{LAM_THAO}/fragments/tiles/", {"period": SEPTEMBER}).content.decode()
    assert tiles(before)["received-today"] == "1"
    with django_capture_on_commit_callbacks(execute=True):
        ingest_dossier_events(Actor.system(), [
            accepted("LT-5", at("2026-09-15", "11:30"), at("2026-09-18", "17:00"), unit=LAM_THAO, channel=2)])
    after = client.get(f"/u/{LAM_THAO}/fragments/tiles/", {"period": SEPTEMBER}).content.decode()
    assert (tiles(after)["received-today"], tiles(after)["received"]) == ("2", "5")


def test_without_a_notice_a_figure_is_kept_a_minute(stream, as_role, frozen):
    client = as_role("commune")
    client.get(f"/u/{LAM_THAO}/fragments/tiles/", {"period": SEPTEMBER})
    ingest_dossier_events(Actor.system(), [  # in the test's transaction: no commit, no notice
        accepted("LT-5", at("2026-09-15", "11:30"), at("2026-09-18", "17:00"), unit=LAM_THAO)])
    kept = client.get(f"/u/{LAM_THAO}/fragments/tiles/", {"period": SEPTEMBER}).content.decode()
    assert tiles(kept)["received"] == "4"
    frozen.shift(61)
    fresh = client.get(f"/u/{LAM_THAO}/fragments/tiles/", {"period": SEPTEMBER}).content.decode()
    assert tiles(fresh)["received"] == "5"


def test_province_map_fragment_keeps_the_colour(stream, as_role):
    html = as_role("province").get("/u/25/fragments/map/", {"period": SEPTEMBER, "color": "overdue"}).content.decode()
    assert len(map_dots(html)) == 148
    assert "hồ sơ quá hạn</b>" in html  # the chosen colouring, not a link
