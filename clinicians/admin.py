from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from clinicians.models import Clinician, PracticeLocation
from oht_portal.scoping import ANY_ROLE, scope_to_user

# What the Physician Business Contact Report owns: changed only by the import.
CLINICIAN_REPORT_FIELDS = [
    "registration_body",
    "registration_number",
    "clinician_type",
    "given_name",
    "family_name",
    "email",
    "languages",
    "on_latest_report",
    "missing_from_report_since",
    "created_at",
    "updated_at",
]
LOCATION_REPORT_FIELDS = [
    "clinician",
    "oht",
    "practice_name",
    "name_key",
    "address",
    "city",
    "postal_code",
    "fsa",
    "phone",
    "fax",
    "email",
    "languages",
    "on_latest_report",
    "missing_from_report_since",
    "created_at",
    "updated_at",
]


class ReportDataAdminMixin:
    """Rows come from the report and are never deleted (history hangs off them), so the
    admin neither adds nor deletes them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OHTMembersAdminMixin:
    """Clinicians' business contacts are not patient data: anyone with any role in an
    OHT sees the clinicians practising in it (PCN leads plan with them). Another OHT's
    row is a 404, as everywhere else."""

    def scoped_locations(self, request):
        return scope_to_user(PracticeLocation.objects.all(), request.user, roles=ANY_ROLE)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


class PracticeLocationInline(ReportDataAdminMixin, admin.TabularInline):
    model = PracticeLocation
    fields = ["practice_name", "oht", "address", "city", "postal_code", "phone", "on_latest_report"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Clinician)
class ClinicianAdmin(ReportDataAdminMixin, OHTMembersAdminMixin, admin.ModelAdmin):
    """Report fields are read-only; staff clear `needs_review` once they have checked a
    clinician who dropped off the report."""

    list_display = [
        "family_name",
        "given_name",
        "clinician_type",
        "registration_body",
        "registration_number",
        "on_latest_report",
        "missing_from_report_since",
        "needs_review",
    ]
    list_filter = [
        "clinician_type",
        "registration_body",
        "on_latest_report",
        "needs_review",
        ("locations__oht", admin.RelatedOnlyFieldListFilter),
    ]
    list_editable = ["needs_review"]
    search_fields = ["=registration_number", "family_name", "given_name", "email"]
    readonly_fields = CLINICIAN_REPORT_FIELDS
    fieldsets = [
        (
            _("Physician Business Contact Report"),
            {
                "fields": [
                    "registration_body",
                    "registration_number",
                    "clinician_type",
                    "given_name",
                    "family_name",
                    "email",
                    "languages",
                ]
            },
        ),
        (
            _("Review"),
            {"fields": ["on_latest_report", "missing_from_report_since", "needs_review"]},
        ),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [PracticeLocationInline]

    def get_queryset(self, request):
        # A subquery rather than a join: a clinician with two locations is one row.
        located = self.scoped_locations(request).values("clinician_id")
        return super().get_queryset(request).filter(pk__in=located)


@admin.register(PracticeLocation)
class PracticeLocationAdmin(ReportDataAdminMixin, OHTMembersAdminMixin, admin.ModelAdmin):
    """Every field comes from the report: the page is for looking, not editing."""

    list_display = [
        "practice_name",
        "clinician",
        "oht",
        "city",
        "postal_code",
        "on_latest_report",
        "missing_from_report_since",
    ]
    list_filter = [
        "clinician__clinician_type",
        "clinician__registration_body",
        "on_latest_report",
        "clinician__needs_review",
        "oht",
    ]
    search_fields = [
        "practice_name",
        "=postal_code",
        "=fsa",
        "city",
        "clinician__family_name",
        "=clinician__registration_number",
    ]
    list_select_related = ["clinician", "oht"]
    readonly_fields = LOCATION_REPORT_FIELDS

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=self.scoped_locations(request))
