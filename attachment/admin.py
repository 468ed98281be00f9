from django.contrib import admin

from attachment.models import Patient
from oht_portal.admin_mixins import (
    AuditedPatientAdminMixin,
    OHTScopedAdminMixin,
    ReadOnlyAdminMixin,
)


@admin.register(Patient)
class PatientAdmin(
    AuditedPatientAdminMixin, OHTScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    """HCC fields are provincial data: read-only here, changed only by extracts. The
    list shows no names; opening a patient is audited."""

    list_display = [
        "hcc_id",
        "oht",
        "fsa",
        "registration_date",
        "status",
        "complex_vulnerable",
        "on_hcc_list",
    ]
    list_filter = ["oht", "status", "complex_vulnerable", "on_hcc_list", "preferred_language"]
    search_fields = ["=hcc_id", "=health_card_number", "=fsa"]
    list_select_related = ["oht"]
    show_full_result_count = False
