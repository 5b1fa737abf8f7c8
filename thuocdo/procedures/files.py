"""Reading and checking a catalogue file (.csv, .xlsx, .jsonl): one row per procedure, or per province × procedure.

Columns (README, "Danh mục thủ tục hành chính"): the procedure's `code`, `name`, `field`, `level`,
`processing_days`, `online_level`, `has_fee`, `data_replaceable`, `certified_copy`; optionally one
province's publication of it: `province`, `publish_due`, `published_on`, `update_due`, `updated_on`,
`content_full`. A code seen before (in the database or on an earlier row) may leave the procedure
columns blank: blank keeps the known value. Row numbers are the file's: the header is line 1 of a
.csv or .xlsx, a .jsonl counts every line.

Own readers rather than `dossiers.readers.read_rows`: that one drops blank lines and yields no line
numbers, and an error here must name the file's row.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Container, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import orjson

from thuocdo.procedures.choices import OnlineLevel, ProcedureLevel

PROCEDURE_FIELDS = ("name", "field", "level", "processing_days", "online_level", "has_fee", "data_replaceable",
                    "certified_copy")
PUBLICATION_FIELDS = ("publish_due", "published_on", "update_due", "updated_on", "content_full")
REQUIRED_FOR_NEW = ("name", "field", "level", "online_level")
BOOLEAN_FIELDS = ("has_fee", "data_replaceable", "certified_copy", "content_full")
CODE = re.compile(r"^\d+(\.\d+)+$")
TRUE = {"1", "true", "có", "co", "x", "yes"}
FALSE = {"0", "false", "không", "khong", "no"}
MAX_DAYS = 3650  # ten years of working days: anything longer is a typing error


class FileError(Exception):
    """The whole file cannot be read (unknown extension, no header, no `code` column)."""


@dataclass
class Row:
    """One checked row: the procedure columns it gives (blank ones left out) and its publication."""

    number: int
    code: str
    procedure: dict
    province: str
    publication: dict | None


def read_cells(path: Path) -> Iterator[tuple[int, dict]]:
    """(row number, {column: value}) for every data row, blank cells left out."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        record = orjson.loads(line)
                    except orjson.JSONDecodeError as exc:
                        yield number, {"_error": f"không phải JSON hợp lệ (cột {exc.colno}: {exc.msg})"}
                        continue
                    if not isinstance(record, dict):
                        record = {"_error": "không phải đối tượng JSON"}
                    yield number, _cells(record)
    elif suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            _check_header(header)
            for values in reader:
                yield reader.line_num, _cells(dict(zip(header, values, strict=False)))
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = workbook.active.iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
            _check_header(header)
            for number, values in enumerate(rows, start=2):
                yield number, _cells(dict(zip(header, values, strict=False)))
        finally:
            workbook.close()
    else:
        raise FileError(f"Không đọc được tệp {path.name}: chỉ nhận .csv, .xlsx hoặc .jsonl")


def _check_header(header: list[str]) -> None:
    if "code" not in header:
        raise FileError("Dòng tiêu đề thiếu cột code (mã thủ tục)")


def _cells(record: dict) -> dict:
    out = {}
    for key, value in record.items():
        if not key or value is None or (isinstance(value, str) and not value.strip()):
            continue
        out[str(key).strip()] = value.strip() if isinstance(value, str) else value
    return out


def check_row(number: int, cells: dict, known: Container[str], provinces: set[str]) -> tuple[Row | None, list[str]]:
    """The row checked against the format; errors read "dòng 12, online_level: phải là …"."""
    if "_error" in cells:
        return None, [f"dòng {number}: {cells['_error']}"]
    errors: list[str] = []

    def fail(column: str, message: str) -> None:
        errors.append(f"dòng {number}, {column}: {message}")

    code = _code(cells.get("code"))
    if not code:
        fail("code", "thiếu mã thủ tục")
    elif not CODE.match(code) or len(code) > 40:
        fail("code", f"mã thủ tục không hợp lệ “{code[:40]}” (dạng 1.001612)")
    def parsed_into(target: dict, columns) -> dict:
        """Each given column's parsed value into `target`; a bad one is a reason naming the row and column."""
        for column in columns:
            if column in cells:
                value, problem = _parse(column, cells[column])
                if problem:
                    fail(column, problem)
                else:
                    target[column] = value
        return target

    procedure = parsed_into({}, PROCEDURE_FIELDS)
    if code and code not in known:
        for column in REQUIRED_FOR_NEW:
            if column not in cells:
                fail(column, "bắt buộc với thủ tục chưa có trong danh mục")
    province = str(cells.get("province", "")).strip()
    publication = None
    if province:
        if province not in provinces:
            fail("province", f"không có tỉnh mã “{province[:10]}”")
        publication = parsed_into(
            {"content_full": False, "published_on": None, "update_due": None, "updated_on": None}, PUBLICATION_FIELDS)
        if "publish_due" not in cells:
            fail("publish_due", "bắt buộc khi có province")
    else:
        for column in PUBLICATION_FIELDS:
            if column in cells:
                fail(column, "chỉ dùng khi có province (mã tỉnh công bố)")
    if errors:
        return None, errors
    return Row(number, code, procedure, province, publication), []


def _code(value: object) -> str:
    if isinstance(value, float):  # Excel keeps 2.000720 as the number 2.00072
        return f"{value:.6f}"
    return str(value).strip() if value is not None else ""


def _parse(column: str, value: object) -> tuple[object, str | None]:
    """(value, None) or (None, the problem in Vietnamese)."""
    text = str(value).strip()
    if column in ("name", "field"):
        limit = 500 if column == "name" else 200
        return (text, None) if len(text) <= limit else (None, f"dài quá {limit} ký tự")
    if column == "level":
        return (text, None) if text in ProcedureLevel.values else (None, "phải là province hoặc commune")
    if column == "online_level":
        return (text, None) if text in OnlineLevel.values else (None, "phải là full, partial hoặc none")
    if column == "processing_days":
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        if not text.isdigit() or int(text) > MAX_DAYS:
            return None, f"phải là số ngày làm việc từ 0 đến {MAX_DAYS}, không phải “{text[:20]}”"
        return int(text), None
    if column in BOOLEAN_FIELDS:
        if isinstance(value, bool):
            return value, None
        folded = text.lower()
        if folded in TRUE or folded in FALSE:
            return folded in TRUE, None
        return None, f"phải là có/không (1/0, true/false), không phải “{text[:20]}”"
    return _date(value)


def _date(value: object) -> tuple[date | None, str | None]:
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date(), None
        except ValueError:
            continue
    return None, f"ngày không hợp lệ “{text[:20]}” (dạng 2025-07-15 hoặc 15/07/2025)"
