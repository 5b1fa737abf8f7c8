"""Writing the audit log. Called by actions inside their own transaction."""

from typing import Any

from django.db import transaction

from thuocdo.accounts.models import AuditEntry
from thuocdo.accounts.permissions import Actor


def record(
    actor: Actor,
    action: str,
    obj_type: str,
    obj_id: str,
    *,
    unit_code: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit row; must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside the action's transaction")
    return AuditEntry.objects.create(
        actor_kind=actor.kind,
        user=actor.user,
        token=actor.token,
        actor_label=actor.label,
        action=action,
        object_type=obj_type,
        object_id=str(obj_id),
        unit_code=unit_code,
        before=before,
        after=after,
    )
