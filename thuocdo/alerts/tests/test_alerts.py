"""Alerts fire exactly when a rule's threshold is crossed; rules are data an administrator edits."""

from datetime import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from thuocdo.accounts.choices import Role
from thuocdo.accounts.models import AuditEntry
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import make_user
from thuocdo.alerts.actions import update_alert_rule
from thuocdo.alerts.models import AlertRule
from thuocdo.alerts.queries import current_alerts
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.ontime import Status
from thuocdo.dossiers.tests.factories import ICT, LAM_THAO, PHU_MY, accepted, at, event
from thuocdo.units.models import Unit

pytestmark = pytest.mark.django_db

# Tuesday 15 September 2026, noon: "this week" is 9–15 September, "the week before" 2–8 September.
NOW = datetime(2026, 9, 15, 12, 0, tzinfo=ICT)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as clock:
        yield clock


def _rule(kind: str) -> AlertRule:
    return AlertRule.objects.get(kind=kind)


def _found(scope: str = "VN") -> list[tuple[str, str, str]]:
    return [(a.kind, a.unit.code, a.message) for a in current_alerts(Unit.objects.get(code=scope))]


def _ingest(rows):
    summary = ingest_dossier_events(Actor.system(), rows)
    assert summary.rejected == []


def test_default_rules_are_seeded():
    rules = [(r.kind, r.threshold, r.min_volume, r.active) for r in AlertRule.objects.order_by("kind")]
    assert rules == [("load_spike", 3.0, 10, True), ("ontime_drop", 5.0, 10, True), ("pending_overdue", 50.0, 0, True)]


def test_nothing_fires_without_dossiers():
    assert _found() == []


def _one_week_then_another():
    """Lâm Thao: the week before, 1 resolved early (100 %); this week 2 resolved, 1 late (50 %)."""
    _ingest([
        accepted("A", at("2026-09-02"), at("2026-09-10", "17:00")),
        event("A", Status.PROCESSED, at("2026-09-03")),
        accepted("B", at("2026-09-08"), at("2026-09-14", "17:00")),
        event("B", Status.PROCESSED, at("2026-09-10")),
        accepted("C", at("2026-09-08"), at("2026-09-09", "17:00")),
        event("C", Status.PROCESSED, at("2026-09-11")),
    ])


def test_on_time_drop_fires_at_the_threshold_and_not_above_it():
    _one_week_then_another()
    assert _found() == []  # default: at least 10 resolved each week
    rule = update_alert_rule(Actor.system(), _rule("ontime_drop"), min_volume=1, threshold=50)
    expected = ("ontime_drop", LAM_THAO,
                "Tỷ lệ đúng hạn 7 ngày qua 50,0%, giảm 50,0 điểm so với 7 ngày trước (100,0%).")
    assert _found() == [expected]
    assert _found("25") == [expected]
    assert _found(LAM_THAO) == [expected]
    assert _found(PHU_MY) == []
    update_alert_rule(Actor.system(), rule, threshold=50.1)
    assert _found() == []
    update_alert_rule(Actor.system(), rule, threshold=5, min_volume=2)  # only 1 resolved the week before
    assert _found() == []


def test_pending_overdue_fires_above_the_threshold():
    overdue = [accepted(f"Q{n}", at("2026-09-01"), at("2026-09-10", "17:00"), unit=PHU_MY) for n in range(50)]
    _ingest(overdue)
    assert _found() == []  # 50 is not above 50
    _ingest([accepted("Q50", at("2026-09-02"), at("2026-09-11", "17:00"), unit=PHU_MY),
             accepted("Q51", at("2026-09-14"), at("2026-09-16", "17:00"), unit=PHU_MY)])  # not yet due
    assert _found() == [("pending_overdue", PHU_MY, "51 hồ sơ đang quá hạn (ngưỡng 50).")]
    update_alert_rule(Actor.system(), _rule("pending_overdue"), active=False)
    assert _found() == []


def test_load_spike_against_the_30_day_median():
    """Phú Mỹ receives 3 dossiers a day over the 30 days before today; 9 today is 3×, 10 is more."""
    days = [f"2026-08-{d:02d}" for d in range(16, 32)] + [f"2026-09-{d:02d}" for d in range(1, 15)]
    _ingest([accepted(f"PM-{day}-{n}", at(day), at("2026-09-30"), unit=PHU_MY) for day in days for n in range(3)])
    _ingest([accepted(f"PM-today-{n}", at("2026-09-15", "08:00"), at("2026-09-30"), unit=PHU_MY) for n in range(9)])
    assert _found() == []
    _ingest([accepted("PM-today-9", at("2026-09-15", "09:00"), at("2026-09-30"), unit=PHU_MY)])
    assert _found() == [("load_spike", PHU_MY,
                         "Hôm nay tiếp nhận 10 hồ sơ, gấp 3,3 lần trung vị 30 ngày (3 hồ sơ/ngày).")]
    assert _found("79") == []


def test_load_spike_of_a_commune_that_usually_has_nothing():
    _ingest([accepted(f"LT-today-{n}", at("2026-09-15", "08:00"), at("2026-09-30")) for n in range(10)])
    assert _found() == [("load_spike", LAM_THAO, "Hôm nay tiếp nhận 10 hồ sơ; trung vị 30 ngày là 0 hồ sơ/ngày.")]
    update_alert_rule(Actor.system(), _rule("load_spike"), min_volume=11)
    assert _found() == []


def test_alerts_are_ordered_spikes_then_overdue_then_drops():
    _one_week_then_another()
    update_alert_rule(Actor.system(), _rule("ontime_drop"), min_volume=1)
    update_alert_rule(Actor.system(), _rule("pending_overdue"), threshold=0)
    _ingest([accepted(f"PM-today-{n}", at("2026-09-15", "08:00"), at("2026-09-15", "10:00"), unit=PHU_MY)
             for n in range(10)])
    assert [(kind, code) for kind, code, _m in _found()] == [
        ("load_spike", PHU_MY), ("pending_overdue", PHU_MY), ("ontime_drop", LAM_THAO)]


def test_rules_are_edited_by_central_admins_only_and_audited():
    rule = _rule("pending_overdue")
    admin = make_user("qt", Role.CENTRAL_ADMIN, "VN")
    update_alert_rule(Actor.for_user(admin), rule, threshold=40)
    entry = AuditEntry.objects.get(action="alerts.update_rule")
    assert (entry.actor_label, entry.object_id, entry.before, entry.after) == (
        "qt", str(rule.pk), {"threshold": 50.0, "min_volume": 0, "active": True},
        {"threshold": 40.0, "min_volume": 0, "active": True})
    officer = make_user("tinh", Role.PROVINCE_OFFICER, "25")
    with pytest.raises(PermissionDenied):
        update_alert_rule(Actor.for_user(officer), rule, threshold=1)
    assert _rule("pending_overdue").threshold == 40.0
    assert AuditEntry.objects.filter(action="alerts.update_rule").count() == 1


def test_rules_are_edited_in_the_admin(client):
    admin = make_user("qt", Role.CENTRAL_ADMIN, "VN")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    rule = _rule("load_spike")
    response = client.post(f"/admin/alerts/alertrule/{rule.pk}/change/",
                           {"kind": "load_spike", "threshold": "4", "min_volume": "20", "active": "on"})
    assert response.status_code == 302
    assert (_rule("load_spike").threshold, _rule("load_spike").min_volume) == (4.0, 20)
    entry = AuditEntry.objects.get(action="admin.change", object_type="AlertRule")
    assert (entry.before["threshold"], entry.after["threshold"]) == (3.0, 4.0)
