"""Database-specific bulk SQL, one small helper per concern (SQLite and PostgreSQL).

The ingest path writes thousands of rows per batch; the ORM's per-object work would
dominate, so these helpers speak SQL directly inside the caller's transaction.
"""

import zlib
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _placeholders(n: int) -> str:
    return ", ".join(["%s"] * n)


def upsert_add(table: str, key_columns: Sequence[str], value_column: str, rows: Iterable[tuple]) -> None:
    """Add each row's value to the stored one (insert when missing): a counter upsert.

    `rows` are tuples of the key columns followed by the value to add.
    """
    rows = list(rows)
    if not rows:
        return
    columns = [*key_columns, value_column]
    if is_postgres():
        _pg_insert_from_stage(table, columns, rows, f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET "
                   f"{value_column} = {table}.{value_column} + excluded.{value_column}")
        return
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_placeholders(len(columns))}) "
        f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET {value_column} = {table}.{value_column} + "
        f"excluded.{value_column}"
    )
    _executemany(sql, rows)


def upsert_replace(table: str, key_columns: Sequence[str], columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert rows, or overwrite the non-key columns of the row with the same key."""
    rows = list(rows)
    if not rows:
        return
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key_columns)
    if is_postgres():
        _pg_insert_from_stage(table, columns, rows,
                              f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET {updates}")
        return
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_placeholders(len(columns))}) "
        f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET {updates}"
    )
    _executemany(sql, rows)


def update_by_id(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Set `columns` of the rows with the given ids; each row is the new values followed by the id.

    Only the named columns are written, so indexes on the others are left alone. Returns the
    number of rows updated.
    """
    rows = list(rows)
    if not rows:
        return 0
    if is_postgres():
        sets = ", ".join(f"{c} = s.{c}" for c in columns)
        return _pg_staged(table, (*columns, "id"), rows,
                          lambda stage: f"UPDATE {table} t SET {sets} FROM {stage} s WHERE t.id = s.id")
    sets = ", ".join(f"{c} = %s" for c in columns)
    return _executemany(f"UPDATE {table} SET {sets} WHERE id = %s", rows)


def _pg_staged(table: str, columns: Sequence[str], rows: list[tuple], statement: Callable[[str], str]):
    """PostgreSQL: COPY the rows into a temporary table, then run one statement reading it.

    COPY moves rows several times faster than a pipelined executemany. `statement(stage)` gives
    the SQL; a RETURNING statement gives back its rows, any other its row count. Each column set
    has its own staging table, which lives as long as the connection and is emptied after use.
    """
    cols = ", ".join(columns)
    stage = f"stage_{table}_{zlib.crc32(cols.encode()):08x}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT {cols} FROM {table} WITH NO DATA")
        with cursor.copy(f"COPY {stage} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        sql = statement(stage)
        cursor.execute(sql)
        result = cursor.fetchall() if " RETURNING " in sql else cursor.rowcount
        cursor.execute(f"DELETE FROM {stage}")
    return result


def _pg_insert_from_stage(table: str, columns: Sequence[str], rows: list[tuple], tail: str):
    cols = ", ".join(columns)
    return _pg_staged(
        table, columns, rows, lambda stage: f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage} {tail}"
    )


def _sqlite_cursor():
    """A raw sqlite3 cursor on Django's connection (same transaction), with "?" placeholders.

    Django's cursor wrapper rewrites "%s" with a regular expression on every statement, which
    costs more than the statement itself for the 30,000-parameter statements used here. Callers
    wrap their calls in `connection.wrap_database_errors`, so errors are still Django's; these
    statements do not show in `connection.queries`.
    """
    connection.ensure_connection()
    return connection.connection.cursor()


def _executemany(sql: str, rows: list[tuple]) -> int:
    """Run `sql` once per row; returns the number of rows it changed."""
    if connection.vendor == "sqlite":
        with connection.wrap_database_errors:
            cursor = _sqlite_cursor()
            cursor.executemany(sql.replace("%s", "?"), rows)
            return cursor.rowcount
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        return cursor.rowcount


def statement_sizes(n: int, width: int) -> list[int]:
    """How many rows each multi-row statement takes: as many full ones as fit, then powers of two.

    SQLite allows 32,766 parameters per statement. Python's sqlite3 caches up to 128 prepared
    statements per connection by their text, and one with 10,000 rows holds ~4 MB: if every batch
    ended with a part of a new length, the cache would keep hundreds of MB. With these sizes a
    helper has at most ~15 distinct statements.
    """
    largest = 1 << ((30_000 // width).bit_length() - 1)
    sizes = [largest] * (n // largest)
    rest = n % largest
    sizes += [1 << bit for bit in reversed(range(rest.bit_length())) if rest & (1 << bit)]
    return sizes


def _sqlite_multirow(items: Sequence[tuple], width: int, statement: Callable[[str], str]) -> list:
    """SQLite: run `statement(values)` over the items, `values` being "(?, …), (?, …)…" for a part of them.

    Parts come in `statement_sizes`; returns every part's result rows.
    """
    cursor = _sqlite_cursor()
    row_ph = "(" + ", ".join("?" * width) + ")"
    found: list = []
    start = 0
    for size in statement_sizes(len(items), width):
        part = items[start : start + size]
        start += size
        with connection.wrap_database_errors:
            cursor.execute(statement(", ".join([row_ph] * size)), [v for item in part for v in item])
            found.extend(cursor.fetchall())
    return found


def _pg_array_type(value: object) -> str:
    """The PostgreSQL array type for a key column, from one of its values."""
    if isinstance(value, bool | int):
        return "bigint[]"
    if isinstance(value, datetime):
        return "timestamptz[]"
    if isinstance(value, date):
        return "date[]"
    return "text[]"


def select_existing(table: str, key_columns: Sequence[str], keys: Sequence[tuple], select: Sequence[str]) -> list:
    """Rows of `table` whose key columns match one of `keys`, in one statement per many thousand keys.

    The keys are joined as a table (SQLite: a VALUES list; PostgreSQL: unnest of one array per
    column), so both databases look each one up in the composite index.
    """
    if not keys:
        return []
    width = len(key_columns)
    columns = ", ".join(f"t.{c}" for c in select)
    names = ", ".join(f"k{i}" for i in range(width))
    on = " AND ".join(f"t.{c} = k.k{i}" for i, c in enumerate(key_columns))
    if is_postgres():
        arrays = ", ".join(f"%s::{_pg_array_type(keys[0][i])}" for i in range(width))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM unnest({arrays}) AS k({names}) JOIN {table} t ON {on}",
                [[key[i] for key in keys] for i in range(width)],
            )
            return cursor.fetchall()
    return _sqlite_multirow(
        keys, width,
        lambda values: f"WITH k({names}) AS (VALUES {values}) SELECT {columns} FROM k JOIN {table} t ON {on}",
    )


def insert_returning_new(
    table: str, columns: Sequence[str], key_columns: Sequence[str], rows: list[tuple]
) -> list[tuple]:
    """Insert rows, skipping existing keys; returns the key tuples actually inserted (exact under concurrency)."""
    if not rows:
        return []
    if is_postgres():
        found = _pg_insert_from_stage(table, columns, rows, f"ON CONFLICT ({', '.join(key_columns)}) DO NOTHING "
                           f"RETURNING {', '.join(key_columns)}")
        return [tuple(r) for r in found]
    return _sqlite_multirow(
        rows, len(columns),
        lambda values: f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} "
        f"ON CONFLICT ({', '.join(key_columns)}) DO NOTHING RETURNING {', '.join(key_columns)}",
    )


_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros_from_db(value: datetime | str | None) -> int | None:
    """A datetime column's value as read back (aware, or naive UTC from SQLite) → microseconds."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    epoch = _EPOCH_UTC if value.tzinfo is not None else _EPOCH_NAIVE
    return (value - epoch) // _MICROSECOND


def micros_adapter() -> Callable[[int | None], object]:
    """A function turning microseconds since the Unix epoch (UTC) into what datetime columns expect.

    Resolved once per batch (Django's `adapt_datetimefield_value` goes through the connection proxy
    on every call). SQLite stores naive UTC text, as Django does; PostgreSQL takes an aware datetime.
    """
    if connection.vendor != "sqlite":
        return lambda us: _EPOCH_UTC + timedelta(microseconds=us) if us is not None else None

    def to_sqlite(us: int | None) -> str | None:
        return (_EPOCH_NAIVE + timedelta(microseconds=us)).isoformat(" ") if us is not None else None

    return to_sqlite
