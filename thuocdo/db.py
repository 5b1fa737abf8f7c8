"""Database-specific bulk SQL, one small helper per concern (SQLite and PostgreSQL).

The ingest path writes thousands of rows per batch; the ORM's per-object work would
dominate, so these helpers speak SQL directly inside the caller's transaction.
"""

from collections.abc import Iterable, Sequence

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
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_placeholders(len(columns))}) "
        f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET {updates}"
    )
    _executemany(sql, rows)


def insert_ignore(table: str, columns: Sequence[str], key_columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert rows, skipping those whose key already exists."""
    if not rows:
        return
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_placeholders(len(columns))}) "
        f"ON CONFLICT ({', '.join(key_columns)}) DO NOTHING"
    )
    _executemany(sql, rows)


def _executemany(sql: str, rows: list[tuple]) -> None:
    if connection.vendor == "sqlite":
        # The raw sqlite3 cursor avoids Django's per-statement placeholder rewriting.
        connection.ensure_connection()
        connection.connection.executemany(sql.replace("%s", "?"), rows)
        return
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def select_existing(table: str, key_columns: Sequence[str], keys: Sequence[tuple], select: Sequence[str]) -> list:
    """Rows of `table` whose key columns match one of `keys`, in chunks that fit any database."""
    found: list = []
    if not keys:
        return found
    width = len(key_columns)
    chunk = max(1, 900 // width)  # SQLite's default limit is 999 bound parameters per statement
    with connection.cursor() as cursor:
        for start in range(0, len(keys), chunk):
            part = keys[start : start + chunk]
            if width == 1:
                where = f"{key_columns[0]} IN ({_placeholders(len(part))})"
                params = [k[0] for k in part]
            else:
                tuple_ph = "(" + _placeholders(width) + ")"
                where = f"({', '.join(key_columns)}) IN ({', '.join([tuple_ph] * len(part))})"
                params = [v for k in part for v in k]
            cursor.execute(f"SELECT {', '.join(select)} FROM {table} WHERE {where}", params)
            found.extend(cursor.fetchall())
    return found
