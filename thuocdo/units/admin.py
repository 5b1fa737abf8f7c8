"""Admin for the unit registry: registry rows are read-only (from the packages), contact cards editable."""

from django.contrib import admin

from thuocdo.accounts.admin_readonly import ReadOnlyAdmin
from thuocdo.units.models import LegacyUnit, LegacyUnitPart, Unit, UnitProfile


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "type", "level", "province_code"]
    list_filter = ["level", "type"]
    search_fields = ["code", "name", "search_key"]
    list_select_related = ["parent"]
    ordering = ["code"]


class LegacyUnitPartInline(admin.TabularInline):
    model = LegacyUnitPart
    fields = ["unit", "is_default"]
    readonly_fields = ["unit", "is_default"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LegacyUnit)
class LegacyUnitAdmin(ReadOnlyAdmin):
    list_display = ["ward_code", "ward_name", "district_name", "province_name", "unit", "is_divided"]
    list_filter = ["is_divided", "province_name"]
    search_fields = ["ward_code", "ward_name", "district_name", "search_key", "unit__name", "unit__code"]
    list_select_related = ["unit"]
    inlines = [LegacyUnitPartInline]


@admin.register(UnitProfile)
class UnitProfileAdmin(admin.ModelAdmin):
    list_display = ["unit", "phone", "email", "head_name", "updated_at"]
    search_fields = ["unit__code", "unit__name", "head_name"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]
    readonly_fields = ["updated_at"]
