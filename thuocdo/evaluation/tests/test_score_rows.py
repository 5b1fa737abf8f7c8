"""Scores as a maintained view: what a change re-scores, ranks by window query, restart, clock, check, rebuild."""

import threading
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.ontime import Status
from thuocdo.dossiers.tests.factories import LAM_THAO, PHU_MY, PHU_THO, accepted, at, event, two_communes_in_september
from thuocdo.evaluation import score_rows
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.evaluation.coverage import rank_units
from thuocdo.evaluation.models import Score
from thuocdo.evaluation.periods import Period
from thuocdo.evaluation.queries import peers, ranking, score_units
from thuocdo.evaluation.store import current_framework
from thuocdo.metrics import changes, notify
from thuocdo.metrics.models import Change
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import Level

pytestmark = pytest.mark.django_db

SEPTEMBER = Period.for_month(2026, 9)
NOW = "2026-09-20T10:00:00+07:00"


@pytest.fixture
def stream():
    """Lâm Thao: two dossiers resolved in time; Phú Mỹ: one in time, one late (Phú Thọ, 25). Frozen on 20/9/2026."""
    with time_machine.travel(NOW, tick=False):
        load_frameworks(Actor.system())
        rows = two_communes_in_september()
        assert ingest_dossier_events(Actor.system(), rows).accepted == 8
        yield current_framework("qd766")[1]


def _province_communes():
    return peers(Level.COMMUNE, units_by_code()[PHU_THO])


def _scored_units(monkeypatch) -> Counter:
    """Count every unit scored from here on, per unit code."""
    scored: Counter = Counter()
    original = score_rows._compute

    def counting(framework, period, units, **kwargs):
        scored.update(u.code for u in units)
        return original(framework, period, units, **kwargs)

    monkeypatch.setattr(score_rows, "_compute", counting)
    return scored


def test_a_change_to_one_commune_rescores_that_commune_its_province_and_the_nation_only(stream, monkeypatch):
    with time_machine.travel(NOW, tick=False):
        score_rows.refresh()  # the fixture's marks: every hot period's rows exist from here on
        scored = _scored_units(monkeypatch)
        ingest_dossier_events(Actor.system(), [
            accepted("LT-3", at("2026-09-19"), at("2026-09-25", "17:00"), unit=LAM_THAO),
            event("LT-3", Status.PROCESSED, at("2026-09-20", "09:00"), unit=LAM_THAO),
        ])
        assert set(Change.objects.values_list("unit_code", flat=True)) == {LAM_THAO, PHU_THO, "VN"}
        score_rows.refresh()  # as the refresher thread does after the notice
        rows = ranking(stream, Level.COMMUNE, units_by_code()[PHU_THO], SEPTEMBER)
    # Each kept framework (qd766, cqdp2c) × each hot period scored these three units, and nothing else.
    steps = len(score_rows.kept_frameworks(date(2026, 9, 20))) * len(score_rows.hot_periods(date(2026, 9, 20)))
    assert scored == {LAM_THAO: steps, PHU_THO: steps, "VN": steps}
    assert steps == 2 * 13  # 14 hot periods, but on Sunday 20/9 the last 7 days are this ISO week
    assert not Change.objects.exists()  # every mark served
    assert (rows[0].unit.code, rows[0].rank, rows[0].score.total) == (LAM_THAO, 1, Decimal("20"))


def test_a_refresh_counts_the_pending_dossiers_once_per_moment_not_once_per_period(stream, monkeypatch):
    """"Pending now" is the same for every hot period that reaches today: one count of the marked units and
    one of the nation per distinct moment (now, and the end of each period already over)."""
    from thuocdo.metrics import bulk

    with time_machine.travel(NOW, tick=False):
        score_rows.refresh()
        counted = []
        original = bulk._pending_values
        monkeypatch.setattr(bulk, "_pending_values",
                            lambda units, as_of, current: counted.append((as_of, current)) or original(units, as_of,
                                                                                                        current))
        changes.record([LAM_THAO])
        score_rows.refresh()
        today = date(2026, 9, 20)
        moments = {"now" if period.end >= today else period.end for period in score_rows.hot_periods(today)}
    # now; 14/9 (the last 7 and 30 days end yesterday); 13/9 (last week); 31/8 (last month, the Decree 09
    # window); 30/6 (last quarter)
    assert len(moments) == 5
    assert len(counted) == 2 * len(moments)  # the marked units' counts and the nation's
    assert sum(current for _as_of, current in counted) == 2


@pytest.mark.parametrize("eager", [True, False], ids=["refresher", "read"])
def test_ranks_after_a_change_equal_a_full_recomputation(stream, eager):
    province = units_by_code()[PHU_THO]
    with time_machine.travel(NOW, tick=False):
        ranking(stream, Level.COMMUNE, province, SEPTEMBER)
        # Lâm Thao gets a late dossier: 2 in time of 3 (13.33) — still above Phú Mỹ's 1 of 2 (10).
        ingest_dossier_events(Actor.system(), [
            accepted("LT-4", at("2026-09-11"), at("2026-09-12", "17:00"), unit=LAM_THAO),
            event("LT-4", Status.PROCESSED, at("2026-09-15"), unit=LAM_THAO),
        ])
        score_rows.refresh(eager=eager)
        stored = {r.unit.code: (r.rank, r.score.total) for r in ranking(stream, Level.COMMUNE, province, SEPTEMBER)}
        fresh = score_units(stream, _province_communes(), SEPTEMBER)
    expected_ranks = rank_units(stream, fresh)
    assert stored == {code: (expected_ranks[code], fresh[code].total) for code in fresh}
    assert (stored[LAM_THAO], stored[PHU_MY]) == ((1, Decimal("13.33")), (2, Decimal("10")))
    # The 146 communes with no dossier in September score 0 (not applicable): không phát sinh, not ranked.
    assert Counter(rank_ for rank_, _total in stored.values()) == {1: 1, 2: 1, None: 146}
    with time_machine.travel(NOW, tick=False):
        assert score_rows.check([SEPTEMBER], [stream]) == []


def test_the_provinces_are_ranked_by_the_window_query_and_no_data_gets_no_rank(stream):
    with time_machine.travel(NOW, tick=False):
        rows = ranking(stream, Level.PROVINCE, None, SEPTEMBER)
    ranks = Counter(r.rank for r in rows)
    # Phú Thọ alone sends its dossier stream (3 of 4 in time → 15 points); the 33 others have no data at all:
    # no total, so no rank (a unit is never ranked on the absence of data).
    assert (rows[0].unit.code, rows[0].rank, rows[0].score.total) == (PHU_THO, 1, Decimal("15"))
    assert ranks == {1: 1, None: 33}
    # Ranked among the provinces of the same coverage: Phú Thọ alone; no rank, no peers for the others.
    assert Counter(Score.objects.filter(peer_group="VN", start=SEPTEMBER.start, end=SEPTEMBER.end,
                                        framework_code="qd766").values_list("peers", flat=True)) == {1: 1, 0: 33}


def test_a_restart_serves_the_rows_without_recomputing(stream, monkeypatch):
    province = units_by_code()[PHU_THO]
    with time_machine.travel(NOW, tick=False):
        first = ranking(stream, Level.COMMUNE, province, SEPTEMBER)
        # A restart: nothing in memory but the rows in the database.
        monkeypatch.setattr(score_rows, "_compute", lambda *a, **k: pytest.fail("recomputed after a restart"))
        units = _province_communes()
        with CaptureQueriesContext(connection) as queries:
            stored = score_rows.stored_scores(stream, units, SEPTEMBER)
    # The clock check (the oldest hot row, then pending dossiers fallen due since), the mark check (is
    # anything waiting?) and one read of the 148 rows.
    assert len(queries.captured_queries) == 4
    assert len(stored) == 148
    assert [(r.unit.code, r.rank, r.score.total) for r in first[:2]] == [
        (code, stored[code].rank, stored[code].total) for code in (LAM_THAO, PHU_MY)]


def test_a_pending_dossier_falling_due_moves_the_score_with_the_clock_alone(stream):
    province = units_by_code()[PHU_THO]
    with time_machine.travel(NOW, tick=False):
        ingest_dossier_events(Actor.system(), [
            accepted("PM-3", at("2026-09-15"), at("2026-09-20", "17:00"), unit=PHU_MY)])
        before = score_rows.stored_score(stream, units_by_code()[PHU_MY], SEPTEMBER)
    with time_machine.travel("2026-09-20T17:30:00+07:00", tick=False):
        after = score_rows.stored_score(stream, units_by_code()[PHU_MY], SEPTEMBER)
        rows = {r.unit.code: r.rank for r in ranking(stream, Level.COMMUNE, province, SEPTEMBER)}
    assert (before.values["dossier.pending"], before.values["dossier.pending.within_deadline"]) == (1, 1)
    assert (after.values["dossier.pending"], after.values["dossier.pending.within_deadline"]) == (1, 0)
    # 1 in time + 1 pending within the deadline of 3 → 13.33; then 1 of 3 → 6.67.
    assert (before.total, after.total) == (Decimal("13.33"), Decimal("6.67"))
    assert (rows[LAM_THAO], rows[PHU_MY]) == (1, 2)


def test_a_refresh_sends_a_scores_notice_for_the_units_it_recomputed(stream):
    got: list[list[str]] = []
    told = threading.Event()
    unsubscribe = notify.subscribe(lambda units: (got.append(units), told.set()), notify.SCORES)
    try:
        with time_machine.travel(NOW, tick=False):
            score_rows.refresh(notify_pages=False)  # the fixture's own marks
            changes.mark([PHU_MY, PHU_THO, "VN"])
            assert score_rows.refresh(eager=False) == [PHU_MY, PHU_THO, "VN"]
        assert told.wait(5)  # with REDIS_URL the notice comes back through Redis, on another thread
    finally:
        unsubscribe()
    assert got == [[PHU_MY, PHU_THO, "VN"]]


def test_a_mark_set_again_during_a_refresh_stays_for_the_next_one(stream):
    with time_machine.travel(NOW, tick=False):
        changes.mark([PHU_MY])
        served = changes.pending()
        changes.mark([PHU_MY])  # a write lands while the refresher works on what it read
        changes.clear(served)
    assert Change.objects.filter(unit_code=PHU_MY).exists()


def test_check_finds_a_tampered_row_and_rebuild_repairs_it(stream):
    with time_machine.travel(NOW, tick=False):
        ranking(stream, Level.COMMUNE, units_by_code()[PHU_THO], SEPTEMBER)
        Score.objects.filter(unit_code=PHU_MY, start=SEPTEMBER.start, end=SEPTEMBER.end,
                             framework_code="qd766").update(total=Decimal("99"))
        found = score_rows.check([SEPTEMBER], [stream])
        assert [(d.unit_code, d.field, d.stored, d.computed) for d in found if d.field == "total"] == [
            (PHU_MY, "total", Decimal("99"), Decimal("10"))]
        assert score_rows.rebuild([SEPTEMBER], [stream]) == 3356
        assert score_rows.check([SEPTEMBER], [stream]) == []


def test_an_interrupted_rebuild_resumes_after_its_last_finished_step(stream):
    done: list[int] = []

    def stop_after_two(step, total, framework, period):
        done.append(step)
        if step == 2:
            raise KeyboardInterrupt

    periods = [SEPTEMBER, Period.for_month(2026, 8), Period.for_month(2026, 7)]
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(KeyboardInterrupt):
            score_rows.rebuild(periods, [stream], stop_after_two)
        score_rows.rebuild(periods, [stream], lambda step, *rest: done.append(step), resume=True)
        assert Score.objects.filter(framework_code="qd766", start=date(2026, 7, 1)).count() == 3356
    assert done == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_the_refresher_thread_rescores_after_an_ingest_and_tells_the_pages():
    from thuocdo.evaluation import refresher

    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database locks whole tables between threads; runs on PostgreSQL")
    told = threading.Event()
    got: list[list[str]] = []

    def listener(units):
        got.append(units)
        told.set()

    with time_machine.travel(NOW):
        load_frameworks(Actor.system())
        framework = current_framework("qd766")[1]
        score_rows.stored_scores(framework, _province_communes(), SEPTEMBER)
        unsubscribe = notify.subscribe(listener, notify.SCORES)
        refresher.start()
        try:
            assert score_rows.READ_REFRESHES is False  # pages read the rows as they are
            ingest_dossier_events(Actor.system(), [
                accepted("LT-9", at("2026-09-18"), at("2026-09-25", "17:00"), unit=LAM_THAO),
                event("LT-9", Status.PROCESSED, at("2026-09-19"), unit=LAM_THAO),
            ])
            assert told.wait(20), "no SCORES notice from the refresher"
            row = Score.objects.get(framework_code="qd766", unit_code=LAM_THAO, start=SEPTEMBER.start,
                                    end=SEPTEMBER.end)
        finally:
            refresher.stop()
            unsubscribe()
    assert got[0] == [LAM_THAO, PHU_THO, "VN"]
    assert (row.total, row.rank, row.values["dossier.resolved.early"]) == (Decimal("20"), 1, 1)
    assert not Change.objects.exists()
    assert score_rows.READ_REFRESHES is True


def test_a_first_refresh_ranks_a_commune_among_its_whole_province_not_among_the_marked_units(stream):
    with time_machine.travel(NOW, tick=False):
        score_rows.refresh(notify_pages=False)  # only Lâm Thao, Phú Mỹ, Phú Thọ and VN are marked
    row = Score.objects.get(framework_code="qd766", unit_code=LAM_THAO, start=SEPTEMBER.start, end=SEPTEMBER.end)
    # Ranked among the 2 communes of the same coverage (the 146 others: không phát sinh, not ranked).
    assert (row.rank, row.peers) == (1, 2)
    assert Score.objects.filter(framework_code="qd766", peer_group=PHU_THO, level=Level.COMMUNE,
                                start=SEPTEMBER.start, end=SEPTEMBER.end).count() == 148


def test_the_rebuild_and_check_commands(stream):
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("scores", "rebuild", "--period", "2026-09", "--framework", "qd766", stdout=out, stderr=err)
        assert out.getvalue() == "Đã tính lại 3.356 dòng điểm.\n"
        assert err.getvalue() == "[1/1] qd766 v1 · Tháng 9/2026\n"
        Score.objects.filter(unit_code=PHU_MY, start=SEPTEMBER.start, framework_code="qd766").update(grade="A")
        out = StringIO()
        with pytest.raises(SystemExit) as exit_:
            call_command("scores", "check", "--period", "2026-09", "--framework", "qd766", stdout=out)
    assert exit_.value.code == 1
    assert out.getvalue() == ("qd766 2026-09 08236 grade: đang lưu 'A', tính mới ''\n"
                              "1 khác biệt; chạy `thuocdo scores rebuild` để tính lại.\n")
