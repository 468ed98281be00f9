from django.contrib import admin

from attachment.models import (
    LocalContact,
    MatchingRun,
    OutreachAttempt,
    OutreachCampaign,
    Patient,
    PatientExtractEvent,
    Proposal,
    Referral,
    Verification,
    WaitlistSnapshot,
)
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
        "verification_state",
        "next_step",
    ]
    list_filter = [
        "oht",
        "status",
        "complex_vulnerable",
        "on_hcc_list",
        "verification_state",
        "outreach_state",
        "next_step",
        "preferred_language",
    ]
    search_fields = ["=hcc_id", "=health_card_number", "=fsa"]
    list_select_related = ["oht"]
    show_full_result_count = False


class PatientScopedAdmin(OHTScopedAdminMixin, admin.ModelAdmin):
    """The OHT's own records about a patient, scoped through the patient's OHT."""

    scope_oht_field = "patient__oht"
    list_select_related = ["patient", "patient__oht"]
    raw_id_fields = ["patient"]


@admin.register(LocalContact)
class LocalContactAdmin(PatientScopedAdmin):
    list_display = [
        "patient",
        "preferred_contact",
        "preferred_language",
        "updated_by",
        "updated_at",
    ]
    search_fields = ["=patient__hcc_id"]
    list_filter = ["preferred_contact"]


@admin.register(OutreachAttempt)
class OutreachAttemptAdmin(ReadOnlyAdminMixin, PatientScopedAdmin):
    """Attempts are recorded through the portal and the API (with their audit rows)."""

    list_display = ["patient", "channel", "status", "attempted_at", "source", "campaign"]
    list_filter = ["channel", "status", "source"]
    search_fields = ["=patient__hcc_id"]
    date_hierarchy = "attempted_at"


@admin.register(Verification)
class VerificationAdmin(ReadOnlyAdminMixin, PatientScopedAdmin):
    list_display = ["patient", "result", "needs_language", "recorded_at", "recorded_by", "source"]
    list_filter = ["result", "source"]
    search_fields = ["=patient__hcc_id"]
    date_hierarchy = "recorded_at"


@admin.register(OutreachCampaign)
class OutreachCampaignAdmin(OHTScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "oht", "patient_count", "created_by", "created_at", "launched_at"]
    list_filter = ["oht"]
    search_fields = ["name"]


@admin.register(PatientExtractEvent)
class PatientExtractEventAdmin(ReadOnlyAdminMixin, PatientScopedAdmin):
    list_display = ["patient", "change", "extract_date", "import_run", "recorded_at"]
    list_filter = ["change", "extract_date"]
    search_fields = ["=patient__hcc_id"]


@admin.register(WaitlistSnapshot)
class WaitlistSnapshotAdmin(OHTScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["oht", "extract_date", "rows", "left_list", "import_run"]
    list_filter = ["oht", "extract_date"]
    list_select_related = ["oht", "import_run"]


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdminMixin, PatientScopedAdmin):
    """Referrals use capacity: they change only through the portal's referral rules."""

    list_display = ["patient", "location", "status", "referred_at", "accepted_at", "created_by"]
    list_filter = ["status", "decline_reason", "closed_reason"]
    search_fields = ["=patient__hcc_id", "location__practice_name"]
    list_select_related = ["patient", "patient__oht", "location"]
    date_hierarchy = "referred_at"


@admin.register(MatchingRun)
class MatchingRunAdmin(OHTScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Runs are started from the matching page; here they are for looking."""

    list_display = ["oht", "status", "progress", "include_partners", "created_by", "created_at"]
    list_filter = ["status", "oht"]
    date_hierarchy = "created_at"


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdminMixin, PatientScopedAdmin):
    """Proposals are confirmed or rejected on the run page, where the rules apply."""

    list_display = ["patient", "location", "score", "distance_km", "status", "run"]
    list_filter = ["status"]
    search_fields = ["=patient__hcc_id", "location__practice_name"]
    list_select_related = ["patient", "patient__oht", "location", "run"]
