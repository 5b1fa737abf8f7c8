"""A small ingested stream in Phú Thọ, frozen at noon on Tuesday 15 September 2026, and one user per role.

Xã Lâm Thao (08494), September: LT-1 online, early; LT-2 in person, on time; LT-3 online, pending past
its due time (12/09); LT-4 online, received today, pending within its deadline.
Xã Phú Mỹ (08236), September: PM-1 early; PM-2 late; PM-3 online, received and resolved today.

So in September: Lâm Thao 4 received (3 online, 75,0%), 2 resolved both in time (100,0%), 2 pending of
which 1 overdue; Phú Mỹ 3 received (1 online, 33,3%), 3 resolved, 2 in time (66,7%); Phú Thọ and the
nation 7 received (4 online, 57,1%), 5 resolved, 4 in time (80,0%), 1 overdue of 2 pending.
Today: Lâm Thao 1 received (online), nothing resolved; Phú Mỹ 1 received online, 1 resolved in time;
Phú Thọ 2 received (100,0% online), 1 resolved (100,0%).
QĐ 766 progress (the only group with data): Lâm Thao (2 + 1 within) / (2 + 2) = 75 % → 15,00 points;
Phú Mỹ 2 / 3 → 13,33 points.
"""

from datetime import datetime

import pytest
import time_machine

from thuocdo.accounts.choices import Role
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import make_user
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.ontime import Status
from thuocdo.dossiers.tests.factories import ICT, LAM_THAO, PHU_MY, accepted, at, event
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.web.cache import forget

NOW = datetime(2026, 9, 15, 12, 0, tzinfo=ICT)
SEPTEMBER = "2026-09"
ROLES = ("admin", "viewer", "province", "commune", "inspector")


@pytest.fixture(autouse=True)
def _clean_page_cache():
    forget()
    yield
    forget()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as clock:
        yield clock


def stream_rows() -> list[dict]:
    return [
        accepted("LT-1", at("2026-09-01"), at("2026-09-10", "17:00"), unit=LAM_THAO, channel=2),
        event("LT-1", Status.PROCESSED, at("2026-09-03"), unit=LAM_THAO),
        accepted("LT-2", at("2026-09-02"), at("2026-09-10", "17:00"), unit=LAM_THAO, channel=1),
        event("LT-2", Status.PROCESSED, at("2026-09-10", "16:00"), unit=LAM_THAO),
        accepted("LT-3", at("2026-09-08"), at("2026-09-12", "17:00"), unit=LAM_THAO, channel=2),
        accepted("LT-4", at("2026-09-15", "08:00"), at("2026-09-20", "17:00"), unit=LAM_THAO, channel=2),
        accepted("PM-1", at("2026-09-01"), at("2026-09-10", "17:00"), unit=PHU_MY),
        event("PM-1", Status.PROCESSED, at("2026-09-04"), unit=PHU_MY),
        accepted("PM-2", at("2026-09-01"), at("2026-09-05", "17:00"), unit=PHU_MY),
        event("PM-2", Status.PROCESSED, at("2026-09-08"), unit=PHU_MY),
        accepted("PM-3", at("2026-09-15", "09:00"), at("2026-09-25", "17:00"), unit=PHU_MY, channel=2),
        event("PM-3", Status.PROCESSED, at("2026-09-15", "11:00"), unit=PHU_MY),
    ]


@pytest.fixture
def stream(db, frozen):
    load_frameworks(Actor.system())
    summary = ingest_dossier_events(Actor.system(), stream_rows())
    assert (summary.accepted, summary.rejected) == (12, [])


@pytest.fixture
def users(db):
    return {
        "admin": make_user("qt-tw", Role.CENTRAL_ADMIN, "VN"),
        "viewer": make_user("theodoi-tw", Role.CENTRAL_VIEWER, "VN"),
        "province": make_user("canbo-tinh", Role.PROVINCE_OFFICER, "25"),
        "commune": make_user("canbo-xa", Role.COMMUNE_OFFICER, LAM_THAO),
        "inspector": make_user("tocongtac-1", Role.INSPECTOR, "VN", assigned=["25"]),
    }


@pytest.fixture
def as_role(client, users):
    """Log the test client in as one of ROLES (`as_role("commune")`) and return it."""

    def login(role: str):
        client.force_login(users[role])
        return client

    return login
