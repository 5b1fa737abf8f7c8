"""The `catalogue.*` metrics: exact values on a hand-made catalogue and store, and the cost of a national read.

Q3 2026 (1 July – 30 September). Phú Thọ (25) publishes three province-level procedures (P1 full, fee;
P2 partial; P3 none, fee, not yet published) and three commune-level ones (C1 full, fee; C2 none, fee;
C3 partial, published in October). Hồ Chí Minh City (79) publishes C1. Hà Nội (01) has no catalogue.
"""

from datetime import date

import pytest

from thuocdo.accounts.permissions import Actor
from thuocdo.metrics import providers
from thuocdo.metrics.models import Grain, MetricValue
from thuocdo.procedures.actions import load_catalogue
from thuocdo.procedures.metrics import CODES, catalogue_values
from thuocdo.procedures.models import CertifiedCopyOffering, Procedure, Publication
from thuocdo.procedures.simulation import simulate_catalogue
from thuocdo.units.cache import units_by_code
from thuocdo.units.models import Unit

pytestmark = pytest.mark.django_db
START, END = date(2026, 7, 1), date(2026, 9, 30)
LAM_THAO, PHU_MY, PHUONG_PHU_MY = "08494", "08236", "26704"


def procedure(code, level, online, fee):
    return Procedure(code=code, name=f"Thủ tục {code}", field="Hộ tịch", level=level, online_level=online,
                     has_fee=fee, search_key=code)


def pub(province, code, due, on=None, update_due=None, updated_on=None, full=False):
    return Publication(province_code=province, procedure_id=code, publish_due=due, published_on=on,
                       update_due=update_due, updated_on=updated_on, content_full=full)


def row(province, unit, metric, code, month, value):
    return MetricValue(province_code=province, unit_code=unit, metric=metric, procedure_code=code,
                       grain=Grain.MONTH, start=month, value=value)


@pytest.fixture
def catalogue(db):
    Procedure.objects.bulk_create([
        procedure("1.000001", "province", "full", True), procedure("1.000002", "province", "partial", False),
        procedure("1.000003", "province", "none", True), procedure("2.000001", "commune", "full", True),
        procedure("2.000002", "commune", "none", True), procedure("2.000003", "commune", "partial", False),
    ])
    d = date
    Publication.objects.bulk_create([
        pub("25", "1.000001", d(2026, 7, 10), d(2026, 7, 8), d(2026, 8, 20), d(2026, 8, 25), full=True),
        pub("25", "1.000002", d(2026, 8, 15), d(2026, 8, 20)),
        pub("25", "1.000003", d(2026, 9, 30)),
        pub("25", "2.000001", d(2026, 7, 1), d(2026, 6, 25), d(2026, 9, 1), d(2026, 8, 30), full=True),
        pub("25", "2.000002", d(2026, 8, 1), d(2026, 8, 1), full=True),
        pub("25", "2.000003", d(2026, 10, 5), d(2026, 10, 6), full=True),
        pub("79", "2.000001", d(2026, 7, 1), d(2026, 7, 1), full=True),
    ])
    received, paid, online = "dossier.received", "dossier.payment.online", "dossier.received.online"
    MetricValue.objects.bulk_create([
        row("25", LAM_THAO, received, "2.000001", d(2026, 7, 1), 3),
        row("25", LAM_THAO, received, "2.000002", d(2026, 9, 1), 1),
        row("25", LAM_THAO, received, "2.000003", d(2026, 8, 1), 5),
        row("25", LAM_THAO, paid, "2.000001", d(2026, 8, 1), 2),
        row("25", LAM_THAO, online, "2.000001", d(2026, 7, 1), 2),
        row("25", LAM_THAO, online, "2.000003", d(2026, 8, 1), 4),
        row("25", LAM_THAO, received, "", d(2026, 7, 1), 100),  # all procedures together: not read
        row("25", LAM_THAO, received, "2.000001", d(2026, 6, 1), 9),  # June: outside
        row("25", PHU_MY, received, "2.000002", d(2026, 10, 1), 4),  # October: outside
        row("25", PHU_MY, received, "2.000001", d(2026, 8, 1), 1),
        row("25", "25", received, "1.000001", d(2026, 9, 1), 6),  # the province's departments
        row("25", "25", received, "1.000003", d(2026, 7, 1), 2),  # fee-bearing but not yet published
        row("25", "25", paid, "1.000001", d(2026, 9, 1), 1),
        row("25", "25", online, "1.000001", d(2026, 9, 1), 3),
        row("79", PHUONG_PHU_MY, received, "2.000001", d(2026, 7, 1), 2),
    ])
    CertifiedCopyOffering.objects.bulk_create([
        CertifiedCopyOffering(unit_id=LAM_THAO, province_code="25", since=d(2026, 8, 1)),
        CertifiedCopyOffering(unit_id=PHU_MY, province_code="25", since=d(2026, 10, 15)),
        CertifiedCopyOffering(unit_id=PHUONG_PHU_MY, province_code="79", since=d(2026, 7, 1)),
    ])


def values(codes, start=START, end=END, metrics=CODES):
    units = sorted(Unit.objects.filter(code__in=codes), key=lambda u: codes.index(u.code))
    return catalogue_values(units, start, end, frozenset(metrics))


def expected(publish, update, published, authority, fees, service, certified, data_connected=0):
    names = ("catalogue.data_connected", "catalogue.publish.due", "catalogue.publish.on_time", "catalogue.update.due",
             "catalogue.update.on_time", "catalogue.published", "catalogue.published.content_full",
             "catalogue.authority", "catalogue.online", "catalogue.online.full", "catalogue.fee_procedures",
             "catalogue.fee_procedures.with_dossiers", "catalogue.fee_procedures.paid_online",
             "catalogue.online_service.received", "catalogue.online_service.received_online",
             "catalogue.certified_copy.communes", "catalogue.certified_copy.offering")
    return dict(zip(names, (data_connected, *publish, *update, *published, *authority, *fees, *service, *certified),
                    strict=True))


def test_procedures_connecting_population_data_are_counted_among_the_units_catalogue(catalogue):
    Procedure.objects.filter(code__in=["2.000001", "2.000003", "1.000002"]).update(data_replaceable=True)
    got = values(["25", LAM_THAO], metrics=["catalogue.data_connected", "catalogue.authority"])
    # Lâm Thao: commune-level, published by 30/9 (2.000003 only in October); Phú Thọ: province-level.
    assert got == {"25": {"catalogue.data_connected": 1, "catalogue.authority": 2},
                   LAM_THAO: {"catalogue.data_connected": 1, "catalogue.authority": 2}}


def test_exact_values_per_unit(catalogue):
    communes_25 = Unit.objects.filter(level="commune", province_code="25").count()
    communes_79 = Unit.objects.filter(level="commune", province_code="79").count()
    assert (communes_25, communes_79) == (148, 168)
    got = values(["VN", "25", LAM_THAO, PHU_MY, "79", PHUONG_PHU_MY, "01", "00004"])
    assert got == {
        # every level; procedures counted once per province that publishes them
        "VN": expected((6, 4), (2, 1), (4, 3), (5, 4, 3, 4), (4, 2), (17, 9), (148 + 168, 2)),
        # publications of every level; catalogue counts of province-level procedures
        "25": expected((5, 3), (2, 1), (3, 2), (2, 2, 1, 1), (1, 1), (15, 9), (148, 1)),
        # the province's publications of commune-level procedures; the commune's own dossiers
        LAM_THAO: expected((2, 2), (1, 1), (1, 1), (2, 1, 1, 2), (2, 1), (8, 6), (1, 1)),
        PHU_MY: expected((2, 2), (1, 1), (1, 1), (2, 1, 1, 2), (1, 0), (1, 0), (1, 0)),
        "79": expected((1, 1), (0, 0), (1, 1), (0, 0, 0, 0), (0, 0), (2, 0), (168, 1)),
        PHUONG_PHU_MY: expected((1, 1), (0, 0), (1, 1), (1, 1, 1, 1), (1, 0), (2, 0), (1, 1)),
        # Hà Nội (01) and its Phường Ba Đình (00004): no catalogue, no value at all
    }


def test_an_agency_answers_like_its_province_with_its_own_dossiers(catalogue):
    agency = Unit.objects.create(code="25-SNN", name="Sở Nông nghiệp và Môi trường", short_name="Sở NN&MT",
                                 type="co_quan", level="agency", parent_id="25", province_code="25",
                                 search_key="so nong nghiep", valid_from=date(2025, 7, 1))
    MetricValue.objects.create(province_code="25", unit_code=agency.code, metric="dossier.received",
                               procedure_code="1.000001", grain=Grain.MONTH, start=date(2026, 8, 1), value=4)
    got = catalogue_values([agency], START, END, frozenset(CODES))[agency.code]
    assert got == expected((5, 3), (2, 1), (3, 2), (2, 2, 1, 1), (1, 0), (4, 0), (148, 1))


def test_a_period_cutting_a_month_reads_the_whole_month(catalogue):
    got = values([LAM_THAO], date(2026, 7, 15), date(2026, 7, 20),
                 ["catalogue.online_service.received", "catalogue.fee_procedures.with_dossiers",
                  "catalogue.publish.due"])
    # July's per-procedure rows count whole (C1: 3 received); C1 was due on 1 July, outside the days.
    assert got == {LAM_THAO: {"catalogue.online_service.received": 3, "catalogue.fee_procedures.with_dossiers": 1,
                              "catalogue.publish.due": 0}}


def test_registered_with_the_metric_providers(catalogue):
    unit = Unit.objects.get(code=LAM_THAO)
    got, answered = providers.provided([unit], START, END, ["catalogue.publish.on_time", "dossier.received"])
    assert got == {LAM_THAO: {"catalogue.publish.on_time": 2}}
    assert answered == frozenset({"catalogue.publish.on_time"})


def test_no_catalogue_no_values(db):
    assert values(["VN", "25", LAM_THAO]) == {}


def test_every_commune_for_a_quarter_in_a_few_queries(db, django_assert_max_num_queries):
    units = list(Unit.objects.filter(level__in=["province", "commune"]))
    load_catalogue(Actor.system(), simulate_catalogue(units, date(2026, 12, 3), seed=1))
    codes = [p.code for p in Procedure.objects.filter(level="commune")[:6]]
    rows = [
        (u.province_code, u.code, metric, code, date(2026, month, 1), 1 + (i % 5))
        for i, u in enumerate(u for u in units if u.level == "commune")
        for code in codes for month in (7, 8, 9)
        for metric in ("dossier.received", "dossier.received.online", "dossier.payment.online")
    ]
    MetricValue.objects.bulk_create([row(*r) for r in rows], batch_size=5000)
    communes = [u for u in units if u.level == "commune"]
    units_by_code()  # the registry cache, as a running server holds it
    # A few queries whatever the number of units (the time is benchmarks/scoring.py's, not a test's).
    with django_assert_max_num_queries(8):
        got = catalogue_values(communes, START, END, frozenset(CODES))
    assert (len(rows), len(got)) == (179_334, 3321)
    assert got[LAM_THAO]["catalogue.certified_copy.communes"] == 1
    everyone = catalogue_values(list(Unit.objects.exclude(level="agency")), START, END, frozenset(CODES))
    assert everyone["VN"]["catalogue.certified_copy.communes"] == 3321
