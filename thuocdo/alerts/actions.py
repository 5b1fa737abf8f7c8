"""Writes of the alerts app: changing a rule's threshold (also possible in the admin, audited there)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import model_to_dict

from thuocdo.accounts import audit
from thuocdo.accounts.choices import ActorKind, Role
from thuocdo.accounts.permissions import Actor
from thuocdo.alerts.models import AlertRule

EDITABLE = ("threshold", "min_volume", "active")


def may_edit_rules(actor: Actor) -> bool:
    """The system and central administrators (or superusers) tune alert rules; nobody else."""
    if actor.kind == ActorKind.SYSTEM:
        return True
    user = actor.user
    return bool(user and user.is_active and (user.is_superuser or user.role == Role.CENTRAL_ADMIN))


def update_alert_rule(actor: Actor, rule: AlertRule, **changes) -> AlertRule:
    """Change a rule's threshold, minimum volume or activity; one audit row with before and after."""
    if not may_edit_rules(actor):
        raise PermissionDenied("Chỉ quản trị trung ương được sửa quy tắc cảnh báo.")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"Không sửa được trường {', '.join(sorted(unknown))} của quy tắc cảnh báo.")
    if "threshold" in changes and changes["threshold"] < 0:
        raise ValidationError("Ngưỡng cảnh báo không được âm.")
    with transaction.atomic():
        rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
        before = model_to_dict(rule, fields=EDITABLE)
        for name, value in changes.items():
            setattr(rule, name, value)
        rule.full_clean()
        rule.save()
        audit.record(actor, "alerts.update_rule", "AlertRule", rule.pk, before=before,
                     after=model_to_dict(rule, fields=EDITABLE))
    return rule
