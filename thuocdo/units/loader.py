"""Load (or refresh) the unit registry from the reference packages: `load_units()`.

Idempotent: rows are matched on their natural key (unit code; legacy province/
district/ward keys), compared field by field, and only new or changed rows are
written, in bulk. A second run writes nothing. Rows that are no longer in the
packages are left alone (they are PROTECTed by facts that refer to them).
"""

from collections import Counter
from dataclasses import asdict, dataclass

from django.db import models, transaction

from thuocdo.units import cache as registry_cache
from thuocdo.units.choices import Level, UnitType
from thuocdo.units.models import LegacyUnit, LegacyUnitPart, Unit
from thuocdo.units.sources import read_registry_source

UNIT_FIELDS = [
    "name", "short_name", "type", "level", "parent_id", "province_code", "search_key",
    "lat", "lon", "area_km2", "valid_from", "valid_to",
]  # fmt: skip
LEGACY_FIELDS = [
    "ward_code", "ward_name", "district_code", "district_name", "province_code", "province_name",
    "search_key", "lat", "lon", "unit_id", "is_divided",
]  # fmt: skip
LEGACY_KEY_FIELDS = ["province_key", "district_key", "ward_key"]
# 1,000 rows of ~15 columns per INSERT stays under SQLite's 32,766 bound parameters.
BATCH_SIZE = 1000


@dataclass
class LoadResult:
    """What the registry holds after a load, and how many rows the load wrote."""

    national: int
    provinces: int
    communes: int
    xa: int
    phuong: int
    dac_khu: int
    legacy: int
    legacy_whole: int
    legacy_divided: int
    legacy_parts: int
    units_created: int = 0
    units_updated: int = 0
    legacy_created: int = 0
    legacy_updated: int = 0
    parts_created: int = 0
    parts_updated: int = 0
    parts_deleted: int = 0

    @property
    def written(self) -> int:
        return sum(
            (self.units_created, self.units_updated, self.legacy_created, self.legacy_updated)
            + (self.parts_created, self.parts_updated, self.parts_deleted)
        )

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _sync_rows(
    model: type[models.Model], key_fields: list[str], fields: list[str], rows: dict[tuple, dict]
) -> tuple[int, int]:
    """Insert missing rows and update changed ones; returns (created, updated)."""
    existing = {
        tuple(values[1 : 1 + len(key_fields)]): (values[0], values[1 + len(key_fields) :])
        for values in model.objects.values_list("pk", *key_fields, *fields)
    }
    to_create, to_update = [], []
    for key, row in rows.items():
        current = existing.get(key)
        if current is None:
            to_create.append(model(**row))
        elif current[1] != tuple(row[f] for f in fields):
            obj = model(**row)
            obj.pk = current[0]
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    model.objects.bulk_update(to_update, fields, batch_size=BATCH_SIZE)
    return len(to_create), len(to_update)


def _sync_parts(parts: dict[tuple, list[tuple[str, bool]]]) -> tuple[int, int, int]:
    """Make LegacyUnitPart exactly the package's parts; returns (created, updated, deleted)."""
    legacy_ids = {(p, d, w): pk for pk, p, d, w in LegacyUnit.objects.values_list("pk", *LEGACY_KEY_FIELDS)}
    wanted = {(legacy_ids[key], code): is_default for key, pieces in parts.items() for code, is_default in pieces}
    existing = {
        (legacy_id, code): (pk, is_default)
        for pk, legacy_id, code, is_default in LegacyUnitPart.objects.values_list(
            "pk", "legacy_id", "unit_id", "is_default"
        )
    }
    to_create = [
        LegacyUnitPart(legacy_id=legacy_id, unit_id=code, is_default=is_default)
        for (legacy_id, code), is_default in wanted.items()
        if (legacy_id, code) not in existing
    ]
    to_update = [
        LegacyUnitPart(pk=existing[key][0], is_default=is_default)
        for key, is_default in wanted.items()
        if key in existing and existing[key][1] != is_default
    ]
    stale = [pk for key, (pk, _) in existing.items() if key not in wanted]
    LegacyUnitPart.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    LegacyUnitPart.objects.bulk_update(to_update, ["is_default"], batch_size=BATCH_SIZE)
    if stale:
        LegacyUnitPart.objects.filter(pk__in=stale).delete()
    return len(to_create), len(to_update), len(stale)


def registry_counts() -> dict[str, int]:
    """How many units of each level/type and legacy units the database holds."""
    by_type = Counter(dict(Unit.objects.order_by().values_list("type").annotate(n=models.Count("pk"))))
    by_level = Counter(dict(Unit.objects.order_by().values_list("level").annotate(n=models.Count("pk"))))
    divided = Counter(dict(LegacyUnit.objects.order_by().values_list("is_divided").annotate(n=models.Count("pk"))))
    return {
        "national": by_level[Level.NATIONAL],
        "provinces": by_level[Level.PROVINCE],
        "communes": by_level[Level.COMMUNE],
        "xa": by_type[UnitType.COMMUNE],
        "phuong": by_type[UnitType.WARD],
        "dac_khu": by_type[UnitType.SPECIAL_ZONE],
        "legacy": divided[False] + divided[True],
        "legacy_whole": divided[False],
        "legacy_divided": divided[True],
        "legacy_parts": LegacyUnitPart.objects.count(),
    }


def load_units() -> LoadResult:
    """Create or refresh the 34 provinces, 3,321 communes and 10,040 legacy communes in one transaction."""
    source = read_registry_source()
    with transaction.atomic():
        transaction.on_commit(registry_cache.clear)
        # Parents first: the source lists the nation, then provinces, then communes.
        units = {(code,): row for code, row in source.units.items()}
        units_created, units_updated = _sync_rows(Unit, ["code"], UNIT_FIELDS, units)
        legacy_created, legacy_updated = _sync_rows(LegacyUnit, LEGACY_KEY_FIELDS, LEGACY_FIELDS, source.legacy)
        parts_created, parts_updated, parts_deleted = _sync_parts(source.parts)
        return LoadResult(
            **registry_counts(),
            units_created=units_created,
            units_updated=units_updated,
            legacy_created=legacy_created,
            legacy_updated=legacy_updated,
            parts_created=parts_created,
            parts_updated=parts_updated,
            parts_deleted=parts_deleted,
        )
