"""One patient's timeline: what the province's extracts did to the record and what the
OHT did for the patient, newest first, in a fixed number of queries.

The patient passed in must already come from `attachment.selectors.patient_get`, which
scopes and audits; these reads only follow that patient's own rows."""

from dataclasses import dataclass, field
from datetime import datetime, time

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _

from attachment.models import LocalContact, OutreachAttempt, Patient, PatientExtractEvent
from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.models import AuditEvent


class Kind:
    EXTRACT = "extract"
    ATTEMPT = "attempt"
    VERIFICATION = "verification"
    CONTACT = "contact"
    SUPPORTS = "supports"


# On the same instant, the extract's change comes first, then the work done after it.
_KIND_ORDER = {
    Kind.EXTRACT: 0,
    Kind.CONTACT: 1,
    Kind.ATTEMPT: 2,
    Kind.VERIFICATION: 3,
    Kind.SUPPORTS: 4,
}


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline, already worded for the page."""

    kind: str
    when: datetime
    title: str
    # An extract is dated by the province's extract day, not by the hour it was loaded.
    date_only: bool = False
    details: list[str] = field(default_factory=list)
    note: str = ""
    who: str = ""
    id: int = 0

    @property
    def sort_key(self) -> tuple:
        return (self.when, _KIND_ORDER[self.kind], self.id)


def language_label(code: str) -> str:
    """A language code as a name in the page's language ("fr" → "French" / "français");
    a code Django does not know is shown as it is."""
    if not code:
        return ""
    try:
        return f"{capfirst(get_language_info(code)['name_translated'])} ({code})"
    except KeyError:
        return code


def _person(user, fallback: str = "") -> str:
    if user is None:
        return fallback
    return user.full_name or user.email


def _field_label(name: str) -> str:
    try:
        return str(capfirst(Patient._meta.get_field(name).verbose_name))
    except FieldDoesNotExist:
        return name


def _contact_field_label(name: str) -> str:
    try:
        return str(capfirst(LocalContact._meta.get_field(name).verbose_name))
    except FieldDoesNotExist:
        return name


def _yes_no(value: bool | None) -> str:
    return {True: _("Yes"), False: _("No")}.get(value, "")


def _extract_entries(patient: Patient) -> list[TimelineEntry]:
    tz = timezone.get_current_timezone()
    entries = []
    for event in PatientExtractEvent.objects.filter(patient=patient).order_by("id"):
        details = []
        if event.change == PatientExtractEvent.Change.UPDATED and event.fields:
            details.append(
                _("Changed: %(fields)s")
                % {"fields": ", ".join(_field_label(name) for name in event.fields)}
            )
        entries.append(
            TimelineEntry(
                kind=Kind.EXTRACT,
                when=datetime.combine(event.extract_date, time.min, tzinfo=tz),
                date_only=True,
                title=event.get_change_display(),
                details=details,
                who=_("HCC extract"),
                id=event.pk,
            )
        )
    return entries


def _attempt_entries(patient: Patient) -> list[TimelineEntry]:
    attempts = OutreachAttempt.objects.filter(patient=patient).select_related(
        "recorded_by", "campaign"
    )
    entries = []
    for attempt in attempts:
        details = [attempt.get_status_display()]
        if attempt.campaign is not None:
            details.append(_("Campaign: %(name)s") % {"name": attempt.campaign.name})
        entries.append(
            TimelineEntry(
                kind=Kind.ATTEMPT,
                when=attempt.attempted_at,
                title=attempt.get_channel_display(),
                details=details,
                note=attempt.note,
                who=_person(attempt.recorded_by, fallback=attempt.get_source_display()),
                id=attempt.pk,
            )
        )
    return entries


def _verification_entries(patient: Patient) -> list[TimelineEntry]:
    entries = []
    for verification in patient.verifications.select_related("recorded_by"):
        details = []
        if verification.needs_language:
            details.append(
                _("Language of care: %(language)s")
                % {"language": language_label(verification.needs_language)}
            )
        if verification.needs_paediatric is not None:
            details.append(
                _("Paediatric care: %(answer)s")
                % {"answer": _yes_no(verification.needs_paediatric)}
            )
        if verification.needs_mobility is not None:
            details.append(
                _("Mobility needs: %(answer)s") % {"answer": _yes_no(verification.needs_mobility)}
            )
        entries.append(
            TimelineEntry(
                kind=Kind.VERIFICATION,
                when=verification.recorded_at,
                title=_("Verification: %(result)s") % {"result": verification.get_result_display()},
                details=details,
                note=verification.complex_needs_note,
                who=_person(verification.recorded_by, fallback=verification.get_source_display()),
                id=verification.pk,
            )
        )
    return entries


def _contact_entries(patient: Patient) -> list[TimelineEntry]:
    # LocalContact keeps only the current values; the audit trail, written by
    # attachment.services.local_contact_update in the same transaction, is its history.
    # Those rows hold field names, never the values.
    events = AuditEvent.objects.filter(
        patient_id=patient.pk,
        object_type=LocalContact._meta.label_lower,
        action=AuditAction.UPDATE,
        outcome=AuditOutcome.SUCCESS,
    ).only("id", "occurred_at", "actor_email", "detail")
    entries = []
    for event in events:
        fields = event.detail.get("fields") or []
        if not fields:
            continue
        entries.append(
            TimelineEntry(
                kind=Kind.CONTACT,
                when=event.occurred_at,
                title=_("Local contact details corrected"),
                details=[
                    _("Changed: %(fields)s")
                    % {"fields": ", ".join(_contact_field_label(name) for name in fields)}
                ],
                who=event.actor_email,
                id=event.pk,
            )
        )
    return entries


def _support_entries(patient: Patient) -> list[TimelineEntry]:
    """Lists of interim supports given to the patient (interim_supports.SupportOffer):
    one query for the offers and their author, one for the supports they named."""
    offers = patient.support_offers.select_related("offered_by").prefetch_related("services")
    french = (get_language() or "en").startswith("fr")
    entries = []
    for offer in offers:
        names = sorted(
            (service.name_fr if french else service.name_en) for service in offer.services.all()
        )
        entries.append(
            TimelineEntry(
                kind=Kind.SUPPORTS,
                when=offer.offered_at,
                title=_("Interim supports offered"),
                details=[", ".join(names), offer.get_channel_display()],
                note=offer.note,
                who=_person(offer.offered_by),
                id=offer.pk,
            )
        )
    return entries


def patient_timeline(*, patient: Patient) -> list[TimelineEntry]:
    """Extract changes, outreach attempts, verifications, local contact corrections and
    interim supports offered of one patient, newest first. At most six queries (the
    offers' supports are read only when there are offers), whatever the number of
    entries."""
    entries = [
        *_extract_entries(patient),
        *_attempt_entries(patient),
        *_verification_entries(patient),
        *_contact_entries(patient),
        *_support_entries(patient),
    ]
    return sorted(entries, key=lambda entry: entry.sort_key, reverse=True)
