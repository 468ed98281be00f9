from django.contrib import admin

from oht_portal.admin_mixins import OHTScopedAdminMixin, ReadOnlyAdminMixin
from reporting.models import FSASummary, MetricsRun, QuarterSnapshot, SnapshotFigure


@admin.register(FSASummary)
class FSASummaryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Provincial figures: read-only here, changed only by `hcc_fsa_summary` imports."""

    list_display = [
        "extract_date",
        "oht",
        "fsa",
        "active_patients",
        "active_complex_vulnerable",
        "wait_0_6m",
        "wait_6_12m",
        "wait_12_24m",
        "wait_24m_plus",
    ]
    list_filter = ["extract_date", "oht"]
    search_fields = ["=fsa"]
    list_select_related = ["oht"]


@admin.register(MetricsRun)
class MetricsRunAdmin(ReadOnlyAdminMixin, OHTScopedAdminMixin, admin.ModelAdmin):
    """Builds of the quarterly figures, for operators: read-only, made by the builds."""

    list_display = [
        "started_at",
        "oht",
        "fiscal_year",
        "quarter",
        "trigger",
        "status",
        "rows",
        "finished_at",
        "requested_by",
    ]
    list_filter = ["status", "trigger", "fiscal_year", "quarter", "oht"]
    search_fields = ["=oht__code", "error"]
    list_select_related = ["oht", "requested_by"]
    date_hierarchy = "started_at"


class SnapshotFigureInline(admin.TabularInline):
    model = SnapshotFigure
    fields = ["dimension", "key", "metric", "value"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(QuarterSnapshot)
class QuarterSnapshotAdmin(ReadOnlyAdminMixin, OHTScopedAdminMixin, admin.ModelAdmin):
    """One OHT's figures for one quarter: read-only, replaced by each build."""

    list_display = [
        "oht",
        "fiscal_year",
        "quarter",
        "as_of",
        "cohort_size",
        "cohort_waiting",
        "waiting",
        "referred",
        "attached",
        "net_attachment",
        "built_at",
    ]
    list_filter = ["fiscal_year", "quarter", "oht"]
    search_fields = ["=oht__code"]
    list_select_related = ["oht"]


@admin.register(SnapshotFigure)
class SnapshotFigureAdmin(ReadOnlyAdminMixin, OHTScopedAdminMixin, admin.ModelAdmin):
    """Breakdown figures of the snapshots: read-only."""

    scope_oht_field = "snapshot__oht"
    list_display = ["snapshot", "dimension", "key", "metric", "value"]
    list_filter = ["dimension", "snapshot__fiscal_year", "snapshot__quarter", "snapshot__oht"]
    search_fields = ["=key", "=metric"]
    list_select_related = ["snapshot"]
