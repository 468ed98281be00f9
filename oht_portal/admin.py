from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from oht_portal.admin_mixins import ReadOnlyAdminMixin
from oht_portal.models import (
    OHT,
    ApiReadAlert,
    ApiTokenGrant,
    AuditEvent,
    ImportIssue,
    ImportRun,
    Membership,
    Region,
    ServedFSA,
    User,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class ServedFSAInline(admin.TabularInline):
    model = ServedFSA
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "memberships__role"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name"]}),
        (
            _("Access"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})
    ]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_fr"]
    search_fields = ["code", "name_en", "name_fr"]


@admin.register(OHT)
class OHTAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_fr", "region", "primary_contact", "custodian_name"]
    list_filter = ["region"]
    search_fields = ["code", "name_en", "name_fr", "served_fsas__fsa"]
    autocomplete_fields = ["primary_contact"]
    inlines = [ServedFSAInline, MembershipInline]


@admin.register(ServedFSA)
class ServedFSAAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Which OHT serves an FSA: provincial registry data, changed only by its import."""

    list_display = ["fsa", "oht"]
    list_filter = ["oht__region", "oht"]
    search_fields = ["=fsa", "oht__code", "oht__name_en"]
    list_select_related = ["oht"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "oht", "role", "created_at"]
    list_filter = ["role", "oht__region", "oht"]
    search_fields = ["user__email", "user__full_name", "oht__code", "oht__name_en"]
    autocomplete_fields = ["user", "oht"]
    list_select_related = ["user", "oht"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "occurred_at",
        "actor_email",
        "action",
        "oht_code",
        "object_type",
        "object_id",
        "patient_id",
        "outcome",
        "ip_address",
    ]
    list_filter = ["action", "outcome", "oht_code", "object_type"]
    search_fields = ["actor_email", "object_id", "=patient_id", "path"]
    date_hierarchy = "occurred_at"

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


class ImportIssueInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ImportIssue
    fields = ["line", "column", "severity", "reason"]
    readonly_fields = fields
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("line", "id")


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The record of every extract taken in; runs are made by the pipeline only."""

    list_display = [
        "id",
        "file_name",
        "kind",
        "status",
        "trigger",
        "started_by",
        "extract_date",
        "rows_read",
        "rows_created",
        "rows_updated",
        "rows_unchanged",
        "rows_rejected",
        "warnings_count",
        "queued_at",
    ]
    list_filter = ["kind", "status", "trigger", "ohts"]
    search_fields = ["file_name", "=sha256", "started_by__email"]
    date_hierarchy = "queued_at"
    list_select_related = ["started_by"]
    inlines = [ImportIssueInline]


@admin.register(ImportIssue)
class ImportIssueAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["run", "line", "column", "severity", "reason"]
    list_filter = ["severity", "run__kind"]
    search_fields = ["column", "reason", "=run__id"]
    list_select_related = ["run"]


@admin.register(ApiTokenGrant)
class ApiTokenGrantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The history of every API token: made and revoked on the portal's token pages
    only, so that each change is audited (knox's own admin lists the live hashes)."""

    list_display = [
        "token_key",
        "user_email",
        "label",
        "scope",
        "created_at",
        "expires_at",
        "created_by",
        "oht",
        "revoked_at",
        "revoked_by",
    ]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter), "oht"]
    search_fields = ["token_key", "user_email", "label", "created_by__email"]
    date_hierarchy = "created_at"
    list_select_related = ["created_by", "oht", "revoked_by"]
    exclude = ["token"]


@admin.register(ApiReadAlert)
class ApiReadAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Unusual API reads; privacy leads close them from the audit page."""

    list_display = [
        "created_at",
        "user_email",
        "token_key",
        "window_start",
        "patients_read",
        "threshold",
        "resolution",
        "closed_at",
        "closed_by",
    ]
    list_filter = ["resolution", ("closed_at", admin.EmptyFieldListFilter)]
    search_fields = ["user_email", "token_key"]
    date_hierarchy = "created_at"
    list_select_related = ["closed_by"]
