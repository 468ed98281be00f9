"""The referral lifecycle, and the rule that a practice is never over-filled.

referred → accepted | declined | closed
accepted → intake_booked | closed
intake_booked → attached | closed

Capacity is taken when a referral is created and given back when the practice declines
(clinicians.capacity counts referrals, so there is no counter to keep in step). Two
people referring to the last place at once: each creation locks the location's row
(SELECT ... FOR UPDATE) and counts its remaining places under that lock, so the second
one sees none left and gets NoCapacityLeft (a 409 in the API). A second open referral
for the same patient is refused by a partial unique index, whatever the code does.

The patient is told (e-mail, or a letter due) once the referral is created and once it
is attached, by `attachment.referral_notices` after the commit: a message that cannot
be sent never undoes a referral.

The selectors at the end (`referral_list`, `referral_get`, `proposal_list`,
`referrals_overdue`) scope to the OHTs where the user may see patient data, through
the patient's OHT."""

from datetime import date, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from attachment.choices import ClosedReason, DeclineReason, ProposalStatus, ReferralStatus
from attachment.models import Patient, Proposal, Referral
from clinicians.capacity import remaining_capacity
from clinicians.models import PracticeLocation
from interim_supports.hours import is_holiday
from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.scoping import scope_to_user
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


class IdempotencyKeyReused(ApplicationError):
    """A key sent again with another patient or location: the caller's bug, not a retry."""

    status_code = 422
    code = "idempotency_key_reused"


def _notify_on_commit(referral: Referral, event: str, actor) -> None:
    """Tell the patient once the referral is committed (dropped if it rolls back)."""
    from attachment.referral_notices import referral_notice_send

    transaction.on_commit(
        partial(referral_notice_send, referral_id=referral.pk, event=event, actor=actor)
    )


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
    referral, _created = referral_create_or_replay(
        patient=patient,
        location=location,
        actor=actor,
        proposal=proposal,
        idempotency_key=idempotency_key,
        request=request,
    )
    return referral


def _replay(idempotency_key: str, patient: Patient, location: PracticeLocation):
    earlier = Referral.objects.filter(idempotency_key=idempotency_key).first()
    if earlier is not None and (
        earlier.patient_id != patient.pk or earlier.location_id != location.pk
    ):
        raise IdempotencyKeyReused(_("This idempotency key was used for another referral."))
    return earlier


def referral_create_or_replay(
    *,
    patient: Patient,
    location: PracticeLocation,
    actor=None,
    proposal: Proposal | None = None,
    idempotency_key: str | None = None,
    request=None,
) -> tuple[Referral, bool]:
    """`referral_create`, also saying whether this call created the referral (False
    when an earlier call with the same idempotency key did), for the API's 201/200."""
    if idempotency_key:
        earlier = _replay(idempotency_key, patient, location)
        if earlier is not None:
            return earlier, False
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
            _notify_on_commit(referral, ReferralStatus.REFERRED, actor)
    except IntegrityError as error:
        # The same key sent twice at once: the other call's referral is the answer.
        if idempotency_key:
            earlier = _replay(idempotency_key, patient, location)
            if earlier is not None:
                return earlier, False
        raise OpenReferralExists(_("This patient already has an open referral.")) from error
    return referral, True


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
    with transaction.atomic():
        attached = _transition(
            referral,
            ReferralStatus.ATTACHED,
            actor=actor,
            request=request,
            attached_at=timezone.now(),
        )
        _notify_on_commit(attached, ReferralStatus.ATTACHED, actor)
    return attached


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
    """A person agrees with a proposal: it becomes a referral, taking its place. The
    proposal is read again under its row lock, so two people confirming it at once
    cannot both act on a stale "proposed"."""
    with transaction.atomic():
        current = (
            Proposal.objects.select_for_update()
            .select_related("patient__oht", "location")
            .get(pk=proposal.pk)
        )
        if current.status != ProposalStatus.PROPOSED:
            raise IllegalTransition(_("This proposal was already decided."))
        return referral_create(
            patient=current.patient,
            location=current.location,
            proposal=current,
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


# --- Selectors ----------------------------------------------------------------------


def referral_list(*, user) -> QuerySet[Referral]:
    """Referrals of patients of the OHTs where `user` may see patient data."""
    return scope_to_user(
        Referral.objects.select_related("patient__oht", "location", "created_by"),
        user,
        oht_field="patient__oht",
    )


def _scoped_get(scoped: QuerySet, pk: int, *, user, request):
    """One row of a patient's record from `scoped`, or 404 when it is outside the user's
    OHTs; a refused look at an existing row is audited against its patient."""
    try:
        return scoped.get(pk=pk)
    except scoped.model.DoesNotExist:
        outsider = scoped.model.objects.select_related("patient__oht").filter(pk=pk).first()
        if outsider is not None:
            audit_record(
                actor=user,
                action=AuditAction.VIEW,
                request=request,
                obj=outsider,
                patient=outsider.patient,
                outcome=AuditOutcome.DENIED,
            )
        raise Http404 from None


def referral_get(*, user, pk: int, request=None) -> Referral:
    return _scoped_get(referral_list(user=user), pk, user=user, request=request)


def proposal_list(*, user) -> QuerySet[Proposal]:
    """Proposals for patients of the OHTs where `user` may see patient data."""
    return scope_to_user(
        Proposal.objects.select_related("patient__oht", "location", "run"),
        user,
        oht_field="patient__oht",
    )


def proposal_get(*, user, pk: int, request=None) -> Proposal:
    return _scoped_get(proposal_list(user=user), pk, user=user, request=request)


def is_business_day(day: date) -> bool:
    """Monday to Friday, except Ontario statutory holidays."""
    return day.weekday() < 5 and not is_holiday(day)


def answer_due_on(referred_on: date, days: int | None = None) -> date:
    """The day a practice's answer is due: the N-th business day after the referral
    (N = REFERRAL_ANSWER_BUSINESS_DAYS). The referral day itself does not count."""
    days = settings.REFERRAL_ANSWER_BUSINESS_DAYS if days is None else days
    day = referred_on
    while days > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            days -= 1
    return day


def overdue_before(today: date, days: int | None = None) -> datetime:
    """The instant before which a referral still `referred` is overdue on `today`.

    Overdue means the answer's due day (`answer_due_on`) has passed: it is before
    `today`. Counting N business days back from yesterday lands on the first day a
    referral may have been made and still not be overdue; anything made before that
    day's start is. A referral on Monday with N = 5 is due the next Monday and
    overdue from Tuesday."""
    days = settings.REFERRAL_ANSWER_BUSINESS_DAYS if days is None else days
    day = today
    while days > 0:
        day -= timedelta(days=1)
        if is_business_day(day):
            days -= 1
    return timezone.make_aware(datetime.combine(day, time.min))


def referrals_overdue(*, user, today: date | None = None) -> QuerySet[Referral]:
    """Referrals of the user's OHTs still waiting for the practice's answer after
    REFERRAL_ANSWER_BUSINESS_DAYS business days (Mon–Fri, Ontario holidays skipped),
    oldest first: the worklist of practices to chase."""
    today = today or timezone.localdate()
    return (
        referral_list(user=user)
        .filter(status=ReferralStatus.REFERRED, referred_at__lt=overdue_before(today))
        .order_by("referred_at", "id")
    )
