"""Admin edits are writes too: this mixin puts each one in the audit log, in the same transaction."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.forms.models import model_to_dict

from thuocdo.accounts import audit
from thuocdo.accounts.permissions import Actor

_SECRET_FIELDS = {"password", "token_hash"}


def _snapshot(obj) -> dict:
    data = model_to_dict(obj)
    for field in _SECRET_FIELDS & data.keys():
        data[field] = "***"
    # Related sets become lists of primary keys; JSON-encode once to get plain types.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, default=lambda v: getattr(v, "pk", str(v))))


class AuditedAdminMixin:
    """Record every add, change and delete made in the admin (Django wraps each in a transaction)."""

    def save_model(self, request, obj, form, change):
        before = _snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        self._audit(request, obj, "admin.change" if change else "admin.add", before, _snapshot(obj))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.instance.pk and form.instance._meta.many_to_many:
            self._audit(request, form.instance, "admin.change_related", None, _snapshot(form.instance))

    def delete_model(self, request, obj):
        before = _snapshot(obj)
        self._audit(request, obj, "admin.delete", before, None)
        super().delete_model(request, obj)

    def _audit(self, request, obj, action, before, after):
        audit.record(
            Actor.for_user(request.user), action, type(obj).__name__, obj.pk,
            unit_code=getattr(obj, "unit_id", "") or "", before=before, after=after,
        )
