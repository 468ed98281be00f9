from django.contrib import admin

from oht_portal.admin_mixins import ReadOnlyAdminMixin
from reporting.models import FSASummary


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
