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

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum

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
FEE_WITH_DOSSIERS = "catalogue.fee_procedures.with_dossiers"
FEE_PAID_ONLINE = "catalogue.fee_procedures.paid_online"
SERVICE_RECEIVED = "catalogue.online_service.received"
SERVICE_RECEIVED_ONLINE = "catalogue.online_service.received_online"
CERTIFIED_COMMUNES = "catalogue.certified_copy.communes"
CERTIFIED_OFFERING = "catalogue.certified_copy.offering"

# Counted over a province's publications: of every level for a province, commune-level for a commune.
PUBLICATION_CODES = (PUBLISH_DUE, PUBLISH_ON_TIME, UPDATE_DUE, UPDATE_ON_TIME, PUBLISHED, PUBLISHED_CONTENT_FULL)
# Counted over the procedures of the unit's own level published by the period's end.
AUTHORITY_CODES = (AUTHORITY, ONLINE, ONLINE_FULL, FEE_PROCEDURES)
FEE_DOSSIER_CODES = {FEE_WITH_DOSSIERS: "dossier.received", FEE_PAID_ONLINE: "dossier.payment.online"}
SERVICE_CODES = {SERVICE_RECEIVED: "dossier.received", SERVICE_RECEIVED_ONLINE: "dossier.received.online"}
CERTIFIED_CODES = (CERTIFIED_COMMUNES, CERTIFIED_OFFERING)
CODES = (*PUBLICATION_CODES, *AUTHORITY_CODES, *FEE_DOSSIER_CODES, *SERVICE_CODES, *CERTIFIED_CODES)

Counts = dict[str, int]


def catalogue_values(units: list[Unit], start: date, end: date, metrics: frozenset[str]) -> dict[str, Counts]:
    """The `catalogue.*` values of these units for [start, end]; units without a catalogue are left out."""
    wanted = [m for m in CODES if m in metrics]
    national = any(u.level == Level.NATIONAL for u in units)
    provinces = {u.province_code for u in units if u.province_code}
    by_level = _publication_counts(start, end, None if national else provinces)
    with_catalogue = {province for province, _level in by_level}
    units = [u for u in units if u.province_code in with_catalogue or (u.level == Level.NATIONAL and by_level)]
    if not units:
        return {}
    values: dict[str, Counts] = {u.code: {} for u in units}
    scope = with_catalogue if national else provinces & with_catalogue
    if any(m in PUBLICATION_CODES or m in AUTHORITY_CODES for m in wanted):
        _add_catalogue_counts(values, units, by_level, wanted)
    if any(m in FEE_DOSSIER_CODES for m in wanted):
        _add_fee_dossiers(values, units, scope, start, end, wanted)
    if any(m in SERVICE_CODES for m in wanted):
        _add_service_dossiers(values, units, scope, start, end, wanted)
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
        "due": Count("pk", filter=due),
        "on_time": Count("pk", filter=due & Q(published_on__lte=F("publish_due"))),
        "update_due": Count("pk", filter=update_due),
        "update_on_time": Count("pk", filter=update_due & Q(updated_on__lte=F("update_due"))),
        "published": Count("pk", filter=published),
        "content_full": Count("pk", filter=published & Q(content_full=True)),
        "authority": Count("pk", filter=published_by_end),
        "online": Count("pk", filter=published_by_end & Q(procedure__online_level__in=ONLINE_LEVELS)),
        "online_full": Count("pk", filter=published_by_end & Q(procedure__online_level=OnlineLevel.FULL)),
        "fee": Count("pk", filter=published_by_end & Q(procedure__has_fee=True)),
    })
    names = dict(zip(("due", "on_time", "update_due", "update_on_time", "published", "content_full",
                      "authority", "online", "online_full", "fee"),
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


def _month_rows(provinces: set[str], start: date, end: date, metrics: list[str]):
    """Per-procedure month rows of the store for the months that overlap [start, end]."""
    return MetricValue.objects.filter(
        province_code__in=provinces, grain=Grain.MONTH, start__gte=start.replace(day=1), start__lte=end,
        metric__in=metrics, value__gt=0,
    ).exclude(procedure_code="")


def _add_fee_dossiers(values, units, provinces, start, end, wanted) -> None:
    """Fee-bearing procedures of the unit's catalogue with at least one dossier (received, paid online)."""
    metric_for = {store: ours for ours, store in FEE_DOSSIER_CODES.items() if ours in wanted}
    fee_published = Publication.objects.filter(
        province_code=OuterRef("province_code"), procedure_id=OuterRef("procedure_code"),
        published_on__lte=end, procedure__has_fee=True,
    )
    rows = _month_rows(provinces, start, end, list(metric_for)).filter(Exists(fee_published)).annotate(
        level=Subquery(Procedure.objects.filter(code=OuterRef("procedure_code")).values("level")[:1])
    )
    own_units = [u for u in units if u.level in (Level.COMMUNE, Level.AGENCY)]
    per_unit: dict[tuple[str, str, str], int] = {}
    if own_units:
        for row in rows.values("unit_code", "metric", "level").annotate(n=Count("procedure_code", distinct=True)):
            per_unit[(row["unit_code"], row["metric"], row["level"])] = row["n"]
    per_province: dict[tuple[str, str, str], int] = {}
    if any(u.level in (Level.PROVINCE, Level.NATIONAL) for u in units):
        for row in rows.values("province_code", "metric", "level").annotate(
            n=Count("procedure_code", distinct=True)
        ):
            per_province[(row["province_code"], row["metric"], row["level"])] = row["n"]
    for unit in units:
        for store, ours in metric_for.items():
            if unit.level == Level.NATIONAL:
                value = sum(n for (_p, m, _lvl), n in per_province.items() if m == store)
            elif unit.level == Level.PROVINCE:
                value = per_province.get((unit.code, store, ProcedureLevel.PROVINCE), 0)
            else:
                value = per_unit.get((unit.code, store, _scope_level(unit)), 0)
            values[unit.code][ours] = value


def _add_service_dossiers(values, units, provinces, start, end, wanted) -> None:
    """Dossiers received (all channels, online) for procedures offered online (partial or full)."""
    metric_for = {store: ours for ours, store in SERVICE_CODES.items() if ours in wanted}
    online = Procedure.objects.filter(code=OuterRef("procedure_code"), online_level__in=ONLINE_LEVELS)
    rows = _month_rows(provinces, start, end, list(metric_for)).filter(Exists(online))
    per_unit: dict[tuple[str, str], int] = defaultdict(int)
    per_province: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows.values("province_code", "unit_code", "metric").annotate(n=Sum("value")):
        per_unit[(row["unit_code"], row["metric"])] += row["n"]
        per_province[(row["province_code"], row["metric"])] += row["n"]
    for unit in units:
        for store, ours in metric_for.items():
            if unit.level == Level.NATIONAL:
                value = sum(n for (_p, m), n in per_province.items() if m == store)
            elif unit.level == Level.PROVINCE:
                value = per_province.get((unit.code, store), 0)
            else:
                value = per_unit.get((unit.code, store), 0)
            values[unit.code][ours] = value


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

