"""Scoped reads of the interim supports directory.

Supports hold no patient data: anyone with a role in an OHT reads that OHT's entries,
plus every OHT's province-wide ones (211, Health811). DIRECTORY_EDIT_ROLES keep their
OHT's entries up to date. Offers to patients are patient data: read through the
patient's own scoping."""

from django.db.models import Q, QuerySet
from django.http import Http404

from interim_supports.models import SupportOffer, SupportService
from interim_supports.search import with_schedule
from oht_portal.choices import DIRECTORY_EDIT_ROLES, PATIENT_DATA_ROLES
from oht_portal.scoping import ANY_ROLE, ohts_for_user, scope_to_user


def support_list(*, user, for_edit: bool = False) -> QuerySet[SupportService]:
    """The supports `user` may see (or, `for_edit`, change), hours and locations
    prefetched."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return SupportService.objects.none()
    if user.is_superuser:
        return with_schedule(SupportService.objects.all())
    roles = DIRECTORY_EDIT_ROLES if for_edit else ANY_ROLE
    ohts = ohts_for_user(user, roles=roles)
    visible = Q(oht__in=ohts.values("pk"))
    if not for_edit and ohts.exists():
        visible |= Q(province_wide=True)
    return with_schedule(SupportService.objects.filter(visible))


def support_get(*, user, pk: int, for_edit: bool = False) -> SupportService:
    try:
        return support_list(user=user, for_edit=for_edit).get(pk=pk)
    except SupportService.DoesNotExist:
        raise Http404 from None


def supports_for_patient(patient) -> QuerySet[SupportService]:
    """The supports a patient's OHT can point them to: its own and province-wide ones.
    `patient` comes from attachment.selectors.patient_get (scoped and audited)."""
    return with_schedule(
        SupportService.objects.filter(Q(oht_id=patient.oht_id) | Q(province_wide=True))
    )


def offer_list(*, user, patient_id: int | None = None) -> QuerySet[SupportOffer]:
    offers = scope_to_user(
        SupportOffer.objects.select_related("patient", "offered_by"),
        user,
        oht_field="patient__oht",
        roles=PATIENT_DATA_ROLES,
    ).prefetch_related("services")
    if patient_id is not None:
        offers = offers.filter(patient_id=patient_id)
    return offers
