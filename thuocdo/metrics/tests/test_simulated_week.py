"""A simulated national week: ingested twice, and shuffled, it gives identical metrics; check is clean."""

import random
from datetime import date, datetime

import pytest
from django.core.management import call_command

from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.models import DossierEvent
from thuocdo.dossiers.ontime import LOCAL_TZ
from thuocdo.dossiers.simulation import generate_events
from thuocdo.dossiers.tests.factories import clear_store, dossier_states, metric_rows
from thuocdo.metrics.rebuild import check
from thuocdo.units.models import Unit

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 8, 12, 18, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def week() -> list[dict]:
    units = list(Unit.objects.filter(level__in=["commune", "province"]).values_list(
        "code", "province_code", "level", "type"))
    return list(generate_events(date(2026, 8, 3), 7, 0.002, 11, units, now=NOW))


def test_a_simulated_week_twice_and_shuffled_gives_identical_metrics(week):
    first = ingest_dossier_events(Actor.system(), week)
    rows, states, events = metric_rows(), dossier_states(), DossierEvent.objects.count()
    assert first.accepted == events
    assert first.accepted + first.duplicates + len(first.rejected) == len(week)
    assert check() == []

    again = ingest_dossier_events(Actor.system(), week)
    assert (again.accepted, again.duplicates, len(again.rejected)) == (0, first.accepted + first.duplicates,
                                                                      len(first.rejected))
    assert (metric_rows(), dossier_states()) == (rows, states)

    clear_store()
    shuffled = list(week)
    random.Random(5).shuffle(shuffled)
    third = ingest_dossier_events(Actor.system(), shuffled, batch_size=997)
    assert (third.accepted, third.duplicates, len(third.rejected)) == (
        first.accepted, first.duplicates, len(first.rejected))
    assert (metric_rows(), dossier_states()) == (rows, states)
    call_command("metrics", "check")
