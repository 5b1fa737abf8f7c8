"""Reading event files as a stream of rows: JSON Lines, CSV or Excel (same column names)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import orjson

INT_FIELDS = ("status", "channel", "fee_amount", "satisfaction")
# Yes/no sync fields: a cell reads true/false (also 1/0, có/không); anything else is left for validation to name.
BOOL_FIELDS = ("paid_online", "inputs_digitised", "data_reused", "data_replaced_fully", "result_electronic",
               "vneid_verified")
_BOOL_CELLS = {"true": True, "false": False, "1": True, "0": False, "có": True, "không": False}


class UnreadableRow(dict):
    """A line that could not even be parsed; validation reports it with its reason."""


def _integral(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lstrip("-").isdigit()
    return isinstance(value, float) and value.is_integer()


def _from_cells(row: dict) -> dict:
    """CSV/Excel give strings (or None) everywhere: drop empty cells, turn integer columns into ints."""
    out = {}
    for key, value in row.items():
        blank = value is None or (isinstance(value, str) and value.strip() == "")
        if key is None or blank:
            continue
        if key in INT_FIELDS and _integral(value):
            value = int(value)
        elif key in BOOL_FIELDS and not isinstance(value, bool):
            value = _BOOL_CELLS.get(str(value).strip().lower().removesuffix(".0"), value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[key] = value
    return out


def read_rows(path: Path) -> Iterator[object]:
    """Yield one object per event, streaming (bounded memory) whatever the file size."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        with path.open(encoding="utf-8") as handle:  # text mode: any line ending
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    yield UnreadableRow(
                        _error=f"event: dòng {number} không phải JSON hợp lệ (cột {exc.colno}: {exc.msg})"
                    )
    elif suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                yield _from_cells(row)
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        rows = workbook.active.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else None for h in next(rows, [])]
        for values in rows:
            yield _from_cells(dict(zip(header, values, strict=False)))
        workbook.close()
    else:
        raise ValueError(f"Không đọc được tệp {path.name}: chỉ nhận .jsonl, .csv hoặc .xlsx")
