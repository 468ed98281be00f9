"""Scoped reads of waitlisted patients. Nothing outside this module queries `Patient`
for a person: every read is limited to the OHTs the person may see."""

from django.db.models import Q, QuerySet
from django.http import Http404

from attachment.models import Patient, PatientExtractEvent
from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.scoping import scope_to_user


def patient_list(*, user, search: str = "") -> QuerySet[Patient]:
    """Patients of the OHTs where `user` may see patient data, optionally searched by
    HCC id, health card number (exact) or name."""
    patients = scope_to_user(Patient.objects.select_related("oht"), user)
    search = search.strip()
    if search:
        compact = search.replace(" ", "").replace("-", "").upper()
        patients = patients.filter(
            Q(hcc_id=compact)
            | Q(health_card_number=compact)
            | Q(family_name__istartswith=search)
            | Q(given_name__istartswith=search)
        )
    return patients


def patient_get(*, user, pk: int, request=None) -> Patient:
    """One patient, or 404 when it does not exist or belongs to an OHT the user may not
    see. A refused attempt on an existing patient is itself audited."""
    try:
        return patient_list(user=user).get(pk=pk)
    except Patient.DoesNotExist:
        outsider = Patient.objects.select_related("oht").filter(pk=pk).first()
        if outsider is not None:
            audit_record(
                actor=user,
                action=AuditAction.VIEW,
                request=request,
                patient=outsider,
                outcome=AuditOutcome.DENIED,
            )
        raise Http404 from None


def patient_pk_for_hcc_id(hcc_id: str) -> int | None:
    """Unscoped id lookup for the audit trail, which privacy leads filter by HCC id;
    it returns no health information."""
    return Patient.objects.filter(hcc_id=hcc_id).values_list("pk", flat=True).first()


def patient_import_history(*, user, patient_id: int, roles) -> QuerySet[PatientExtractEvent]:
    """The imports that touched a patient, for privacy leads of the patient's OHT."""
    patients = scope_to_user(Patient.objects.filter(pk=patient_id), user, roles=roles)
    return (
        PatientExtractEvent.objects.filter(patient__in=patients)
        .select_related("import_run")
        .order_by("-recorded_at", "-id")
    )
