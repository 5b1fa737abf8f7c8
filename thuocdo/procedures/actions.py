"""Writes to the procedure catalogue: a file import, and the simulated catalogue of the demo."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import connection, transaction

from thuocdo.accounts import audit
from thuocdo.accounts.permissions import Actor
from thuocdo.metrics import changes
from thuocdo.procedures import names
from thuocdo.procedures.files import PROCEDURE_FIELDS, check_row, read_cells
from thuocdo.procedures.models import CertifiedCopyOffering, Procedure, Publication
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import Level
from thuocdo.units.text import search_key

PROGRESS_EVERY = 5000  # rows; a national file (34 provinces × ~2,300 procedures) prints 16 lines
BATCH = 2000  # rows per INSERT/UPDATE: SQLite's 32,766 parameters / 10 columns, with room
PUBLICATION_COLUMNS = ("publish_due", "published_on", "update_due", "updated_on", "content_full")


@dataclass
class ImportResult:
    """What an import did: counts, and every rejected row's reasons (Vietnamese, naming row and column)."""

    rows: int = 0
    rejected: int = 0
    procedures_created: int = 0
    procedures_updated: int = 0
    procedures_unchanged: int = 0
    publications_created: int = 0
    publications_updated: int = 0
    publications_unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _key(name: str) -> str:
    return search_key(name)


def import_procedures(actor: Actor, path: Path, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Load a catalogue file: new procedures and publications created, changed ones updated, the rest untouched.

    Bad rows are reported and skipped; the good rows of the same file are stored. A procedure's
    columns must agree across the rows of one file (else the later row is rejected), so a re-import
    of the same file changes nothing.
    """
    result = ImportResult()
    existing = {p.code: p for p in Procedure.objects.all()}
    provinces = {u.code for u in units_by_code().values() if u.level == Level.PROVINCE}
    wanted: dict[str, dict] = {}  # code → procedure columns given so far in this file
    first_row: dict[tuple[str, str], int] = {}  # (code, column) → the row that gave it
    publications: dict[tuple[str, str], tuple[int, dict]] = {}
    for number, cells in read_cells(path):
        result.rows += 1
        if progress and result.rows % PROGRESS_EVERY == 0:
            progress(result.rows)
        row, errors = check_row(number, cells, _Known(existing, wanted), provinces)
        if row is not None:
            errors = _conflicts(row, wanted, first_row, publications)
        if errors:
            result.rejected += 1
            result.errors.extend(errors)
            continue
        given = wanted.setdefault(row.code, {})
        for column, value in row.procedure.items():
            given[column] = value
            first_row.setdefault((row.code, column), row.number)
        if row.publication is not None:
            publications.setdefault((row.province, row.code), (row.number, row.publication))
    with transaction.atomic():
        touched = _store_procedures(wanted, existing, result)
        touched_provinces = _store_publications(publications, result)
        if touched:
            touched_provinces |= set(
                Publication.objects.filter(procedure_id__in=touched).values_list("province_code", flat=True)
            )
        audit.record(actor, "procedures.import", "ProcedureFile", path.name, after=result.as_dict() | {
            "errors": result.errors[:50]})
        _mark_provinces(touched_provinces)
        transaction.on_commit(names.clear)
    return result


class _Known:
    """Codes stored or given on an earlier row (no set rebuilt per row: 80,000 rows would be quadratic)."""

    def __init__(self, *sources: dict) -> None:
        self.sources = sources

    def __contains__(self, code: object) -> bool:
        return any(code in source for source in self.sources)


def _conflicts(row, wanted, first_row, publications) -> list[str]:
    """A row that contradicts an earlier row of the same file: its procedure columns or its publication."""
    errors = []
    for column, value in row.procedure.items():
        earlier = wanted.get(row.code, {})
        if column in earlier and earlier[column] != value:
            errors.append(f"dòng {row.number}, {column}: khác dòng {first_row[(row.code, column)]} "
                          f"của cùng mã {row.code}")
    if row.publication is not None:
        before = publications.get((row.province, row.code))
        if before is not None and before[1] != row.publication:
            errors.append(f"dòng {row.number}, province: tỉnh {row.province} đã công bố mã {row.code} "
                          f"ở dòng {before[0]} với ngày khác")
    return errors


def _store_procedures(wanted: dict[str, dict], existing: dict[str, Procedure], result: ImportResult) -> set[str]:
    created, updated = [], []
    for code, given in wanted.items():
        procedure = existing.get(code)
        if procedure is None:
            procedure = Procedure(code=code, **given)
            procedure.search_key = _key(f"{code} {procedure.name}")
            created.append(procedure)
            continue
        changed = False
        for column, value in given.items():
            if getattr(procedure, column) != value:
                setattr(procedure, column, value)
                changed = True
        if changed:
            procedure.search_key = _key(f"{code} {procedure.name}")
            updated.append(procedure)
        else:
            result.procedures_unchanged += 1
    Procedure.objects.bulk_create(created, batch_size=BATCH)
    Procedure.objects.bulk_update(updated, [*PROCEDURE_FIELDS, "search_key"], batch_size=BATCH)
    result.procedures_created, result.procedures_updated = len(created), len(updated)
    return {p.code for p in updated}


def _store_publications(publications: dict, result: ImportResult) -> set[str]:
    provinces = {province for province, _code in publications}
    stored = {
        (p.province_code, p.procedure_id): p for p in Publication.objects.filter(province_code__in=provinces)
    }
    created, updated, touched = [], [], set()
    for (province, code), (_number, given) in publications.items():
        publication = stored.get((province, code))
        if publication is None:
            created.append(Publication(province_code=province, procedure_id=code, **given))
            touched.add(province)
        elif any(getattr(publication, column) != given[column] for column in PUBLICATION_COLUMNS):
            for column in PUBLICATION_COLUMNS:
                setattr(publication, column, given[column])
            updated.append(publication)
            touched.add(province)
        else:
            result.publications_unchanged += 1
    Publication.objects.bulk_create(created, batch_size=BATCH)
    Publication.objects.bulk_update(updated, list(PUBLICATION_COLUMNS), batch_size=BATCH)
    result.publications_created, result.publications_updated = len(created), len(updated)
    return touched


def _mark_provinces(provinces: set[str]) -> None:
    """The catalogue metrics of these provinces, their communes and agencies (and the nation) have moved."""
    if provinces:
        changes.record(u.code for u in units_by_code().values() if u.province_code in provinces)


def load_catalogue(actor: Actor, catalogue, *, replace: bool = True) -> dict[str, int]:
    """Store a whole catalogue (the simulator's): procedures upserted, publications and offerings replaced.

    `catalogue` is a `simulation.Catalogue`. Publications go in as one executemany: 80,000 rows in
    about a second, where model instances and bulk_create took ten.
    """
    with transaction.atomic():
        if replace:
            Publication.objects.all().delete()
            CertifiedCopyOffering.objects.all().delete()
        for procedure in catalogue.procedures:
            procedure.search_key = _key(f"{procedure.code} {procedure.name}")
        Procedure.objects.bulk_create(
            catalogue.procedures, batch_size=BATCH, update_conflicts=True, unique_fields=["code"],
            update_fields=[*PROCEDURE_FIELDS, "search_key"],
        )
        day = connection.ops.adapt_datefield_value
        _insert(Publication, ("province_code", "procedure_id", *PUBLICATION_COLUMNS),
                [(p, c, day(d), day(on), day(ud), day(uo), full)
                 for p, c, d, on, ud, uo, full in catalogue.publications])
        _insert(CertifiedCopyOffering, ("unit_id", "province_code", "since"),
                [(unit, province, day(since)) for unit, province, since in catalogue.offerings])
        counts = {"procedures": len(catalogue.procedures), "publications": len(catalogue.publications),
                  "offerings": len(catalogue.offerings)}
        audit.record(actor, "procedures.simulate", "ProcedureCatalogue", str(catalogue.seed), after=counts)
        _mark_provinces({row[0] for row in catalogue.publications})
        transaction.on_commit(names.clear)
    return counts


def _insert(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES ({placeholders})", rows
        )


def catalogue_is_empty() -> bool:
    """True when no procedure is stored (the demo loads the simulated catalogue only then)."""
    return not Procedure.objects.exists()

