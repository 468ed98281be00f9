"""The referral lifecycle, and the rule that a practice is never over-filled.

referred → accepted | declined | closed
accepted → intake_booked | closed
intake_booked → attached | closed

Capacity is taken when a referral is created and given back when the practice declines
(clinicians.capacity counts referrals, so there is no counter to keep in step). Two
people referring to the last place at once: each creation locks the location's row
(SELECT ... FOR UPDATE) and counts its remaining places under that lock, so the second
one sees none left and gets NoCapacityLeft (a 409 in the API). A second open referral
for the same patient is refused by a partial unique index, whatever the code does."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attachment.choices import ClosedReason, DeclineReason, ProposalStatus, ReferralStatus
from attachment.models import Patient, Proposal, Referral
from clinicians.capacity import remaining_capacity
from clinicians.models import PracticeLocation
from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction
from oht_portal.services import ApplicationError

TRANSITIONS = {
    ReferralStatus.REFERRED: {
        ReferralStatus.ACCEPTED,
        ReferralStatus.DECLINED,
        ReferralStatus.CLOSED,
    },
    ReferralStatus.ACCEPTED: {ReferralStatus.INTAKE_BOOKED, ReferralStatus.CLOSED},
    ReferralStatus.INTAKE_BOOKED: {ReferralStatus.ATTACHED, ReferralStatus.CLOSED},
    ReferralStatus.DECLINED: set(),
    ReferralStatus.ATTACHED: set(),
    ReferralStatus.CLOSED: set(),
}


class NoCapacityLeft(ApplicationError):
    status_code = 409
    code = "no_capacity_left"


class OpenReferralExists(ApplicationError):
    status_code = 409
    code = "open_referral_exists"


class IllegalTransition(ApplicationError):
    status_code = 409
    code = "illegal_transition"


def _audit(referral: Referral, actor, request, **detail) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if detail.get("created") else AuditAction.UPDATE,
        request=request,
        obj=referral,
        patient=referral.patient,
        detail={"location": referral.location_id, "status": referral.status, **detail},
    )


def referral_create(
    *,
    patient: Patient,
    location: PracticeLocation,
    actor=None,
    proposal: Proposal | None = None,
    idempotency_key: str | None = None,
    request=None,
) -> Referral:
    """Refer `patient` (already scoped by the caller) to `location`, taking one place.
    With an `idempotency_key` seen before, the referral it created is returned again."""
    if idempotency_key:
        earlier = Referral.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            if earlier.patient_id != patient.pk or earlier.location_id != location.pk:
                raise ApplicationError(_("This idempotency key was used for another referral."))
            return earlier
    try:
        with transaction.atomic():
            # The lock that serialises everyone referring to this location.
            PracticeLocation.objects.select_for_update().filter(pk=location.pk).get()
            if remaining_capacity(location) < 1:
                raise NoCapacityLeft(_("This practice location has no capacity left."))
            referral = Referral.objects.create(
                patient=patient,
                location=location,
                proposal=proposal,
                idempotency_key=idempotency_key or None,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            if proposal is not None:
                Proposal.objects.filter(pk=proposal.pk).update(
                    status=ProposalStatus.CONFIRMED,
                    decided_by=referral.created_by,
                    decided_at=referral.referred_at,
                )
            _audit(referral, actor, request, created=True)
    except IntegrityError as error:
        if idempotency_key and Referral.objects.filter(idempotency_key=idempotency_key).exists():
            return Referral.objects.get(idempotency_key=idempotency_key)
        raise OpenReferralExists(_("This patient already has an open referral.")) from error
    return referral


def _transition(referral: Referral, to: str, *, actor, request, **changes) -> Referral:
    """Move `referral` to `to` if the lifecycle allows it from its current status,
    read under a row lock so two people cannot move it two ways at once."""
    with transaction.atomic():
        current = Referral.objects.select_for_update().get(pk=referral.pk)
        if to not in TRANSITIONS[current.status]:
            raise IllegalTransition(
                _("A referral that is “%(current)s” cannot become “%(to)s”.")
                % {
                    "current": current.get_status_display(),
                    "to": ReferralStatus(to).label,
                }
            )
        for name, value in {"status": to, **changes}.items():
            setattr(current, name, value)
        current.save()
        _audit(current, actor, request, **{k: str(v) for k, v in changes.items()})
    return current


def referral_accept(*, referral: Referral, actor=None, request=None) -> Referral:
    return _transition(
        referral, ReferralStatus.ACCEPTED, actor=actor, request=request, accepted_at=timezone.now()
    )


def referral_decline(
    *, referral: Referral, reason: DeclineReason, note: str = "", actor=None, request=None
) -> Referral:
    """The practice said no: its place is free again and the patient back in the pool."""
    if reason not in DeclineReason.values:
        raise ApplicationError(_("Choose why the practice declined."))
    return _transition(
        referral,
        ReferralStatus.DECLINED,
        actor=actor,
        request=request,
        declined_at=timezone.now(),
        decline_reason=reason,
        note=note,
    )


def referral_book_intake(
    *,
    referral: Referral,
    intake_on,
    history_updated: bool = False,
    screening_done: bool = False,
    actor=None,
    request=None,
) -> Referral:
    if intake_on is None:
        raise ApplicationError(_("Give the date of the intake appointment."))
    return _transition(
        referral,
        ReferralStatus.INTAKE_BOOKED,
        actor=actor,
        request=request,
        intake_on=intake_on,
        intake_history_updated=history_updated,
        intake_screening_done=screening_done,
    )


def referral_attach(*, referral: Referral, actor=None, request=None) -> Referral:
    """The clinician confirmed the attachment after the first visit."""
    return _transition(
        referral, ReferralStatus.ATTACHED, actor=actor, request=request, attached_at=timezone.now()
    )


def referral_close(
    *, referral: Referral, reason: ClosedReason, note: str = "", actor=None, request=None
) -> Referral:
    if reason not in ClosedReason.values:
        raise ApplicationError(_("Choose why the referral is closed."))
    return _transition(
        referral,
        ReferralStatus.CLOSED,
        actor=actor,
        request=request,
        closed_at=timezone.now(),
        closed_reason=reason,
        note=note,
    )


def proposal_confirm(*, proposal: Proposal, actor=None, request=None) -> Referral:
    """A person agrees with a proposal: it becomes a referral, taking its place."""
    if proposal.status != ProposalStatus.PROPOSED:
        raise IllegalTransition(_("This proposal was already decided."))
    return referral_create(
        patient=proposal.patient,
        location=proposal.location,
        proposal=proposal,
        actor=actor,
        request=request,
    )


def proposals_confirm(*, proposals: list[Proposal], actor=None, request=None) -> list[Referral]:
    """Confirm a batch (a high-capacity team's referrals): all of them or none."""
    with transaction.atomic():
        return [proposal_confirm(proposal=p, actor=actor, request=request) for p in proposals]


def proposal_reject(*, proposal: Proposal, actor=None, note: str = "", request=None) -> Proposal:
    with transaction.atomic():
        current = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if current.status != ProposalStatus.PROPOSED:
            raise IllegalTransition(_("This proposal was already decided."))
        current.status = ProposalStatus.REJECTED
        current.decided_by = actor if getattr(actor, "is_authenticated", False) else None
        current.decided_at = timezone.now()
        current.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            request=request,
            obj=current,
            patient=current.patient,
            detail={"status": current.status, "note": bool(note)},
        )
    return current
