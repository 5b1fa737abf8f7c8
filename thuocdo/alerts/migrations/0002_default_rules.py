"""The default rules of issue 5: on-time rate down ≥ 5 points against the previous week; more than 50
dossiers pending overdue; today's load above 3× the unit's 30-day median (the Phú Mỹ case)."""

from django.db import migrations

DEFAULTS = [
    # At least 10 dossiers resolved in each week: below that one late dossier moves the rate 10 points.
    {"kind": "ontime_drop", "threshold": 5, "min_volume": 10},
    {"kind": "pending_overdue", "threshold": 50, "min_volume": 0},
    # At least 10 dossiers today: a commune with a median of 1 a day receiving 4 is not a spike.
    {"kind": "load_spike", "threshold": 3, "min_volume": 10},
]


def add_defaults(apps, schema_editor):
    AlertRule = apps.get_model("alerts", "AlertRule")
    for rule in DEFAULTS:
        if not AlertRule.objects.filter(kind=rule["kind"]).exists():
            AlertRule.objects.create(**rule)


def remove_defaults(apps, schema_editor):
    AlertRule = apps.get_model("alerts", "AlertRule")
    for rule in DEFAULTS:
        AlertRule.objects.filter(**rule).delete()


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_alert_rules")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
