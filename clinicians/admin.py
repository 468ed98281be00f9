"""The directory in the Django admin. Report fields are read-only; what the OHT records
locally is edited here through `clinicians.services` (so every change is audited);
capacity declarations, clinician links and their uses are history, read-only. Anyone
with a role in an OHT sees its rows; changes take one of DIRECTORY_EDIT_ROLES there."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clinicians.links import link_revoke
from clinicians.models import (
    CapacityDeclaration,
    Clinician,
    ClinicianLink,
    ClinicianLinkUse,
    PracticeLocation,
    PrimaryCareTeam,
    SavedLocationReport,
)
from clinicians.services import (
    CLINICIAN_LOCAL_FIELDS,
    LOCATION_LOCAL_FIELDS,
    clinician_attributes_update,
    location_attributes_update,
    team_save,
)
from oht_portal.admin_mixins import ReadOnlyAdminMixin
from oht_portal.choices import DIRECTORY_EDIT_ROLES
from oht_portal.scoping import ANY_ROLE, ohts_for_user, scope_to_user

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
    row is a 404, as everywhere else. Only DIRECTORY_EDIT_ROLES change a row."""

    def scoped_locations(self, request):
        return scope_to_user(PracticeLocation.objects.all(), request.user, roles=ANY_ROLE)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def editable_ohts(self, request):
        return ohts_for_user(request.user, roles=DIRECTORY_EDIT_ROLES)

    def oht_ids_of(self, obj) -> list[int]:
        """The OHTs whose editors may change `obj`."""
        return [obj.oht_id]

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None or request.user.is_superuser:
            return allowed
        return self.editable_ohts(request).filter(pk__in=self.oht_ids_of(obj)).exists()


class DirectoryScopedAdminMixin(OHTMembersAdminMixin):
    """Rows of the OHTs where the person holds any role, through `scope_oht_field`."""

    scope_oht_field = "oht"

    def get_queryset(self, request):
        return scope_to_user(
            super().get_queryset(request),
            request.user,
            oht_field=self.scope_oht_field,
            roles=ANY_ROLE,
        )


class LocalFieldsAdminMixin:
    """The "Recorded by the OHT" fields go through the app's service (the admin's
    `update_local`), which checks them and writes the audit row; other editable fields
    (the review flag) save as usual."""

    local_fields: tuple[str, ...] = ()

    def save_model(self, request, obj, form, change):
        # The changelist's editable column asks no per-row permission: ask it here.
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        local = {
            name: form.cleaned_data[name] for name in form.changed_data if name in self.local_fields
        }
        others = [name for name in form.changed_data if name not in self.local_fields]
        with transaction.atomic():
            if others:
                obj.save(update_fields=[*others, "updated_at"])
            if local:
                # The form already set the new values on `obj`: the service compares
                # them with the stored row.
                self.update_local(request, type(obj).objects.get(pk=obj.pk), local)
                obj.refresh_from_db()


class PracticeLocationInline(ReportDataAdminMixin, admin.TabularInline):
    model = PracticeLocation
    fields = ["practice_name", "oht", "address", "city", "postal_code", "phone", "on_latest_report"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Clinician)
class ClinicianAdmin(
    ReportDataAdminMixin, LocalFieldsAdminMixin, OHTMembersAdminMixin, admin.ModelAdmin
):
    """Report fields are read-only; staff clear `needs_review` once they have checked a
    clinician who dropped off the report, and keep the OHT's own fields."""

    local_fields = CLINICIAN_LOCAL_FIELDS

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
        "paediatrics",
        "french_language_services",
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
        (_("Recorded by the OHT"), {"fields": list(CLINICIAN_LOCAL_FIELDS)}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [PracticeLocationInline]

    def get_queryset(self, request):
        # A subquery rather than a join: a clinician with two locations is one row.
        located = self.scoped_locations(request).values("clinician_id")
        return super().get_queryset(request).filter(pk__in=located)

    def oht_ids_of(self, obj) -> list[int]:
        return list(obj.locations.values_list("oht_id", flat=True))

    def update_local(self, request, obj, changes: dict) -> None:
        # The audit row names an OHT of the editor's where the clinician practises.
        oht = self.editable_ohts(request).filter(pk__in=self.oht_ids_of(obj)).first()
        clinician_attributes_update(
            clinician=obj,
            changes=changes,
            actor=request.user,
            request=request,
            oht_code=oht.code if oht else "",
        )


@admin.register(PracticeLocation)
class PracticeLocationAdmin(
    ReportDataAdminMixin, LocalFieldsAdminMixin, OHTMembersAdminMixin, admin.ModelAdmin
):
    """Report fields are read-only; the OHT's own fields are edited here, and capacity
    through its declarations (the current one is shown)."""

    local_fields = LOCATION_LOCAL_FIELDS
    list_display = [
        "practice_name",
        "clinician",
        "oht",
        "city",
        "postal_code",
        "team",
        "pcn_member",
        "on_latest_report",
        "missing_from_report_since",
    ]
    list_filter = [
        "clinician__clinician_type",
        "clinician__registration_body",
        "on_latest_report",
        "clinician__needs_review",
        "oht",
        "pcn_member",
        "serves_remote",
        "team__team_type",
        "current_declaration__accepting_status",
    ]
    search_fields = [
        "practice_name",
        "=postal_code",
        "=fsa",
        "city",
        "clinician__family_name",
        "=clinician__registration_number",
    ]
    list_select_related = ["clinician", "oht", "team"]
    readonly_fields = [*LOCATION_REPORT_FIELDS, "current_declaration"]
    fieldsets = [
        (
            _("Physician Business Contact Report"),
            {
                "fields": [
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
                ]
            },
        ),
        (_("Review"), {"fields": ["on_latest_report", "missing_from_report_since"]}),
        (_("Recorded by the OHT"), {"fields": list(LOCATION_LOCAL_FIELDS)}),
        (_("Capacity"), {"fields": ["current_declaration"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=self.scoped_locations(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and "team" in form.base_fields:
            # A location joins a team of its own OHT only.
            form.base_fields["team"].queryset = PrimaryCareTeam.objects.filter(oht_id=obj.oht_id)
        return form

    def update_local(self, request, obj, changes: dict) -> None:
        location_attributes_update(
            location=obj, changes=changes, actor=request.user, request=request
        )


@admin.register(PrimaryCareTeam)
class PrimaryCareTeamAdmin(DirectoryScopedAdminMixin, admin.ModelAdmin):
    """Teams are recorded locally; saved through `team_save` (audited). A team stays in
    its OHT, and is not deleted here: its locations and history refer to it."""

    list_display = ["name", "team_type", "oht", "pcn_member", "recruitment_status", "phone"]
    list_filter = ["team_type", "pcn_member", "recruitment_status", "oht"]
    search_fields = ["name", "email"]
    list_select_related = ["oht"]
    readonly_fields = ["created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "oht"] if obj is not None else fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "oht":
            kwargs["queryset"] = self.editable_ohts(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and self.editable_ohts(request).exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        team_save(team=obj, actor=request.user, request=request)


@admin.register(CapacityDeclaration)
class CapacityDeclarationAdmin(ReadOnlyAdminMixin, DirectoryScopedAdminMixin, admin.ModelAdmin):
    """Each declaration is history: made by staff, a clinician's link or a survey answer
    through the portal, never here."""

    scope_oht_field = "location__oht"
    list_display = [
        "location",
        "accepting_status",
        "new_patients",
        "declared_at",
        "channel",
        "expires_on",
        "verified_at",
    ]
    list_filter = ["channel", "accepting_status", "location__oht"]
    search_fields = [
        "location__practice_name",
        "location__clinician__family_name",
        "=location__clinician__registration_number",
    ]
    list_select_related = ["location"]
    date_hierarchy = "declared_at"


@admin.register(ClinicianLink)
class ClinicianLinkAdmin(ReadOnlyAdminMixin, DirectoryScopedAdminMixin, admin.ModelAdmin):
    """Links are issued by the portal's e-mails; here they can only be revoked."""

    list_display = ["clinician", "oht", "purpose", "issued_at", "expires_at", "revoked_at"]
    list_filter = ["purpose", "oht"]
    search_fields = ["clinician__family_name", "=clinician__registration_number", "sent_to"]
    list_select_related = ["clinician", "oht"]
    # The key is what the signed URL carries: never shown.
    exclude = ["key"]
    actions = ["revoke"]

    def has_revoke_permission(self, request) -> bool:
        return (
            request.user.has_perm("clinicians.change_clinicianlink")
            and self.editable_ohts(request).exists()
        )

    @admin.action(description=_("Revoke the selected links"), permissions=["revoke"])
    def revoke(self, request, queryset):
        links = queryset.filter(
            oht__in=self.editable_ohts(request), revoked_at__isnull=True
        ).select_related("oht")
        count = sum(link_revoke(link=link, actor=request.user, request=request) for link in links)
        self.message_user(
            request,
            ngettext("%(count)d link revoked.", "%(count)d links revoked.", count)
            % {"count": count},
        )


@admin.register(ClinicianLinkUse)
class ClinicianLinkUseAdmin(ReadOnlyAdminMixin, DirectoryScopedAdminMixin, admin.ModelAdmin):
    """Append-only record of each use of a link. Refused attempts with no known link
    belong to no OHT: only site admins see them."""

    scope_oht_field = "link__oht"
    list_display = ["used_at", "link", "action", "reason", "ip_address"]
    list_filter = ["action", "reason"]
    search_fields = ["link__clinician__family_name", "=link__clinician__registration_number"]
    list_select_related = ["link__clinician"]
    date_hierarchy = "used_at"


@admin.register(SavedLocationReport)
class SavedLocationReportAdmin(ReadOnlyAdminMixin, DirectoryScopedAdminMixin, admin.ModelAdmin):
    """Saved directory filters, made and removed on the directory page."""

    list_display = ["name", "oht", "query", "created_by", "created_at"]
    list_filter = ["oht"]
    search_fields = ["name"]
    list_select_related = ["oht", "created_by"]
