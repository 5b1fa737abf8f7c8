"""The nation's regions are made of its provinces' parts: a change in one commune redraws one province's part.

The national map is 34 layers and the national alerts the merge of 34 provinces' lists, each kept
under its province's data versions (issue 10: the country's map and alerts cost ≈ 0.5 s a change).
"""

from datetime import datetime

import pytest
import time_machine

from thuocdo.accounts.choices import Role
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import make_user
from thuocdo.alerts.actions import update_alert_rule
from thuocdo.alerts.models import AlertRule
from thuocdo.alerts.queries import current_alerts
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.tests.factories import ICT, LAM_THAO, PHU_MY, PHUONG_PHU_MY, accepted, at
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.metrics import notify
from thuocdo.units.models import Unit
from thuocdo.web import sections
from thuocdo.web.picker import choose
from thuocdo.web.queries import boards, maps
from thuocdo.web.warmup import warm_pages

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 9, 15, 12, 0, tzinfo=ICT)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as clock:
        yield clock


def _ingest(rows) -> None:
    assert ingest_dossier_events(Actor.system(), rows).rejected == []


def _changed(*codes: str) -> None:
    """The notices an ingest sends once it commits (a test's transaction never commits)."""
    for kind in notify.KINDS:
        notify.publish(codes, kind)


def _counting(monkeypatch, module, name: str) -> list:
    calls = []
    original = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *args, **kwargs: calls.append(args) or original(*args, **kwargs))
    return calls


def test_the_national_alerts_are_the_merge_of_the_provinces_and_a_change_recomputes_one(monkeypatch):
    update_alert_rule(Actor.system(), AlertRule.objects.get(kind="pending_overdue"), threshold=0)
    due_at_ten = at("2026-09-15", "10:00")
    _ingest([accepted(f"PM-{n}", at("2026-09-15", "08:00"), due_at_ten, unit=PHU_MY) for n in range(10)]
            + [accepted(f"HCM-{n}", at("2026-09-14"), due_at_ten, unit=PHUONG_PHU_MY) for n in range(5)]
            + [accepted(f"LT-{n}", at("2026-09-14"), due_at_ten) for n in range(3)])
    computed = _counting(monkeypatch, sections, "current_alerts")

    shown, count, _at = sections.national_alerts()

    country = [(a.kind, a.unit.code, a.message) for a in current_alerts(Unit.objects.get(code="VN"))]
    assert [(a.kind, a.unit.code, a.message) for a in shown] == country == [
        ("load_spike", PHU_MY, "Hôm nay tiếp nhận 10 hồ sơ; trung vị 30 ngày là 0 hồ sơ/ngày."),
        ("pending_overdue", PHU_MY, "10 hồ sơ đang quá hạn (ngưỡng 0)."),
        ("pending_overdue", PHUONG_PHU_MY, "5 hồ sơ đang quá hạn (ngưỡng 0)."),
        ("pending_overdue", LAM_THAO, "3 hồ sơ đang quá hạn (ngưỡng 0)."),
    ]
    assert count == 4
    # Nothing kept yet (a restart): the country's alerts are read once and kept per province.
    assert [args[0].code for args in computed] == ["VN"]

    _ingest([accepted("LT-3", at("2026-09-14"), due_at_ten)])
    _changed(LAM_THAO, "25", "VN")
    computed.clear()
    shown, count, _at = sections.national_alerts()
    assert [args[0].code for args in computed] == ["25"]
    assert (shown[3].unit.code, shown[3].message, count) == (LAM_THAO, "4 hồ sơ đang quá hạn (ngưỡng 0).", 4)


def test_the_national_map_redraws_only_the_layer_of_the_province_that_changed(monkeypatch):
    load_frameworks(Actor.system())
    nation = Unit.objects.get(code="VN")
    choice = choose({"period": "2026-09", "color": "overdue"}, default_compare=True)
    drawn = _counting(monkeypatch, maps, "draw")
    read = _counting(monkeypatch, boards, "layer_communes")

    first = sections.build_map(nation, choice)
    assert len(drawn) == 34 and first["dots"] == 3321
    assert [len(args[1]) for args in read] == [3321]  # nothing kept yet: one read for every commune

    _ingest([accepted("LT-1", at("2026-09-14"), at("2026-09-15", "10:00"))])
    _changed(LAM_THAO, "25", "VN")
    drawn.clear()
    after = sections.build_map(nation, choice)

    assert [{u.province_code for u in call[0]} for call in drawn] == [{"25"}]
    assert [{u.province_code for u in args[1]} for args in read[1:]] == [{"25"}]
    assert str(after["svg"]).count("<a href=") == 3321
    dot = f'<a href="/u/{LAM_THAO}/"><path'
    before_dot, after_dot = (str(m["svg"]).split(dot)[1].split("</a>")[0] for m in (first, after))
    assert "quá hạn" not in before_dot and after_dot.endswith("· 1 quá hạn</title></path>")
    assert 'class="map-layer" id="map-layer-25"' in str(after["svg"])


def test_the_default_pages_drawn_ahead_are_served_without_drawing(client, monkeypatch):
    load_frameworks(Actor.system())
    client.force_login(make_user("tw1", Role.CENTRAL_VIEWER, "VN"))

    assert warm_pages() == 4 + 34 * 5  # the national page's regions and each province page's

    drawn = _counting(monkeypatch, sections, "region")
    assert client.get("/").status_code == 200
    assert client.get("/u/25/").status_code == 200
    assert drawn == []


def test_the_national_alerts_name_the_province_of_each_commune(client):
    """Phường Phú Mỹ is in Hồ Chí Minh City, Xã Phú Mỹ in Phú Thọ: on the national page each says where it is."""
    load_frameworks(Actor.system())
    update_alert_rule(Actor.system(), AlertRule.objects.get(kind="pending_overdue"), threshold=0)
    due_at_ten = at("2026-09-15", "10:00")
    _ingest([accepted("HCM-1", at("2026-09-14"), due_at_ten, unit=PHUONG_PHU_MY),
             accepted("PM-1", at("2026-09-14"), due_at_ten, unit=PHU_MY)])
    client.force_login(make_user("tw1", Role.CENTRAL_VIEWER, "VN"))

    html = client.get("/u/VN/fragments/alerts/").content.decode()
    province_html = client.get("/u/25/fragments/alerts/").content.decode()

    assert f'href="/u/{PHUONG_PHU_MY}/">Phường Phú Mỹ, Thành phố Hồ Chí Minh</a>' in html
    assert f'href="/u/{PHU_MY}/">Xã Phú Mỹ, Tỉnh Phú Thọ</a>' in html
    assert f'href="/u/{PHU_MY}/">Xã Phú Mỹ</a>' in province_html  # within its province, the province goes unsaid
