"""Validating incoming dossier events, row by row, with a reason per bad field.

Pydantic checks the types (and the calendar: "2026-02-30" is refused); the rules that need
the registry or other fields of the row are checked after, in `check_row`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, NamedTuple

import orjson
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError
from pydantic_core import PydanticCustomError

from thuocdo.dossiers.ontime import to_micros
from thuocdo.dossiers.readers import UnreadableRow

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]

# Nothing happens in the new units before the reform; nothing is reported from the future
# (one hour of clock skew between a province's servers and ours is tolerated).
EARLIEST = datetime(2025, 7, 1, tzinfo=UTC) - timedelta(hours=7)
FUTURE_SKEW = timedelta(hours=1)
# A promised return date is weeks away, not centuries: past 2100 it is a typo or an attack, and
# years near 9999 overflow the conversion to UTC (issue 9).
LATEST_DUE = datetime(2100, 1, 1, tzinfo=UTC)

_MESSAGES = {
    "missing": "thiếu trường bắt buộc",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "string_type": "phải là chuỗi ký tự",
    "string_too_short": "không được để trống",
    "string_too_long": "quá dài",
    "timezone_aware": "thiếu múi giờ (ví dụ +07:00)",
    "datetime_type": "phải là thời điểm ISO-8601 có múi giờ",
    "datetime_parsing": "không phải thời điểm hợp lệ (ISO-8601, ví dụ 2026-08-14T09:30:00+07:00)",
    "datetime_from_date_parsing": "không phải thời điểm hợp lệ (ISO-8601, ví dụ 2026-08-14T09:30:00+07:00)",
    "extra_forbidden": "trường không được hỗ trợ",
    "moment_text": "phải là thời điểm ISO-8601 có múi giờ",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
}


def _moment_as_text(value: object) -> object:
    """A moment is ISO-8601 text: an epoch number is ambiguous (seconds? milliseconds?) and refused."""
    if isinstance(value, str | datetime):
        return value
    raise PydanticCustomError("moment_text", "must be ISO-8601 text")


# Strict: `true`, `"2"` and `2.0` are not statuses; CSV and Excel readers turn their cells into ints first.
StrictCode = Annotated[int, Field(strict=True)]
StrictFlag = Annotated[bool, Field(strict=True)]
# A fee or charge in VND: the largest in the catalogue are tens of millions; past 10^12 it is a typo.
MAX_FEE = 10**12
Moment = Annotated[AwareDatetime, BeforeValidator(_moment_as_text)]


class EventIn(BaseModel):
    """One dossier status event as sent by a one-stop system (see the event contract in the README)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: Code | None = None
    event_id: Code
    dossier_code: Code
    procedure_code: Annotated[str, StringConstraints(max_length=40)] | None = None
    unit_code: Annotated[str, StringConstraints(pattern=r"^(\d{2}|\d{5})$")]
    status: Annotated[StrictCode, Field(ge=1, le=10)]
    channel: Annotated[StrictCode, Field(ge=1, le=3)] | None = None
    occurred_at: Moment
    due_at: Moment | None = None
    # The national sync fields (issue 11 §2): optional; absent means unknown, never false.
    fee_amount: Annotated[StrictCode, Field(ge=0, le=MAX_FEE)] | None = None
    paid_online: StrictFlag | None = None
    inputs_digitised: StrictFlag | None = None
    data_reused: StrictFlag | None = None
    data_replaced_fully: StrictFlag | None = None
    result_electronic: StrictFlag | None = None
    vneid_verified: StrictFlag | None = None
    satisfaction: Annotated[StrictCode, Field(ge=1, le=3)] | None = None


FACT_FIELDS = ("fee_amount", "paid_online", "inputs_digitised", "data_reused", "data_replaced_fully",
               "result_electronic", "vneid_verified", "satisfaction")


def encode_facts(facts: dict) -> str:
    """The facts an event carries as canonical text (sorted keys, no spaces; "" for none).

    Text, so that compact events stay totally ordered tuples (see `ontime.Compact`).
    """
    return orjson.dumps(facts, option=orjson.OPT_SORT_KEYS).decode() if facts else ""


class ValidEvent(NamedTuple):
    """A checked event (a tuple: cheap to build, and to pickle between ingest processes)."""

    source: str
    event_id: str
    dossier_code: str
    procedure_code: str
    unit_code: str
    province_code: str
    status: int
    channel: int | None
    occurred_us: int  # microseconds since the Unix epoch (see `ontime.to_micros`)
    due_us: int | None
    index: int = -1  # its position in the whole input, to report a conflict found when storing it
    facts: str = ""  # the sync fields it carries, as `encode_facts` text
    arrived_us: int | None = None  # when it reached us, if not now (only the simulator's replay says so)


def _message(error: dict) -> str:
    field = ".".join(str(p) for p in error["loc"]) or "event"
    kind = error["type"]
    if kind in ("greater_than_equal", "less_than_equal"):
        bounds = {"status": "1–10", "channel": "1–3 (1 trực tiếp, 2 trực tuyến, 3 bưu chính)",
                  "satisfaction": "1–3 (1 chưa hài lòng, 2 hài lòng, 3 rất hài lòng)",
                  "fee_amount": "0 đến 10^12 đồng"}
        return f"{field}: phải từ {bounds.get(field, '')}".rstrip()
    if kind == "string_pattern_mismatch" and field == "unit_code":
        return "unit_code: phải là mã xã 5 chữ số hoặc mã tỉnh 2 chữ số"
    return f"{field}: {_MESSAGES.get(kind, error['msg'])}"


def check_row(raw: object, *, units: dict[str, str], default_source: str | None, now: datetime, index: int = -1,
              arrival: bool = False):
    """Return (ValidEvent, []) for a good row or (None, [reasons]) for a bad one.

    `units` maps every known unit code to its province code. With `arrival` (the simulator replaying
    a history, never a client), a row's `delivered_at` says when it reached us.
    """
    if not isinstance(raw, dict):
        return None, ["event: phải là một đối tượng JSON"]
    arrived_us = None
    if arrival and "delivered_at" in raw:
        raw = dict(raw)
        delivered = raw.pop("delivered_at")
        try:
            delivered = delivered if isinstance(delivered, datetime) else datetime.fromisoformat(delivered)
            arrived_us = to_micros(delivered)
        except (TypeError, ValueError):
            return None, ["delivered_at: phải là thời điểm ISO-8601 có múi giờ"]
    try:
        row = EventIn.model_validate(raw)
    except ValidationError as exc:
        return None, [_message(e) for e in exc.errors(include_url=False)]
    errors = []
    source = default_source or row.source
    if not source:
        errors.append("source: thiếu hệ thống nguồn")
    province = units.get(row.unit_code)
    if province is None:
        errors.append(f"unit_code: không có đơn vị mã {row.unit_code}")
    if row.status == 2 and row.due_at is None:
        errors.append("due_at: bắt buộc khi tiếp nhận hồ sơ (status 2)")
    if row.occurred_at < EARLIEST:
        errors.append("occurred_at: trước ngày 01/07/2025, khi các đơn vị mới bắt đầu hoạt động")
    elif row.occurred_at > now + FUTURE_SKEW:
        errors.append("occurred_at: ở tương lai")
    if row.due_at is not None and row.due_at < row.occurred_at:
        errors.append("due_at: trước thời điểm của sự kiện")
    elif row.due_at is not None and row.due_at >= LATEST_DUE:
        errors.append("due_at: sau năm 2100, không phải hạn trả kết quả hợp lệ")
    if errors:
        return None, errors
    return ValidEvent(
        source=source, event_id=row.event_id, dossier_code=row.dossier_code,
        procedure_code=row.procedure_code or "", unit_code=row.unit_code, province_code=province,
        status=row.status, channel=row.channel, occurred_us=to_micros(row.occurred_at),
        due_us=to_micros(row.due_at) if row.due_at is not None else None, index=index,
        facts=encode_facts({name: getattr(row, name) for name in FACT_FIELDS if getattr(row, name) is not None}),
        arrived_us=arrived_us,
    ), []


@dataclass
class CheckedChunk:
    """One chunk of rows after validation: the good events, and each bad row with its reasons."""

    first: int
    size: int
    events: list[ValidEvent] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)


def check_chunk(
    rows: list, first_index: int, *, units: dict[str, str], permitted: Callable[[str], bool],
    default_source: str | None, now: datetime, arrival: bool = False,
) -> CheckedChunk:
    """Validate a chunk of rows; `first_index` is the position of its first row in the whole input.

    Rows for units the caller may not write (`permitted` says no) are rejected as forbidden.
    """
    checked = CheckedChunk(first=first_index, size=len(rows))
    for index, raw in enumerate(rows, start=first_index):
        if isinstance(raw, UnreadableRow):
            checked.rejected.append({"index": index, "event_id": None, "errors": [raw["_error"]]})
            continue
        event, errors = check_row(raw, units=units, default_source=default_source, now=now, index=index,
                                  arrival=arrival)
        if event is not None and not permitted(event.unit_code):
            errors = [f"unit_code: không có quyền gửi sự kiện cho đơn vị {event.unit_code}"]
            event = None
        if event is None:
            event_id = raw.get("event_id") if isinstance(raw, dict) else None
            checked.rejected.append(
                {"index": index, "event_id": str(event_id) if event_id is not None else None, "errors": errors}
            )
        else:
            checked.events.append(event)
    return checked
