"""Honest scores (issue 11 §4): coverage labels, ranking on the same coverage, "không phát sinh" ranked apart."""

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine

from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.tests.factories import ICT, LAM_THAO, PHU_MY, PHU_THO
from thuocdo.evaluation import score_rows
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.evaluation.coverage import Coverage, coverage_of, measured, rank_on_coverage, shared_ranks
from thuocdo.evaluation.models import Score
from thuocdo.evaluation.periods import Period
from thuocdo.evaluation.scoring import Status
from thuocdo.evaluation.store import current_framework
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import Level

pytestmark = pytest.mark.django_db

SEPTEMBER = Period.for_month(2026, 9)
NOW = datetime(2026, 9, 20, 10, 0, tzinfo=ICT)
GROUPS = ("Công khai, minh bạch", "Tiến độ giải quyết", "Dịch vụ công trực tuyến", "Thanh toán trực tuyến",
          "Số hóa hồ sơ", "Mức độ hài lòng")


def _progress(in_time: int, resolved: int) -> dict:
    """Values giving Tiến độ giải quyết in_time / resolved (no pending dossier)."""
    return {"dossier.resolved": resolved, "dossier.resolved.early": in_time, "dossier.resolved.on_time": 0,
            "dossier.pending": 0, "dossier.pending.within_deadline": 0}


@pytest.fixture
def framework():
    with time_machine.travel(NOW, tick=False):
        load_frameworks(Actor.system())
        yield current_framework("qd766")[1]


@pytest.fixture
def six_communes(framework):
    """Six Phú Thọ communes stored for September with hand-made values, ranked by `_store`.

    A, B: progress 2/2 → 20 of 20; C: 1/2 → 10 of 20; D: 1/2 and one procedure published on time
    (CKMB 6 of 6) → 16 of 26, two groups; E: nothing received, resolved or pending (progress not
    applicable): không phát sinh; F: no value at all: chưa có số liệu.
    """
    communes = sorted((u for u in units_by_code().values() if u.level == Level.COMMUNE and u.province_code == PHU_THO),
                      key=lambda u: u.code)[:6]
    values = [_progress(2, 2), _progress(2, 2), _progress(1, 2),
              {**_progress(1, 2), "portal766.transparency.publish_on_time.numerator": 1,
               "portal766.transparency.publish_on_time.denominator": 1},
              _progress(0, 0), {}]
    given = {unit.code: got for unit, got in zip(communes, values, strict=True)}
    with time_machine.travel(NOW, tick=False):
        rows = score_rows._compute(framework, SEPTEMBER, communes, hot=False, now=NOW, values=given)
        score_rows._store(framework, SEPTEMBER, rows)
    return [unit.code for unit in communes]


def _stored(framework, codes):
    rows = score_rows._read(framework, SEPTEMBER, codes)
    return [score_rows._stored(framework, rows[code]) for code in codes]


def test_ranks_only_among_units_of_the_same_coverage(framework, six_communes):
    scores = _stored(framework, six_communes)
    # A and B share rank 1 of 3 (20 of 20); C is 3rd; D alone has two groups with data: rank 1 of 1.
    # E (không phát sinh) and F (no data) are not ranked.
    assert [(s.total, s.rank, s.peers) for s in scores] == [
        (Decimal("20"), 1, 3), (Decimal("20"), 1, 3), (Decimal("10"), 3, 3), (Decimal("16"), 1, 1),
        (Decimal("0"), None, 0), (None, None, 0)]
    covers = [coverage_of(framework, s) for s in scores]
    assert [c.label() for c in covers] == [
        "20,00 / 20 điểm có số liệu · 1/6 nhóm", "20,00 / 20 điểm có số liệu · 1/6 nhóm",
        "10,00 / 20 điểm có số liệu · 1/6 nhóm", "16,00 / 26 điểm có số liệu · 2/6 nhóm",
        "không phát sinh", "chưa có số liệu"]
    assert [(c.idle, c.full, c.partial) for c in covers] == [
        (False, False, True)] * 4 + [(True, False, False), (False, False, False)]
    assert covers[3].missing() == ("Chưa có số liệu: Dịch vụ công trực tuyến; Thanh toán trực tuyến; Số hóa hồ sơ; "
                                   "Mức độ hài lòng")
    keys = {code: c.key for code, c in zip(six_communes, covers, strict=True)}
    ranks = {code: s.rank for code, s in zip(six_communes, scores, strict=True)}
    assert list(shared_ranks(keys, ranks).values()) == [2, 2, 1, 1, 0, 0]


def test_the_check_recomputes_the_same_ranks(framework, six_communes):
    fresh = [Score(**{f.name: getattr(row, f.name) for f in Score._meta.fields if f.name != "id"})
             for row in score_rows._read(framework, SEPTEMBER, six_communes).values()]
    for row in fresh:
        row.rank, row.peers = 99, 99
    score_rows._rank_in_memory(fresh)
    assert sorted((row.unit_code, row.rank, row.peers) for row in fresh) == sorted(
        (row.unit_code, row.rank, row.peers) for row in Score.objects.filter(unit_code__in=six_communes))


def test_a_commune_with_no_dossier_is_not_ranked_among_the_province(framework):
    """The whole of Phú Thọ from the dossier stream: 2 communes ranked, the 146 others không phát sinh."""
    province = units_by_code()[PHU_THO]
    communes = [u for u in units_by_code().values() if u.level == Level.COMMUNE and u.province_code == province.code]
    given = {u.code: _progress(0, 0) for u in communes}
    given[LAM_THAO], given[PHU_MY] = _progress(3, 4), _progress(3, 4)
    with time_machine.travel(NOW, tick=False):
        rows = score_rows._compute(framework, SEPTEMBER, communes, hot=False, now=NOW, values=given)
        score_rows._store(framework, SEPTEMBER, rows)
    ranks = dict(Score.objects.filter(peer_group=PHU_THO).values_list("unit_code", "rank"))
    assert (ranks[LAM_THAO], ranks[PHU_MY]) == (1, 1)
    assert sum(1 for rank in ranks.values() if rank is None) == len(communes) - 2 == 146
    assert Score.objects.filter(peer_group=PHU_THO, scored=False).count() == 146


def test_full_coverage_reads_out_of_the_maximum_with_its_grade():
    full = Coverage(Decimal("74.3"), Decimal("100.00"), Decimal("100"), "Khá", GROUPS, (), False,
                    tuple(sorted(("CKMB", "TDGQ", "CLGQ", "TTTT", "MDSH", "MDHL"))))
    assert (full.label(), full.missing(), full.full, full.partial) == ("74,30 / 100", "", True, False)
    # Every group has data but two indicators do not (6 points): still partial, never "/ 100".
    short = Coverage(Decimal("70"), Decimal("94.00"), Decimal("100"), "Khá", GROUPS, (), False, full.group_codes)
    assert (short.label(), short.missing()) == ("70,00 / 94 điểm có số liệu · 6/6 nhóm",
                                                "Một số chỉ số chưa có số liệu (94/100 điểm có số liệu)")
    assert short.key != full.key


def test_points_decided_by_a_zero_denominator_measure_nothing():
    def indicator(status, zero=False, parts=()):
        return SimpleNamespace(status=status, zero_denominator=zero, parts=parts)

    def score(*indicators):
        return SimpleNamespace(groups={"G": SimpleNamespace(indicators=indicators)})

    nothing = indicator(Status.SCORED, zero=True)  # 0 received: the zero rule gave its 0 or full points
    composite_of_nothing = indicator(Status.SCORED, parts=(nothing, nothing))
    assert measured(score(indicator(Status.NOT_APPLICABLE), indicator(Status.NO_DATA), nothing,
                          composite_of_nothing)) is False
    assert measured(score(nothing, indicator(Status.SCORED))) is True
    assert measured(score(indicator(Status.SCORED, parts=(nothing, indicator(Status.SCORED))))) is True


def test_rank_on_coverage_ties_share_and_skip():
    keys = {"a": ("x",), "b": ("x",), "c": ("x",), "d": ("y",), "e": None}
    totals = {"a": Decimal("5"), "b": Decimal("7"), "c": Decimal("5"), "d": Decimal("1"), "e": Decimal("9")}
    assert rank_on_coverage(keys, totals) == {"a": (2, 3), "b": (1, 3), "c": (2, 3), "d": (1, 1), "e": (None, 0)}
