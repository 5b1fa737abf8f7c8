"""Every QĐ 766 group from our own data (issue 11 §3): hand-made dossiers and catalogue, exact points.

The rules are domain.md §3's; the expected points below are worked by hand from them:
transparency max × ratio; progress 20 × on time / received; online payment 6A + min(2, 2.5B) + 2.5C;
digitisation min(max, max × ratio), reuse min(2, 2 × ratio / 0.8); dossier satisfaction
min(6, 6 × ratio / 0.9); online services (commune) the labelled estimate
min(2, 2A / 0.8) + 4B + min(6, 6C / 0.5). Each indicator rounded half up to 2 decimals.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.ontime import Status
from thuocdo.dossiers.tests.factories import ICT, LAM_THAO, PHU_MY, accepted, event
from thuocdo.evaluation.frameworks import load_preset
from thuocdo.evaluation.periods import parse_period
from thuocdo.evaluation.queries import score_units
from thuocdo.procedures.models import CertifiedCopyOffering, Procedure, Publication
from thuocdo.units.models import Unit

pytestmark = pytest.mark.django_db

SEPTEMBER = parse_period("2026-09", today=date(2026, 12, 3))
CERTIFIED, BIRTH, LAND = "2.000815", "1.001193", "1.004227"
ACCEPT = datetime(2026, 9, 1, 9, 0, tzinfo=ICT)
DUE = datetime(2026, 9, 4, 17, 0, tzinfo=ICT)
PROCESSED = datetime(2026, 9, 2, 9, 0, tzinfo=ICT)
RETURNED = datetime(2026, 9, 3, 9, 0, tzinfo=ICT)


def _catalogue() -> None:
    procedures = [
        Procedure(code=CERTIFIED, name="Chứng thực bản sao từ bản chính", field="Chứng thực", level="commune",
                  online_level="partial", has_fee=True, search_key="chung thuc"),
        Procedure(code=BIRTH, name="Đăng ký khai sinh", field="Hộ tịch", level="commune", online_level="full",
                  data_replaceable=True, search_key="dang ky khai sinh"),
        Procedure(code=LAND, name="Đăng ký biến động đất đai", field="Đất đai", level="commune", online_level="none",
                  has_fee=True, search_key="dang ky bien dong"),
    ]
    Procedure.objects.bulk_create(procedures)
    Publication.objects.bulk_create([
        # Due in September, published a day early, its update late; complete.
        Publication(province_code="25", procedure=procedures[0], publish_due=date(2026, 9, 10),
                    published_on=date(2026, 9, 9), update_due=date(2026, 9, 20), updated_on=date(2026, 9, 25),
                    content_full=True),
        # Due in September, published late and incomplete.
        Publication(province_code="25", procedure=procedures[1], publish_due=date(2026, 9, 15),
                    published_on=date(2026, 9, 18), content_full=False),
        # Due in October, published in September, complete.
        Publication(province_code="25", procedure=procedures[2], publish_due=date(2026, 10, 1),
                    published_on=date(2026, 9, 5), content_full=True),
    ])
    CertifiedCopyOffering.objects.create(unit=Unit.objects.get(code=LAM_THAO), province_code="25",
                                         since=date(2025, 7, 1))


def _ingest_each(rows: list[tuple[dict, datetime]]) -> None:
    """Ingest each event at its own arrival time."""
    for row, arrival in rows:
        with time_machine.travel(arrival, tick=False):
            result = ingest_dossier_events(Actor.system(), [row]).as_dict()
        assert (result["accepted"], result["rejected"]) == (1, [])


def _dossiers() -> None:
    hour = timedelta(hours=1)
    iso = datetime.isoformat
    rows = []
    # D1: fee paid online, digitised, reused, VNeID; electronic result; very satisfied. Online.
    rows += [({**accepted("D1", iso(ACCEPT), iso(DUE), procedure=CERTIFIED, channel=2), "fee_amount": 10_000,
               "paid_online": True, "inputs_digitised": True, "data_reused": True, "data_replaced_fully": False,
               "vneid_verified": True}, ACCEPT + hour),
             ({**event("D1", Status.PROCESSED, iso(PROCESSED)), "result_electronic": True}, PROCESSED + hour),
             ({**event("D1", Status.RETURNED, iso(RETURNED)), "satisfaction": 3}, RETURNED + hour)]
    # D2: fee paid in person, nothing digitised; a paper result; not satisfied. In person.
    rows += [({**accepted("D2", iso(ACCEPT), iso(DUE), procedure=CERTIFIED, channel=1), "fee_amount": 10_000,
               "paid_online": False, "inputs_digitised": False, "data_reused": False, "data_replaced_fully": False,
               "vneid_verified": False}, ACCEPT + hour),
             ({**event("D2", Status.PROCESSED, iso(PROCESSED)), "result_electronic": False}, PROCESSED + hour),
             ({**event("D2", Status.RETURNED, iso(RETURNED)), "satisfaction": 1}, RETURNED + hour)]
    # D3: no fee; digitised, fully replaced by data, VNeID; electronic result; satisfied. Online.
    rows += [({**accepted("D3", iso(ACCEPT), iso(DUE), procedure=BIRTH, channel=2), "fee_amount": 0,
               "inputs_digitised": True, "data_reused": False, "data_replaced_fully": True,
               "vneid_verified": True}, ACCEPT + hour),
             ({**event("D3", Status.PROCESSED, iso(PROCESSED)), "result_electronic": True}, PROCESSED + hour),
             ({**event("D3", Status.RETURNED, iso(RETURNED)), "satisfaction": 2}, RETURNED + hour)]
    # D4: no sync field at all; its acceptance reaches us 25 hours late; still pending (overdue by 30/9).
    rows += [(accepted("D4", iso(ACCEPT), iso(DUE), procedure=BIRTH, channel=1), ACCEPT + 25 * hour)]
    _ingest_each(rows)


def _indicators(score) -> dict[str, Decimal | None]:
    return {i.code: i.points for group in score.groups.values() for i in group.indicators}


def test_a_commune_is_scored_in_all_six_groups_from_its_dossiers_and_the_catalogue():
    _catalogue()
    _dossiers()
    with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=ICT), tick=False):
        score = score_units(load_preset("qd766"), [Unit.objects.get(code=LAM_THAO)], SEPTEMBER)[LAM_THAO]

    assert _indicators(score) == {
        "PUBLISH_ON_TIME": Decimal("3.00"),  # 1 of 2 due in September on time: 6 × 1/2
        "PUBLIC_UPDATE_ON_TIME": Decimal("0.00"),  # 0 of 1
        "PUBLIC_CONTENT_FULL": Decimal("1.33"),  # 2 of the 3 published in September: 2 × 2/3
        "DOSSIER_SYNC": Decimal("4.50"),  # 3 of 4 dossiers had every event within 24 h: 6 × 3/4
        "DOSSIER_ON_TIME": Decimal("15.00"),  # 3 early, 1 overdue: 20 × 3/4
        # A = 2/3 procedures online → min(2, 1.667); B = 2/4 online among online services → 2; C = 2/4 → 6
        "ONLINE_SERVICES": Decimal("9.67"),
        "ONLINE_PAYMENT": Decimal("5.50"),  # 6 × 1/2 + min(2, 2.5 × 1/2) + 2.5 × 1/2
        "ORIGINAL_RESULT_AVAILABLE": Decimal("4.00"),  # 2 of 3 completed: 6 × 2/3
        "SO_HOA_GIAY_TO_GIAI_QUYET": Decimal("2.67"),  # 2 of 3 known: 4 × 2/3
        "ELECTRONIC_CERTIFIED_COPY": Decimal("2.00"),  # the commune offers it
        "REUSED_DIGITIZED_DATA": Decimal("0.83"),  # min(2, 2 × (1/3) / 0.8)
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": Decimal("1.33"),  # 4 × 1/3
        "CITIZEN_DATA_CONNECTED_DOSSIER": Decimal("1.33"),  # VNeID 2 of 3: 2 × 2/3
        "CITIZEN_DATA_CONNECTED_FORMALITY": Decimal("0.67"),  # 1 of 3 procedures uses population data: 2 × 1/3
        "PETITION_PROCESSING_ON_TIME": None,  # feedback is issue 14: no data, and not the portal's "6 if none"
        "PETITION_HANDLING_SATISFACTION": None,
        "DOSSIER_RECEIVING_SATISFACTION": Decimal("4.44"),  # min(6, 6 × (2/3) / 0.9)
        "PETITION_CLASSIFICATION_TTHC": None,
        "PETITION_CLASSIFICATION_STAFF": None,
    }
    assert score.points_by_group == {
        "CKMB": Decimal("8.83"), "TDGQ": Decimal("15.00"), "CLGQ": Decimal("9.67"), "TTTT": Decimal("5.50"),
        "MDSH": Decimal("12.83"), "MDHL": Decimal("4.44")}
    assert (score.total, score.complete, score.grade) == (Decimal("56.27"), True, "Trung bình")
    online = next(i for i in score.groups["CLGQ"].indicators if i.code == "ONLINE_SERVICES")
    assert online.source == 1  # the labelled estimate, not the portal's published score


def test_a_commune_whose_province_sends_no_sync_fields_has_no_data_in_those_indicators_not_zero():
    _catalogue()
    _ingest_each([(accepted("X1", ACCEPT.isoformat(), DUE.isoformat(), unit=PHU_MY), ACCEPT + timedelta(hours=1))])
    with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=ICT), tick=False):
        score = score_units(load_preset("qd766"), [Unit.objects.get(code=PHU_MY)], SEPTEMBER)[PHU_MY]
    points = _indicators(score)
    assert [points[code] for code in ("ORIGINAL_RESULT_AVAILABLE", "SO_HOA_GIAY_TO_GIAI_QUYET", "REUSED_DIGITIZED_DATA",
                                      "DOSSIER_RECEIVING_SATISFACTION", "ONLINE_PAYMENT")] == [None] * 5
    assert points["DOSSIER_SYNC"] == Decimal("6.00")
    assert points["ELECTRONIC_CERTIFIED_COPY"] == Decimal("0.00")  # Xã Phú Mỹ does not offer it
    assert score.points_by_group["TTTT"] is None and not score.complete and score.grade is None


def test_a_commune_without_dossiers_is_not_scored_on_its_provinces_catalogue_alone():
    """The province's published catalogue is the same for all its communes: it scores Xã Phú Mỹ's transparency,
    but a commune that handled nothing in the period is "không phát sinh", not ranked on shared figures."""
    from thuocdo.evaluation.coverage import coverage_of, measured

    _catalogue()
    _dossiers()
    framework = load_preset("qd766")
    units = list(Unit.objects.filter(code__in=[LAM_THAO, PHU_MY]))
    with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=ICT), tick=False):
        scores = score_units(framework, units, SEPTEMBER)
    idle = scores[PHU_MY]
    assert _indicators(idle)["PUBLISH_ON_TIME"] == Decimal("3.00")  # the province's figure, shared
    assert (measured(idle), measured(idle, framework), coverage_of(framework, idle).idle) == (True, False, True)
    assert measured(scores[LAM_THAO], framework) and not coverage_of(framework, scores[LAM_THAO]).idle


def test_a_change_is_shown_only_between_scores_of_the_same_coverage():
    """August: one dossier whose events carried no sync field (progress and sync only); September: all six
    groups. The totals are not comparable: more data is not better service, so no change is shown."""
    from thuocdo.evaluation.queries import ranking

    _catalogue()
    _dossiers()
    august = datetime(2026, 8, 3, 9, 0, tzinfo=ICT)
    _ingest_each([(accepted("A1", august.isoformat(), (august + timedelta(days=2)).isoformat()),
                   august + timedelta(hours=1)),
                  (event("A1", Status.PROCESSED, (august + timedelta(days=1)).isoformat()),
                   august + timedelta(days=1, hours=1))])
    with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=ICT), tick=False):
        rows = {r.unit.code: r for r in ranking(load_preset("qd766"), "commune", Unit.objects.get(code="25"),
                                                SEPTEMBER)}
        before = score_units(load_preset("qd766"), [Unit.objects.get(code=LAM_THAO)],
                             parse_period("2026-08", today=date(2026, 12, 3)))[LAM_THAO]
    assert before.total == Decimal("28.00")  # 20 progress + 6 sync + 2 certified copy: three groups
    assert (rows[LAM_THAO].score.total, rows[LAM_THAO].change) == (Decimal("56.27"), None)


def test_every_metric_the_preset_reads_from_our_own_data_has_a_vietnamese_name():
    """The explanation lists the numbers behind each indicator: none may show as a bare code."""
    from thuocdo.web.templatetags.figures import metric_label

    ours = sorted(m for m in load_preset("qd766").metrics if not m.startswith("portal766."))
    assert [m for m in ours if metric_label(m) == m] == []
    assert metric_label("catalogue.authority") == "TTHC thuộc thẩm quyền (đã công bố)"
