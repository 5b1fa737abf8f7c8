"""Procedure names beside codes: the cached lookup, and the dossier list of a commune."""

import re
from datetime import datetime
from pathlib import Path

import pytest
import time_machine

from thuocdo.accounts.choices import Role
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import make_user
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.tests.factories import ICT, LAM_THAO, accepted, at
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.procedures import names
from thuocdo.procedures.actions import import_procedures
from thuocdo.procedures.names import procedure_names
from thuocdo.web.cache import forget

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "danh-muc-thu-tuc.csv"


@pytest.fixture(autouse=True)
def _fresh():
    names.clear()
    forget()
    yield
    names.clear()
    forget()


def test_names_of_known_codes_only(db):
    import_procedures(Actor.system(), EXAMPLE)
    assert procedure_names(["1.001193", "9.999999", "", "2.000815"]) == {
        "1.001193": "Đăng ký khai sinh", "2.000815": "Chứng thực bản sao từ bản chính giấy tờ, văn bản"}


def test_an_import_refreshes_the_cached_names(db):
    assert procedure_names(["1.001193"]) == {}
    import_procedures(Actor.system(), EXAMPLE)
    # The import clears the cache after commit; pytest's db fixture never commits, so clear as commit would.
    names.clear()
    assert procedure_names(["1.001193"]) == {"1.001193": "Đăng ký khai sinh"}


def test_the_dossier_list_shows_the_procedure_name(db, client):
    import_procedures(Actor.system(), EXAMPLE)
    load_frameworks(Actor.system())
    with time_machine.travel(datetime(2026, 9, 15, 12, 0, tzinfo=ICT), tick=False):
        summary = ingest_dossier_events(Actor.system(), [
            accepted("LT-1", at("2026-09-01"), at("2026-09-10", "17:00"), unit=LAM_THAO, procedure="1.001193"),
            accepted("LT-2", at("2026-09-02"), at("2026-09-10", "17:00"), unit=LAM_THAO, procedure="1.999999"),
            accepted("LT-3", at("2026-09-03"), at("2026-09-10", "17:00"), unit=LAM_THAO),
        ])
        assert (summary.accepted, summary.rejected) == (3, [])
        client.force_login(make_user("canbo-xa", Role.COMMUNE_OFFICER, LAM_THAO))
        html = client.get(f"/u/{LAM_THAO}/ho-so/", {"metric": "dossier.received", "period": "2026-09"}).content.decode()
    cells = re.findall(r"<tr><td>(LT-\d)</td><td>(.*?)</td>", html)
    assert cells == [
        ("LT-1", '1.001193 <span class="muted">Đăng ký khai sinh</span>'),
        ("LT-2", "1.999999"),
        ("LT-3", "—"),
    ]
