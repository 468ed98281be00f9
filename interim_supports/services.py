"""Writes to the interim supports directory and offers to patients, each with its rule
and its audit row."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from interim_supports.choices import OfferChannel, SupportStatus
from interim_supports.models import (
    PublicSupportsPage,
    SupportOffer,
    SupportOrganization,
    SupportService,
)
from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction
from oht_portal.services import ApplicationError


@transaction.atomic
def organization_save(
    *, organization: SupportOrganization, actor=None, request=None
) -> SupportOrganization:
    """Create or change who runs supports, with its audit row."""
    creating = organization.pk is None
    organization.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        request=request,
        obj=organization,
        oht_code=organization.oht.code,
    )
    return organization


@transaction.atomic
def support_save(*, service: SupportService, actor=None, request=None) -> SupportService:
    """Create or change a support (its organization, hours and locations are saved by
    the caller's forms in the same transaction). Saving it is checking it: the review
    clock restarts."""
    creating = service.pk is None
    if service.organization.oht_id != service.oht_id:
        raise ApplicationError(_("The organization belongs to another OHT."))
    service.last_verified_on = timezone.localdate()
    service.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        request=request,
        obj=service,
        oht_code=service.oht.code,
    )
    return service


@transaction.atomic
def support_confirm(*, service: SupportService, actor=None, request=None) -> SupportService:
    """Staff checked the entry and it still holds: verified today."""
    service.last_verified_on = timezone.localdate()
    service.save(update_fields=["last_verified_on", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        request=request,
        obj=service,
        oht_code=service.oht.code,
        detail={"verified": True},
    )
    return service


@transaction.atomic
def support_offer_record(
    *,
    patient,
    services: list[SupportService],
    channel: OfferChannel,
    language: str,
    actor=None,
    note: str = "",
    request=None,
) -> SupportOffer:
    """Record that `patient` was given these supports. `patient` must come from the
    patient's scoped selector; every support must be one the patient's OHT can offer."""
    if not services:
        raise ApplicationError(_("Choose at least one support."))
    allowed = {
        service.pk
        for service in services
        if service.oht_id == patient.oht_id or service.province_wide
    }
    if len(allowed) != len({service.pk for service in services}):
        raise ApplicationError(_("A support of another OHT cannot be offered to this patient."))
    if any(service.status == SupportStatus.INACTIVE for service in services):
        raise ApplicationError(_("An inactive support cannot be offered."))
    offer = SupportOffer.objects.create(
        patient=patient,
        channel=channel,
        language=language,
        note=note,
        offered_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    offer.services.set(services)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        request=request,
        obj=offer,
        patient=patient,
        detail={"channel": channel, "supports": sorted(allowed)},
    )
    return offer


@transaction.atomic
def public_page_set(
    *, oht, enabled: bool, intro_en: str = "", intro_fr: str = "", actor=None, request=None
) -> PublicSupportsPage:
    page, _created = PublicSupportsPage.objects.update_or_create(
        oht=oht, defaults={"enabled": enabled, "intro_en": intro_en, "intro_fr": intro_fr}
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        request=request,
        obj=page,
        oht_code=oht.code,
        detail={"enabled": enabled},
    )
    return page
