"""The catalogue metrics (`catalogue.*`), computed at read time from the catalogue and the metric store.

Registered with `thuocdo.metrics.providers` in `ProceduresConfig.ready()` (ADR 0011). Scope of a unit:

- a province or agency: its province's publications (every level) for the publication metrics, and
  its province's province-level procedures for the catalogue counts;
- a commune: its province's publications of commune-level procedures;
- the nation (VN): every publication of every province (a procedure published by two provinces
  counts twice: the figures are sums over provinces).

A unit whose province has no publication at all gets no `catalogue.*` value (no data, not 0).
The dossier-backed counts read per-procedure MONTH rows of the store over every month that overlaps
the period: exact for months, quarters and years; for a period that cuts a month, the whole month
counts (the store keeps per-procedure rows at month grain only).

Cost: one query over the publications (grouped by province and level), at most four over the
store (grouped by unit or province) and one over the certified-copy communes, whatever the number
of units — a province's figures are computed once and fanned out to its communes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q

from thuocdo.metrics.models import Grain, MetricValue
from thuocdo.procedures.choices import ONLINE_LEVELS, OnlineLevel, ProcedureLevel
from thuocdo.procedures.models import CertifiedCopyOffering, Procedure, Publication
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import Level
from thuocdo.units.models import Unit

PUBLISH_DUE = "catalogue.publish.due"
PUBLISH_ON_TIME = "catalogue.publish.on_time"
UPDATE_DUE = "catalogue.update.due"
UPDATE_ON_TIME = "catalogue.update.on_time"
PUBLISHED = "catalogue.published"
PUBLISHED_CONTENT_FULL = "catalogue.published.content_full"
AUTHORITY = "catalogue.authority"
ONLINE = "catalogue.online"
ONLINE_FULL = "catalogue.online.full"
FEE_PROCEDURES = "catalogue.fee_procedures"
# Procedures whose documents can be replaced by data the state holds (population data connected):
# QĐ 766 CITIZEN_DATA_CONNECTED_FORMALITY's live source.
DATA_CONNECTED = "catalogue.data_connected"
FEE_WITH_DOSSIERS = "catalogue.fee_procedures.with_dossiers"
FEE_PAID_ONLINE = "catalogue.fee_procedures.paid_online"
SERVICE_RECEIVED = "catalogue.online_service.received"
SERVICE_RECEIVED_ONLINE = "catalogue.online_service.received_online"
CERTIFIED_COMMUNES = "catalogue.certified_copy.communes"
CERTIFIED_OFFERING = "catalogue.certified_copy.offering"

# Counted over a province's publications: of every level for a province, commune-level for a commune.
PUBLICATION_CODES = (PUBLISH_DUE, PUBLISH_ON_TIME, UPDATE_DUE, UPDATE_ON_TIME, PUBLISHED, PUBLISHED_CONTENT_FULL)
# Counted over the procedures of the unit's own level published by the period's end.
AUTHORITY_CODES = (AUTHORITY, ONLINE, ONLINE_FULL, FEE_PROCEDURES, DATA_CONNECTED)
FEE_DOSSIER_CODES = (FEE_WITH_DOSSIERS, FEE_PAID_ONLINE)  # from "dossier.received", "dossier.payment.online"
SERVICE_CODES = (SERVICE_RECEIVED, SERVICE_RECEIVED_ONLINE)  # from "dossier.received", "dossier.received.online"
CERTIFIED_CODES = (CERTIFIED_COMMUNES, CERTIFIED_OFFERING)
CODES = (*PUBLICATION_CODES, *AUTHORITY_CODES, *FEE_DOSSIER_CODES, *SERVICE_CODES, *CERTIFIED_CODES)

Counts = dict[str, int]


def catalogue_values(units: list[Unit], start: date, end: date, metrics: frozenset[str]) -> dict[str, Counts]:
    """The `catalogue.*` values of these units for [start, end]; units without a catalogue are left out."""
    wanted = [m for m in CODES if m in metrics]
    national = any(u.level == Level.NATIONAL for u in units)
    provinces = {u.province_code for u in units if u.province_code}
    # One index probe per province (a DISTINCT over 80,000 publications took ~60 ms).
    candidates = Unit.objects.filter(level=Level.PROVINCE)
    if not national:
        candidates = candidates.filter(code__in=provinces)
    with_catalogue = set(candidates.filter(
        Exists(Publication.objects.filter(province_code=OuterRef("code")))).values_list("code", flat=True))
    units = [u for u in units if u.province_code in with_catalogue or (u.level == Level.NATIONAL and with_catalogue)]
    if not units:
        return {}
    values: dict[str, Counts] = {u.code: {} for u in units}
    scope = with_catalogue if national else provinces & with_catalogue
    if any(m in PUBLICATION_CODES or m in AUTHORITY_CODES for m in wanted):
        by_level = _publication_counts(start, end, None if national else provinces)
        _add_catalogue_counts(values, units, by_level, wanted)
    if any(m in FEE_DOSSIER_CODES or m in SERVICE_CODES for m in wanted):
        _add_store_counts(values, units, scope, start, end, wanted)
    if any(m in CERTIFIED_CODES for m in wanted):
        _add_certified_copy(values, units, scope, end, wanted)
    return values


def _scope_level(unit: Unit) -> str | None:
    """The procedure level whose catalogue the unit answers for (None: every level, the nation)."""
    if unit.level == Level.NATIONAL:
        return None
    return ProcedureLevel.COMMUNE if unit.level == Level.COMMUNE else ProcedureLevel.PROVINCE


def _publication_counts(start: date, end: date, provinces: set[str] | None) -> dict[tuple[str, str], Counts]:
    """Every catalogue count per (province, procedure level), in one grouped query."""
    published_by_end = Q(published_on__lte=end)
    due = Q(publish_due__gte=start, publish_due__lte=end)
    update_due = Q(update_due__gte=start, update_due__lte=end)
    published = Q(published_on__gte=start, published_on__lte=end)
    rows = Publication.objects.all()
    if provinces is not None:
        rows = rows.filter(province_code__in=provinces)
    rows = rows.values("province_code", level=F("procedure__level")).annotate(**{
        "n_due": Count("pk", filter=due),
        "n_on_time": Count("pk", filter=due & Q(published_on__lte=F("publish_due"))),
        "n_update_due": Count("pk", filter=update_due),
        "n_update_on_time": Count("pk", filter=update_due & Q(updated_on__lte=F("update_due"))),
        "n_published": Count("pk", filter=published),
        "n_content_full": Count("pk", filter=published & Q(content_full=True)),
        "n_authority": Count("pk", filter=published_by_end),
        "n_online": Count("pk", filter=published_by_end & Q(procedure__online_level__in=ONLINE_LEVELS)),
        "n_online_full": Count("pk", filter=published_by_end & Q(procedure__online_level=OnlineLevel.FULL)),
        "n_fee": Count("pk", filter=published_by_end & Q(procedure__has_fee=True)),
        "n_data": Count("pk", filter=published_by_end & Q(procedure__data_replaceable=True)),
    })
    names = dict(zip(("n_due", "n_on_time", "n_update_due", "n_update_on_time", "n_published", "n_content_full",
                      "n_authority", "n_online", "n_online_full", "n_fee", "n_data"),
                     (*PUBLICATION_CODES, *AUTHORITY_CODES), strict=True))
    return {(row["province_code"], row["level"]): {names[k]: row[k] for k in names} for row in rows}


def _sum_counts(counts: list[Counts]) -> Counts:
    total: Counts = defaultdict(int)
    for one in counts:
        for metric, value in one.items():
            total[metric] += value
    return total


def _add_catalogue_counts(values, units, by_level, wanted) -> None:
    everything = _sum_counts(list(by_level.values()))
    whole_province: dict[str, Counts] = {}
    for (province, _level), counts in by_level.items():
        whole_province[province] = _sum_counts([whole_province.get(province, {}), counts])
    for unit in units:
        if unit.level == Level.NATIONAL:
            publication = authority = everything
        else:
            authority = by_level.get((unit.province_code, _scope_level(unit)), {})
            publication = authority if unit.level == Level.COMMUNE else whole_province[unit.province_code]
        for metric in wanted:
            if metric in PUBLICATION_CODES:
                values[unit.code][metric] = publication.get(metric, 0)
            elif metric in AUTHORITY_CODES:
                values[unit.code][metric] = authority.get(metric, 0)


def _store_units(units: list[Unit], provinces: set[str]) -> list[str]:
    """The units whose store rows are read: the communes and agencies asked for, and every unit of a
    province (or of the nation) asked for."""
    wanted = {u.code for u in units if u.level in (Level.COMMUNE, Level.AGENCY)}
    whole = provinces if any(u.level == Level.NATIONAL for u in units) else {
        u.code for u in units if u.level == Level.PROVINCE}
    if whole:
        wanted |= {code for code, u in units_by_code().items() if u.province_code in whole}
    return sorted(wanted)


# One pass over the per-procedure MONTH rows of the months that overlap the period, joined with the
# catalogue: fee-bearing procedures published by the period's end with a dossier received / paid
# online (distinct codes), and dossiers received / received online for procedures offered online.
# Plain SQL (SQLite and PostgreSQL alike): the ORM's correlated EXISTS per row cost twice as much.
# Read by unit code alone: the store's unit/grain/start index skips the day rows (with the province
# code too, SQLite seeks every province × unit pair of the unique key instead).
_STORE_SQL = """
SELECT m.{key}, p.level,
  COUNT(DISTINCT CASE WHEN m.metric = %s AND p.has_fee AND pub.published_on <= %s THEN m.procedure_code END),
  COUNT(DISTINCT CASE WHEN m.metric = %s AND p.has_fee AND pub.published_on <= %s THEN m.procedure_code END),
  SUM(CASE WHEN m.metric = %s AND p.online_level IN (%s, %s) THEN m.value ELSE 0 END),
  SUM(CASE WHEN m.metric = %s AND p.online_level IN (%s, %s) THEN m.value ELSE 0 END)
FROM {store} m
JOIN {procedure} p ON p.code = m.procedure_code
LEFT JOIN {publication} pub ON p.has_fee AND pub.province_code = m.province_code
  AND pub.procedure_id = m.procedure_code
WHERE m.unit_code IN ({units}) AND m.grain = %s AND m.start >= %s AND m.start <= %s
  AND m.metric IN (%s, %s, %s) AND m.value > 0 AND m.procedure_code <> ''
GROUP BY m.{key}, p.level
"""
RECEIVED, RECEIVED_ONLINE, PAID_ONLINE = "dossier.received", "dossier.received.online", "dossier.payment.online"


def _store_counts(units: list[str], key: str, start: date, end: date) -> dict[tuple[str, str], tuple]:
    """{(unit or province code, procedure level): (fee with dossiers, fee paid online, received, online)}."""
    if not units:
        return {}
    sql = _STORE_SQL.format(
        key=key, store=MetricValue._meta.db_table, procedure=Procedure._meta.db_table,
        publication=Publication._meta.db_table, units=", ".join(["%s"] * len(units)),
    )
    day = connection.ops.adapt_datefield_value
    online = list(ONLINE_LEVELS)
    params = [RECEIVED, day(end), PAID_ONLINE, day(end), RECEIVED, *online, RECEIVED_ONLINE, *online, *units,
              Grain.MONTH, day(start.replace(day=1)), day(end), RECEIVED, RECEIVED_ONLINE, PAID_ONLINE]
    if connection.vendor == "sqlite":
        # Django's cursor wrapper rewrites "%s" with a regular expression and costs more than the
        # query itself with 3,321 unit codes (~300 ms); the raw cursor is in the same transaction.
        connection.ensure_connection()
        with connection.wrap_database_errors:
            cursor = connection.connection.cursor()
            rows = cursor.execute(sql.replace("%s", "?"), params).fetchall()
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    return {(code, level): tuple(int(n or 0) for n in counts) for code, level, *counts in rows}


def _add_store_counts(values, units, provinces, start, end, wanted) -> None:
    """Fee-bearing procedures with dossiers, and dossiers of procedures offered online, per unit."""
    own = [u.code for u in units if u.level in (Level.COMMUNE, Level.AGENCY)]
    per_unit = _store_counts(own, "unit_code", start, end)
    whole = any(u.level in (Level.PROVINCE, Level.NATIONAL) for u in units)
    per_province = _store_counts(_store_units(units, provinces), "province_code", start, end) if whole else {}
    by_unit: dict[str, list[tuple]] = defaultdict(list)
    for (code, _level), counts in per_unit.items():
        by_unit[code].append(counts)
    by_province: dict[str, list[tuple]] = defaultdict(list)
    for (code, _level), counts in per_province.items():
        by_province[code].append(counts)
    none = (0, 0, 0, 0)
    positions = {FEE_WITH_DOSSIERS: 0, FEE_PAID_ONLINE: 1, SERVICE_RECEIVED: 2, SERVICE_RECEIVED_ONLINE: 3}
    for unit in units:
        if unit.level == Level.NATIONAL:
            rows = fee_rows = list(per_province.values())
        elif unit.level == Level.PROVINCE:
            rows = by_province[unit.code]
            fee_rows = [per_province.get((unit.code, ProcedureLevel.PROVINCE), none)]
        else:
            rows = by_unit[unit.code]
            fee_rows = [per_unit.get((unit.code, _scope_level(unit)), none)]
        for metric, position in positions.items():
            if metric in wanted:
                source = fee_rows if position < 2 else rows
                values[unit.code][metric] = sum(r[position] for r in source)


def _add_certified_copy(values, units, provinces, end, wanted) -> None:
    """Communes in scope, and those of them offering electronic certified copies by the period's end."""
    communes: dict[str, int] = defaultdict(int)
    for unit in units_by_code().values():
        if unit.level == Level.COMMUNE and unit.province_code in provinces:
            communes[unit.province_code] += 1
    offering: set[str] = set()
    offering_by_province: dict[str, int] = defaultdict(int)
    rows = CertifiedCopyOffering.objects.filter(province_code__in=provinces, since__lte=end)
    for code, province in rows.values_list("unit_id", "province_code"):
        offering.add(code)
        offering_by_province[province] += 1
    for unit in units:
        if unit.level == Level.NATIONAL:
            counts = (sum(communes.values()), len(offering))
        elif unit.level == Level.COMMUNE:
            counts = (1, int(unit.code in offering))
        else:
            counts = (communes[unit.province_code], offering_by_province[unit.province_code])
        for metric, value in zip(CERTIFIED_CODES, counts, strict=True):
            if metric in wanted:
                values[unit.code][metric] = value

