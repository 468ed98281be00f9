"""Admin building blocks: OHT scoping, read-only provincial data, audited patient views."""

from django.http import Http404

from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction
from oht_portal.scoping import scope_to_user


class OHTScopedAdminMixin:
    """An admin page shows only the rows of OHTs the person may see; another OHT's row
    is a 404, not the admin's usual "does not exist" redirect."""

    scope_oht_field = "oht"

    def get_queryset(self, request):
        return scope_to_user(
            super().get_queryset(request), request.user, oht_field=self.scope_oht_field
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


class ReadOnlyAdminMixin:
    """Provincial data and the audit trail are changed by imports and the portal only."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AuditedPatientAdminMixin:
    """Opening a patient in the admin is a read of health information like any other."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        patient = self.get_object(request, object_id)
        audit_record(actor=request.user, action=AuditAction.VIEW, request=request, patient=patient)
        return response
