"""Alert rules in the admin: thresholds are edited here, each edit audited."""

from django.contrib import admin

from thuocdo.accounts.admin_audit import AuditedAdminMixin
from thuocdo.alerts.models import AlertRule


@admin.register(AlertRule)
class AlertRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("kind", "threshold", "min_volume", "active", "updated_at")
    list_editable = ("threshold", "min_volume", "active")
    list_filter = ("kind", "active")
