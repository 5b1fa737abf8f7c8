"""Alerts on the national and province pages (and the commune's own), each linking to its unit."""

import re

import pytest

from thuocdo.accounts.permissions import Actor
from thuocdo.alerts.actions import update_alert_rule
from thuocdo.alerts.models import AlertRule
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.tests.factories import PHU_MY, accepted, at

pytestmark = pytest.mark.django_db

MESSAGE = "2 hồ sơ đang quá hạn (ngưỡng 1)."


@pytest.fixture
def overdue_rule_of_one(stream):
    """Lower the overdue threshold to 1; Phú Mỹ gets 2 overdue dossiers (Lâm Thao has 1: not above 1)."""
    update_alert_rule(Actor.system(), AlertRule.objects.get(kind="pending_overdue"), threshold=1)
    ingest_dossier_events(Actor.system(), [
        accepted(f"PM-Q{n}", at("2026-09-10"), at("2026-09-14", "17:00"), unit=PHU_MY) for n in range(2)])


def _alerts(html: str) -> list[tuple[str, str]]:
    start = html.index('<section id="alerts"')
    section = html[start:html.index("</section>", start)]
    return [(kind, re.sub(r"<[^>]+>", "", text)) for kind, text in
            re.findall(r'<li class="(\w+)" data-alert="[^"]+"><b>[^<]+</b> — (.*?)</li>', section)]


# On the national page an alert says the commune's province too (there is a Phường Phú Mỹ in Hồ Chí Minh City).
@pytest.mark.parametrize(("role", "url", "name"), [("admin", "/", "Xã Phú Mỹ, Tỉnh Phú Thọ"),
                                                   ("province", "/u/25/", "Xã Phú Mỹ")])
def test_alerts_link_to_their_unit(overdue_rule_of_one, as_role, role, url, name):
    html = as_role(role).get(url).content.decode()
    assert _alerts(html) == [("pending_overdue", f"{name}: {MESSAGE}")]
    assert f'<a href="/u/{PHU_MY}/">{name}</a>: {MESSAGE}' in html
    assert 'data-alerts="1">1 cảnh báo<' in html


def test_a_commune_sees_its_own_alert(overdue_rule_of_one, as_role, users):
    html = as_role("admin").get(f"/u/{PHU_MY}/").content.decode()
    assert _alerts(html) == [("pending_overdue", MESSAGE)]
    assert _alerts(as_role("commune").get("/u/08494/").content.decode()) == []
    assert "Không có cảnh báo." in as_role("commune").get("/u/08494/").content.decode()
