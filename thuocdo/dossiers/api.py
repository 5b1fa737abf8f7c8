"""API for source systems: POST /api/v1/dossier-events."""

from typing import Any

from ninja import Field, Router, Schema
from ninja.errors import HttpError

from thuocdo.accounts.api_auth import TokenAuth
from thuocdo.api_schemas import errors
from thuocdo.dossiers.actions import ingest_dossier_events

router = Router(tags=["Hồ sơ thủ tục hành chính"])

MAX_EVENTS = 10_000


class EventsIn(Schema):
    # Items are checked one by one by the action, so one bad row never fails the batch.
    events: list[Any] = Field(..., max_length=MAX_EVENTS)


class Rejection(Schema):
    index: int
    event_id: str | None
    errors: list[str]


class IngestOut(Schema):
    accepted: int
    duplicates: int
    rejected: list[Rejection]


@router.post(
    "",
    response={200: IngestOut, **errors(400, 401, 403, 413, 422)},
    auth=TokenAuth(),
    summary="Gửi sự kiện trạng thái hồ sơ (tối đa 10.000 mỗi lần; cần quyền dossiers:write)",
)
def post_events(request, payload: EventsIn):
    """Accepted events are durable (committed) before the answer; replays count as duplicates."""
    actor = request.auth
    summary = ingest_dossier_events(actor, payload.events, default_source=actor.token.name)
    if payload.events and summary.accepted == 0 and summary.duplicates == 0:
        forbidden = [r for r in summary.rejected if any("không có quyền" in e for e in r["errors"])]
        if len(forbidden) == len(payload.events):
            raise HttpError(403, "Mã truy cập không có quyền gửi sự kiện cho các đơn vị này.")
    return summary.as_dict()
