"""Interim supports in the Django admin, scoped to the admin user's OHTs.

Supports hold no patient data: anyone with a role in an OHT sees its rows (another
OHT's row is a 404); DIRECTORY_EDIT_ROLES change them, a support through
`support_save` (audited, review clock restarted) with its hours and locations inline,
the public page through `public_page_set`. Offers of supports to patients are patient
data: read-only, scoped through the patient's OHT to PATIENT_DATA_ROLES, and opening
one is audited like opening the patient."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from interim_supports.models import (
    PublicSupportsPage,
    SupportHours,
    SupportLocation,
    SupportOffer,
    SupportOrganization,
    SupportService,
)
from interim_supports.search import code_in_list_q
from interim_supports.services import organization_save, public_page_set, support_save
from oht_portal.admin_mixins import OHTScopedAdminMixin, ReadOnlyAdminMixin
from oht_portal.audit import audit_record
from oht_portal.choices import DIRECTORY_EDIT_ROLES, AuditAction
from oht_portal.models import OHT
from oht_portal.scoping import ANY_ROLE, ohts_for_user, scope_to_user

# Web addresses typed without a scheme are https ones (Django 6's default).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class DirectoryAdminMixin(OHTScopedAdminMixin):
    """Rows of the OHTs where the person holds any role (no patient data in them);
    changes only where they hold one of DIRECTORY_EDIT_ROLES."""

    formfield_overrides = URL_FIELDS

    def get_queryset(self, request):
        # Skip OHTScopedAdminMixin's patient-data scoping: any role reads the directory.
        queryset = super(OHTScopedAdminMixin, self).get_queryset(request)
        return scope_to_user(queryset, request.user, oht_field=self.scope_oht_field, roles=ANY_ROLE)

    def editable_ohts(self, request) -> QuerySet[OHT]:
        return ohts_for_user(request.user, roles=DIRECTORY_EDIT_ROLES)

    def oht_id_of(self, obj) -> int:
        return obj.oht_id

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None or request.user.is_superuser:
            return allowed
        return self.editable_ohts(request).filter(pk=self.oht_id_of(obj)).exists()

    def has_add_permission(self, request, *args) -> bool:
        return super().has_add_permission(request, *args) and self.editable_ohts(request).exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        # Offers and history point at these rows: mark a support inactive instead.
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "oht":
            kwargs["queryset"] = self.editable_ohts(request)
        if db_field.name == "organization":
            kwargs["queryset"] = SupportOrganization.objects.filter(
                oht__in=self.editable_ohts(request)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A row stays in its OHT: exports, offers and the audit trail name it there.
        return [*fields, "oht"] if obj is not None and "oht" not in fields else fields


class SupportServiceAdminForm(forms.ModelForm):
    """The organization must be one of the support's own OHT (as `support_save` wants)."""

    class Meta:
        model = SupportService
        fields = ["oht", "organization"]  # the admin's fieldsets add the others

    def clean(self):
        cleaned = super().clean()
        oht = cleaned.get("oht") or (self.instance.oht if self.instance.oht_id else None)
        organization = cleaned.get("organization")
        if oht is not None and organization is not None and organization.oht_id != oht.pk:
            self.add_error("organization", _("The organization belongs to another OHT."))
        return cleaned


class LanguageListFilter(admin.SimpleListFilter):
    """Supports offering a language (the field holds ISO 639-1 codes separated by ';')."""

    title = _("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        codes = set()
        for languages in model_admin.get_queryset(request).values_list("languages", flat=True):
            codes.update(code for code in languages.split(";") if code)
        return [(code, code) for code in sorted(codes)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(code_in_list_q("languages", self.value()))
        return queryset


class SupportHoursInline(admin.TabularInline):
    model = SupportHours
    extra = 0
    fields = ["weekday", "opens_at", "closes_at"]


class SupportLocationInline(admin.StackedInline):
    model = SupportLocation
    formfield_overrides = URL_FIELDS
    extra = 0
    fields = [
        "location_type",
        "name",
        "address",
        "city",
        "postal_code",
        "url",
        "accessibility",
        "hsds_id",
    ]
    readonly_fields = ["hsds_id"]


@admin.register(SupportOrganization)
class SupportOrganizationAdmin(DirectoryAdminMixin, admin.ModelAdmin):
    """Who runs the supports. Saved with an audit row."""

    list_display = ["name", "oht", "website", "phone", "email", "updated_at"]
    list_filter = ["oht"]
    search_fields = ["name", "email", "=hsds_id"]
    list_select_related = ["oht"]
    readonly_fields = ["hsds_id", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if not self.has_change_permission(request, obj if change else None):
            raise PermissionDenied
        organization_save(organization=obj, actor=request.user, request=request)


@admin.register(SupportService)
class SupportServiceAdmin(DirectoryAdminMixin, admin.ModelAdmin):
    """A support with its hours and locations. Saving it is checking it (through
    `support_save`): its review clock restarts."""

    list_display = [
        "name_en",
        "oht",
        "organization",
        "support_type",
        "languages",
        "status",
        "province_wide",
        "last_verified_on",
        "review_due_on",
    ]
    list_filter = [
        "support_type",
        "status",
        LanguageListFilter,
        "oht",
        "province_wide",
        "walk_in",
        "indigenous_led",
        "cost",
    ]
    search_fields = ["name_en", "name_fr", "organization__name", "=fsas_served", "=hsds_id"]
    list_select_related = ["oht", "organization"]
    readonly_fields = ["hsds_id", "last_verified_on", "created_at", "updated_at"]
    form = SupportServiceAdminForm
    inlines = [SupportHoursInline, SupportLocationInline]
    fieldsets = [
        (None, {"fields": ["oht", "organization", "support_type", "status", "hsds_id"]}),
        (
            _("Description"),
            {"fields": ["name_en", "name_fr", "description_en", "description_fr", "languages"]},
        ),
        (
            _("Eligibility"),
            {
                "fields": [
                    "min_age",
                    "max_age",
                    "unattached_only",
                    "complex_needs",
                    "indigenous_led",
                    "eligibility_en",
                    "eligibility_fr",
                ]
            },
        ),
        (
            _("Access and cost"),
            {"fields": ["walk_in", "by_appointment", "by_phone", "online", "cost", "cost_note"]},
        ),
        (
            _("Where"),
            {
                "fields": [
                    "fsas_served",
                    "province_wide",
                    "capacity_note_en",
                    "capacity_note_fr",
                ]
            },
        ),
        (_("Contact"), {"fields": ["phone", "email", "url"]}),
        (
            _("Review"),
            {
                "fields": [
                    "closed_on_holidays",
                    "last_verified_on",
                    "review_every_days",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    @admin.display(description=_("review due"))
    def review_due_on(self, obj):
        return obj.review_due_on

    def save_model(self, request, obj, form, change):
        if not self.has_change_permission(request, obj if change else None):
            raise PermissionDenied
        support_save(service=obj, actor=request.user, request=request)


class SupportPartAdminMixin(DirectoryAdminMixin):
    """Hours and locations are edited with their support; these lists only find them."""

    scope_oht_field = "service__oht"
    list_select_related = ["service", "service__oht"]

    def oht_id_of(self, obj) -> int:
        return obj.service.oht_id

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SupportLocation)
class SupportLocationAdmin(SupportPartAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "service", "location_type", "city", "postal_code"]
    list_filter = ["location_type", "service__oht"]
    search_fields = ["name", "address", "city", "=postal_code", "service__name_en"]


@admin.register(SupportHours)
class SupportHoursAdmin(SupportPartAdminMixin, admin.ModelAdmin):
    list_display = ["service", "weekday", "opens_at", "closes_at"]
    list_filter = ["weekday", "service__oht"]
    search_fields = ["service__name_en"]


@admin.register(SupportOffer)
class SupportOfferAdmin(ReadOnlyAdminMixin, OHTScopedAdminMixin, admin.ModelAdmin):
    """Supports given to a patient: recorded through the portal and the API only. Patient
    data: scoped through the patient's OHT, and opening one is audited."""

    scope_oht_field = "patient__oht"
    list_display = ["patient", "channel", "language", "offered_at", "offered_by"]
    list_filter = ["channel", "language"]
    search_fields = ["=patient__hcc_id"]
    list_select_related = ["patient", "offered_by"]
    date_hierarchy = "offered_at"
    show_full_result_count = False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        offer = self.get_object(request, object_id)
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            request=request,
            obj=offer,
            patient=offer.patient,
        )
        return response


@admin.register(PublicSupportsPage)
class PublicSupportsPageAdmin(DirectoryAdminMixin, admin.ModelAdmin):
    """An OHT's public, no-login list of its supports; switched through `public_page_set`."""

    list_display = ["oht", "enabled", "updated_at"]
    list_filter = ["enabled", "oht"]
    search_fields = ["oht__code", "oht__name_en"]
    list_select_related = ["oht"]
    readonly_fields = ["updated_at"]

    def save_model(self, request, obj, form, change):
        if not self.has_change_permission(request, obj if change else None):
            raise PermissionDenied
        page = public_page_set(
            oht=obj.oht,
            enabled=obj.enabled,
            intro_en=obj.intro_en,
            intro_fr=obj.intro_fr,
            actor=request.user,
            request=request,
        )
        obj.pk, obj.updated_at = page.pk, page.updated_at
