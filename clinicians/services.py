"""Writes to the directory and to capacity, each with its rule and its audit row.

Staff, a clinician's link and a survey answer all declare capacity through
`capacity_declare`, so every declaration is dated, attributed and expires the same way."""

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinicians.choices import AcceptingStatus, DeclarationChannel, EntrySource
from clinicians.importers import practice_name_key
from clinicians.models import (
    CapacityDeclaration,
    Clinician,
    PracticeLocation,
    PrimaryCareTeam,
    SavedLocationReport,
)
from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction
from oht_portal.models import OHT
from oht_portal.services import ApplicationError

# What staff may change on a location and a clinician: only local attributes, never
# the columns the Physician Business Contact Report owns.
LOCATION_LOCAL_FIELDS = (
    "team",
    "languages_local",
    "fsas_served",
    "serves_remote",
    "virtual_care",
    "wheelchair_accessible",
    "accessibility_note",
    "digital_readiness",
    "ereferral_status",
    "pcn_member",
    "recruitment_status",
)
CLINICIAN_LOCAL_FIELDS = (
    "paediatrics",
    "french_language_services",
    "contact_email",
    "contact_preference",
    "correspondence_language",
)


@dataclass(frozen=True)
class CapacityFigures:
    """What someone declares about a location's capacity."""

    accepting_status: str
    new_patients: int
    min_age: int | None = None
    max_age: int | None = None
    languages: str = ""
    takes_complex: bool = True
    batch_size: int | None = None
    note: str = ""


def declaration_expiry(verified_at) -> date:
    return timezone.localdate(verified_at) + timedelta(days=settings.CAPACITY_VALID_DAYS)


@transaction.atomic
def capacity_declare(
    *,
    location: PracticeLocation,
    figures: CapacityFigures,
    channel: DeclarationChannel,
    actor=None,
    declared_by_name: str = "",
    request=None,
) -> CapacityDeclaration:
    """A new declaration for `location`, current from now, verified now and expiring
    CAPACITY_VALID_DAYS later. Referrals accepted before it no longer count against it."""
    if figures.accepting_status == AcceptingStatus.NOT_ACCEPTING and figures.new_patients:
        raise ApplicationError(_("A practice that is not accepting patients has no places."))
    if (
        figures.min_age is not None
        and figures.max_age is not None
        and figures.min_age > figures.max_age
    ):
        raise ApplicationError(_("The youngest age taken is above the oldest."))
    # Lock the location so two declarations at once cannot both become current.
    PracticeLocation.objects.select_for_update().filter(pk=location.pk).get()
    now = timezone.now()
    declaration = CapacityDeclaration.objects.create(
        location=location,
        accepting_status=figures.accepting_status,
        new_patients=figures.new_patients,
        min_age=figures.min_age,
        max_age=figures.max_age,
        languages=figures.languages,
        takes_complex=figures.takes_complex,
        batch_size=figures.batch_size,
        note=figures.note,
        declared_at=now,
        channel=channel,
        declared_by=actor if getattr(actor, "is_authenticated", False) else None,
        declared_by_name=declared_by_name,
        verified_at=now,
        expires_on=declaration_expiry(now),
    )
    PracticeLocation.objects.filter(pk=location.pk).update(
        current_declaration=declaration, updated_at=now
    )
    location.current_declaration = declaration
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        request=request,
        obj=declaration,
        oht_code=location.oht.code,
        detail={"channel": channel, "location": location.pk},
    )
    return declaration


@transaction.atomic
def capacity_verify(
    *,
    declaration: CapacityDeclaration,
    channel: DeclarationChannel,
    actor=None,
    request=None,
) -> CapacityDeclaration:
    """Confirm that the current declaration still holds: it is verified now and its
    expiry moves on. Its figures and its count of referrals stay as they were."""
    location = declaration.location
    if location.current_declaration_id != declaration.pk:
        raise ApplicationError(_("Only the current declaration can be confirmed."))
    now = timezone.now()
    declaration.verified_at = now
    declaration.expires_on = declaration_expiry(now)
    declaration.save(update_fields=["verified_at", "expires_on"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        request=request,
        obj=declaration,
        oht_code=location.oht.code,
        detail={"verified": True, "channel": channel},
    )
    return declaration


def _local_update(obj, changes: dict, allowed: tuple[str, ...], *, actor, request, oht_code):
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ApplicationError(
            _("These fields come from the provincial report: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    changed = [name for name, value in changes.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, changes[name])
    if changed:
        obj.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            request=request,
            obj=obj,
            oht_code=oht_code,
            detail={"fields": sorted(changed)},
        )
    return changed


@transaction.atomic
def location_attributes_update(
    *, location: PracticeLocation, changes: dict, actor=None, request=None
) -> list[str]:
    """Change a location's local attributes; returns the names of those that changed."""
    team = changes.get("team")
    if team is not None and team.oht_id != location.oht_id:
        raise ApplicationError(_("A location can only join a team of its own OHT."))
    return _local_update(
        location,
        changes,
        LOCATION_LOCAL_FIELDS,
        actor=actor,
        request=request,
        oht_code=location.oht.code,
    )


@transaction.atomic
def clinician_attributes_update(
    *, clinician: Clinician, changes: dict, actor=None, request=None, oht_code: str = ""
) -> list[str]:
    """Change a clinician's local attributes; returns the names of those that changed."""
    return _local_update(
        clinician,
        changes,
        CLINICIAN_LOCAL_FIELDS,
        actor=actor,
        request=request,
        oht_code=oht_code,
    )


@transaction.atomic
def team_save(*, team: PrimaryCareTeam, actor=None, request=None) -> PrimaryCareTeam:
    """Create or change a primary care team, with its audit row."""
    creating = team.pk is None
    team.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        request=request,
        obj=team,
        oht_code=team.oht.code,
    )
    return team


@transaction.atomic
def saved_report_create(
    *, oht: OHT, name: str, query: str, actor, request=None
) -> SavedLocationReport:
    report = SavedLocationReport.objects.create(oht=oht, name=name, query=query, created_by=actor)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        request=request,
        obj=report,
        oht_code=oht.code,
        detail={"query": query},
    )
    return report


@transaction.atomic
def saved_report_delete(*, report: SavedLocationReport, actor, request=None) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        request=request,
        obj=report,
        oht_code=report.oht.code,
        detail={"name": report.name, "query": report.query},
    )
    report.delete()


@dataclass(frozen=True)
class LocalEntry:
    """A clinician and practice location the report does not list (yet): an NP newly
    recruited, a clinic outside the PCN. Values are already cleaned by the form."""

    registration_body: str
    registration_number: str
    clinician_type: str
    given_name: str
    family_name: str
    practice_name: str
    address: str
    city: str
    postal_code: str
    phone: str = ""
    email: str = ""
    languages: str = ""


@transaction.atomic
def location_local_create(
    *, oht: OHT, entry: LocalEntry, actor=None, request=None
) -> PracticeLocation:
    """Add a practice location recorded by the OHT, with its clinician when the directory
    does not know them. A known clinician (same college and number) keeps the names and
    e-mail the report or an earlier entry gave. The report adopts both the first time it
    lists them, keeping everything recorded locally; until then no import flags them."""
    name_key = practice_name_key(pd.Series([entry.practice_name]))[0]
    if not name_key:
        raise ApplicationError(_("The practice name needs a letter or a digit."))
    clinician, created = Clinician.objects.get_or_create(
        registration_body=entry.registration_body,
        registration_number=entry.registration_number,
        defaults={
            "clinician_type": entry.clinician_type,
            "given_name": entry.given_name,
            "family_name": entry.family_name,
            "email": entry.email,
            "languages": entry.languages,
            "source": EntrySource.LOCAL,
            "on_latest_report": False,
        },
    )
    if PracticeLocation.objects.filter(
        clinician=clinician, name_key=name_key, postal_code=entry.postal_code
    ).exists():
        raise ApplicationError(_("This clinician already has this practice location."))
    location = PracticeLocation.objects.create(
        clinician=clinician,
        oht=oht,
        practice_name=entry.practice_name,
        name_key=name_key,
        address=entry.address,
        city=entry.city,
        postal_code=entry.postal_code,
        fsa=entry.postal_code[:3],
        phone=entry.phone,
        email=entry.email,
        languages=entry.languages,
        source=EntrySource.LOCAL,
        on_latest_report=False,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        request=request,
        obj=location,
        oht_code=oht.code,
        detail={"source": EntrySource.LOCAL, "new_clinician": created},
    )
    return location
