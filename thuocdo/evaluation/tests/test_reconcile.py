"""Cross-source reconciliation (issue 11 §3): the portal's figure beside our own, a gap over 0.01 flagged."""

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

from thuocdo.accounts.choices import Role
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import PASSWORD, make_user
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.ontime import Status
from thuocdo.dossiers.tests.factories import ICT, LAM_THAO, accepted, at, event
from thuocdo.evaluation import reconcile
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.evaluation.explain import explain
from thuocdo.evaluation.frameworks import load_preset
from thuocdo.evaluation.models import DataQualityIssue
from thuocdo.evaluation.periods import parse_period
from thuocdo.evaluation.portal_import import CROSS_SOURCE, import_portal766
from thuocdo.units.models import Unit

PROGRESS = Path(__file__).parent / "data" / "qd766-portal" / "dvc-progress-tree" / "month-all.json"
AUGUST = parse_period("2026-08")
BOTH = {
    "portal766.progress.total_on_time": 8, "portal766.progress.total_received": 10,  # portal: 20 × 8/10
    "dossier.resolved.early": 3, "dossier.resolved.on_time": 2, "dossier.pending.within_deadline": 1,
    "dossier.resolved": 6, "dossier.pending": 2,  # ours: 20 × 6/8
}


def test_the_portal_figure_wins_and_ours_is_shown_beside_it():
    framework = load_preset("qd766")
    score = reconcile.score_unit(framework, "commune", BOTH)
    live = reconcile.live_score(framework, "commune", BOTH)
    assert reconcile.indicator_pairs(score, live) == {"DOSSIER_ON_TIME": (Decimal("16.00"), Decimal("15.00"))}
    assert reconcile.differs(Decimal("16.00"), Decimal("15.00"))
    assert not reconcile.differs(Decimal("16.00"), Decimal("15.99")) and not reconcile.differs(None, Decimal(1))


def test_without_a_portal_figure_there_is_nothing_to_reconcile():
    ours = {k: v for k, v in BOTH.items() if k.startswith("dossier.")}
    framework = load_preset("qd766")
    assert not reconcile.portal_backed(ours)
    assert reconcile.indicator_pairs(reconcile.score_unit(framework, "commune", ours),
                                     reconcile.live_score(framework, "commune", ours)) == {}


@pytest.mark.django_db
def test_an_import_flags_a_unit_whose_own_data_disagrees_with_the_portal(client):
    # Our stream for Xã Lâm Thao in August: one dossier, resolved late (0 of 20 points on progress).
    rows = [accepted("R-1", at("2026-08-03"), at("2026-08-05", "17:00")),
            event("R-1", Status.PROCESSED, at("2026-08-10"))]
    with time_machine.travel(datetime(2026, 8, 10, 10, 0, tzinfo=ICT), tick=False):
        assert ingest_dossier_events(Actor.system(), rows).accepted == 2
    result = import_portal766(Actor.system(), PROGRESS, AUGUST)

    # Phú Thọ streams to us, so every one of its 164 units has figures of ours for August: Lâm Thao one late
    # dossier, the others none at all — each portal score above 0 is a gap in what reached us.
    assert result.reconciled == 164
    issues = DataQualityIssue.objects.filter(source=CROSS_SOURCE)
    assert issues.count() == len(result.cross_source) > 1
    issue = issues.get(unit_code=LAM_THAO)
    assert (issue.group_code, issue.ours) == ("TDGQ", 0.0)
    assert issue.message.startswith("Xã Lâm Thao: nhóm TDGQ theo Cổng ")
    assert "không nhận được hồ sơ nào" not in issue.message
    other = issues.exclude(unit_code=LAM_THAO).first()
    assert other.message.endswith("; Thước Đo không nhận được hồ sơ nào của đơn vị trong kỳ")
    # The explanation shows both: the portal's points (they count) and ours beside them, flagged.
    lam_thao = Unit.objects.get(code=LAM_THAO)
    with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=ICT), tick=False):
        shown = explain(load_preset("qd766"), lam_thao, AUGUST)
    progress = next(g for g in shown["groups"] if g["code"] == "TDGQ")["indicators"][0]
    assert (progress["points"], progress["live_points"], progress["differs"]) == (issue.official, 0.0, True)
    assert progress["source"].startswith("Cổng DVCQG")
    # … and so does the commune's page.
    load_frameworks(Actor.system())
    make_user("xa", Role.COMMUNE_OFFICER, LAM_THAO)
    client.login(username="xa", password=PASSWORD)
    with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=ICT), tick=False):
        html = client.get(f"/u/{LAM_THAO}/fragments/score/", {"period": "2026-08"}).content.decode()
    assert ('<p class="reconcile differs" data-reconcile="DOSSIER_ON_TIME">Theo số liệu của Thước Đo: <b>0,00</b> điểm'
            ' — <strong>lệch với Cổng quá 0,01 điểm: vấn đề chất lượng dữ liệu</strong></p>') in html
