"""Admin in Vietnamese for users, API tokens and the (read-only) audit log."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from thuocdo.accounts.actions import TokenError, revoke_api_token
from thuocdo.accounts.admin_audit import AuditedAdminMixin
from thuocdo.accounts.admin_readonly import ReadOnlyAdmin
from thuocdo.accounts.models import ApiToken, AuditEntry, User
from thuocdo.accounts.permissions import Actor


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    list_display = ("username", "first_name", "role", "unit", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name", "email", "unit__name", "unit__code")
    autocomplete_fields = ("unit", "assigned_units")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Đơn vị và vai trò", {"fields": ("unit", "role", "assigned_units")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Đơn vị và vai trò", {"fields": ("unit", "role")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Tokens are issued with `thuocdo tokens create` (the secret is shown once there)."""

    list_display = ("name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    search_fields = ("name", "prefix")
    readonly_fields = ("name", "prefix", "token_hash", "units", "scopes", "created_at", "created_by",
                       "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Thu hồi các mã đã chọn")
    def revoke(self, request, queryset):
        for token in queryset:
            try:
                revoke_api_token(Actor.for_user(request.user), token.name)
            except TokenError as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                self.message_user(request, f"Đã thu hồi {token.name}.", messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is written by actions only."""

    list_display = ("at", "actor_label", "action", "object_type", "object_id", "unit_code")
    list_filter = ("action", "actor_kind", "object_type")
    search_fields = ("actor_label", "object_id", "unit_code", "action")
    date_hierarchy = "at"
